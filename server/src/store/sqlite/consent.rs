//! Privacy notices, consents and erasure records on SQLite.

use cocreate_core::catalog::{ConsentRecord, ErasureRecord, Notice};
use rusqlite::{params, OptionalExtension};

use super::Sqlite;
use crate::store::interface::{now_ms, Consents, ErasureCounts, Erasures, StoreError};

impl Consents for Sqlite {
    fn notice(&self, workshop: &str) -> Result<Option<Notice>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT version, plain, easy_read, set_ms FROM notices
                 WHERE workshop_id = ?1 ORDER BY version DESC LIMIT 1",
                [workshop],
                |r| {
                    Ok(Notice {
                        version: r.get(0)?,
                        plain: r.get(1)?,
                        easy_read: r.get(2)?,
                        set_ms: r.get(3)?,
                    })
                },
            )
            .optional()?)
    }

    fn set_notice(
        &self,
        workshop: &str,
        plain: &str,
        easy_read: &str,
    ) -> Result<Notice, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let last: u32 = tx.query_row(
            "SELECT COALESCE(MAX(version), 0) FROM notices WHERE workshop_id = ?1",
            [workshop],
            |r| r.get(0),
        )?;
        let notice = Notice {
            version: last + 1,
            plain: plain.to_string(),
            easy_read: easy_read.to_string(),
            set_ms: now_ms(),
        };
        tx.execute(
            "INSERT INTO notices (workshop_id, version, plain, easy_read, set_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![workshop, notice.version, plain, easy_read, notice.set_ms],
        )?;
        tx.commit()?;
        Ok(notice)
    }

    fn record_consent(
        &self,
        workshop: &str,
        pseudonym: &str,
        version: u32,
    ) -> Result<(), StoreError> {
        // Agreeing again to a version one withdrew from is a new consent (given now).
        self.conn().execute(
            "INSERT INTO consents (workshop_id, pseudonym, version, given_ms)
             VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (workshop_id, pseudonym, version) DO UPDATE
             SET given_ms = CASE WHEN withdrawn_ms IS NULL THEN given_ms ELSE excluded.given_ms END,
                 withdrawn_ms = NULL",
            params![workshop, pseudonym, version, now_ms()],
        )?;
        Ok(())
    }

    fn withdraw_consent(&self, workshop: &str, pseudonym: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE consents SET withdrawn_ms = ?3
             WHERE workshop_id = ?1 AND pseudonym = ?2 AND withdrawn_ms IS NULL",
            params![workshop, pseudonym, now_ms()],
        )?;
        Ok(())
    }

    fn consents(&self, workshop: &str) -> Result<Vec<ConsentRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT pseudonym, version, given_ms, withdrawn_ms FROM consents
             WHERE workshop_id = ?1 ORDER BY pseudonym, version",
        )?;
        let rows = stmt
            .query_map([workshop], |r| {
                Ok(ConsentRecord {
                    pseudonym: r.get(0)?,
                    version: r.get(1)?,
                    given_ms: r.get(2)?,
                    withdrawn_ms: r.get(3)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

impl Erasures for Sqlite {
    fn record_erasure(&self, workshop: &str, r: &ErasureRecord) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO erasures (workshop_id, pseudonym, at_ms, by_whom, counts)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                workshop,
                r.pseudonym,
                r.at_ms,
                r.by,
                serde_json::to_string(&ErasureCounts::of(r))?
            ],
        )?;
        Ok(())
    }

    fn erasures(&self, workshop: &str) -> Result<Vec<ErasureRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT pseudonym, at_ms, by_whom, counts FROM erasures
             WHERE workshop_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([workshop], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(pseudonym, at_ms, by, counts)| {
                let c: ErasureCounts =
                    serde_json::from_str(&counts).map_err(|e| StoreError::Corrupt {
                        table: "erasures",
                        reason: e.to_string(),
                    })?;
                Ok(c.record(pseudonym, at_ms, by))
            })
            .collect()
    }
}
