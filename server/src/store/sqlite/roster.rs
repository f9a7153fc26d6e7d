//! Workshop rosters on SQLite.

use cocreate_core::catalog::Member;
use cocreate_core::model::Role;
use rusqlite::params;

use super::{parse_word, Sqlite};
use crate::store::interface::{now_ms, Roster, StoreError};

impl Roster for Sqlite {
    fn join_roster(
        &self,
        workshop: &str,
        pseudonym: &str,
        name: &str,
        role: Role,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        self.conn().execute(
            "INSERT INTO roster (workshop_id, pseudonym, name, role, joined_ms, updated_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?5)
             ON CONFLICT (workshop_id, pseudonym)
             DO UPDATE SET name = excluded.name, role = excluded.role, updated_ms = excluded.updated_ms",
            params![workshop, pseudonym, name, role.as_str(), now],
        )?;
        Ok(())
    }

    fn roster(&self, workshop: &str) -> Result<Vec<Member>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT pseudonym, name, role FROM roster WHERE workshop_id = ?1 ORDER BY pseudonym",
        )?;
        let rows = stmt
            .query_map([workshop], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(pseudonym, name, role)| {
                Ok(Member {
                    pseudonym,
                    name: Some(name),
                    role: parse_word("roster", &role, Role::parse)?,
                })
            })
            .collect()
    }

    fn leave_roster(&self, workshop: &str, pseudonym: &str) -> Result<bool, StoreError> {
        let n = self.conn().execute(
            "DELETE FROM roster WHERE workshop_id = ?1 AND pseudonym = ?2",
            params![workshop, pseudonym],
        )?;
        Ok(n > 0)
    }
}
