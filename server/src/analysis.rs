//! A workshop's analysis: the server's [`Analysis`] (see `cocreate_core::analysis` for
//! its path: blind coding, then comparison and the agreed coding).
//!
//! Analysts read the workshop's live boards through [`CardReader`]s, without names or
//! pseudonyms; what they record is card keys and code ids, in the store's
//! [`Codings`](crate::store::Codings), never on a board.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use cocreate_core::analysis::{
    Analysis, AnalystInfo, AnalystLink, CardCodes, Coder, CodingCard, CodingPhase, CodingView,
    MAX_ANALYSTS, MAX_ANALYST_NAME,
};
use cocreate_core::catalog::{DirectoryError, DocKey};
use cocreate_core::coding::{agreement, Codebook, Coding};
use cocreate_core::model::board::Board;
use yrs::Transact;

use crate::access::{CodingAccess, WorkshopFacilitator};
use crate::auth::{new_token, TokenHash};
use crate::directory::{random_suffix, ServerDirectory};
use crate::store::{now_ms, StoredAnalyst, AGREED_CODER};

fn lead_only() -> DirectoryError {
    DirectoryError::Denied("only the workshop's facilitators (the lead analyst) do this".into())
}

impl ServerDirectory {
    fn coding_lead(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<WorkshopFacilitator, DirectoryError> {
        match self.access.coding(workshop, token)? {
            CodingAccess::Lead(f) => Ok(f),
            CodingAccess::Analyst(_) => Err(lead_only()),
        }
    }

    fn coding_setup_of(&self, workshop: &str) -> Result<(Codebook, CodingPhase), DirectoryError> {
        Ok(self.store.coding_setup(workshop)?.unwrap_or_default())
    }

    /// Every card of the workshop's boards as analysts see it: by board, then column,
    /// then position; hidden cards are not there.
    pub fn coding_cards(&self, access: &CodingAccess) -> Result<Vec<CodingCard>, DirectoryError> {
        Ok(self
            .cards_and_authors(access)?
            .into_iter()
            .map(|(c, _)| c)
            .collect())
    }

    /// [`Self::coding_cards`], each with its author's pseudonym (for exports' cases only:
    /// it is never sent to a page).
    fn cards_and_authors(
        &self,
        access: &CodingAccess,
    ) -> Result<Vec<(CodingCard, String)>, DirectoryError> {
        let mut out = Vec::new();
        for reader in access.boards() {
            let (export, _) = self.export_of(&reader, None)?;
            let order: HashMap<&str, usize> = export
                .prompts
                .iter()
                .enumerate()
                .map(|(i, p)| (p.prompt.as_str(), i))
                .collect();
            let mut cards: Vec<_> = export.cards.iter().filter(|c| !c.hidden).collect();
            cards.sort_by(|a, b| {
                let rank = |p: &str| order.get(p).copied().unwrap_or(usize::MAX);
                (rank(&a.prompt), &a.pos, &a.id).cmp(&(rank(&b.prompt), &b.pos, &b.id))
            });
            for card in cards {
                let question = export
                    .prompts
                    .iter()
                    .find(|p| p.prompt.as_str() == card.prompt)
                    .map(|p| p.title.clone())
                    .unwrap_or_else(|| card.prompt.clone());
                let coding_card = CodingCard {
                    key: format!("{}/{}", reader.board.id, card.id),
                    board_id: reader.board.id.clone(),
                    board_title: reader.board.title.clone(),
                    prompt: card.prompt.clone(),
                    question,
                    text: card.text.clone(),
                    role: card.role.clone(),
                    attributes: card.attributes.clone(),
                };
                out.push((coding_card, card.author.clone()));
            }
        }
        Ok(out)
    }

    /// The analysis as `access` may see it. Stored codes of cards no longer on a board,
    /// or of codes no longer in the codebook, are left out (and kept).
    pub fn coding_view(&self, access: &CodingAccess) -> Result<CodingView, DirectoryError> {
        let workshop = access.workshop();
        let (codebook, phase) = self.coding_setup_of(&workshop.id)?;
        let cards = self.coding_cards(access)?;
        let live: BTreeSet<&str> = cards.iter().map(|c| c.key.as_str()).collect();
        let known: BTreeSet<&str> = codebook.codes.iter().map(|c| c.id.as_str()).collect();
        let mut codings: BTreeMap<String, Coding> = self
            .store
            .codings(&workshop.id)?
            .into_iter()
            .map(|(coder, coding)| {
                let coding = coding
                    .into_iter()
                    .filter(|(card, _)| live.contains(card.as_str()))
                    .map(|(card, codes)| {
                        let codes = codes
                            .into_iter()
                            .filter(|c| known.contains(c.as_str()))
                            .collect();
                        (card, codes)
                    })
                    .collect();
                (coder, coding)
            })
            .collect();
        let agreed = codings.remove(AGREED_CODER).unwrap_or_default();
        let analysts: Vec<AnalystInfo> = self
            .store
            .analysts(&workshop.id)?
            .into_iter()
            .map(|a| AnalystInfo {
                coded: codings.get(&a.info.id).map_or(0, |c| c.len()),
                ..a.info
            })
            .collect();
        let coded: Vec<(String, Coding)> = analysts
            .iter()
            .filter_map(|a| {
                let c = codings.get(&a.id)?;
                (!c.is_empty()).then(|| (a.id.clone(), c.clone()))
            })
            .collect();
        let agreement = if coded.len() >= 2 {
            Some(
                agreement(&codebook, &coded)
                    .map_err(|e| DirectoryError::Internal(e.to_string()))?,
            )
        } else {
            None
        };
        let mut view = CodingView {
            workshop_id: workshop.id.clone(),
            workshop_title: workshop.title.clone(),
            phase,
            me: Coder::Lead,
            codebook,
            cards,
            analysts,
            mine: Coding::new(),
            codings,
            agreement,
            agreed,
        };
        if let CodingAccess::Analyst(a) = access {
            let me = view
                .analysts
                .iter()
                .find(|x| x.id == a.analyst.id)
                .cloned()
                .unwrap_or_else(|| a.analyst.clone());
            view.mine = view.codings.get(&me.id).cloned().unwrap_or_default();
            if phase == CodingPhase::Blind {
                // Blind: nothing of anyone else's coding, not even how far they got.
                view.analysts = vec![me.clone()];
                view.codings.clear();
                view.agreement = None;
            }
            view.me = Coder::Analyst(me);
        }
        Ok(view)
    }
}

/// The analysis exported in the REFI-QDA format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QdaFile {
    /// The codebook alone (`.qdc`): anyone in the analysis.
    Codebook,
    /// Cards, cases, codebook, every analyst's and the agreed coding (`.qdpx`): the lead.
    Project,
    /// The NVivo dataset (CSV, one row per card with its codes): the lead.
    Dataset,
    /// The NVivo classification sheet (CSV, one row per case): the lead.
    Classification,
}

impl ServerDirectory {
    /// A REFI-QDA file of the analysis: its bytes and a file name. Audited.
    pub fn coding_export(
        &self,
        workshop: &str,
        token: Option<&str>,
        file: QdaFile,
    ) -> Result<(Vec<u8>, String), DirectoryError> {
        let access = self.access.coding(workshop, token)?;
        let w = access.workshop().id.clone();
        let internal = |e: crate::qda::QdaError| DirectoryError::Internal(e.to_string());
        let (bytes, name) = match file {
            QdaFile::Codebook => {
                let (book, _) = self.coding_setup_of(&w)?;
                (
                    crate::qda::codebook(&w, &book).map_err(internal)?,
                    format!("{w}-codebook.qdc"),
                )
            }
            QdaFile::Project | QdaFile::Dataset | QdaFile::Classification => {
                if !matches!(access, CodingAccess::Lead(_)) {
                    return Err(lead_only());
                }
                let view = self.coding_view(&access)?;
                let with_authors = self.cards_and_authors(&access)?;
                let cards: Vec<crate::qda::ProjectCard<'_>> = with_authors
                    .iter()
                    .map(|(card, author)| crate::qda::ProjectCard { card, author })
                    .collect();
                match file {
                    QdaFile::Dataset => (
                        crate::qda::dataset_csv(&view, &cards).into_bytes(),
                        format!("{w}-analysis-dataset.csv"),
                    ),
                    QdaFile::Classification => (
                        crate::qda::classification_csv(&cards).into_bytes(),
                        format!("{w}-classification.csv"),
                    ),
                    _ => {
                        let created = cocreate_core::model::report::iso_utc(now_ms() as f64)
                            .replace(' ', "T")
                            + "Z";
                        (
                            crate::qda::project(&view, &cards, &created).map_err(internal)?,
                            format!("{w}-analysis.qdpx"),
                        )
                    }
                }
            }
        };
        let detail = match file {
            QdaFile::Codebook => "REFI-QDA codebook (.qdc)",
            QdaFile::Project => "REFI-QDA project (.qdpx)",
            QdaFile::Dataset => "NVivo dataset (CSV)",
            QdaFile::Classification => "NVivo classification sheet (CSV)",
        };
        self.audit(
            &w,
            self.coding_actor(&access, token),
            "export analysis",
            &w,
            detail,
        );
        Ok((bytes, name))
    }

    /// Replace the codebook with a REFI-QDA codebook file (the lead, while blind); returns
    /// how many codes it has. A malformed file, or a codebook `check` refuses, leaves the
    /// codebook as it was.
    pub fn import_codebook(
        &self,
        workshop: &str,
        token: Option<&str>,
        qdc: &[u8],
    ) -> Result<usize, DirectoryError> {
        let lead = self.coding_lead(workshop, token)?;
        let (existing, _) = self.coding_setup_of(&lead.workshop.id)?;
        let book = crate::qda::read_codebook(qdc, &lead.workshop.id, &existing)
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        let n = book.codes.len();
        self.set_codebook(workshop, token, book)?;
        Ok(n)
    }

    /// Who is acting in an analysis, for the audit log: an analyst by name, else the link.
    fn coding_actor(&self, access: &CodingAccess, token: Option<&str>) -> String {
        match access {
            CodingAccess::Analyst(a) => format!("analyst {} ({})", a.analyst.name, a.analyst.id),
            CodingAccess::Lead(_) => self.actor(token),
        }
    }
}

impl Analysis for ServerDirectory {
    fn coding(&self, workshop: &str, token: Option<&str>) -> Result<CodingView, DirectoryError> {
        let access = self.access.coding(workshop, token)?;
        self.coding_view(&access)
    }

    fn set_codebook(
        &self,
        workshop: &str,
        token: Option<&str>,
        codebook: Codebook,
    ) -> Result<(), DirectoryError> {
        let lead = self.coding_lead(workshop, token)?;
        codebook
            .check()
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        let (_, phase) = self.coding_setup_of(&lead.workshop.id)?;
        if phase != CodingPhase::Blind {
            return Err(DirectoryError::Invalid(
                "the codings are being compared: open coding again to change the codebook".into(),
            ));
        }
        self.store.set_codebook(&lead.workshop.id, &codebook)?;
        self.audit(
            &lead.workshop.id,
            self.actor(token),
            "save codebook",
            &lead.workshop.id,
            format!("{} codes", codebook.codes.len()),
        );
        Ok(())
    }

    fn add_analyst(
        &self,
        workshop: &str,
        token: Option<&str>,
        name: String,
    ) -> Result<AnalystLink, DirectoryError> {
        let lead = self.coding_lead(workshop, token)?;
        let name = name.trim().to_string();
        if name.is_empty() || name.chars().count() > MAX_ANALYST_NAME {
            return Err(DirectoryError::Invalid(format!(
                "an analyst needs a name of 1 to {MAX_ANALYST_NAME} characters"
            )));
        }
        let w = &lead.workshop.id;
        if self.store.analysts(w)?.len() >= MAX_ANALYSTS {
            return Err(DirectoryError::Invalid(format!(
                "a workshop's analysis has at most {MAX_ANALYSTS} analysts"
            )));
        }
        let secret = new_token();
        let analyst = StoredAnalyst {
            workshop: w.clone(),
            info: AnalystInfo {
                id: format!("a{}", random_suffix()),
                name,
                created_ms: now_ms(),
                coded: 0,
                revoked_ms: None,
            },
            token_hash: TokenHash::of(&secret).as_str().to_string(),
        };
        self.store.add_analyst(&analyst)?;
        tracing::info!(workshop = %w, analyst = %analyst.info.id, "analyst added");
        self.audit(
            w,
            self.actor(token),
            "add analyst",
            &analyst.info.id,
            analyst.info.name.clone(),
        );
        Ok(AnalystLink {
            analyst: analyst.info,
            token: secret,
        })
    }

    fn revoke_analyst(
        &self,
        workshop: &str,
        token: Option<&str>,
        analyst: &str,
    ) -> Result<(), DirectoryError> {
        let lead = self.coding_lead(workshop, token)?;
        if !self
            .store
            .revoke_analyst(&lead.workshop.id, analyst, now_ms())?
        {
            return Err(DirectoryError::NotFound);
        }
        self.audit(
            &lead.workshop.id,
            self.actor(token),
            "revoke analyst",
            analyst,
            "",
        );
        Ok(())
    }

    fn set_coding_phase(
        &self,
        workshop: &str,
        token: Option<&str>,
        phase: CodingPhase,
    ) -> Result<(), DirectoryError> {
        let lead = self.coding_lead(workshop, token)?;
        self.store.set_coding_phase(&lead.workshop.id, phase)?;
        self.audit(
            &lead.workshop.id,
            self.actor(token),
            match phase {
                CodingPhase::Blind => "open coding",
                CodingPhase::Compare => "compare codings",
            },
            &lead.workshop.id,
            "",
        );
        Ok(())
    }

    fn codes_from_themes(
        &self,
        workshop: &str,
        token: Option<&str>,
        board: &str,
    ) -> Result<usize, DirectoryError> {
        let lead = self.coding_lead(workshop, token)?;
        let reader = CodingAccess::Lead(lead.clone())
            .boards()
            .into_iter()
            .find(|r| r.board.id == board)
            .ok_or_else(|| {
                DirectoryError::Invalid(format!("there is no board {board:?} in this workshop"))
            })?;
        let (export, _) = self.export_of(&reader, None)?;
        let (mut book, _) = self.coding_setup_of(&lead.workshop.id)?;
        let mut added = 0;
        for theme in &export.themes {
            let name = theme.title.trim();
            if name.is_empty() || book.codes.iter().any(|c| c.name == name) {
                continue;
            }
            let used: BTreeSet<String> = book.codes.iter().map(|c| c.id.clone()).collect();
            let id = (1..)
                .map(|n| format!("theme-{n}"))
                .find(|id| !used.contains(id))
                .unwrap_or_default();
            book.codes.push(cocreate_core::coding::Code {
                id,
                name: name
                    .chars()
                    .take(cocreate_core::coding::MAX_CODE_NAME)
                    .collect(),
                definition: format!("A theme of the board “{}”.", reader.board.title),
                parent: None,
            });
            added += 1;
        }
        if added > 0 {
            self.set_codebook(workshop, token, book)?;
        }
        Ok(added)
    }

    fn code_card(
        &self,
        workshop: &str,
        token: Option<&str>,
        codes: CardCodes,
    ) -> Result<(), DirectoryError> {
        let access = self.access.coding(workshop, token)?;
        let w = access.workshop().id.clone();
        let (codebook, phase) = self.coding_setup_of(&w)?;
        let coder = match (&access, phase) {
            (CodingAccess::Analyst(a), CodingPhase::Blind) => a.analyst.id.clone(),
            (CodingAccess::Analyst(_), CodingPhase::Compare) => {
                return Err(DirectoryError::Invalid(
                    "coding is closed while the codings are compared".into(),
                ))
            }
            (CodingAccess::Lead(_), CodingPhase::Compare) => AGREED_CODER.to_string(),
            (CodingAccess::Lead(_), CodingPhase::Blind) => {
                return Err(DirectoryError::Invalid(
                    "the agreed coding is recorded once the codings are compared".into(),
                ))
            }
        };
        let one: Coding = [(codes.card.clone(), codes.codes.clone())].into();
        codebook
            .check_coding(&one)
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        // Read the one card from the live board (a hidden card is in no board document),
        // not a whole export with its roster on every click.
        let on_board = match codes.card.split_once('/') {
            Some((board, card)) if access.boards().iter().any(|r| r.board.id == board) => {
                let live = self.hub.join(&DocKey::board(board))?;
                live.read(|d| Board::of(d).card(&d.transact(), card).is_some())
            }
            _ => false,
        };
        if !on_board {
            return Err(DirectoryError::Invalid(format!(
                "there is no card {:?} on this workshop's boards",
                codes.card
            )));
        }
        self.store
            .set_card_codes(&w, &coder, &codes.card, &codes.codes)?;
        if coder == AGREED_CODER {
            self.audit(
                &w,
                self.actor(token),
                "agree coding",
                &codes.card,
                codes.codes.iter().cloned().collect::<Vec<_>>().join(", "),
            );
        }
        Ok(())
    }
}
