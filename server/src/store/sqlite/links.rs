//! Links on SQLite: token hashes with their workshop, board and role.

use cocreate_core::catalog::LinkRole;
use rusqlite::params;

use super::{parse_word, Sqlite};
use crate::store::interface::{now_ms, Links, NewLink, StoreError, StoredLink};

impl Links for Sqlite {
    /// Record a link by the hash of its token.
    fn create_link(&self, link: &NewLink<'_>) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO links (token_hash, workshop_id, board_id, role, created_ms, label, expires_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                link.token_hash,
                link.workshop,
                link.board,
                link.role.as_str(),
                now_ms(),
                link.label,
                link.expires_ms
            ],
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
            "SELECT token_hash, workshop_id, board_id, role, label, created_ms, expires_ms,
                    last_used_ms
             FROM links WHERE revoked = 0 ORDER BY created_ms, token_hash",
        )?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    StoredLink {
                        token_hash: r.get(0)?,
                        workshop: r.get(1)?,
                        board: r.get(2)?,
                        role: LinkRole::Observer,
                        label: r.get(4)?,
                        created_ms: r.get(5)?,
                        expires_ms: r.get(6)?,
                        last_used_ms: r.get(7)?,
                    },
                    r.get::<_, String>(3)?,
                ))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        rows.into_iter()
            .map(|(link, role)| {
                Ok(StoredLink {
                    role: parse_word("links", &role, LinkRole::parse)?,
                    ..link
                })
            })
            .collect()
    }

    fn set_link_expiry(&self, token_hash: &str, expires_ms: Option<i64>) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE links SET expires_ms = ?2 WHERE token_hash = ?1",
            params![token_hash, expires_ms],
        )?;
        Ok(())
    }

    fn touch_link(&self, token_hash: &str, used_ms: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE links SET last_used_ms = ?2 WHERE token_hash = ?1",
            params![token_hash, used_ms],
        )?;
        Ok(())
    }

    fn create_organiser_link(&self, token_hash: &str, label: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO organiser_links (token_hash, label, created_ms) VALUES (?1, ?2, ?3)",
            params![token_hash, label, now_ms()],
        )?;
        Ok(())
    }

    fn organiser_links(&self) -> Result<Vec<(String, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT token_hash, label FROM organiser_links WHERE revoked = 0 ORDER BY created_ms",
        )?;
        let rows = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }
}
