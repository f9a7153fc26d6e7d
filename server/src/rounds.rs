//! Synthesis boards and consultation rounds: the server's [`Rounds`].
//!
//! A synthesis board is an ordinary board (live, websocket, exports) whose cards were
//! copied from other boards or snapshots with their provenance. A round is a frozen draft
//! of a board with its own respondents' token: that token reads the draft and records
//! answers, nothing else (it is not a link, so every board route refuses it with 401).

use cocreate_core::catalog::{
    BoardSummary, DirFuture, DirectoryError, DocKey, NewSynthesis, RoundSummary, Rounds,
    SourceBoard, SourceRef,
};
use cocreate_core::consult::{
    draft_from, Answer, Consultation, NewConsultation, NewReply, Outcome, Published, Reply,
    Response, Results, StoredAnswer, MAX_REPLIES,
};
use cocreate_core::model::board::Board;
use cocreate_core::model::export::BoardExport;
use cocreate_core::model::synthesis::copy_cards;
use yrs::{ReadTxn, StateVector, Transact};

use crate::access::{Organiser, RoundAccess};
use crate::auth::TokenHash;
use crate::directory::{check_title, random_suffix, slug, ServerDirectory};
use crate::store::now_ms;

/// Most sources one synthesis request may name.
pub const MAX_SOURCES: usize = 100;

impl ServerDirectory {
    /// Exports of the chosen sources (live or snapshot), checked to exist; the organising
    /// team reads every board.
    fn source_exports(
        &self,
        team: &Organiser,
        sources: &[SourceRef],
    ) -> Result<Vec<BoardExport>, DirectoryError> {
        if sources.is_empty() {
            return Err(DirectoryError::Invalid(
                "choose at least one board or snapshot".into(),
            ));
        }
        if sources.len() > MAX_SOURCES {
            return Err(DirectoryError::Invalid(format!(
                "at most {MAX_SOURCES} sources at once"
            )));
        }
        sources
            .iter()
            .map(|s| {
                let b = self
                    .access
                    .source_board(team, &s.board)
                    .map_err(|e| match e {
                        crate::access::AccessError::NotFound(_) => {
                            DirectoryError::Invalid(format!("there is no board {}", s.board))
                        }
                        other => other.into(),
                    })?;
                let (export, _) = self.export_of(&b, s.snapshot).map_err(|e| match e {
                    DirectoryError::NotFound => DirectoryError::Invalid(format!(
                        "board {} has no snapshot {}",
                        s.board,
                        s.snapshot.unwrap_or_default()
                    )),
                    other => other,
                })?;
                Ok(export)
            })
            .collect()
    }
}

impl Rounds for ServerDirectory {
    fn sources(&self, token: Option<&str>) -> Result<Vec<SourceBoard>, DirectoryError> {
        self.access.organiser(token)?;
        let mut snapshots = self.store.all_snapshots()?;
        Ok(self
            .store
            .all_boards()?
            .into_iter()
            .map(|board| SourceBoard {
                snapshots: snapshots.remove(&board.id).unwrap_or_default(),
                board,
            })
            .collect())
    }

    fn create_synthesis(
        &self,
        workshop: &str,
        token: Option<&str>,
        new: NewSynthesis,
    ) -> Result<BoardSummary, DirectoryError> {
        // Reading other workshops' boards is the organising team's, not a workshop's.
        let team = self.access.organiser(token)?;
        let facilitator = self.access.workshop_facilitator(workshop, token)?;
        let w = &facilitator.workshop;
        let title = check_title(&new.title)?;
        let pillar = check_title(&new.pillar)?;
        let exports = self.source_exports(&team, &new.sources)?;
        let prompts = self.store.plan(&w.id)?.unwrap_or_default().prompts;
        let doc = cocreate_core::model::new_doc();
        let board = Board::of(&doc);
        let mut copied = 0;
        {
            let mut txn = doc.transact_mut();
            board.init_meta(&mut txn, &title, &w.area, &pillar);
            board.set_prompts(&mut txn, &prompts);
            for e in &exports {
                copied += copy_cards(&board, &mut txn, e, now_ms() as f64)
                    .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
            }
        }
        let state = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let id = format!("{}-synthesis-{}", w.id, random_suffix());
        self.store
            .create_board(&id, &w.id, &title, &pillar, &state)?;
        tracing::info!(board = %id, sources = exports.len(), copied, "synthesis board created");
        self.audit(
            &w.id,
            self.actor(token),
            "create synthesis board",
            &id,
            format!("{copied} cards from {} sources", exports.len()),
        );
        self.store
            .board_summary(&id)?
            .ok_or(DirectoryError::NotFound)
    }

    fn add_sources(
        &self,
        board: String,
        token: Option<String>,
        sources: Vec<SourceRef>,
    ) -> DirFuture<usize> {
        let this = self.clone();
        Box::pin(async move {
            let team = this.access.organiser(token.as_deref())?;
            let (_, b) = this
                .access
                .board_in_facilitated_workshop(&board, token.as_deref())?;
            let b = b.board;
            let exports = this.source_exports(&team, &sources)?;
            let live = this.hub.join(&DocKey::board(&b.id))?;
            let now = now_ms() as f64;
            let mut added = 0;
            live.change(Board::of, |board, txn| {
                for e in &exports {
                    added += copy_cards(board, txn, e, now)?;
                }
                Ok::<(), cocreate_core::model::ModelError>(())
            })
            .await?
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
            tracing::info!(board = %b.id, added, "sources added");
            this.audit(
                &b.workshop_id,
                this.actor(token.as_deref()),
                "add synthesis sources",
                &b.id,
                format!("{added} cards"),
            );
            Ok(added)
        })
    }

    fn publish(
        &self,
        board: &str,
        token: Option<&str>,
        new: NewConsultation,
    ) -> Result<Published, DirectoryError> {
        let (_, facilitator) = self.access.board_in_facilitated_workshop(board, token)?;
        let title = check_title(&new.title)?;
        let (export, _) = self.export_of(&facilitator, new.at)?;
        let b = &facilitator.board;
        let items = draft_from(&export);
        if items.is_empty() {
            return Err(DirectoryError::Invalid(
                "the board has no themes or cards to publish".into(),
            ));
        }
        let consultation = Consultation {
            id: format!("{}-{}", slug(&title), random_suffix()),
            workshop_id: b.workshop_id.clone(),
            board_id: b.id.clone(),
            title,
            kind: new.kind,
            open: true,
            created_ms: now_ms(),
            snapshot: new.at,
            items,
        };
        let actor = self.actor(token);
        let token = crate::auth::new_token();
        self.store
            .create_consultation(&consultation, TokenHash::of(&token).as_str())?;
        self.audit(
            &b.workshop_id,
            actor,
            "publish draft",
            &consultation.id,
            format!("{} from board {}", consultation.kind.as_str(), b.id),
        );
        tracing::info!(round = %consultation.id, board = %b.id, kind = consultation.kind.as_str(), "draft published");
        Ok(Published {
            consultation,
            token,
        })
    }

    fn rounds(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<Vec<RoundSummary>, DirectoryError> {
        let w = self.access.workshop_facilitator(workshop, token)?;
        Ok(self
            .store
            .consultations_of(&w.workshop.id)?
            .into_iter()
            .map(|(consultation, respondents)| RoundSummary {
                consultation,
                respondents,
            })
            .collect())
    }

    fn round(&self, id: &str, token: Option<&str>) -> Result<Consultation, DirectoryError> {
        Ok(self.access.round(id, token)?.round().clone())
    }

    fn respond(
        &self,
        id: &str,
        token: Option<&str>,
        response: Response,
    ) -> Result<Option<String>, DirectoryError> {
        let access = self.access.round(id, token)?;
        let c = access.round();
        if !c.open {
            return Err(DirectoryError::Invalid(
                "this round is closed: responses are no longer taken".into(),
            ));
        }
        let checked = response
            .checked(&c.items)
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        let given =
            self.respondent_may_write(&c.id, &checked.respondent, checked.secret.as_deref())?;
        self.store.save_response(&c.id, &checked, now_ms())?;
        tracing::info!(round = %c.id, answers = checked.answers.len(), "response recorded");
        Ok(given)
    }

    fn my_answers(
        &self,
        id: &str,
        token: Option<&str>,
        respondent: &str,
        secret: Option<&str>,
    ) -> Result<Vec<Answer>, DirectoryError> {
        let access = self.access.round(id, token)?;
        let c = access.round();
        if let Some(hash) = self.store.respondent_secret(&c.id, respondent)? {
            if secret.map(|s| TokenHash::of(s).as_str().to_string()) != Some(hash) {
                return Err(DirectoryError::Denied(NOT_YOURS.into()));
            }
        }
        Ok(self
            .store
            .answers(&c.id, Some(respondent))?
            .into_iter()
            .map(|a| Answer {
                item: a.item,
                stance: a.stance,
                comment: a.comment,
            })
            .collect())
    }

    fn results(&self, id: &str, token: Option<&str>) -> Result<Results, DirectoryError> {
        Ok(self.results_and_answers(id, token)?.0)
    }

    fn set_round_open(
        &self,
        id: &str,
        token: Option<&str>,
        open: bool,
    ) -> Result<(), DirectoryError> {
        let c = self.access.round_facilitator(id, token)?.round;
        self.store.set_consultation_open(&c.id, open)?;
        tracing::info!(round = %c.id, open, "round opened or closed");
        self.audit(
            &c.workshop_id,
            self.actor(token),
            if open { "open round" } else { "close round" },
            &c.id,
            "",
        );
        Ok(())
    }

    fn record_outcome(
        &self,
        id: &str,
        token: Option<&str>,
        outcome: Outcome,
    ) -> Result<(), DirectoryError> {
        let c = self.access.round_facilitator(id, token)?.round;
        if !c.items.iter().any(|i| i.id == outcome.item) {
            return Err(DirectoryError::Invalid(format!(
                "there is no item {} in this draft",
                outcome.item
            )));
        }
        let note = outcome.note.trim();
        if note.chars().count() > cocreate_core::consult::MAX_COMMENT {
            return Err(DirectoryError::Invalid("the note is too long".into()));
        }
        self.store.record_outcome(
            &c.id,
            &Outcome {
                note: note.to_string(),
                decided_ms: now_ms(),
                ..outcome.clone()
            },
        )?;
        self.audit(
            &c.workshop_id,
            self.actor(token),
            "record outcome",
            &format!("{} {}", c.id, outcome.item),
            format!("{:?}", outcome.decision),
        );
        Ok(())
    }

    fn replies(&self, id: &str, token: Option<&str>) -> Result<Vec<Reply>, DirectoryError> {
        let access = self.access.round(id, token)?;
        let all = self.store.replies(&access.round().id)?;
        Ok(match access {
            RoundAccess::Facilitator(_) => all,
            RoundAccess::Respondent(_) => all
                .into_iter()
                .filter(|r| !r.hidden)
                .map(|r| Reply {
                    respondent: None,
                    ..r
                })
                .collect(),
        })
    }

    fn reply(
        &self,
        id: &str,
        token: Option<&str>,
        reply: NewReply,
    ) -> Result<(Reply, Option<String>), DirectoryError> {
        let access = self.access.round(id, token)?;
        let c = access.round();
        if !c.open {
            return Err(DirectoryError::Invalid(
                "this round is closed: replies are no longer taken".into(),
            ));
        }
        let respondent = matches!(access, RoundAccess::Respondent(_));
        let checked = reply
            .checked(&c.items, respondent)
            .map_err(|e| DirectoryError::Invalid(e.to_string()))?;
        if self.store.replies(&c.id)?.len() >= MAX_REPLIES {
            return Err(DirectoryError::Invalid(format!(
                "this round's discussion is full ({MAX_REPLIES} replies)"
            )));
        }
        // A respondent writes as they answer; a facilitator as the facilitator.
        let (given, who, name, organisation) = if respondent {
            let given =
                self.respondent_may_write(&c.id, &checked.respondent, checked.secret.as_deref())?;
            (
                given,
                Some(checked.respondent),
                checked.name,
                checked.organisation,
            )
        } else {
            (None, None, "Facilitator".to_string(), String::new())
        };
        let stored = Reply {
            id: format!("{}{}", random_suffix(), random_suffix()),
            item: checked.item,
            respondent: who,
            name,
            organisation,
            text: checked.text,
            created_ms: now_ms(),
            hidden: false,
            facilitator: !respondent,
        };
        self.store.save_reply(&c.id, &stored)?;
        tracing::info!(round = %c.id, item = %stored.item, "reply recorded");
        if !respondent {
            self.audit(
                &c.workshop_id,
                self.actor(token),
                "reply",
                &format!("{} {}", c.id, stored.item),
                stored.id.clone(),
            );
        }
        Ok((stored, given))
    }

    fn hide_reply(
        &self,
        id: &str,
        token: Option<&str>,
        reply: &str,
        hidden: bool,
    ) -> Result<(), DirectoryError> {
        let c = self.access.round_facilitator(id, token)?.round;
        if !self.store.set_reply_hidden(&c.id, reply, hidden)? {
            return Err(DirectoryError::NotFound);
        }
        self.audit(
            &c.workshop_id,
            self.actor(token),
            if hidden { "hide reply" } else { "show reply" },
            &format!("{} {reply}", c.id),
            String::new(),
        );
        Ok(())
    }
}

/// What someone hears who tries to change or read another respondent's answers.
const NOT_YOURS: &str =
    "these answers were sent from another browser: answer from the one that sent them";

impl ServerDirectory {
    /// Whether `respondent` may write to round `id` with `secret`: their first answer
    /// gives them a secret (returned, to keep in their browser; only its hash is stored),
    /// every later one must carry it. The round's token is shared by every respondent,
    /// so without this anyone who learnt a respondent id could overwrite their answers.
    fn respondent_may_write(
        &self,
        id: &str,
        respondent: &str,
        secret: Option<&str>,
    ) -> Result<Option<String>, DirectoryError> {
        if let Some(hash) = self.store.respondent_secret(id, respondent)? {
            return match secret {
                Some(s) if TokenHash::of(s).as_str() == hash => Ok(None),
                _ => Err(DirectoryError::Denied(NOT_YOURS.into())),
            };
        }
        let fresh = crate::auth::new_token();
        if self
            .store
            .claim_respondent(id, respondent, TokenHash::of(&fresh).as_str())?
        {
            return Ok(Some(fresh));
        }
        // Someone claimed the id between the two calls: check again against theirs.
        self.respondent_may_write(id, respondent, secret)
    }

    /// A round's results and every answer, read once (facilitators).
    fn results_and_answers(
        &self,
        id: &str,
        token: Option<&str>,
    ) -> Result<(Results, Vec<StoredAnswer>), DirectoryError> {
        let c = self.access.round_facilitator(id, token)?.round;
        let answers = self.store.answers(&c.id, None)?;
        let outcomes = self.store.outcomes(&c.id)?;
        let replies = self.store.replies(&c.id)?;
        Ok((Results::tally(c, &answers, &outcomes, &replies), answers))
    }

    /// The responses CSV of a round (facilitators).
    pub fn responses_csv(
        &self,
        id: &str,
        token: Option<&str>,
    ) -> Result<(Consultation, String), DirectoryError> {
        let (results, answers) = self.results_and_answers(id, token)?;
        let csv = cocreate_core::consult::responses_csv(&results, &answers);
        Ok((results.consultation, csv))
    }

    /// The replies CSV of a round (facilitators): the discussion under every item.
    pub fn replies_csv(
        &self,
        id: &str,
        token: Option<&str>,
    ) -> Result<(Consultation, String), DirectoryError> {
        let (results, _) = self.results_and_answers(id, token)?;
        let csv = cocreate_core::consult::replies_csv(&results);
        Ok((results.consultation, csv))
    }

    /// The summary CSV of a round (facilitators): each item's tally and decision.
    pub fn summary_csv(
        &self,
        id: &str,
        token: Option<&str>,
    ) -> Result<(Consultation, String), DirectoryError> {
        let (results, _) = self.results_and_answers(id, token)?;
        let csv = cocreate_core::consult::summary_csv(&results);
        Ok((results.consultation, csv))
    }
}
