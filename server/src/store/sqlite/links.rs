//! Links on SQLite: token hashes with their workshop, board and role.

use cocreate_core::catalog::LinkRole;
use rusqlite::params;

use super::{parse_word, Sqlite};
use crate::store::interface::{now_ms, Links, StoreError, StoredLink};

impl Links for Sqlite {
    /// Record a link by the hash of its token.
    fn create_link(
        &self,
        token_hash: &str,
        workshop_id: &str,
        board_id: Option<&str>,
        role: LinkRole,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO links (token_hash, workshop_id, board_id, role, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, workshop_id, board_id, role.as_str(), now_ms()],
        )?;
        Ok(())
    }

    fn revoke_link(&self, token_hash: &str) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "UPDATE links SET revoked = 1 WHERE token_hash = ?1",
            [token_hash],
        )?;
        Ok(())
    }

    fn links(&self) -> Result<Vec<StoredLink>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT token_hash, workshop_id, board_id, role FROM links WHERE revoked = 0",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(token_hash, workshop, board, role)| {
                Ok(StoredLink {
                    token_hash,
                    workshop,
                    board,
                    role: parse_word("links", &role, LinkRole::parse)?,
                })
            })
            .collect()
    }
}
