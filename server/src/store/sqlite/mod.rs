//! The embedded backend: every table in one SQLite file.
//!
//! # Layout
//! - `workshops`, `boards`: the catalogue (titles, areas, pillars); `snapshots`: named,
//!   immutable copies of a board's full state (one yrs update each) ([`catalog`]).
//! - `links`: SHA-256 hashes of access tokens with their workshop, board and role;
//!   `organiser_links`: the organising team's (every workshop) ([`links`]).
//! - `board_updates`: the append-only log of accepted yrs updates, id = global order;
//!   `board_state`: a compacted base per document covering every log row with
//!   `id <= upto`, those rows deleted in the same transaction ([`log`], written by
//!   [`writer`]).
//! - `consultations`, `consultation_answers`, `consultation_replies`, `consultation_outcomes`: published drafts
//!   (items frozen as JSON, the respondents' token hash), answers per respondent and item,
//!   and the agreement round's decisions; `consultation_respondents`: the hash of each
//!   respondent's own secret ([`rounds`]).
//! - `held_cards`: cards a facilitator hid, out of their board ([`moderation`]).
//! - `roster`: each workshop's pseudonyms with the name and role given, and their
//!   answers to the workshop's questions (`attribute_questions`) ([`roster`]).
//! - `audit`: every facilitator and organiser action, append-only (triggers refuse
//!   `UPDATE` and `DELETE`) ([`audit`]).
//! - `retention`: each workshop's retention date, action and when it was carried out
//!   ([`audit`]).
//! - `erasures`: when a pseudonym was erased, by whom, and counts (never content).
//! - `notices`: every version of each workshop's privacy notice; `consents`: who agreed
//!   to which version when, and when they withdrew ([`consent`]).
//! - `coding`, `analysts`, `card_codes`: each workshop's codebook and phase, its
//!   analysts (the hash of each one's link) and every coder's codes per card ([`coding`]).
//! - `delphi_studies`, `delphi_rounds`, `delphi_respondents`, `delphi_ratings`: Delphi
//!   studies (items, scale and rule as JSON), their rounds, respondents' codes with the
//!   hash of each one's link, and ratings ([`delphi`]).
//!
//! # Durability
//! All log writes go through one writer thread with its own connection (WAL,
//! `synchronous=FULL`). It takes every request waiting in its queue, commits them in one
//! transaction (group commit) and only then answers each request. A caller that awaited
//! an append knows its update survives `kill -9` and power loss. The queue is FIFO, so a
//! barrier answers only after everything queued before it is durable, and a compaction
//! replaces exactly the rows queued before it. Commits never checkpoint: a third thread
//! copies the WAL into the main file every 500 ms (`PASSIVE`). Catalogue, links and
//! rounds use a second connection (`catalog`), in short transactions of their own; a
//! transaction there that reads before it writes begins `IMMEDIATE` (a deferred one
//! would fail with `SQLITE_BUSY_SNAPSHOT`, not wait, if the writer committed between its
//! read and its write).

mod audit;
mod catalog;
mod coding;
mod consent;
mod delphi;
mod links;
mod log;
mod moderation;
mod roster;
mod rounds;
mod writer;

use std::path::{Path, PathBuf};
use std::sync::mpsc as std_mpsc;
use std::sync::{Mutex, MutexGuard};
use std::thread;

use rusqlite::{Connection, OptionalExtension};

pub(super) use crate::store::interface::parse_word;
use crate::store::interface::{Storage, StoreError};

/// The SQLite backend.
pub struct Sqlite {
    path: PathBuf,
    /// The connection for the catalogue, links and rounds (never the update log).
    catalog: Mutex<Connection>,
    log: writer::Log,
    /// Dropping it stops the checkpointer thread.
    checkpointer: Mutex<Option<std_mpsc::Sender<()>>>,
    checkpointer_thread: Mutex<Option<thread::JoinHandle<()>>>,
}

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
CREATE TABLE IF NOT EXISTS consultation_replies (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    respondent TEXT,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    text TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0,
    facilitator INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (consultation_id, id)
);
CREATE TABLE IF NOT EXISTS consultation_outcomes (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    item_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    note TEXT NOT NULL,
    decided_ms INTEGER NOT NULL,
    PRIMARY KEY (consultation_id, item_id)
);
CREATE TABLE IF NOT EXISTS consultation_respondents (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    respondent TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    PRIMARY KEY (consultation_id, respondent)
);
CREATE TABLE IF NOT EXISTS held_cards (
    board_id TEXT NOT NULL REFERENCES boards(id),
    card_id TEXT NOT NULL,
    card TEXT NOT NULL,
    held_ms INTEGER NOT NULL,
    PRIMARY KEY (board_id, card_id)
);
CREATE TABLE IF NOT EXISTS roster (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    pseudonym TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    PRIMARY KEY (workshop_id, pseudonym)
);
CREATE TABLE IF NOT EXISTS notices (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    version INTEGER NOT NULL,
    plain TEXT NOT NULL,
    easy_read TEXT NOT NULL,
    set_ms INTEGER NOT NULL,
    PRIMARY KEY (workshop_id, version)
);
CREATE TABLE IF NOT EXISTS consents (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    pseudonym TEXT NOT NULL,
    version INTEGER NOT NULL,
    given_ms INTEGER NOT NULL,
    withdrawn_ms INTEGER,
    PRIMARY KEY (workshop_id, pseudonym, version)
);
CREATE TABLE IF NOT EXISTS erasures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop_id TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    by_whom TEXT NOT NULL,
    counts TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS organiser_links (
    token_hash TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS allocations (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    pseudonym TEXT NOT NULL,
    board_id TEXT NOT NULL,
    role TEXT NOT NULL,
    placed_ms INTEGER NOT NULL,
    PRIMARY KEY (workshop_id, pseudonym)
);
CREATE TABLE IF NOT EXISTS plans (
    workshop_id TEXT PRIMARY KEY REFERENCES workshops(id),
    plan TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS saved_plans (
    name TEXT PRIMARY KEY,
    plan TEXT NOT NULL,
    from_workshop TEXT NOT NULL,
    saved_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS attribute_questions (
    workshop_id TEXT PRIMARY KEY REFERENCES workshops(id),
    questions TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS retention (
    workshop_id TEXT PRIMARY KEY REFERENCES workshops(id),
    until_ms INTEGER NOT NULL,
    action TEXT NOT NULL,
    done_ms INTEGER
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    workshop_id TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_by_workshop ON audit(workshop_id, id);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE IF NOT EXISTS coding (
    workshop_id TEXT PRIMARY KEY REFERENCES workshops(id),
    codebook TEXT NOT NULL,
    phase TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS analysts (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    revoked_ms INTEGER,
    PRIMARY KEY (workshop_id, id)
);
CREATE TABLE IF NOT EXISTS card_codes (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    coder TEXT NOT NULL,
    card TEXT NOT NULL,
    codes TEXT NOT NULL,
    PRIMARY KEY (workshop_id, coder, card)
);
CREATE TABLE IF NOT EXISTS delphi_studies (
    id TEXT PRIMARY KEY,
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    title TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS delphi_rounds (
    study_id TEXT NOT NULL REFERENCES delphi_studies(id),
    number INTEGER NOT NULL,
    items TEXT NOT NULL,
    open INTEGER NOT NULL,
    opened_ms INTEGER NOT NULL,
    closed_ms INTEGER,
    PRIMARY KEY (study_id, number)
);
CREATE TABLE IF NOT EXISTS delphi_respondents (
    study_id TEXT NOT NULL REFERENCES delphi_studies(id),
    code TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_ms INTEGER NOT NULL,
    revoked_ms INTEGER,
    PRIMARY KEY (study_id, code)
);
CREATE TABLE IF NOT EXISTS delphi_ratings (
    study_id TEXT NOT NULL REFERENCES delphi_studies(id),
    round INTEGER NOT NULL,
    code TEXT NOT NULL,
    item TEXT NOT NULL,
    value INTEGER NOT NULL,
    comment TEXT NOT NULL,
    at_ms INTEGER NOT NULL,
    PRIMARY KEY (study_id, round, code, item)
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
    // Deleted rows are overwritten, not left in free pages: erasure (and moderation's
    // "delete for good") must leave nothing readable in the file.
    conn.pragma_update(None, "secure_delete", "ON")?;
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

impl Sqlite {
    /// Open (creating if needed) the SQLite file at `path`.
    pub fn open(path: impl Into<PathBuf>) -> Result<Sqlite, StoreError> {
        let path = path.into();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
                path: dir.to_path_buf(),
                source,
            })?;
        }
        let catalog = open_conn(&path)?;
        catalog.execute_batch(SCHEMA)?;
        migrate(&catalog)?;
        let log = writer::Log::start(open_conn(&path)?);
        let checkpoint = open_conn(&path)?;
        let (stop, stopped) = std_mpsc::channel();
        let checkpointer = thread::Builder::new()
            .name("store-checkpoint".into())
            .spawn(move || checkpoint_loop(checkpoint, stopped))
            .expect("spawn store checkpoint thread");
        Ok(Sqlite {
            path,
            catalog: Mutex::new(catalog),
            log,
            checkpointer: Mutex::new(Some(stop)),
            checkpointer_thread: Mutex::new(Some(checkpointer)),
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.catalog.lock().expect("catalog connection")
    }

    /// Write a consistent copy of the whole database to `dest` while serving (SQLite
    /// `VACUUM INTO`: a single read transaction, so the copy is a point in time).
    pub fn backup_to(&self, dest: &Path) -> Result<(), StoreError> {
        self.conn()
            .execute("VACUUM INTO ?1", [dest.to_string_lossy()])?;
        Ok(())
    }

    /// Stop the checkpointer (after the writer has stopped).
    fn stop_checkpointer(&self) {
        self.checkpointer.lock().expect("checkpointer lock").take();
        if let Some(h) = self.checkpointer_thread.lock().expect("thread lock").take() {
            let _ = h.join();
        }
    }
}

/// One file, one node: every board is this node's.
impl crate::store::interface::Leases for Sqlite {}

impl Storage for Sqlite {
    fn location(&self) -> String {
        self.path.display().to_string()
    }

    /// Copy the whole WAL into the main file and truncate it, so old page images of
    /// erased rows are in neither (deleted rows themselves are zeroed: `secure_delete`).
    fn scrub(&self) -> Result<(), StoreError> {
        let (busy, _, _): (i64, i64, i64) =
            self.conn()
                .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?))
                })?;
        if busy != 0 {
            return Err(StoreError::Commit(
                "the WAL could not be truncated (readers busy); try again".into(),
            ));
        }
        Ok(())
    }
}

/// Columns added after the first schema: added in place to older databases.
fn migrate(conn: &Connection) -> Result<(), StoreError> {
    for (table, column, decl) in [
        ("workshops", "archived", "INTEGER NOT NULL DEFAULT 0"),
        ("boards", "archived", "INTEGER NOT NULL DEFAULT 0"),
        ("links", "label", "TEXT NOT NULL DEFAULT ''"),
        ("links", "expires_ms", "INTEGER"),
        ("links", "last_used_ms", "INTEGER"),
        ("roster", "attributes", "TEXT NOT NULL DEFAULT '{}'"),
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

/// A row that cannot be read back as what it should be.
fn corrupt(table: &'static str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt {
        table,
        reason: e.to_string(),
    }
}

fn board_exists(conn: &Connection, board: &str) -> Result<bool, StoreError> {
    Ok(conn
        .query_row("SELECT 1 FROM boards WHERE id = ?1", [board], |_| Ok(()))
        .optional()?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::interface::{Catalog, Links, RoundStore, UpdateLog};

    fn store() -> (tempfile::TempDir, Sqlite) {
        let dir = tempfile::tempdir().unwrap();
        let store = Sqlite::open(dir.path().join("db/cocreate.db")).unwrap();
        store
            .create_workshop("w", "Workshop", "MSK", "2026-11-24")
            .unwrap();
        store
            .create_board("b", "w", "Board", "Consultancy", b"base")
            .unwrap();
        (dir, store)
    }

    #[tokio::test]
    async fn committed_rows_reach_the_main_file_without_a_restart() {
        let (dir, store) = store();
        for i in 0..50u8 {
            store
                .append(&cocreate_core::catalog::DocKey::board("b"), vec![i])
                .await
                .unwrap();
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

    #[test]
    fn rows_that_cannot_be_read_back_are_errors_not_defaults() {
        let (_dir, store) = store();
        let conn = store.conn();
        conn.execute(
            "INSERT INTO links (token_hash, workshop_id, board_id, role, created_ms) VALUES ('h', 'w', NULL, 'superuser', 0)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO consultations (id, workshop_id, board_id, title, kind, snapshot_id, items, token_hash, open, created_ms)
             VALUES ('r', 'w', 'b', 'T', 'consultation', NULL, 'not json', 't', 1, 0),
                    ('k', 'w', 'b', 'T', 'vote', NULL, '[]', 'u', 1, 0)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO consultation_outcomes (consultation_id, item_id, decision, note, decided_ms) VALUES ('k', 'a', 'maybe', '', 0)",
            [],
        )
        .unwrap();
        conn.execute(
            "INSERT INTO consultation_answers (consultation_id, item_id, respondent, name, organisation, stance, comment, updated_ms)
             VALUES ('k', 'a', 'p', 'n', 'o', 'perhaps', '', 0)",
            [],
        )
        .unwrap();
        drop(conn);
        let corrupt = |e: StoreError, table: &str| {
            assert!(
                matches!(&e, StoreError::Corrupt { table: t, .. } if *t == table),
                "{e}"
            );
        };
        corrupt(store.links().unwrap_err(), "links");
        corrupt(store.consultation("r").unwrap_err(), "consultations");
        corrupt(store.consultation("k").unwrap_err(), "consultations");
        corrupt(store.consultations_of("w").unwrap_err(), "consultations");
        corrupt(store.outcomes("k").unwrap_err(), "consultation_outcomes");
        corrupt(
            store.answers("k", None).unwrap_err(),
            "consultation_answers",
        );
        store.close();
    }
}
