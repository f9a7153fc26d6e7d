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
//! - [`sqlite`]: the embedded backend (one SQLite file, group commit on a writer thread).
//!
//! A row the backend cannot read back (an unknown role, kind, stance or decision, items
//! that are not the draft's JSON) is an error ([`StoreError::Corrupt`]), never a default.

mod interface;
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
}

impl std::ops::Deref for Store {
    type Target = dyn Storage;
    fn deref(&self) -> &(dyn Storage + 'static) {
        &*self.0
    }
}
