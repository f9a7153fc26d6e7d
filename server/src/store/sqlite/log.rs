//! The update log on SQLite: appends, barriers and compactions go through the writer
//! thread ([`super::writer`]); loads read the catalogue connection.

use std::sync::atomic::Ordering;

use cocreate_core::catalog::DocKey;
use rusqlite::OptionalExtension;

use super::{board_exists, Sqlite};
use crate::store::interface::{Durable, LogStats, StoreError, StoredBoard, UpdateLog};
use crate::store::queue::WriteOp;

impl UpdateLog for Sqlite {
    fn append(&self, doc: &DocKey, data: Vec<u8>) -> Durable {
        let (key, board) = (doc.to_string(), doc.board_id().to_string());
        self.log.pending.fetch_add(data.len(), Ordering::Relaxed);
        self.log.request(move |done| WriteOp::Append {
            key,
            board,
            data,
            done,
        })
    }

    fn barrier(&self) -> Durable {
        self.log.request(|done| WriteOp::Barrier { done })
    }

    fn compact(&self, doc: &DocKey, state: Vec<u8>) -> Durable {
        let (key, board) = (doc.to_string(), doc.board_id().to_string());
        self.log.request(move |done| WriteOp::Compact {
            key,
            board,
            state,
            done,
        })
    }

    fn pending_bytes(&self) -> usize {
        self.log.pending.load(Ordering::Relaxed)
    }

    fn load(&self, doc: &DocKey) -> Result<Option<StoredBoard>, StoreError> {
        // Rows are keyed by the document's display key: the board id, or `{board}/control`.
        let key = doc.to_string();
        let board = key.as_str();
        let conn = self.conn();
        // A board's control document exists when its board does.
        if !board_exists(&conn, doc.board_id())? {
            return Ok(None);
        }
        let tx = conn.unchecked_transaction()?;
        let base: Option<Vec<u8>> = tx
            .query_row(
                "SELECT data FROM board_state WHERE board_id = ?1",
                [board],
                |r| r.get(0),
            )
            .optional()?;
        let mut stmt =
            tx.prepare_cached("SELECT data FROM board_updates WHERE board_id = ?1 ORDER BY id")?;
        let updates = stmt
            .query_map([board], |r| r.get::<_, Vec<u8>>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        drop(stmt);
        tx.commit()?;
        Ok(Some(StoredBoard { base, updates }))
    }

    fn drafts(&self, board: &str) -> Result<Vec<String>, StoreError> {
        let prefix = DocKey::drafts_prefix(board);
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT board_id FROM board_updates WHERE substr(board_id, 1, length(?1)) = ?1
             UNION SELECT board_id FROM board_state WHERE substr(board_id, 1, length(?1)) = ?1
             ORDER BY 1",
        )?;
        let keys = stmt
            .query_map([&prefix], |r| r.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(keys
            .into_iter()
            .filter_map(|k| k.strip_prefix(&prefix).map(str::to_string))
            .collect())
    }

    fn log_stats(&self, doc: &DocKey) -> Result<LogStats, StoreError> {
        let key = doc.to_string();
        let board = key.as_str();
        let conn = self.conn();
        let log_rows: i64 = conn.query_row(
            "SELECT count(*) FROM board_updates WHERE board_id = ?1",
            [board],
            |r| r.get(0),
        )?;
        let log_rows = log_rows as u64;
        let has_base: bool = conn.query_row(
            "SELECT count(*) > 0 FROM board_state WHERE board_id = ?1",
            [board],
            |r| r.get(0),
        )?;
        Ok(LogStats { log_rows, has_base })
    }

    fn close(&self) {
        self.log.stop();
        self.stop_checkpointer();
    }
}
