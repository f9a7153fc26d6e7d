//! The audit log on SQLite: one append-only table (triggers refuse changes).

use cocreate_core::catalog::AuditEntry;
use rusqlite::params;

use super::Sqlite;
use crate::store::interface::{AuditLog, StoreError};

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
