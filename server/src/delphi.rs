//! Delphi rating rounds: the lead (a facilitator of the whole workshop) writes a study
//! (items, scale, consensus rule: fixed from then on), adds respondents by code (each gets
//! a link of their own) and opens and closes rounds; each respondent rates the open
//! round's items. See `cocreate_core::delphi` for the rounds and their statistics.

use std::collections::{BTreeMap, BTreeSet};

use cocreate_core::catalog::DirectoryError;
use cocreate_core::delphi::{
    carried_forward, check_code, check_ratings, results, DelphiError, DelphiItem, DelphiResults,
    DelphiRound, ItemSource, ItemToRate, NewStudy, Rating, Respondent, RespondentLink,
    RespondentView, StoredRating, Study,
};

use crate::access::{DelphiAccess, WorkshopFacilitator};
use crate::auth::{new_token, TokenHash};
use crate::directory::{random_suffix, ServerDirectory};
use crate::store::now_ms;

/// Most respondents in one study.
pub const MAX_RESPONDENTS: usize = 500;

fn invalid(e: DelphiError) -> DirectoryError {
    DirectoryError::Invalid(e.to_string())
}

impl ServerDirectory {
    fn delphi_lead(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<(Study, WorkshopFacilitator), DirectoryError> {
        match self.access.delphi(study, token)? {
            DelphiAccess::Lead(study, lead) => Ok((study, lead)),
            DelphiAccess::Respondent(..) => Err(DirectoryError::Denied(
                "respondents rate; only the workshop's facilitators run the study".into(),
            )),
        }
    }

    /// A new study in `workshop` (its facilitators): items typed, then those of
    /// `new.from`: one of the workshop's boards' theme titles, or the items of a draft
    /// published from one of its boards.
    pub fn create_study(
        &self,
        workshop: &str,
        token: Option<&str>,
        mut new: NewStudy,
    ) -> Result<Study, DirectoryError> {
        let lead = self.access.workshop_facilitator(workshop, token)?;
        match new.from.take() {
            None => {}
            Some(ItemSource::Board(board)) => {
                let reader = lead.board(&board).map_err(|_| {
                    DirectoryError::Invalid(format!("there is no board {board:?} in this workshop"))
                })?;
                let (export, _) = self.export_of(&reader, None)?;
                new.items.extend(
                    export
                        .themes
                        .iter()
                        .map(|t| t.title.trim().to_string())
                        .filter(|t| !t.is_empty()),
                );
            }
            Some(ItemSource::Draft(id)) => {
                let draft = self
                    .store
                    .consultation(&id)?
                    .map(|(c, _)| c)
                    .filter(|c| c.workshop_id == lead.workshop.id)
                    .ok_or_else(|| {
                        DirectoryError::Invalid(format!(
                            "there is no draft {id:?} published from this workshop"
                        ))
                    })?;
                new.items
                    .extend(draft.items.into_iter().map(|i| i.text.trim().to_string()));
            }
        }
        new.check().map_err(invalid)?;
        let study = Study {
            id: format!("delphi-{}", random_suffix()),
            workshop_id: lead.workshop.id.clone(),
            title: new.title.trim().to_string(),
            scale: new.scale,
            rule: new.rule,
            items: new
                .items
                .iter()
                .enumerate()
                .map(|(i, text)| DelphiItem {
                    id: format!("i{}", i + 1),
                    text: text.trim().to_string(),
                })
                .collect(),
            created_ms: now_ms(),
        };
        self.store.create_study(&study)?;
        self.audit(
            &study.workshop_id,
            self.actor(token),
            "create Delphi study",
            &study.id,
            format!(
                "{} items, {:?} scale, consensus: at least {} % high and under {} % low",
                study.items.len(),
                study.scale,
                study.rule.high_at_least,
                study.rule.low_under
            ),
        );
        Ok(study)
    }

    /// A workshop's studies (its facilitators).
    pub fn studies(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<Vec<Study>, DirectoryError> {
        let lead = self.access.workshop_facilitator(workshop, token)?;
        Ok(self.store.studies_of(&lead.workshop.id)?)
    }

    /// A respondent with their own link (the lead): the code is theirs, never a name.
    pub fn add_delphi_respondent(
        &self,
        study: &str,
        token: Option<&str>,
        code: &str,
    ) -> Result<RespondentLink, DirectoryError> {
        let (study, _) = self.delphi_lead(study, token)?;
        let code = code.trim();
        check_code(code).map_err(invalid)?;
        let existing = self.store.respondents(&study.id)?;
        if existing.iter().any(|r| r.code.eq_ignore_ascii_case(code)) {
            return Err(invalid(DelphiError::CodeTaken(code.to_string())));
        }
        if existing.len() >= MAX_RESPONDENTS {
            return Err(DirectoryError::Invalid(format!(
                "a study has at most {MAX_RESPONDENTS} respondents"
            )));
        }
        let secret = new_token();
        self.store.add_respondent(
            &study.id,
            &Respondent {
                code: code.to_string(),
                created_ms: now_ms(),
                revoked_ms: None,
            },
            TokenHash::of(&secret).as_str(),
        )?;
        self.audit(
            &study.workshop_id,
            self.actor(token),
            "add Delphi respondent",
            &study.id,
            code,
        );
        Ok(RespondentLink {
            code: code.to_string(),
            token: secret,
        })
    }

    /// Revoke a respondent's link (the lead): it opens nothing from now on; their
    /// ratings are kept.
    pub fn revoke_delphi_respondent(
        &self,
        study: &str,
        token: Option<&str>,
        code: &str,
    ) -> Result<(), DirectoryError> {
        let (study, _) = self.delphi_lead(study, token)?;
        if !self.store.revoke_respondent(&study.id, code, now_ms())? {
            return Err(DirectoryError::NotFound);
        }
        self.audit(
            &study.workshop_id,
            self.actor(token),
            "revoke Delphi respondent",
            &study.id,
            code,
        );
        Ok(())
    }

    /// Open the next round (the lead): round 1 rates every item; a later one, only the
    /// items without consensus in the round before, which must be closed.
    pub fn open_delphi_round(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<DelphiRound, DirectoryError> {
        let (study, _) = self.delphi_lead(study, token)?;
        let rounds = self.store.rounds(&study.id)?;
        if let Some(open) = rounds.iter().find(|r| r.open) {
            return Err(DirectoryError::Invalid(format!(
                "round {} is still open: close it first",
                open.number
            )));
        }
        let items = match rounds.last() {
            None => study.items.iter().map(|i| i.id.clone()).collect(),
            Some(_) => {
                let ratings = self.store.ratings(&study.id)?;
                let all = results(&study, &rounds, &ratings);
                let left = carried_forward(all.last().expect("a round"));
                if left.is_empty() {
                    return Err(DirectoryError::Invalid(
                        "every item has reached consensus: no further round is needed".into(),
                    ));
                }
                left
            }
        };
        let round = DelphiRound {
            number: rounds.len() as u32 + 1,
            items,
            open: true,
            opened_ms: now_ms(),
            closed_ms: None,
        };
        self.store.save_round(&study.id, &round)?;
        self.audit(
            &study.workshop_id,
            self.actor(token),
            "open Delphi round",
            &study.id,
            format!("round {}, {} items", round.number, round.items.len()),
        );
        Ok(round)
    }

    /// Close the open round (the lead).
    pub fn close_delphi_round(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<(), DirectoryError> {
        let (study, _) = self.delphi_lead(study, token)?;
        let mut round = self
            .store
            .rounds(&study.id)?
            .into_iter()
            .find(|r| r.open)
            .ok_or_else(|| invalid(DelphiError::NoneOpen))?;
        round.open = false;
        round.closed_ms = Some(now_ms());
        self.store.save_round(&study.id, &round)?;
        self.audit(
            &study.workshop_id,
            self.actor(token),
            "close Delphi round",
            &study.id,
            format!("round {}", round.number),
        );
        Ok(())
    }

    /// What a respondent sees: the open round's items, each with the group's results
    /// and their own rating in the round before, and their ratings so far.
    pub fn delphi_view(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<RespondentView, DirectoryError> {
        let DelphiAccess::Respondent(study, code) = self.access.delphi(study, token)? else {
            return Err(DirectoryError::Invalid(
                "this is the respondents' page: open the study's results instead".into(),
            ));
        };
        let rounds = self.store.rounds(&study.id)?;
        let ratings = self.store.ratings(&study.id)?;
        let all = results(&study, &rounds, &ratings);
        let round = rounds.iter().find(|r| r.open).or(rounds.last()).cloned();
        let mut items = Vec::new();
        if let Some(round) = &round {
            let before = round
                .number
                .checked_sub(2)
                .and_then(|i| all.get(i as usize));
            let mine: BTreeMap<(u32, &str), &StoredRating> = ratings
                .iter()
                .filter(|r| r.respondent == code)
                .map(|r| ((r.round, r.item.as_str()), r))
                .collect();
            for id in &round.items {
                let Some(item) = study.items.iter().find(|i| &i.id == id) else {
                    continue;
                };
                items.push(ItemToRate {
                    item: item.clone(),
                    group_before: before
                        .and_then(|b| b.items.iter().find(|r| &r.item == id))
                        .cloned(),
                    mine_before: round
                        .number
                        .checked_sub(1)
                        .and_then(|n| mine.get(&(n, id.as_str())))
                        .map(|r| r.value),
                    mine: mine.get(&(round.number, id.as_str())).map(|r| Rating {
                        item: r.item.clone(),
                        value: r.value,
                        comment: r.comment.clone(),
                    }),
                });
            }
        }
        Ok(RespondentView {
            study_id: study.id.clone(),
            title: study.title.clone(),
            scale: study.scale,
            code,
            round,
            items,
        })
    }

    /// Record a respondent's ratings in the open round (each replaces their earlier
    /// rating of that item in this round). Nothing is kept if any rating is refused.
    pub fn rate(
        &self,
        study: &str,
        token: Option<&str>,
        ratings: Vec<Rating>,
    ) -> Result<usize, DirectoryError> {
        let DelphiAccess::Respondent(study, code) = self.access.delphi(study, token)? else {
            return Err(DirectoryError::Invalid(
                "the lead does not rate: add yourself as a respondent to rate".into(),
            ));
        };
        let rounds = self.store.rounds(&study.id)?;
        let round = match rounds.iter().find(|r| r.open) {
            Some(r) => r,
            None => {
                return Err(invalid(match rounds.last() {
                    Some(last) => DelphiError::Closed(last.number),
                    None => DelphiError::NoneOpen,
                }))
            }
        };
        let in_round: BTreeSet<String> = round.items.iter().cloned().collect();
        check_ratings(study.scale, &in_round, &ratings).map_err(invalid)?;
        let at = now_ms();
        let rows: Vec<StoredRating> = ratings
            .into_iter()
            .map(|r| StoredRating {
                round: round.number,
                respondent: code.clone(),
                item: r.item,
                value: r.value,
                comment: r.comment.trim().to_string(),
                at_ms: at,
            })
            .collect();
        self.store.save_ratings(&study.id, &rows)?;
        Ok(rows.len())
    }

    /// Every round's results (the lead).
    pub fn delphi_results(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<DelphiResults, DirectoryError> {
        let (study, _) = self.delphi_lead(study, token)?;
        let rounds = self.store.rounds(&study.id)?;
        let ratings = self.store.ratings(&study.id)?;
        Ok(DelphiResults {
            rounds: results(&study, &rounds, &ratings),
            respondents: self.store.respondents(&study.id)?,
            study,
        })
    }

    /// The results as CSV, one row per round and item (the lead; audited).
    pub fn delphi_results_csv(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<String, DirectoryError> {
        let r = self.delphi_results(study, token)?;
        self.audit(
            &r.study.workshop_id,
            self.actor(token),
            "export Delphi results",
            &r.study.id,
            "results (CSV)",
        );
        Ok(cocreate_core::delphi::results_csv(&r))
    }

    /// Every rating with its comment, as CSV (the lead; audited): by round, respondent
    /// code and item.
    pub fn delphi_ratings_csv(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<String, DirectoryError> {
        let (study, _) = self.delphi_lead(study, token)?;
        self.audit(
            &study.workshop_id,
            self.actor(token),
            "export Delphi results",
            &study.id,
            "ratings and comments (CSV)",
        );
        let text: BTreeMap<&str, &str> = study
            .items
            .iter()
            .map(|i| (i.id.as_str(), i.text.as_str()))
            .collect();
        let rows = self
            .store
            .ratings(&study.id)?
            .into_iter()
            .map(|r| {
                vec![
                    r.round.to_string(),
                    r.respondent.clone(),
                    r.item.clone(),
                    text.get(r.item.as_str())
                        .copied()
                        .unwrap_or_default()
                        .to_string(),
                    r.value.to_string(),
                    r.comment.clone(),
                    cocreate_core::model::report::iso_utc(r.at_ms as f64),
                ]
            })
            .collect();
        Ok(cocreate_core::model::report::csv_document_with(
            &[
                "round",
                "respondent",
                "item_id",
                "item",
                "rating",
                "comment",
                "rated (UTC)",
            ],
            rows,
        ))
    }
}

impl cocreate_core::analysis::Delphi for ServerDirectory {
    fn create_study(
        &self,
        workshop: &str,
        token: Option<&str>,
        new: NewStudy,
    ) -> Result<Study, DirectoryError> {
        ServerDirectory::create_study(self, workshop, token, new)
    }

    fn studies(&self, workshop: &str, token: Option<&str>) -> Result<Vec<Study>, DirectoryError> {
        ServerDirectory::studies(self, workshop, token)
    }

    fn add_respondent(
        &self,
        study: &str,
        token: Option<&str>,
        code: &str,
    ) -> Result<RespondentLink, DirectoryError> {
        self.add_delphi_respondent(study, token, code)
    }

    fn revoke_respondent(
        &self,
        study: &str,
        token: Option<&str>,
        code: &str,
    ) -> Result<(), DirectoryError> {
        self.revoke_delphi_respondent(study, token, code)
    }

    fn open_round(&self, study: &str, token: Option<&str>) -> Result<DelphiRound, DirectoryError> {
        self.open_delphi_round(study, token)
    }

    fn close_round(&self, study: &str, token: Option<&str>) -> Result<(), DirectoryError> {
        self.close_delphi_round(study, token)
    }

    fn respondent_view(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<RespondentView, DirectoryError> {
        self.delphi_view(study, token)
    }

    fn rate(
        &self,
        study: &str,
        token: Option<&str>,
        ratings: Vec<Rating>,
    ) -> Result<usize, DirectoryError> {
        ServerDirectory::rate(self, study, token, ratings)
    }

    fn results(&self, study: &str, token: Option<&str>) -> Result<DelphiResults, DirectoryError> {
        self.delphi_results(study, token)
    }
}
