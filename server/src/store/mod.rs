//! The storage interface: what the hub, the directory, links and rounds keep, whatever
//! keeps it. The hub and the directory see only these traits, so a second backend
//! (PostgreSQL, for scale-out) implements them and runs the same test suite
//! (`server/tests/storage.rs`).
//!
//! # Layout
//! - [`UpdateLog`]: each document's append-only log of accepted yrs updates, with a
//!   compacted base. An append is durable when its future resolves; a barrier resolves
//!   when everything queued before it is; a compaction replaces exactly the rows queued
//!   before it. Appends are queued when called (call under the document lock, so log
//!   order is apply order) and awaited later.
//! - [`Catalog`]: workshops, boards and their snapshots (named, immutable states).
//! - [`Links`]: hashes of link tokens with their workshop, board and role.
//! - [`RoundStore`]: published drafts, answers and outcomes.
//! - [`Moderated`]: cards hidden by moderation, held out of their boards.
//! - [`Roster`]: each workshop's pseudonyms with their names and roles.
//! - [`Consents`]: each workshop's privacy notice (every version) and who agreed to which.
//! - [`Codings`]: each workshop's codebook, analysts (hashes of their links' tokens) and
//!   codings (card keys and code ids only: no card text).
//! - [`sqlite`]: the embedded backend (one SQLite file, group commit on a writer thread).
//! - [`postgres`]: the scale-out backend (one PostgreSQL database, group commit on a
//!   writer task); the same test suite passes against both.
//!
//! A row the backend cannot read back (an unknown role, kind, stance or decision, items
//! that are not the draft's JSON) is an error ([`StoreError::Corrupt`]), never a default.

mod interface;
pub mod postgres;
mod queue;
pub mod sqlite;

use std::path::PathBuf;
use std::sync::Arc;

pub use interface::*;

/// The store the server runs on: a backend behind the storage interface. Cheap to clone.
#[derive(Clone)]
pub struct Store(Arc<dyn Storage>);

impl Store {
    /// The embedded backend: the SQLite file at `path` (created if needed).
    pub fn open(path: impl Into<PathBuf>) -> Result<Store, StoreError> {
        Ok(Store(Arc::new(sqlite::Sqlite::open(path)?)))
    }

    /// The scale-out backend: the PostgreSQL database at `url` (its tables created or
    /// migrated).
    pub fn connect(url: &str) -> Result<Store, StoreError> {
        Ok(Store(Arc::new(postgres::Postgres::connect(url)?)))
    }

    /// The PostgreSQL database at `url`, as `node` of a cluster sharing it: boards are
    /// leased, and writes of a board whose lease moved on are refused.
    pub fn connect_node(url: &str, node: postgres::ClusterNode) -> Result<Store, StoreError> {
        Ok(Store(Arc::new(postgres::Postgres::connect_node(
            url,
            Some(node),
        )?)))
    }

    /// The store a `--database` value names: a `postgres://` (or `postgresql://`) address,
    /// or else the path of a SQLite file.
    pub fn open_database(database: &Database) -> Result<Store, StoreError> {
        match database {
            Database::Sqlite(path) => Store::open(path.clone()),
            Database::Postgres(url) => Store::connect(url),
        }
    }
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded backend's file.
    Sqlite(PathBuf),
    /// A PostgreSQL connection address.
    Postgres(String),
}

impl Database {
    /// A `--database` value: a PostgreSQL address, or a SQLite file's path.
    pub fn parse(value: &str) -> Database {
        if value.starts_with("postgres://") || value.starts_with("postgresql://") {
            Database::Postgres(value.to_string())
        } else {
            Database::Sqlite(PathBuf::from(value))
        }
    }
}

impl std::ops::Deref for Store {
    type Target = dyn Storage;
    fn deref(&self) -> &(dyn Storage + 'static) {
        &*self.0
    }
}
