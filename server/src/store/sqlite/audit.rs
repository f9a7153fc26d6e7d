//! The audit log on SQLite: one append-only table (triggers refuse changes); and each
//! workshop's retention.

use cocreate_core::catalog::{AuditEntry, Retention, RetentionAction};
use rusqlite::{params, OptionalExtension};

use super::{parse_word, Sqlite};
use crate::store::interface::{AuditLog, Retentions, StoreError};

impl AuditLog for Sqlite {
    fn append_audit(&self, workshop: &str, e: &AuditEntry) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO audit (workshop_id, at_ms, actor, action, target, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![workshop, e.at_ms, e.actor, e.action, e.target, e.detail],
        )?;
        Ok(())
    }

    fn audit(&self, workshop: &str) -> Result<Vec<AuditEntry>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT at_ms, actor, action, target, detail FROM audit
             WHERE workshop_id = ?1 ORDER BY id",
        )?;
        let rows = stmt
            .query_map([workshop], |r| {
                Ok(AuditEntry {
                    at_ms: r.get(0)?,
                    actor: r.get(1)?,
                    action: r.get(2)?,
                    target: r.get(3)?,
                    detail: r.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}

impl Retentions for Sqlite {
    fn set_retention(
        &self,
        workshop: &str,
        retention: Option<&Retention>,
    ) -> Result<(), StoreError> {
        match retention {
            Some(r) => self.conn().execute(
                "INSERT INTO retention (workshop_id, until_ms, action, done_ms)
                 VALUES (?1, ?2, ?3, NULL)
                 ON CONFLICT (workshop_id) DO UPDATE
                 SET until_ms = excluded.until_ms, action = excluded.action, done_ms = NULL",
                params![workshop, r.until_ms, r.action.as_str()],
            )?,
            None => self
                .conn()
                .execute("DELETE FROM retention WHERE workshop_id = ?1", [workshop])?,
        };
        Ok(())
    }

    fn retention(&self, workshop: &str) -> Result<Option<Retention>, StoreError> {
        let row = self
            .conn()
            .query_row(
                "SELECT until_ms, action, done_ms FROM retention WHERE workshop_id = ?1",
                [workshop],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get(2)?)),
            )
            .optional()?;
        row.map(|(until_ms, action, done_ms)| {
            Ok(Retention {
                until_ms,
                action: parse_word("retention", &action, RetentionAction::parse)?,
                done_ms,
            })
        })
        .transpose()
    }

    fn retention_due(&self, now_ms: i64) -> Result<Vec<(String, Retention)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT workshop_id, until_ms, action FROM retention
             WHERE until_ms <= ?1 AND done_ms IS NULL ORDER BY until_ms",
        )?;
        let rows = stmt
            .query_map([now_ms], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(w, until_ms, action)| {
                Ok((
                    w,
                    Retention {
                        until_ms,
                        action: parse_word("retention", &action, RetentionAction::parse)?,
                        done_ms: None,
                    },
                ))
            })
            .collect()
    }

    fn retention_done(&self, workshop: &str, done_ms: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE retention SET done_ms = ?2 WHERE workshop_id = ?1",
            params![workshop, done_ms],
        )?;
        Ok(())
    }
}
