//! The store: workshops, boards and each board's update log in one SQLite file.
//!
//! # Layout
//! - `workshops`, `boards`: the catalogue (titles, areas, pillars).
//! - `links`: SHA-256 hashes of access tokens with their workshop, board and role.
//! - `snapshots`: named, immutable copies of a board's full state (one yrs update each).
//! - `board_updates`: the append-only log of accepted yrs updates, id = global order.
//! - `consultations`, `consultation_answers`, `consultation_outcomes`: published drafts
//!   (items frozen as JSON, the respondents' token hash), answers per respondent and item,
//!   and the agreement round's decisions.
//! - `board_state`: a compacted snapshot per board (one merged update) covering every log
//!   row with `id <= upto`; those rows are deleted in the same transaction.
//!
//! # Durability
//! All log writes go through one writer thread with its own connection (WAL,
//! `synchronous=FULL`). It takes every request waiting in its queue, commits them in one
//! transaction (group commit) and only then answers each request. A caller that awaited
//! [`Store::append`] knows its update survives `kill -9` and power loss. The queue is FIFO,
//! so a [`Store::barrier`] answers only after everything queued before it is durable, and
//! a [`Store::compact`] replaces exactly the rows queued before it. Commits never
//! checkpoint: a third thread copies the WAL into the main file every 500 ms (`PASSIVE`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc as std_mpsc;
use std::sync::{Arc, Mutex};
use std::thread;

use cocreate_core::catalog::{BoardSummary, LinkRole, WorkshopSummary};
use cocreate_core::consult::{
    Consultation, Decision, Outcome, Response, RoundKind, Stance, StoredAnswer,
};
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::oneshot;

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("could not create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("could not encode: {0}")]
    Encode(#[from] serde_json::Error),
}

/// A board's persisted content: a compacted base plus the log rows after it.
#[derive(Debug, Default)]
pub struct StoredBoard {
    pub base: Option<Vec<u8>>,
    pub updates: Vec<Vec<u8>>,
}

/// A snapshot's catalogue entry.
pub use cocreate_core::catalog::SnapshotInfo as Snapshot;

/// Counts used by tests and the admin API.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LogStats {
    pub log_rows: u64,
    pub has_base: bool,
}

enum WriteOp {
    Append {
        board: String,
        data: Vec<u8>,
        done: oneshot::Sender<Result<(), StoreError>>,
    },
    Compact {
        board: String,
        state: Vec<u8>,
        done: oneshot::Sender<Result<(), StoreError>>,
    },
    Barrier {
        done: oneshot::Sender<Result<(), StoreError>>,
    },
}

/// Handle to the store; cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    /// Bytes of appended updates not yet committed.
    pending: Arc<AtomicUsize>,
    read: Mutex<Connection>,
    writer: Mutex<Option<std_mpsc::Sender<WriteOp>>>,
    writer_thread: Mutex<Option<thread::JoinHandle<()>>>,
    /// Dropping it stops the checkpointer thread.
    checkpointer: Mutex<Option<std_mpsc::Sender<()>>>,
    checkpointer_thread: Mutex<Option<thread::JoinHandle<()>>>,
}

/// Suffix of the store key of a board's control document.
pub const CONTROL_SUFFIX: &str = "/control";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS workshops (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    area TEXT NOT NULL,
    date TEXT NOT NULL DEFAULT '',
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS boards (
    id TEXT PRIMARY KEY,
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    title TEXT NOT NULL,
    pillar TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS board_updates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id TEXT NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS board_updates_by_board ON board_updates(board_id, id);
CREATE TABLE IF NOT EXISTS links (
    token_hash TEXT PRIMARY KEY,
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    board_id TEXT,
    role TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS snapshots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    board_id TEXT NOT NULL REFERENCES boards(id),
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    taken_ms INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS snapshots_by_board ON snapshots(board_id, id);
CREATE TABLE IF NOT EXISTS consultations (
    id TEXT PRIMARY KEY,
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    board_id TEXT NOT NULL REFERENCES boards(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    snapshot_id INTEGER,
    items TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    open INTEGER NOT NULL DEFAULT 1,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS consultation_answers (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    item_id TEXT NOT NULL,
    respondent TEXT NOT NULL,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    stance TEXT,
    comment TEXT NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (consultation_id, item_id, respondent)
);
CREATE TABLE IF NOT EXISTS consultation_outcomes (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    item_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    note TEXT NOT NULL,
    decided_ms INTEGER NOT NULL,
    PRIMARY KEY (consultation_id, item_id)
);
CREATE TABLE IF NOT EXISTS board_state (
    board_id TEXT PRIMARY KEY,
    data BLOB NOT NULL,
    upto INTEGER NOT NULL
);
";

fn open_conn(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Commits never copy the WAL into the main file themselves: the checkpointer thread
    // does, so that a commit (and the relay waiting for it) never waits for that copy and
    // its fsync of the main file.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    Ok(conn)
}

/// How often the checkpointer copies committed WAL pages into the main file.
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_millis(500);

/// Copy the WAL into the main database file every [`CHECKPOINT_EVERY`], without blocking
/// the writer (`PASSIVE`: pages still being written are left for the next round), until
/// `stop` is dropped.
fn checkpoint_loop(conn: Connection, stop: std_mpsc::Receiver<()>) {
    loop {
        match stop.recv_timeout(CHECKPOINT_EVERY) {
            Err(std_mpsc::RecvTimeoutError::Timeout) => {
                let done = conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()));
                if let Err(e) = done {
                    tracing::warn!(error = %e, "WAL checkpoint failed; will retry");
                }
            }
            _ => return,
        }
    }
}

impl Store {
    /// Open (creating if needed) the SQLite file at `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Store, StoreError> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let read = open_conn(&path)?;
        read.execute_batch(SCHEMA)?;
        migrate(&read)?;
        let write = open_conn(&path)?;
        let (tx, rx) = std_mpsc::channel();
        let pending = Arc::new(AtomicUsize::new(0));
        let handle = {
            let pending = pending.clone();
            thread::Builder::new()
                .name("store-writer".into())
                .spawn(move || writer_loop(write, rx, &pending))
                .expect("spawn store writer thread")
        };
        let checkpoint = open_conn(&path)?;
        let (stop, stopped) = std_mpsc::channel();
        let checkpointer = thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpoint, stopped))
            .expect("spawn store checkpoint thread");
        Ok(Store {
            inner: Arc::new(Inner {
                path,
                pending,
                read: Mutex::new(read),
                writer: Mutex::new(Some(tx)),
                writer_thread: Mutex::new(Some(handle)),
                checkpointer: Mutex::new(Some(stop)),
                checkpointer_thread: Mutex::new(Some(checkpointer)),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    fn send(&self, op: WriteOp) -> Result<(), StoreError> {
        let guard = self.inner.writer.lock().expect("writer lock");
        match guard.as_ref() {
            Some(tx) => tx.send(op).map_err(|_| StoreError::WriterGone),
            None => Err(StoreError::WriterGone),
        }
    }

    /// Queue an update for `board`; the returned future resolves once it is durable.
    ///
    /// Queueing happens now (so call this while holding the board's document lock to keep
    /// log order equal to apply order); awaiting can happen later.
    pub fn append(
        &self,
        board: &str,
        data: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send + 'static {
        let board = board.to_string();
        self.inner.pending.fetch_add(data.len(), Ordering::Relaxed);
        self.request(move |done| WriteOp::Append { board, data, done })
    }

    /// Bytes of appended updates not yet durable.
    pub fn pending_bytes(&self) -> usize {
        self.inner.pending.load(Ordering::Relaxed)
    }

    /// Resolves when everything queued before it is durable.
    pub fn barrier(
        &self,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send + 'static {
        self.request(|done| WriteOp::Barrier { done })
    }

    /// Replace every log row of `board` queued before this call by `state`, which must
    /// contain all of them (encode it under the same lock that orders appends).
    pub fn compact(
        &self,
        board: &str,
        state: Vec<u8>,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send + 'static {
        let board = board.to_string();
        self.request(move |done| WriteOp::Compact { board, state, done })
    }

    /// Queue one write now; the future resolves when its batch has committed.
    fn request(
        &self,
        op: impl FnOnce(oneshot::Sender<Result<(), StoreError>>) -> WriteOp,
    ) -> impl std::future::Future<Output = Result<(), StoreError>> + Send + 'static {
        let (done, rx) = oneshot::channel();
        let queued = self.send(op(done));
        wait(queued, rx)
    }

    /// Stop the writer after it has committed everything queued (graceful shutdown).
    pub fn close(&self) {
        self.inner.writer.lock().expect("writer lock").take();
        if let Some(h) = self.inner.writer_thread.lock().expect("thread lock").take() {
            let _ = h.join();
        }
        self.inner
            .checkpointer
            .lock()
            .expect("checkpointer lock")
            .take();
        if let Some(h) = self
            .inner
            .checkpointer_thread
            .lock()
            .expect("thread lock")
            .take()
        {
            let _ = h.join();
        }
    }

    /// The persisted content of a board (base + log), or `None` if the board is unknown.
    pub fn load_board(&self, board: &str) -> Result<Option<StoredBoard>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        // A board's control document (`{board}/control`) exists when its board does.
        let catalogued = board.strip_suffix(CONTROL_SUFFIX).unwrap_or(board);
        if !board_exists(&conn, catalogued)? {
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

    pub fn log_stats(&self, board: &str) -> Result<LogStats, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
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

    /// Create a workshop (catalogue only).
    pub fn create_workshop(
        &self,
        id: &str,
        title: &str,
        area: &str,
        date: &str,
    ) -> Result<(), StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        conn.execute(
            "INSERT INTO workshops (id, title, area, date, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![id, title, area, date, now_ms()],
        )?;
        Ok(())
    }

    /// Create a board in a workshop with its initial document state (one update).
    pub fn create_board(
        &self,
        id: &str,
        workshop_id: &str,
        title: &str,
        pillar: &str,
        initial_state: &[u8],
    ) -> Result<(), StoreError> {
        let mut conn = self.inner.read.lock().expect("read lock");
        let tx = conn.transaction()?;
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
    pub fn update_workshop(
        &self,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError> {
        self.update_entry("workshops", id, title, archived)
    }

    /// Rename and/or archive a board (catalogue).
    pub fn update_board(
        &self,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError> {
        self.update_entry("boards", id, title, archived)
    }

    /// `table` is one of the catalogue tables (a fixed name, never input).
    fn update_entry(
        &self,
        table: &'static str,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
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

    /// Record a link by the hash of its token.
    pub fn create_link(
        &self,
        token_hash: &str,
        workshop_id: &str,
        board_id: Option<&str>,
        role: LinkRole,
    ) -> Result<(), StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        conn.execute(
            "INSERT INTO links (token_hash, workshop_id, board_id, role, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![token_hash, workshop_id, board_id, role.as_str(), now_ms()],
        )?;
        Ok(())
    }

    pub fn revoke_link(&self, token_hash: &str) -> Result<(), StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        conn.execute(
            "UPDATE links SET revoked = 1 WHERE token_hash = ?1",
            [token_hash],
        )?;
        Ok(())
    }

    /// Every unrevoked link: (token hash, workshop, board, role).
    #[allow(clippy::type_complexity)]
    pub fn links(&self) -> Result<Vec<(String, String, Option<String>, LinkRole)>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
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
        Ok(rows
            .into_iter()
            .filter_map(|(h, w, b, r)| Some((h, w, b, LinkRole::parse(&r)?)))
            .collect())
    }

    /// Keep a named, immutable copy of a board's state; returns it.
    pub fn create_snapshot(
        &self,
        board: &str,
        name: &str,
        reason: &str,
        state: &[u8],
    ) -> Result<Snapshot, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
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

    /// A board's snapshots, oldest first.
    pub fn snapshots(&self, board: &str) -> Result<Vec<Snapshot>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        let mut stmt = conn.prepare_cached(&format!(
            "{SNAPSHOT_COLUMNS} FROM snapshots WHERE board_id = ?1 ORDER BY id"
        ))?;
        let rows = stmt
            .query_map([board], snapshot_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// One snapshot of `board` with its state.
    pub fn snapshot(
        &self,
        board: &str,
        id: i64,
    ) -> Result<Option<(Snapshot, Vec<u8>)>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        Ok(conn
            .query_row(
                &format!("{SNAPSHOT_COLUMNS}, data FROM snapshots WHERE board_id = ?1 AND id = ?2"),
                params![board, id],
                |r| Ok((snapshot_row(r)?, r.get(5)?)),
            )
            .optional()?)
    }

    /// Write a consistent copy of the whole database to `dest` while serving (SQLite
    /// `VACUUM INTO`: a single read transaction, so the copy is a point in time).
    pub fn backup_to(&self, dest: &Path) -> Result<(), StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        conn.execute("VACUUM INTO ?1", [dest.to_string_lossy()])?;
        Ok(())
    }

    pub fn workshop_count(&self) -> Result<u64, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        let n: i64 = conn.query_row("SELECT count(*) FROM workshops", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// One workshop with its boards.
    pub fn workshop(&self, id: &str) -> Result<Option<WorkshopSummary>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
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

    pub fn board_summary(&self, board: &str) -> Result<Option<BoardSummary>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        Ok(conn
            .query_row(
                "SELECT b.id, b.title, b.pillar, w.id, w.title, w.area, b.archived FROM boards b JOIN workshops w ON w.id = b.workshop_id WHERE b.id = ?1",
                [board],
                summary_row,
            )
            .optional()?)
    }
}

impl Store {
    /// Every board of every workshop, by workshop then position.
    pub fn all_boards(&self) -> Result<Vec<BoardSummary>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        let mut stmt = conn.prepare_cached(
            "SELECT b.id, b.title, b.pillar, w.id, w.title, w.area, b.archived FROM boards b JOIN workshops w ON w.id = b.workshop_id ORDER BY w.created_ms, w.id, b.position",
        )?;
        let rows = stmt
            .query_map([], summary_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every snapshot of every board, by board, oldest first.
    pub fn all_snapshots(&self) -> Result<HashMap<String, Vec<Snapshot>>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        let mut stmt =
            conn.prepare_cached(&format!("{SNAPSHOT_COLUMNS} FROM snapshots ORDER BY id"))?;
        let mut out: HashMap<String, Vec<Snapshot>> = HashMap::new();
        for s in stmt.query_map([], snapshot_row)? {
            let s = s?;
            out.entry(s.board_id.clone()).or_default().push(s);
        }
        Ok(out)
    }

    /// Keep a published draft with the hash of its respondents' token.
    pub fn create_consultation(
        &self,
        c: &Consultation,
        token_hash: &str,
    ) -> Result<(), StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        let items = serde_json::to_string(&c.items).map_err(StoreError::Encode)?;
        conn.execute(
            "INSERT INTO consultations (id, workshop_id, board_id, title, kind, snapshot_id, items, token_hash, open, created_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![c.id, c.workshop_id, c.board_id, c.title, c.kind.as_str(), c.snapshot, items, token_hash, c.open as i64, c.created_ms],
        )?;
        Ok(())
    }

    /// A published draft and its respondents' token hash.
    pub fn consultation(&self, id: &str) -> Result<Option<(Consultation, String)>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        Ok(conn
            .query_row(
                &format!("{CONSULTATION_SELECT} FROM consultations c WHERE c.id = ?1"),
                [id],
                consultation_row,
            )
            .optional()?)
    }

    /// A workshop's published drafts with how many people answered each, oldest first.
    pub fn consultations_of(
        &self,
        workshop: &str,
    ) -> Result<Vec<(Consultation, usize)>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        let mut stmt = conn.prepare_cached(&format!(
            "{CONSULTATION_SELECT},
               (SELECT count(DISTINCT respondent) FROM consultation_answers a WHERE a.consultation_id = c.id)
             FROM consultations c WHERE workshop_id = ?1 ORDER BY created_ms, id"
        ))?;
        let rows = stmt
            .query_map([workshop], |r| {
                let (c, _) = consultation_row(r)?;
                Ok((c, r.get::<_, i64>(10)? as usize))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn set_consultation_open(&self, id: &str, open: bool) -> Result<(), StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        conn.execute(
            "UPDATE consultations SET open = ?2 WHERE id = ?1",
            params![id, open as i64],
        )?;
        Ok(())
    }

    /// Record a (checked) response: each answer replaces the respondent's earlier answer
    /// to the same item. One transaction.
    pub fn save_response(&self, id: &str, r: &Response, now_ms: i64) -> Result<(), StoreError> {
        let mut conn = self.inner.read.lock().expect("read lock");
        let tx = conn.transaction()?;
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
    pub fn answers(
        &self,
        id: &str,
        respondent: Option<&str>,
    ) -> Result<Vec<StoredAnswer>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        let mut stmt = conn.prepare_cached(
            "SELECT item_id, respondent, name, organisation, stance, comment, updated_ms
             FROM consultation_answers WHERE consultation_id = ?1 AND (?2 IS NULL OR respondent = ?2)
             ORDER BY updated_ms, respondent, item_id",
        )?;
        let rows = stmt
            .query_map(params![id, respondent], |r| {
                Ok(StoredAnswer {
                    item: r.get(0)?,
                    respondent: r.get(1)?,
                    name: r.get(2)?,
                    organisation: r.get(3)?,
                    stance: r
                        .get::<_, Option<String>>(4)?
                        .as_deref()
                        .and_then(Stance::parse),
                    comment: r.get(5)?,
                    updated_ms: r.get(6)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Record (or replace) the decision on one item.
    pub fn record_outcome(&self, id: &str, o: &Outcome) -> Result<(), StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
        conn.execute(
            "INSERT INTO consultation_outcomes (consultation_id, item_id, decision, note, decided_ms)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(consultation_id, item_id) DO UPDATE SET
               decision = excluded.decision, note = excluded.note, decided_ms = excluded.decided_ms",
            params![id, o.item, o.decision.as_str(), o.note, o.decided_ms],
        )?;
        Ok(())
    }

    pub fn outcomes(&self, id: &str) -> Result<Vec<Outcome>, StoreError> {
        let conn = self.inner.read.lock().expect("read lock");
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
        Ok(rows
            .into_iter()
            .filter_map(|(item, d, note, decided_ms)| {
                Some(Outcome {
                    item,
                    decision: Decision::parse(&d)?,
                    note,
                    decided_ms,
                })
            })
            .collect())
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

/// The columns [`consultation_row`] reads (callers add `FROM consultations c ...`).
const CONSULTATION_SELECT: &str = "SELECT c.id, c.workshop_id, c.board_id, c.title, c.kind, c.snapshot_id, c.items, c.open, c.created_ms, c.token_hash";

fn consultation_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(Consultation, String)> {
    let kind: String = r.get(4)?;
    let items: String = r.get(6)?;
    Ok((
        Consultation {
            id: r.get(0)?,
            workshop_id: r.get(1)?,
            board_id: r.get(2)?,
            title: r.get(3)?,
            kind: RoundKind::parse(&kind).unwrap_or(RoundKind::Consultation),
            snapshot: r.get(5)?,
            items: serde_json::from_str(&items).unwrap_or_default(),
            open: r.get::<_, i64>(7)? != 0,
            created_ms: r.get(8)?,
        },
        r.get(9)?,
    ))
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

/// Columns added after the first schema: added in place to older databases.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    for (table, column, decl) in [
        ("workshops", "archived", "INTEGER NOT NULL DEFAULT 0"),
        ("boards", "archived", "INTEGER NOT NULL DEFAULT 0"),
    ] {
        let exists = conn
            .prepare(&format!(
                "SELECT 1 FROM pragma_table_info('{table}') WHERE name = ?1"
            ))?
            .exists([column])?;
        if !exists {
            conn.execute_batch(&format!("ALTER TABLE {table} ADD COLUMN {column} {decl}"))?;
        }
    }
    Ok(())
}

fn board_exists(conn: &Connection, board: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM boards WHERE id = ?1", [board], |_| Ok(()))
        .optional()?
        .is_some())
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

async fn wait(
    queued: Result<(), StoreError>,
    rx: oneshot::Receiver<Result<(), StoreError>>,
) -> Result<(), StoreError> {
    queued?;
    rx.await.map_err(|_| StoreError::WriterGone)?
}

/// Most requests committed in one transaction.
const MAX_BATCH: usize = 4096;

fn writer_loop(mut conn: Connection, rx: std_mpsc::Receiver<WriteOp>, pending: &AtomicUsize) {
    while let Ok(first) = rx.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }
        let result = commit_batch(&mut conn, &batch);
        if let Err(e) = &result {
            tracing::error!(error = %e, ops = batch.len(), "store batch failed");
        }
        let bytes: usize = batch
            .iter()
            .map(|op| match op {
                WriteOp::Append { data, .. } => data.len(),
                _ => 0,
            })
            .sum();
        pending.fetch_sub(bytes, Ordering::Relaxed);
        for op in batch {
            let done = match op {
                WriteOp::Append { done, .. }
                | WriteOp::Compact { done, .. }
                | WriteOp::Barrier { done } => done,
            };
            let _ = done.send(match &result {
                Ok(()) => Ok(()),
                Err(e) => Err(StoreError::Commit(e.to_string())),
            });
        }
    }
    tracing::debug!("store writer stopped");
}

fn commit_batch(conn: &mut Connection, batch: &[WriteOp]) -> Result<(), rusqlite::Error> {
    let tx = conn.transaction()?;
    {
        let mut append =
            tx.prepare_cached("INSERT INTO board_updates (board_id, data) VALUES (?1, ?2)")?;
        for op in batch {
            match op {
                WriteOp::Append { board, data, .. } => {
                    append.execute(params![board, data])?;
                }
                WriteOp::Compact { board, state, .. } => {
                    let upto: i64 = tx.query_row(
                        "SELECT coalesce(max(id), 0) FROM board_updates WHERE board_id = ?1",
                        [board],
                        |r| r.get(0),
                    )?;
                    tx.execute(
                        "INSERT INTO board_state (board_id, data, upto) VALUES (?1, ?2, ?3)
                         ON CONFLICT(board_id) DO UPDATE SET data = excluded.data, upto = max(board_state.upto, excluded.upto)",
                        params![board, state, upto],
                    )?;
                    tx.execute(
                        "DELETE FROM board_updates WHERE board_id = ?1 AND id <= ?2",
                        params![board, upto],
                    )?;
                }
                WriteOp::Barrier { .. } => {}
            }
        }
    }
    tx.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("db/cocreate.db")).unwrap();
        store
            .create_workshop("w", "Workshop", "MSK", "2026-11-24")
            .unwrap();
        store
            .create_board("b", "w", "Board", "Consultancy", b"base")
            .unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn appends_are_durable_in_order_and_survive_reopen() {
        let (dir, store) = store();
        let futs: Vec<_> = (0..100u8).map(|i| store.append("b", vec![i])).collect();
        for f in futs {
            f.await.unwrap();
        }
        let loaded = store.load_board("b").unwrap().unwrap();
        assert_eq!(loaded.base.as_deref(), Some(&b"base"[..]));
        assert_eq!(
            loaded.updates,
            (0..100u8).map(|i| vec![i]).collect::<Vec<_>>()
        );
        store.close();
        let again = Store::open(dir.path().join("db/cocreate.db")).unwrap();
        assert_eq!(again.load_board("b").unwrap().unwrap().updates.len(), 100);
    }

    #[tokio::test]
    async fn committed_rows_reach_the_main_file_without_a_restart() {
        let (dir, store) = store();
        for i in 0..50u8 {
            store.append("b", vec![i]).await.unwrap();
        }
        // Commits leave the copy into the main file to the checkpointer thread: read the
        // main file alone (a copy without its WAL) until it holds all 50 rows.
        let main = dir.path().join("db/cocreate.db");
        let copy_dir = tempfile::tempdir().unwrap();
        let mut rows = 0;
        for _ in 0..50 {
            let copy = copy_dir.path().join("copy.db");
            let _ = std::fs::remove_file(copy.with_extension("db-wal"));
            std::fs::copy(&main, &copy).unwrap();
            // Before the first checkpoint the main file has not even got the tables.
            rows = Connection::open(&copy)
                .unwrap()
                .query_row(
                    "SELECT COUNT(*) FROM board_updates WHERE board_id = 'b'",
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .unwrap_or(0);
            if rows == 50 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        assert_eq!(rows, 50, "the checkpointer copied every committed row");
    }

    #[tokio::test]
    async fn compaction_replaces_exactly_the_rows_queued_before_it() {
        let (_dir, store) = store();
        let a = store.append("b", vec![1]);
        let c = store.compact("b", b"state-with-1".to_vec());
        let d = store.append("b", vec![2]);
        a.await.unwrap();
        c.await.unwrap();
        d.await.unwrap();
        let loaded = store.load_board("b").unwrap().unwrap();
        assert_eq!(loaded.base.as_deref(), Some(&b"state-with-1"[..]));
        assert_eq!(loaded.updates, vec![vec![2]]);
        assert_eq!(
            store.log_stats("b").unwrap(),
            LogStats {
                log_rows: 1,
                has_base: true
            }
        );
    }

    #[tokio::test]
    async fn unknown_boards_are_none_and_catalogue_lists_boards() {
        let (_dir, store) = store();
        assert!(store.load_board("nope").unwrap().is_none());
        assert_eq!(store.workshop_count().unwrap(), 1);
        let w = store.workshop("w").unwrap().unwrap();
        assert_eq!(w.boards[0].id, "b");
        assert_eq!(w.boards[0].area, "MSK");
        assert!(store.workshop("nope").unwrap().is_none());
        assert_eq!(
            store.board_summary("b").unwrap().unwrap().workshop_title,
            "Workshop"
        );
        store.barrier().await.unwrap();
    }
}
