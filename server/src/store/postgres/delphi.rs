//! Delphi studies on PostgreSQL: the same tables as the embedded backend.

use cocreate_core::delphi::{DelphiRound, Respondent, StoredRating, Study};
use tokio_postgres::Row;

use super::tables::corrupt;
use super::Postgres;
use crate::store::interface::{DelphiStore, StoreError, StudySpec};

const STUDY_COLUMNS: &str = "id, workshop_id, title, spec, created_ms";

fn study(r: &Row) -> Result<Study, StoreError> {
    let spec: StudySpec =
        serde_json::from_str(r.try_get(3)?).map_err(|e| corrupt("delphi_studies", e))?;
    Ok(Study {
        id: r.try_get(0)?,
        workshop_id: r.try_get(1)?,
        title: r.try_get(2)?,
        scale: spec.scale,
        rule: spec.rule,
        items: spec.items,
        created_ms: r.try_get(4)?,
    })
}

impl DelphiStore for Postgres {
    fn create_study(&self, s: &Study) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO delphi_studies (id, workshop_id, title, spec, created_ms)
             VALUES ($1, $2, $3, $4, $5)",
            &[
                &s.id,
                &s.workshop_id,
                &s.title,
                &serde_json::to_string(&StudySpec::of(s))?,
                &s.created_ms,
            ],
        )?;
        Ok(())
    }

    fn study(&self, id: &str) -> Result<Option<Study>, StoreError> {
        self.query_opt(
            &format!("SELECT {STUDY_COLUMNS} FROM delphi_studies WHERE id = $1"),
            &[&id],
        )?
        .as_ref()
        .map(study)
        .transpose()
    }

    fn studies_of(&self, workshop: &str) -> Result<Vec<Study>, StoreError> {
        self.query(
            &format!(
                "SELECT {STUDY_COLUMNS} FROM delphi_studies WHERE workshop_id = $1
                 ORDER BY created_ms, id COLLATE \"C\""
            ),
            &[&workshop],
        )?
        .iter()
        .map(study)
        .collect()
    }

    fn save_round(&self, study: &str, r: &DelphiRound) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO delphi_rounds (study_id, number, items, open, opened_ms, closed_ms)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (study_id, number) DO UPDATE SET open = excluded.open,
                 closed_ms = excluded.closed_ms",
            &[
                &study,
                &(r.number as i32),
                &serde_json::to_string(&r.items)?,
                &r.open,
                &r.opened_ms,
                &r.closed_ms,
            ],
        )?;
        Ok(())
    }

    fn rounds(&self, study: &str) -> Result<Vec<DelphiRound>, StoreError> {
        self.query(
            "SELECT number, items, open, opened_ms, closed_ms FROM delphi_rounds
             WHERE study_id = $1 ORDER BY number",
            &[&study],
        )?
        .iter()
        .map(|r| {
            Ok(DelphiRound {
                number: r.try_get::<_, i32>(0)? as u32,
                items: serde_json::from_str(r.try_get(1)?)
                    .map_err(|e| corrupt("delphi_rounds", e))?,
                open: r.try_get(2)?,
                opened_ms: r.try_get(3)?,
                closed_ms: r.try_get(4)?,
            })
        })
        .collect()
    }

    fn add_respondent(
        &self,
        study: &str,
        r: &Respondent,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        self.execute(
            "INSERT INTO delphi_respondents (study_id, code, token_hash, created_ms)
             VALUES ($1, $2, $3, $4)",
            &[&study, &r.code, &token_hash, &r.created_ms],
        )?;
        Ok(())
    }

    fn respondents(&self, study: &str) -> Result<Vec<Respondent>, StoreError> {
        self.query(
            "SELECT code, created_ms, revoked_ms FROM delphi_respondents WHERE study_id = $1
             ORDER BY created_ms, code COLLATE \"C\"",
            &[&study],
        )?
        .iter()
        .map(|r| {
            Ok(Respondent {
                code: r.try_get(0)?,
                created_ms: r.try_get(1)?,
                revoked_ms: r.try_get(2)?,
            })
        })
        .collect()
    }

    fn respondent_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        self.query_opt(
            "SELECT study_id, code FROM delphi_respondents
             WHERE token_hash = $1 AND revoked_ms IS NULL",
            &[&token_hash],
        )?
        .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
        .transpose()
    }

    fn revoke_respondent(&self, study: &str, code: &str, at_ms: i64) -> Result<bool, StoreError> {
        Ok(self.execute(
            "UPDATE delphi_respondents SET revoked_ms = coalesce(revoked_ms, $3)
             WHERE study_id = $1 AND code = $2",
            &[&study, &code, &at_ms],
        )? > 0)
    }

    fn save_ratings(&self, study: &str, ratings: &[StoredRating]) -> Result<(), StoreError> {
        self.block(async {
            let mut c = self.client().await?;
            let tx = c.transaction().await?;
            for r in ratings {
                tx.execute(
                    "INSERT INTO delphi_ratings (study_id, round, code, item, value, comment, at_ms)
                     VALUES ($1, $2, $3, $4, $5, $6, $7)
                     ON CONFLICT (study_id, round, code, item) DO UPDATE SET
                         value = excluded.value, comment = excluded.comment,
                         at_ms = excluded.at_ms",
                    &[
                        &study,
                        &(r.round as i32),
                        &r.respondent,
                        &r.item,
                        &i16::from(r.value),
                        &r.comment,
                        &r.at_ms,
                    ],
                )
                .await?;
            }
            tx.commit().await?;
            Ok(())
        })
    }

    fn ratings(&self, study: &str) -> Result<Vec<StoredRating>, StoreError> {
        self.query(
            "SELECT round, code, item, value, comment, at_ms FROM delphi_ratings
             WHERE study_id = $1 ORDER BY round, code COLLATE \"C\", item COLLATE \"C\"",
            &[&study],
        )?
        .iter()
        .map(|r| {
            let value: i16 = r.try_get(3)?;
            Ok(StoredRating {
                round: r.try_get::<_, i32>(0)? as u32,
                respondent: r.try_get(1)?,
                item: r.try_get(2)?,
                value: u8::try_from(value).map_err(|e| corrupt("delphi_ratings", e))?,
                comment: r.try_get(4)?,
                at_ms: r.try_get(5)?,
            })
        })
        .collect()
    }
}
