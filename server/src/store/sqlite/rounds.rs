//! Consultation and agreement rounds on SQLite: drafts, answers, outcomes.

use cocreate_core::consult::{
    Consultation, Decision, DraftItem, Outcome, Reply, Response, RoundKind, Stance, StoredAnswer,
};
use rusqlite::{params, OptionalExtension};

use super::{parse_word, Sqlite};
use crate::store::interface::{RoundStore, StoreError};

impl RoundStore for Sqlite {
    /// Keep a published draft with the hash of its respondents' token.
    fn create_consultation(&self, c: &Consultation, token_hash: &str) -> Result<(), StoreError> {
        let conn = self.conn();
        let items = serde_json::to_string(&c.items).map_err(StoreError::Encode)?;
        conn.execute(
            "INSERT INTO consultations (id, workshop_id, board_id, title, kind, snapshot_id, items, token_hash, open, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![c.id, c.workshop_id, c.board_id, c.title, c.kind.as_str(), c.snapshot, items, token_hash, c.open as i64, c.created_ms],
        )?;
        Ok(())
    }

    /// A published draft and its respondents' token hash.
    fn consultation(&self, id: &str) -> Result<Option<(Consultation, String)>, StoreError> {
        let conn = self.conn();
        conn.query_row(
            &format!("{CONSULTATION_SELECT} FROM consultations c WHERE c.id = ?1"),
            [id],
            consultation_row,
        )
        .optional()?
        .map(StoredConsultation::read)
        .transpose()
    }

    /// A workshop's published drafts with how many people answered each, oldest first.
    fn consultations_of(&self, workshop: &str) -> Result<Vec<(Consultation, usize)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{CONSULTATION_SELECT},
               (SELECT count(DISTINCT respondent) FROM consultation_answers a WHERE a.consultation_id = c.id)
             FROM consultations c WHERE workshop_id = ?1 ORDER BY created_ms, id"
        ))?;
        let rows = stmt
            .query_map([workshop], |r| {
                Ok((consultation_row(r)?, r.get::<_, i64>(10)? as usize))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(c, respondents)| Ok((c.read()?.0, respondents)))
            .collect()
    }

    fn replace_items(&self, id: &str, items: &[DraftItem]) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE consultations SET items = ?2 WHERE id = ?1",
            params![id, serde_json::to_string(items)?],
        )?;
        Ok(())
    }

    fn set_consultation_open(&self, id: &str, open: bool) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE consultations SET open = ?2 WHERE id = ?1",
            params![id, open as i64],
        )?;
        Ok(())
    }

    /// Record a (checked) response: each answer replaces the respondent's earlier answer
    /// to the same item. One transaction.
    fn save_response(&self, id: &str, r: &Response, now_ms: i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        {
            let mut put = tx.prepare_cached(
                "INSERT INTO consultation_answers (consultation_id, item_id, respondent, name, organisation, stance, comment, updated_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT(consultation_id, item_id, respondent) DO UPDATE SET
                   name = excluded.name, organisation = excluded.organisation, stance = excluded.stance,
                   comment = excluded.comment, updated_ms = excluded.updated_ms",
            )?;
            for a in &r.answers {
                put.execute(params![
                    id,
                    a.item,
                    r.respondent,
                    r.name,
                    r.organisation,
                    a.stance.map(|s| s.as_str()),
                    a.comment,
                    now_ms
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// The answers to a draft: everyone's, or one respondent's.
    fn answers(&self, id: &str, respondent: Option<&str>) -> Result<Vec<StoredAnswer>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT item_id, respondent, name, organisation, stance, comment, updated_ms
             FROM consultation_answers WHERE consultation_id = ?1 AND (?2 IS NULL OR respondent = ?2)
             ORDER BY updated_ms, respondent, item_id",
        )?;
        let rows = stmt
            .query_map(params![id, respondent], |r| {
                Ok((
                    StoredAnswer {
                        item: r.get(0)?,
                        respondent: r.get(1)?,
                        name: r.get(2)?,
                        organisation: r.get(3)?,
                        stance: None,
                        comment: r.get(5)?,
                        updated_ms: r.get(6)?,
                    },
                    r.get::<_, Option<String>>(4)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(answer, stance)| {
                Ok(StoredAnswer {
                    stance: stance
                        .map(|s| parse_word("consultation_answers", &s, Stance::parse))
                        .transpose()?,
                    ..answer
                })
            })
            .collect()
    }

    fn claim_respondent(
        &self,
        id: &str,
        respondent: &str,
        secret_hash: &str,
    ) -> Result<bool, StoreError> {
        let conn = self.conn();
        let added = conn.execute(
            "INSERT INTO consultation_respondents (consultation_id, respondent, secret_hash)
             VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
            params![id, respondent, secret_hash],
        )?;
        Ok(added == 1)
    }

    fn respondent_secret(&self, id: &str, respondent: &str) -> Result<Option<String>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT secret_hash FROM consultation_respondents WHERE consultation_id = ?1 AND respondent = ?2",
                params![id, respondent],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Record (or replace) the decision on one item.
    fn record_outcome(&self, id: &str, o: &Outcome) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO consultation_outcomes (consultation_id, item_id, decision, note, decided_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(consultation_id, item_id) DO UPDATE SET
               decision = excluded.decision, note = excluded.note, decided_ms = excluded.decided_ms",
            params![id, o.item, o.decision.as_str(), o.note, o.decided_ms],
        )?;
        Ok(())
    }

    fn save_reply(&self, id: &str, r: &Reply) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO consultation_replies
               (consultation_id, id, item_id, respondent, name, organisation, text, created_ms, hidden, facilitator)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                id,
                r.id,
                r.item,
                r.respondent,
                r.name,
                r.organisation,
                r.text,
                r.created_ms,
                r.hidden,
                r.facilitator
            ],
        )?;
        Ok(())
    }

    fn replies(&self, id: &str) -> Result<Vec<Reply>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT id, item_id, respondent, name, organisation, text, created_ms, hidden, facilitator
             FROM consultation_replies WHERE consultation_id = ?1 ORDER BY created_ms, id",
        )?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(Reply {
                    id: r.get(0)?,
                    item: r.get(1)?,
                    respondent: r.get(2)?,
                    name: r.get(3)?,
                    organisation: r.get(4)?,
                    text: r.get(5)?,
                    created_ms: r.get(6)?,
                    hidden: r.get(7)?,
                    facilitator: r.get(8)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    fn set_reply_hidden(&self, id: &str, reply: &str, hidden: bool) -> Result<bool, StoreError> {
        Ok(self.conn().execute(
            "UPDATE consultation_replies SET hidden = ?3 WHERE consultation_id = ?1 AND id = ?2",
            params![id, reply, hidden],
        )? > 0)
    }

    fn outcomes(&self, id: &str) -> Result<Vec<Outcome>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT item_id, decision, note, decided_ms FROM consultation_outcomes WHERE consultation_id = ?1 ORDER BY item_id",
        )?;
        let rows = stmt
            .query_map([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get(2)?,
                    r.get(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(item, d, note, decided_ms)| {
                Ok(Outcome {
                    item,
                    decision: parse_word("consultation_outcomes", &d, Decision::parse)?,
                    note,
                    decided_ms,
                })
            })
            .collect()
    }
}

/// The columns [`consultation_row`] reads (callers add `FROM consultations c ...`).
const CONSULTATION_SELECT: &str = "SELECT c.id, c.workshop_id, c.board_id, c.title, c.kind, c.snapshot_id, c.items, c.open, c.created_ms, c.token_hash";

/// A draft's row as stored, before its kind and items are read.
struct StoredConsultation {
    consultation: Consultation,
    kind: String,
    items: String,
    token_hash: String,
}

impl StoredConsultation {
    /// The draft and its respondents' token hash; a row that cannot be read is an error.
    fn read(self) -> Result<(Consultation, String), StoreError> {
        let corrupt = |reason: String| StoreError::Corrupt {
            table: "consultations",
            reason,
        };
        Ok((
            Consultation {
                kind: parse_word("consultations", &self.kind, RoundKind::parse)?,
                items: serde_json::from_str(&self.items)
                    .map_err(|e| corrupt(format!("items of {}: {e}", self.consultation.id)))?,
                ..self.consultation
            },
            self.token_hash,
        ))
    }
}

fn consultation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<StoredConsultation> {
    Ok(StoredConsultation {
        consultation: Consultation {
            id: r.get(0)?,
            workshop_id: r.get(1)?,
            board_id: r.get(2)?,
            title: r.get(3)?,
            kind: RoundKind::Consultation,
            snapshot: r.get(5)?,
            items: Vec::new(),
            open: r.get::<_, i64>(7)? != 0,
            created_ms: r.get(8)?,
        },
        kind: r.get(4)?,
        items: r.get(6)?,
        token_hash: r.get(9)?,
    })
}
