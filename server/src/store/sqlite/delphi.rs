//! Delphi studies: `delphi_studies` (title, scale, rule and items as JSON),
//! `delphi_rounds`, `delphi_respondents` (codes and the hashes of their links) and
//! `delphi_ratings` (one row per round, respondent and item).

use cocreate_core::delphi::{DelphiRound, Respondent, StoredRating, Study};
use rusqlite::{params, OptionalExtension, Row};

use super::{corrupt, Sqlite};
use crate::store::interface::{DelphiStore, StoreError, StudySpec};

fn study(r: &Row<'_>) -> rusqlite::Result<(String, String, String, String, i64)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
}

fn read_study(row: (String, String, String, String, i64)) -> Result<Study, StoreError> {
    let (id, workshop_id, title, spec, created_ms) = row;
    let spec: StudySpec = serde_json::from_str(&spec).map_err(|e| corrupt("delphi_studies", e))?;
    Ok(Study {
        id,
        workshop_id,
        title,
        scale: spec.scale,
        rule: spec.rule,
        items: spec.items,
        created_ms,
    })
}

impl DelphiStore for Sqlite {
    fn create_study(&self, s: &Study) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO delphi_studies (id, workshop_id, title, spec, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                s.id,
                s.workshop_id,
                s.title,
                serde_json::to_string(&StudySpec::of(s))?,
                s.created_ms
            ],
        )?;
        Ok(())
    }

    fn study(&self, id: &str) -> Result<Option<Study>, StoreError> {
        self.conn()
            .query_row(
                "SELECT id, workshop_id, title, spec, created_ms FROM delphi_studies WHERE id = ?1",
                [id],
                study,
            )
            .optional()?
            .map(read_study)
            .transpose()
    }

    fn studies_of(&self, workshop: &str) -> Result<Vec<Study>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT id, workshop_id, title, spec, created_ms FROM delphi_studies
             WHERE workshop_id = ?1 ORDER BY created_ms, id",
        )?;
        let rows = stmt.query_map([workshop], study)?;
        rows.map(|r| read_study(r?)).collect()
    }

    fn save_round(&self, study: &str, r: &DelphiRound) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO delphi_rounds (study_id, number, items, open, opened_ms, closed_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (study_id, number) DO UPDATE SET open = excluded.open,
                 closed_ms = excluded.closed_ms",
            params![
                study,
                r.number,
                serde_json::to_string(&r.items)?,
                r.open,
                r.opened_ms,
                r.closed_ms
            ],
        )?;
        Ok(())
    }

    fn rounds(&self, study: &str) -> Result<Vec<DelphiRound>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT number, items, open, opened_ms, closed_ms FROM delphi_rounds
             WHERE study_id = ?1 ORDER BY number",
        )?;
        let rows = stmt.query_map([study], |r| {
            Ok((
                r.get::<_, u32>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, bool>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, Option<i64>>(4)?,
            ))
        })?;
        rows.map(|row| {
            let (number, items, open, opened_ms, closed_ms) = row?;
            Ok(DelphiRound {
                number,
                items: serde_json::from_str(&items).map_err(|e| corrupt("delphi_rounds", e))?,
                open,
                opened_ms,
                closed_ms,
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
        self.conn().execute(
            "INSERT INTO delphi_respondents (study_id, code, token_hash, created_ms)
             VALUES (?1, ?2, ?3, ?4)",
            params![study, r.code, token_hash, r.created_ms],
        )?;
        Ok(())
    }

    fn respondents(&self, study: &str) -> Result<Vec<Respondent>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT code, created_ms, revoked_ms FROM delphi_respondents WHERE study_id = ?1
             ORDER BY created_ms, code",
        )?;
        let rows = stmt.query_map([study], |r| {
            Ok(Respondent {
                code: r.get(0)?,
                created_ms: r.get(1)?,
                revoked_ms: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn respondent_by_token(
        &self,
        token_hash: &str,
    ) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT study_id, code FROM delphi_respondents
                 WHERE token_hash = ?1 AND revoked_ms IS NULL",
                [token_hash],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    fn revoke_respondent(&self, study: &str, code: &str, at_ms: i64) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE delphi_respondents SET revoked_ms = coalesce(revoked_ms, ?3)
             WHERE study_id = ?1 AND code = ?2",
            params![study, code, at_ms],
        )? > 0)
    }

    fn save_ratings(&self, study: &str, ratings: &[StoredRating]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for r in ratings {
            tx.execute(
                "INSERT INTO delphi_ratings (study_id, round, code, item, value, comment, at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (study_id, round, code, item) DO UPDATE SET value = excluded.value,
                     comment = excluded.comment, at_ms = excluded.at_ms",
                params![
                    study,
                    r.round,
                    r.respondent,
                    r.item,
                    r.value,
                    r.comment,
                    r.at_ms
                ],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    fn ratings(&self, study: &str) -> Result<Vec<StoredRating>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT round, code, item, value, comment, at_ms FROM delphi_ratings
             WHERE study_id = ?1 ORDER BY round, code, item",
        )?;
        let rows = stmt.query_map([study], |r| {
            Ok(StoredRating {
                round: r.get(0)?,
                respondent: r.get(1)?,
                item: r.get(2)?,
                value: r.get(3)?,
                comment: r.get(4)?,
                at_ms: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
