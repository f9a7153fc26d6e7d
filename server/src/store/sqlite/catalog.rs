//! The catalogue on SQLite: workshops, boards, snapshots.

use std::collections::HashMap;

use cocreate_core::catalog::{BoardSummary, WorkshopSummary};
use rusqlite::{params, Connection, OptionalExtension};

use super::Sqlite;
use crate::store::interface::{now_ms, Catalog, Snapshot, StoreError};

impl Catalog for Sqlite {
    /// Create a workshop (catalogue only).
    fn create_workshop(
        &self,
        id: &str,
        title: &str,
        area: &str,
        date: &str,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO workshops (id, title, area, date, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, title, area, date, now_ms()],
        )?;
        Ok(())
    }

    /// Create a board in a workshop with its initial document state (one update).
    fn create_board(
        &self,
        id: &str,
        workshop_id: &str,
        title: &str,
        pillar: &str,
        initial_state: &[u8],
    ) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let position: i64 = tx.query_row(
            "SELECT coalesce(max(position), -1) + 1 FROM boards WHERE workshop_id = ?1",
            [workshop_id],
            |r| r.get(0),
        )?;
        tx.execute(
            "INSERT INTO boards (id, workshop_id, title, pillar, position, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![id, workshop_id, title, pillar, position, now_ms()],
        )?;
        tx.execute(
            "INSERT INTO board_state (board_id, data, upto) VALUES (?1, ?2, 0)",
            params![id, initial_state],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Rename and/or archive a workshop.
    fn update_workshop(
        &self,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError> {
        self.update_entry("workshops", id, title, archived)
    }

    /// Rename and/or archive a board (catalogue).
    fn update_board(
        &self,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError> {
        self.update_entry("boards", id, title, archived)
    }

    fn workshop_count(&self) -> Result<u64, StoreError> {
        let conn = self.conn();
        let n: i64 = conn.query_row("SELECT count(*) FROM workshops", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// One workshop with its boards.
    fn workshop(&self, id: &str) -> Result<Option<WorkshopSummary>, StoreError> {
        let conn = self.conn();
        let found = conn
            .query_row(
                "SELECT id, title, area, date, archived FROM workshops WHERE id = ?1",
                [id],
                |r| {
                    Ok(WorkshopSummary {
                        id: r.get(0)?,
                        title: r.get(1)?,
                        area: r.get(2)?,
                        date: r.get(3)?,
                        archived: r.get::<_, i64>(4)? != 0,
                        boards: Vec::new(),
                    })
                },
            )
            .optional()?;
        match found {
            Some(mut w) => {
                w.boards = boards_of(&conn, &w.id)?;
                Ok(Some(w))
            }
            None => Ok(None),
        }
    }

    fn board_summary(&self, board: &str) -> Result<Option<BoardSummary>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                "SELECT b.id, b.title, b.pillar, w.id, w.title, w.area, b.archived FROM boards b JOIN workshops w ON w.id = b.workshop_id WHERE b.id = ?1",
                [board],
                summary_row,
            )
            .optional()?)
    }

    /// Every board of every workshop, by workshop then position.
    fn all_boards(&self) -> Result<Vec<BoardSummary>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT b.id, b.title, b.pillar, w.id, w.title, w.area, b.archived FROM boards b JOIN workshops w ON w.id = b.workshop_id ORDER BY w.created_ms, w.id, b.position",
        )?;
        let rows = stmt
            .query_map([], summary_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every snapshot of every board, by board, oldest first.
    fn all_snapshots(&self) -> Result<HashMap<String, Vec<Snapshot>>, StoreError> {
        let conn = self.conn();
        let mut stmt =
            conn.prepare_cached(&format!("{SNAPSHOT_COLUMNS} FROM snapshots ORDER BY id"))?;
        let mut out: HashMap<String, Vec<Snapshot>> = HashMap::new();
        for s in stmt.query_map([], snapshot_row)? {
            let s = s?;
            out.entry(s.board_id.clone()).or_default().push(s);
        }
        Ok(out)
    }

    /// Keep a named, immutable copy of a board's state; returns it.
    fn create_snapshot(
        &self,
        board: &str,
        name: &str,
        reason: &str,
        state: &[u8],
    ) -> Result<Snapshot, StoreError> {
        let conn = self.conn();
        let taken_ms = now_ms();
        conn.execute(
            "INSERT INTO snapshots (board_id, name, reason, taken_ms, data) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![board, name, reason, taken_ms, state],
        )?;
        Ok(Snapshot {
            id: conn.last_insert_rowid(),
            board_id: board.to_string(),
            name: name.to_string(),
            reason: reason.to_string(),
            taken_ms,
        })
    }

    fn replace_snapshot(&self, board: &str, id: i64, state: &[u8]) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE snapshots SET data = ?3 WHERE board_id = ?1 AND id = ?2",
            params![board, id, state],
        )?;
        Ok(())
    }

    /// A board's snapshots, oldest first.
    fn snapshots(&self, board: &str) -> Result<Vec<Snapshot>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(&format!(
            "{SNAPSHOT_COLUMNS} FROM snapshots WHERE board_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([board], snapshot_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One snapshot of `board` with its state.
    fn snapshot(&self, board: &str, id: i64) -> Result<Option<(Snapshot, Vec<u8>)>, StoreError> {
        let conn = self.conn();
        Ok(conn
            .query_row(
                &format!("{SNAPSHOT_COLUMNS}, data FROM snapshots WHERE board_id = ?1 AND id = ?2"),
                params![board, id],
                |r| Ok((snapshot_row(r)?, r.get(5)?)),
            )
            .optional()?)
    }
}

impl Sqlite {
    /// `table` is one of the catalogue tables (a fixed name, never input).
    fn update_entry(
        &self,
        table: &'static str,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        if let Some(t) = title {
            conn.execute(
                &format!("UPDATE {table} SET title = ?2 WHERE id = ?1"),
                params![id, t],
            )?;
        }
        if let Some(a) = archived {
            conn.execute(
                &format!("UPDATE {table} SET archived = ?2 WHERE id = ?1"),
                params![id, a as i64],
            )?;
        }
        Ok(())
    }
}

/// The columns [`snapshot_row`] reads.
const SNAPSHOT_COLUMNS: &str = "SELECT id, board_id, name, reason, taken_ms";

fn snapshot_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Snapshot> {
    Ok(Snapshot {
        id: r.get(0)?,
        board_id: r.get(1)?,
        name: r.get(2)?,
        reason: r.get(3)?,
        taken_ms: r.get(4)?,
    })
}

fn summary_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<BoardSummary> {
    Ok(BoardSummary {
        id: r.get(0)?,
        title: r.get(1)?,
        pillar: r.get(2)?,
        workshop_id: r.get(3)?,
        workshop_title: r.get(4)?,
        area: r.get(5)?,
        archived: r.get::<_, i64>(6)? != 0,
    })
}

fn boards_of(conn: &Connection, workshop: &str) -> Result<Vec<BoardSummary>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT b.id, b.title, b.pillar, w.id, w.title, w.area, b.archived FROM boards b JOIN workshops w ON w.id = b.workshop_id WHERE w.id = ?1 ORDER BY b.position",
    )?;
    let rows = stmt
        .query_map([workshop], summary_row)?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
