//! The scale-out backend: every table in one PostgreSQL database (tokio-postgres, pooled
//! by deadpool-postgres).
//!
//! # Layout
//! The same tables as the embedded backend ([`super::sqlite`]), in PostgreSQL types
//! (`BIGINT` times in milliseconds, `BYTEA` documents, `BOOLEAN` flags), plus
//! `schema_version`: the migrations applied ([`MIGRATIONS`], run on start under an
//! advisory lock, so nodes starting together migrate once). Text is sorted `COLLATE "C"`
//! (byte order, as SQLite sorts), whatever the database's own collation.
//!
//! # Threads and blocking
//! The storage interface is synchronous except for the update log's durability futures.
//! This backend owns a small tokio runtime of its own: the connections' I/O tasks and the
//! log writer run there, and a synchronous call waits for its query on the calling thread
//! (as a SQLite call waits for its file). So it works from any thread or runtime, a test's
//! single-threaded one included.
//!
//! # Durability
//! One writer task takes every update-log request waiting in its queue and commits them
//! in one transaction (group commit, `synchronous_commit` on), and only then answers each
//! request, exactly as the SQLite writer thread does: FIFO, so a barrier answers after
//! everything before it and a compaction replaces exactly the rows queued before it.

mod coding;
mod delphi;
mod leases;
mod tables;
mod writer;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use tokio_postgres::NoTls;

use crate::store::interface::{Storage, StoreError};

/// The PostgreSQL backend.
pub struct Postgres {
    /// The database, without its password, for the log.
    location: String,
    pool: Pool,
    log: writer::Log,
    /// The backend's own runtime (connections' I/O and the writer); shut down on drop.
    rt: Mutex<Option<tokio::runtime::Runtime>>,
    handle: tokio::runtime::Handle,
    /// Set when this node shares the database with others (leases and fencing).
    cluster: Option<Arc<Cluster>>,
}

/// A node of a cluster: its name, where other nodes reach it, and how long a lease lasts.
#[derive(Debug, Clone)]
pub struct ClusterNode {
    pub node: String,
    pub addr: String,
    pub lease: Duration,
}

/// This node's leases.
pub(crate) struct Cluster {
    me: ClusterNode,
    /// Board -> (epoch, until when it is trusted without asking the database again).
    held: Mutex<HashMap<String, (i64, Instant)>>,
}

impl Cluster {
    /// The epoch this node holds `board` under, if it holds it.
    fn epoch(&self, board: &str) -> Option<i64> {
        self.held
            .lock()
            .expect("leases")
            .get(board)
            .map(|(e, _)| *e)
    }

    fn forget(&self, board: &str) {
        self.held.lock().expect("leases").remove(board);
    }
}

/// Connections the pool keeps at most.
const POOL_SIZE: usize = 16;

/// Each migration, in order: `schema_version` holds how many were applied.
const MIGRATIONS: &[&str] = &[
    SCHEMA_1,
    LEASES_2,
    PLANS_3,
    ALLOCATIONS_4,
    SAVED_PLANS_5,
    REPLIES_6,
    CODING_7,
    DELPHI_8,
];

/// Delphi studies, their rounds, respondents and ratings.
const DELPHI_8: &str = r#"
CREATE TABLE delphi_studies (
    id TEXT PRIMARY KEY,
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    title TEXT NOT NULL,
    spec TEXT NOT NULL,
    created_ms BIGINT NOT NULL
);
CREATE TABLE delphi_rounds (
    study_id TEXT NOT NULL REFERENCES delphi_studies(id),
    number INTEGER NOT NULL,
    items TEXT NOT NULL,
    open BOOLEAN NOT NULL,
    opened_ms BIGINT NOT NULL,
    closed_ms BIGINT,
    PRIMARY KEY (study_id, number)
);
CREATE TABLE delphi_respondents (
    study_id TEXT NOT NULL REFERENCES delphi_studies(id),
    code TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_ms BIGINT NOT NULL,
    revoked_ms BIGINT,
    PRIMARY KEY (study_id, code)
);
CREATE TABLE delphi_ratings (
    study_id TEXT NOT NULL REFERENCES delphi_studies(id),
    round INTEGER NOT NULL,
    code TEXT NOT NULL,
    item TEXT NOT NULL,
    value SMALLINT NOT NULL,
    comment TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    PRIMARY KEY (study_id, round, code, item)
);
"#;

/// Each workshop's analysis: codebook and phase, analysts, every coder's codes per card.
const CODING_7: &str = r#"
CREATE TABLE coding (
    workshop_id TEXT PRIMARY KEY REFERENCES workshops(id),
    codebook TEXT NOT NULL,
    phase TEXT NOT NULL
);
CREATE TABLE analysts (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    revoked_ms BIGINT,
    PRIMARY KEY (workshop_id, id)
);
CREATE TABLE card_codes (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    coder TEXT NOT NULL,
    card TEXT NOT NULL,
    codes TEXT NOT NULL,
    PRIMARY KEY (workshop_id, coder, card)
);
"#;

/// The discussion under the items of consultation and agreement rounds.
const REPLIES_6: &str = r#"
CREATE TABLE consultation_replies (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    id TEXT NOT NULL,
    item_id TEXT NOT NULL,
    respondent TEXT,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    text TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    hidden BOOLEAN NOT NULL DEFAULT FALSE,
    facilitator BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (consultation_id, id)
);
"#;

/// Plans kept under a name, for any workshop to start from.
const SAVED_PLANS_5: &str = r#"
CREATE TABLE saved_plans (
    name TEXT PRIMARY KEY,
    plan TEXT NOT NULL,
    from_workshop TEXT NOT NULL,
    saved_ms BIGINT NOT NULL
);
"#;

/// Which breakout group each person was placed in, with the role they gave.
const ALLOCATIONS_4: &str = r#"
CREATE TABLE allocations (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    pseudonym TEXT NOT NULL,
    board_id TEXT NOT NULL,
    role TEXT NOT NULL,
    placed_ms BIGINT NOT NULL,
    seq BIGSERIAL,
    PRIMARY KEY (workshop_id, pseudonym)
);
"#;

/// Each workshop's plan, as JSON (`cocreate_core::model::plan::Plan`).
const PLANS_3: &str = r#"
CREATE TABLE plans (
    workshop_id TEXT PRIMARY KEY REFERENCES workshops(id),
    plan TEXT NOT NULL
);
"#;

/// Board leases: one owner node per board, its epoch raised at each change of owner.
/// Times come from the database's clock, never a node's.
const LEASES_2: &str = r#"
CREATE TABLE board_leases (
    board TEXT PRIMARY KEY,
    node TEXT NOT NULL,
    addr TEXT NOT NULL,
    epoch BIGINT NOT NULL,
    expires_ms BIGINT NOT NULL
);
CREATE FUNCTION cocreate_now_ms() RETURNS BIGINT LANGUAGE sql VOLATILE AS $$
SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;
"#;

const SCHEMA_1: &str = r#"
CREATE TABLE workshops (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    area TEXT NOT NULL,
    date TEXT NOT NULL DEFAULT '',
    created_ms BIGINT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE boards (
    id TEXT PRIMARY KEY,
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    title TEXT NOT NULL,
    pillar TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_ms BIGINT NOT NULL,
    archived BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE board_updates (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    board_id TEXT NOT NULL,
    data BYTEA NOT NULL
);
CREATE INDEX board_updates_by_board ON board_updates(board_id, id);
CREATE TABLE board_state (
    board_id TEXT PRIMARY KEY,
    data BYTEA NOT NULL,
    upto BIGINT NOT NULL
);
CREATE TABLE links (
    token_hash TEXT PRIMARY KEY,
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    board_id TEXT,
    role TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE,
    label TEXT NOT NULL DEFAULT '',
    expires_ms BIGINT,
    last_used_ms BIGINT
);
CREATE TABLE organiser_links (
    token_hash TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    created_ms BIGINT NOT NULL,
    revoked BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE TABLE snapshots (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    board_id TEXT NOT NULL REFERENCES boards(id),
    name TEXT NOT NULL,
    reason TEXT NOT NULL,
    taken_ms BIGINT NOT NULL,
    data BYTEA NOT NULL
);
CREATE INDEX snapshots_by_board ON snapshots(board_id, id);
CREATE TABLE consultations (
    id TEXT PRIMARY KEY,
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    board_id TEXT NOT NULL REFERENCES boards(id),
    title TEXT NOT NULL,
    kind TEXT NOT NULL,
    snapshot_id BIGINT,
    items TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    open BOOLEAN NOT NULL DEFAULT TRUE,
    created_ms BIGINT NOT NULL
);
CREATE TABLE consultation_answers (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    item_id TEXT NOT NULL,
    respondent TEXT NOT NULL,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    stance TEXT,
    comment TEXT NOT NULL,
    updated_ms BIGINT NOT NULL,
    PRIMARY KEY (consultation_id, item_id, respondent)
);
CREATE TABLE consultation_outcomes (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    item_id TEXT NOT NULL,
    decision TEXT NOT NULL,
    note TEXT NOT NULL,
    decided_ms BIGINT NOT NULL,
    PRIMARY KEY (consultation_id, item_id)
);
CREATE TABLE consultation_respondents (
    consultation_id TEXT NOT NULL REFERENCES consultations(id),
    respondent TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    PRIMARY KEY (consultation_id, respondent)
);
CREATE TABLE held_cards (
    board_id TEXT NOT NULL REFERENCES boards(id),
    card_id TEXT NOT NULL,
    card TEXT NOT NULL,
    held_ms BIGINT NOT NULL,
    PRIMARY KEY (board_id, card_id)
);
CREATE TABLE roster (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    pseudonym TEXT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    joined_ms BIGINT NOT NULL,
    updated_ms BIGINT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (workshop_id, pseudonym)
);
CREATE TABLE attribute_questions (
    workshop_id TEXT PRIMARY KEY REFERENCES workshops(id),
    questions TEXT NOT NULL
);
CREATE TABLE notices (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    version INTEGER NOT NULL,
    plain TEXT NOT NULL,
    easy_read TEXT NOT NULL,
    set_ms BIGINT NOT NULL,
    PRIMARY KEY (workshop_id, version)
);
CREATE TABLE consents (
    workshop_id TEXT NOT NULL REFERENCES workshops(id),
    pseudonym TEXT NOT NULL,
    version INTEGER NOT NULL,
    given_ms BIGINT NOT NULL,
    withdrawn_ms BIGINT,
    PRIMARY KEY (workshop_id, pseudonym, version)
);
CREATE TABLE erasures (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workshop_id TEXT NOT NULL,
    pseudonym TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    by_whom TEXT NOT NULL,
    counts TEXT NOT NULL
);
CREATE TABLE retention (
    workshop_id TEXT PRIMARY KEY REFERENCES workshops(id),
    until_ms BIGINT NOT NULL,
    action TEXT NOT NULL,
    done_ms BIGINT
);
CREATE TABLE audit (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    workshop_id TEXT NOT NULL,
    at_ms BIGINT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_by_workshop ON audit(workshop_id, id);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
FOR EACH ROW EXECUTE FUNCTION audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();
"#;

/// The advisory lock nodes take while migrating (any fixed number; "cocreate").
const MIGRATION_LOCK: i64 = 0x636f_6372_6561_7465;

impl Postgres {
    /// Connect to the database at `url` (`postgres://user@host:port/db`), creating or
    /// migrating its tables.
    pub fn connect(url: &str) -> Result<Postgres, StoreError> {
        Postgres::connect_node(url, None)
    }

    /// Connect as `node` of a cluster (or alone, with `None`).
    pub fn connect_node(url: &str, node: Option<ClusterNode>) -> Result<Postgres, StoreError> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e: tokio_postgres::Error| StoreError::Config(e.to_string()))?;
        let location = format!(
            "postgres://{}/{}",
            config
                .get_hosts()
                .iter()
                .zip(config.get_ports().iter().chain(std::iter::repeat(&5432)))
                .map(|(h, p)| match h {
                    tokio_postgres::config::Host::Tcp(h) => format!("{h}:{p}"),
                    tokio_postgres::config::Host::Unix(d) => d.display().to_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            config.get_dbname().unwrap_or("")
        );
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("store-postgres")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Config(format!("could not start the store's runtime: {e}")))?;
        let handle = rt.handle().clone();
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .runtime(deadpool_postgres::Runtime::Tokio1)
            .wait_timeout(Some(std::time::Duration::from_secs(30)))
            .create_timeout(Some(std::time::Duration::from_secs(10)))
            .build()
            .map_err(|e| StoreError::Config(e.to_string()))?;
        let cluster = node.map(|me| {
            Arc::new(Cluster {
                me,
                held: Mutex::new(HashMap::new()),
            })
        });
        let log = {
            let _in_rt = handle.enter();
            writer::Log::start(pool.clone(), cluster.clone())
        };
        let pg = Postgres {
            location,
            pool,
            log,
            rt: Mutex::new(Some(rt)),
            handle,
            cluster,
        };
        pg.block(migrate(&pg.pool))?;
        Ok(pg)
    }

    /// Run `f` (queries on the pool) to completion on this thread, with the backend's
    /// runtime as the context for any I/O it starts.
    fn block<T>(&self, f: impl Future<Output = Result<T, StoreError>>) -> Result<T, StoreError> {
        let _in_rt = self.handle.enter();
        futures::executor::block_on(f)
    }

    /// A connection from the pool.
    async fn client(&self) -> Result<deadpool_postgres::Object, StoreError> {
        Ok(self.pool.get().await?)
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // A runtime may not be dropped inside another (the server's, or a test's).
        if let Some(rt) = self.rt.lock().ok().and_then(|mut r| r.take()) {
            rt.shutdown_background();
        }
    }
}

/// Apply the migrations not yet applied, one transaction, under the migration lock.
async fn migrate(pool: &Pool) -> Result<(), StoreError> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
        .await?;
    tx.batch_execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
        .await?;
    let applied: i32 = match tx
        .query_opt("SELECT version FROM schema_version", &[])
        .await?
    {
        Some(row) => row.try_get(0)?,
        None => {
            tx.execute("INSERT INTO schema_version (version) VALUES (0)", &[])
                .await?;
            0
        }
    };
    let known = MIGRATIONS.len() as i32;
    if applied > known {
        return Err(StoreError::Config(format!(
            "the database's schema is version {applied}, newer than this server's {known}: upgrade the server"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(applied as usize) {
        tx.batch_execute(sql).await?;
        tracing::info!(version = i + 1, "database schema migrated");
    }
    tx.execute("UPDATE schema_version SET version = $1", &[&known])
        .await?;
    tx.commit().await?;
    Ok(())
}

impl Storage for Postgres {
    fn location(&self) -> String {
        self.location.clone()
    }

    /// Vacuum the tables an erasure rewrites, so the dead row versions holding erased
    /// text are removed from their pages now rather than at the next autovacuum. (What
    /// PostgreSQL's WAL and backups still hold is the operator's: see docs/SCALING.md.)
    fn scrub(&self) -> Result<(), StoreError> {
        self.block(async {
            let client = self.client().await?;
            client
                .batch_execute(
                    "VACUUM board_updates, board_state, snapshots, held_cards, roster, consultations, consents",
                )
                .await?;
            Ok(())
        })
    }
}
