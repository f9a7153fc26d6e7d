//! The board hub: one live yrs document per board that has (or recently had) clients.
//!
//! # Layout
//! - `cocreate_core::sync`: the sans-IO peer every update goes through (scan, references,
//!   panics, content limits), shared with the browser client, imports and fuzz targets.
//! - [`awareness`]: presence entries with expiry and caps; [`admission`]: open
//!   connections per link and per network address.
//! - [`session`]: one websocket connection (reader and writer tasks), a thin transport.
//! - this module: [`Hub`] (the map of live boards, loading and unloading) and [`LiveBoard`]
//!   (document, fan-out channel, awareness, apply-then-persist-then-broadcast).
//!
//! # Invariants
//! - An update is applied to the document and queued to the store under the document
//!   lock, so the store's log order equals apply order and compaction is exact.
//! - Nothing leaves the server before it is durable: relayed updates wait for their own
//!   commit, and a sync step 2 (which may contain updates still in the group-commit queue)
//!   waits for a store barrier.

pub mod admission;
pub mod awareness;
pub mod session;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use cocreate_core::sync::{Integrated, Permit, Refused, SyncDoc};
use cocreate_core::wire::UpdateIn;
use tokio::sync::broadcast;
use yrs::sync::AwarenessUpdate;
use yrs::updates::decoder::Decode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

use crate::config::Limits;
use crate::store::{Owner, Store, StoreError};
use awareness::{AwarenessError, AwarenessTable};
use cocreate_core::catalog::DocKey;

/// Errors from the hub.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    #[error("board {0} not found")]
    NotFound(String),
    #[error("stored state of board {board} is corrupt: {reason}")]
    Corrupt { board: String, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("update rejected: {0}")]
    BadUpdate(#[from] Refused),
    #[error(transparent)]
    Awareness(#[from] AwarenessError),
    #[error("the store's queue is over its limit")]
    Busy,
    /// yrs panicked while integrating an update into this board; the board in memory is
    /// no longer trusted and is being reloaded from the store.
    #[error("board {0} is being reloaded")]
    Reloading(String),
    /// Another node of the cluster serves this board (`addr`: where nodes reach it).
    #[error("board {board} is served by node {node}")]
    Elsewhere {
        board: String,
        node: String,
        addr: String,
    },
    /// The node that owns the board did not take a change sent to it.
    #[error("the board's node did not take the change: {0}")]
    Remote(String),
    /// A connection kept sending updates the rules refuse.
    #[error("too many refused changes")]
    TooManyRefused,
    /// A draft's card could not be put on the board when private writing was revealed.
    #[error("could not reveal the drafts: {0}")]
    Reveal(String),
}

/// A frame for every peer of a board except its sender.
#[derive(Clone, Debug)]
pub struct Fanout {
    pub from: u64,
    pub frame: Bytes,
    /// What connections that may not see names get instead (presence on an anonymous
    /// board); `None`: everyone gets `frame`.
    pub anonymous: Option<Bytes>,
}

/// One live board.
pub struct LiveBoard {
    pub id: DocKey,
    /// The document with its guards (content limits on board documents).
    doc: Mutex<SyncDoc>,
    awareness: Mutex<AwarenessTable>,
    /// Fan-out channel, made when the first connection subscribes and dropped when the
    /// last one has gone: its buffer (`fanout_buffer` frames) is the largest part of a
    /// live board, and an idle board does not need it.
    tx: Mutex<Option<broadcast::Sender<Fanout>>>,
    fanout_buffer: usize,
    conns: AtomicUsize,
    last_active: Mutex<Instant>,
    updates_since_compact: AtomicUsize,
    /// Wall-clock time of the last accepted change or join, ms since the epoch (0: none).
    last_change_ms: AtomicU64,
    store: Store,
    /// Store queue size at which writers are asked to come back later.
    max_pending_bytes: usize,
    /// Set when yrs panicked inside this board's document: it may be half-changed, so it
    /// is never written to the store again and the next join loads a fresh copy.
    poisoned: AtomicBool,
    /// The lease epoch the board was loaded under (0 on a single node).
    epoch: i64,
    /// Set on a copy of a board another node serves ([`Hub::join`]): its changes go to
    /// that node, and nothing of it is stored or relayed here.
    remote: Option<crate::cluster::Remote>,
}

impl LiveBoard {
    /// Send a frame to every connection of this board but `from`.
    pub fn fan_out(&self, from: u64, frame: Vec<u8>) {
        self.fan_out_masked(from, frame, None);
    }

    /// Send `frame` to every other connection, and `anonymous` instead to those that
    /// may not see names.
    pub fn fan_out_masked(&self, from: u64, frame: Vec<u8>, anonymous: Option<Vec<u8>>) {
        if let Some(tx) = self.tx.lock().expect("fan-out").as_ref() {
            let _ = tx.send(Fanout {
                from,
                frame: Bytes::from(frame),
                anonymous: anonymous.map(Bytes::from),
            });
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Fanout> {
        self.tx
            .lock()
            .expect("fan-out")
            .get_or_insert_with(|| broadcast::channel(self.fanout_buffer).0)
            .subscribe()
    }

    /// Drop the fan-out channel if nobody listens any more.
    fn release_fan_out(&self) {
        let mut tx = self.tx.lock().expect("fan-out");
        if tx.as_ref().is_some_and(|t| t.receiver_count() == 0) {
            *tx = None;
        }
    }

    /// Stop trusting this board's document after yrs panicked in it. Nothing of it is
    /// stored any more (the store keeps every update made durable before); its fan-out
    /// channel closes, which closes every connection with 1013 so that clients reconnect
    /// to a fresh copy loaded from the store ([`Hub::join`] replaces poisoned boards).
    fn poison(&self) {
        tracing::error!(board = %self.id, "yrs panicked in the board's document; reloading it from the store");
        self.distrust();
    }

    fn distrust(&self) {
        self.poisoned.store(true, Ordering::SeqCst);
        *self.tx.lock().expect("fan-out") = None;
    }

    /// Stop serving this board here: another node holds its lease now. Its connections
    /// close with 1013 and reconnect to wherever it is served.
    pub fn fence(&self) {
        if !self.is_poisoned() {
            tracing::warn!(board = %self.id, "lease lost to another node; closing its connections");
        }
        self.distrust();
    }

    /// Wait for a write to be durable. A write refused because the lease moved fences
    /// the board; any other failure (the database went away) also stops serving this copy,
    /// which now holds a change the store does not: its connections close with 1013, and
    /// their clients send what they have again to a copy loaded from the store.
    async fn durable(&self, write: crate::store::Durable) -> Result<(), HubError> {
        match write.await {
            Ok(()) => Ok(()),
            Err(StoreError::Fenced { .. }) => {
                self.fence();
                Err(HubError::Reloading(self.id.to_string()))
            }
            Err(e) => {
                if !self.is_poisoned() {
                    tracing::error!(board = %self.id, error = %e, "a change could not be stored; reloading the board");
                }
                self.distrust();
                Err(HubError::Reloading(self.id.to_string()))
            }
        }
    }

    pub fn is_poisoned(&self) -> bool {
        self.poisoned.load(Ordering::SeqCst)
    }

    fn check_trusted(&self) -> Result<(), HubError> {
        if self.is_poisoned() {
            return Err(HubError::Reloading(self.id.to_string()));
        }
        Ok(())
    }

    fn touch(&self) {
        *self.last_active.lock().expect("last_active") = Instant::now();
    }

    fn mark_changed(&self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        self.last_change_ms.store(now, Ordering::Relaxed);
    }

    /// Last accepted change, ms since the epoch.
    pub fn last_change_ms(&self) -> Option<f64> {
        match self.last_change_ms.load(Ordering::Relaxed) {
            0 => None,
            ms => Some(ms as f64),
        }
    }

    /// Read the document.
    pub fn read<R>(&self, f: impl FnOnce(&Doc) -> R) -> R {
        f(self.doc.lock().expect("doc").doc())
    }

    /// Make a change on the server's behalf (a facilitator's action through the API):
    /// applied, durable, then sent to every connection. `prepare` runs before the
    /// transaction opens (yrs cannot create root types inside one), `f` inside it.
    pub async fn change<P, E>(
        &self,
        prepare: impl FnOnce(&Doc) -> P,
        f: impl FnOnce(&P, &mut yrs::TransactionMut) -> Result<(), E>,
    ) -> Result<Result<(), E>, HubError> {
        self.touch();
        self.check_trusted()?;
        if let Some(remote) = &self.remote {
            let changed = self.doc.lock().expect("doc").change(prepare, f);
            for update in changed
                .update
                .iter()
                .chain(changed.trimmed.iter().map(|t| &t.update))
            {
                remote
                    .send_update(&self.id, update.clone())
                    .await
                    .map_err(|e| HubError::Remote(e.to_string()))?;
            }
            return Ok(changed.result);
        }
        let (durable, fixed, changed) = {
            let doc = self.doc.lock().expect("doc");
            // What `f` changed before any error stays in the document, so it is stored
            // and sent like the rest: the document and the log never disagree.
            let changed = doc.change(prepare, f);
            let Some(update) = &changed.update else {
                return Ok(changed.result);
            };
            let durable = self.store.append(&self.id, update.clone());
            let fixed = changed
                .trimmed
                .as_ref()
                .map(|t| self.store.append(&self.id, t.update.clone()));
            (durable, fixed, changed)
        };
        self.durable(durable).await?;
        if let Some(f) = fixed {
            self.durable(f).await?;
        }
        self.mark_changed();
        self.updates_since_compact.fetch_add(1, Ordering::Relaxed);
        if let Some(update) = changed.update {
            self.fan_out(0, cocreate_core::wire::update(update));
        }
        if let Some(t) = changed.trimmed {
            self.fan_out(0, cocreate_core::wire::update(t.update));
        }
        Ok(changed.result)
    }

    /// Who is present on this board (from awareness).
    pub fn people(&self) -> Vec<cocreate_core::catalog::Person> {
        self.awareness.lock().expect("awareness").people()
    }

    /// The server's state vector (to send as our sync step 1).
    pub fn state_vector(&self) -> StateVector {
        self.doc
            .lock()
            .expect("doc")
            .doc()
            .transact()
            .state_vector()
    }

    /// Answer a client's step 1 with everything it lacks, once that is durable.
    pub async fn diff_for(&self, sv: &StateVector) -> Result<Vec<u8>, HubError> {
        let diff = {
            let doc = self.doc.lock().expect("doc");
            let txn = doc.doc().transact();
            txn.encode_state_as_update_v1(sv)
        };
        self.store.barrier().await?;
        Ok(diff)
    }

    /// Take a client's update into the board ([`SyncDoc::integrate_as`], checked against
    /// the rules for `permit`'s holder on a board document), make it durable, and return
    /// once it may be relayed: its raw bytes, and the server's fix if it went over a
    /// content limit (already durable; to be sent to every connection, its author too,
    /// after the update itself).
    pub async fn apply_update(
        &self,
        update: UpdateIn,
        permit: Option<&Permit>,
    ) -> Result<Integrated, HubError> {
        self.touch();
        self.check_trusted()?;
        let (durable, fixed, integrated) = {
            let doc = self.doc.lock().expect("doc");
            let integrated = match doc.integrate_as(update, permit) {
                Ok(i) => i,
                Err(Refused::Panicked) => {
                    self.poison();
                    return Err(Refused::Panicked.into());
                }
                Err(e) => return Err(e.into()),
            };
            let durable = self.store.append(&self.id, integrated.raw.clone());
            let fixed = integrated
                .trimmed
                .as_ref()
                .map(|t| self.store.append(&self.id, t.update.clone()));
            (durable, fixed, integrated)
        };
        self.durable(durable).await?;
        if let Some(f) = fixed {
            self.durable(f).await?;
        }
        self.mark_changed();
        let n = self.updates_since_compact.fetch_add(1, Ordering::Relaxed) + 1;
        if n >= COMPACT_EVERY {
            self.compact().await?;
        }
        Ok(integrated)
    }

    /// Take a change another node made on the server's behalf (a facilitator's action
    /// through that node): applied as a server change is, durable, then sent to every
    /// connection.
    pub async fn apply_forwarded(&self, raw: Vec<u8>) -> Result<(), HubError> {
        let update = cocreate_core::wire::UpdateIn::from_raw(raw)
            .map_err(|e| HubError::Remote(e.to_string()))?;
        let Integrated { raw, trimmed } = self.apply_update(update, None).await?;
        self.fan_out(0, cocreate_core::wire::update(raw));
        if let Some(t) = trimmed {
            self.fan_out(0, cocreate_core::wire::update(t.update));
        }
        Ok(())
    }

    /// Whether this is a copy of a board another node serves.
    pub fn is_remote(&self) -> bool {
        self.remote.is_some()
    }

    /// Whether the store's queue of updates not yet durable has reached its limit
    /// (backpressure: the session asks the client to come back later).
    pub fn store_busy(&self) -> bool {
        self.store.pending_bytes() >= self.max_pending_bytes
    }

    /// Replace the board's update log by one snapshot of its current state.
    pub async fn compact(&self) -> Result<(), HubError> {
        self.check_trusted()?;
        if self.remote.is_some() {
            return Ok(());
        }
        let done = {
            let doc = self.doc.lock().expect("doc");
            self.updates_since_compact.store(0, Ordering::Relaxed);
            self.store.compact(&self.id, doc.encode_state())
        };
        self.durable(done).await?;
        tracing::debug!(board = %self.id, "compacted update log");
        Ok(())
    }

    pub fn apply_awareness(
        &self,
        conn: u64,
        bound: &mut Option<u64>,
        update: AwarenessUpdate,
    ) -> Result<Option<AwarenessUpdate>, HubError> {
        self.touch();
        Ok(self
            .awareness
            .lock()
            .expect("awareness")
            .apply(conn, bound, update, Instant::now())?)
    }

    pub fn awareness_full_state(&self) -> Option<AwarenessUpdate> {
        self.awareness.lock().expect("awareness").full_state()
    }

    pub fn remove_awareness_of(&self, conn: u64) -> Option<AwarenessUpdate> {
        self.awareness.lock().expect("awareness").remove_conn(conn)
    }

    /// Number of open connections.
    pub fn connections(&self) -> usize {
        self.conns.load(Ordering::SeqCst)
    }

    /// The full document state (for tests and exports).
    pub fn encode_state(&self) -> Vec<u8> {
        self.doc.lock().expect("doc").encode_state()
    }
}

/// Log rows after which a board compacts while live.
const COMPACT_EVERY: usize = 1000;

/// A joined board; leaving happens on drop.
pub struct BoardHandle {
    pub board: Arc<LiveBoard>,
}

impl Drop for BoardHandle {
    fn drop(&mut self) {
        if self.board.conns.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.board.release_fan_out();
        }
        self.board.touch();
    }
}

impl std::ops::Deref for BoardHandle {
    type Target = LiveBoard;
    fn deref(&self) -> &LiveBoard {
        &self.board
    }
}

/// All live boards. Cheap to clone.
#[derive(Clone)]
pub struct Hub {
    inner: Arc<HubInner>,
}

struct HubInner {
    /// The cluster's shared key, for changes sent to a board's owner.
    cluster_key: std::sync::OnceLock<String>,
    store: Store,
    limits: Limits,
    boards: Mutex<HashMap<DocKey, Arc<LiveBoard>>>,
    next_conn: AtomicU64,
}

impl Hub {
    pub fn new(store: Store, limits: Limits) -> Hub {
        Hub {
            inner: Arc::new(HubInner {
                cluster_key: std::sync::OnceLock::new(),
                store,
                limits,
                boards: Mutex::new(HashMap::new()),
                next_conn: AtomicU64::new(1),
            }),
        }
    }

    /// Make this hub one node of a cluster whose nodes share `key`.
    pub fn set_cluster_key(&self, key: String) {
        let _ = self.inner.cluster_key.set(key);
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn next_conn_id(&self) -> u64 {
        self.inner.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    /// Join a document for the server's own work (exports, facilitators' actions):
    /// [`Hub::join_here`] when this node serves the board; otherwise a copy of the
    /// board as stored, whose changes are sent to the node that serves it (which stores
    /// and relays them). Websockets use [`Hub::join_here`] and relay to the owner.
    pub fn join(&self, key: &DocKey) -> Result<BoardHandle, HubError> {
        match self.join_here(key) {
            Err(HubError::Elsewhere { addr, .. }) => {
                let key_secret = self
                    .inner
                    .cluster_key
                    .get()
                    .cloned()
                    .ok_or_else(|| HubError::Remote("no cluster key".into()))?;
                let mut board = self.load(key, -1)?;
                board.remote = Some(crate::cluster::Remote::new(addr, key_secret));
                let board = Arc::new(board);
                board.conns.fetch_add(1, Ordering::SeqCst);
                Ok(BoardHandle { board })
            }
            other => other,
        }
    }

    /// Join a document this node serves, loading it from the store if it is not live.
    ///
    /// With several nodes, only the board's owner loads it: this node takes the board's
    /// lease first, or says which node has it ([`HubError::Elsewhere`]). A board loaded
    /// under an older lease than the one held now is loaded again (another node may have
    /// written it in between).
    pub fn join_here(&self, key: &DocKey) -> Result<BoardHandle, HubError> {
        let epoch = match self.inner.store.claim(key.board_id())? {
            Owner::Here { epoch } => epoch,
            Owner::Node { node, addr } => {
                return Err(HubError::Elsewhere {
                    board: key.board_id().to_string(),
                    node,
                    addr,
                })
            }
        };
        let mut boards = self.inner.boards.lock().expect("boards");
        let board = match boards.get(key) {
            Some(b) if !b.is_poisoned() && b.epoch == epoch => b.clone(),
            _ => {
                let b = Arc::new(self.load(key, epoch)?);
                boards.insert(key.clone(), b.clone());
                tracing::info!(board = %key, "board loaded");
                b
            }
        };
        board.conns.fetch_add(1, Ordering::SeqCst);
        Ok(BoardHandle { board })
    }

    /// Reveal private writing on `board`: every card in every draft goes onto the board in
    /// one server change (each at the end of its column, as its author wrote it), then
    /// leaves its draft. Returns how many cards were moved. Idempotent: drafts emptied by
    /// an earlier reveal add nothing.
    pub async fn reveal_drafts(&self, board: &str) -> Result<usize, HubError> {
        let people = self.inner.store.drafts(board)?;
        let mut drafts = Vec::new();
        for who in people {
            let draft = self.join(&DocKey::draft(board, who))?;
            let cards = draft.read(|d| {
                let b = cocreate_core::model::board::Board::of(d);
                let txn = d.transact();
                b.cards(&txn)
            });
            if !cards.is_empty() {
                drafts.push((draft, cards));
            }
        }
        if drafts.is_empty() {
            return Ok(0);
        }
        let live = self.join(&DocKey::board(board))?;
        let all: Vec<_> = drafts.iter().flat_map(|(_, c)| c.iter().cloned()).collect();
        live.change(cocreate_core::model::board::Board::of, |b, txn| {
            for c in &all {
                let prompt = c.prompt.unwrap_or(cocreate_core::model::Prompt::Purpose);
                let role = c.role.unwrap_or(cocreate_core::model::Role::Stakeholder);
                b.add_card(txn, &c.id, prompt, &c.text, &c.author, role, c.created)?;
            }
            Ok::<(), cocreate_core::model::ModelError>(())
        })
        .await?
        .map_err(|e| HubError::Reveal(e.to_string()))?;
        for (draft, cards) in &drafts {
            draft
                .change(cocreate_core::model::board::Board::of, |b, txn| {
                    for c in cards {
                        b.delete_card(txn, &c.id);
                    }
                    Ok::<(), HubError>(())
                })
                .await??;
        }
        tracing::info!(
            board,
            cards = all.len(),
            drafts = drafts.len(),
            "private writing revealed"
        );
        Ok(all.len())
    }

    /// Reveal the tallies of `board`: every vote on every ballot (a person's draft) goes
    /// onto the board in one server change, each under its voter's pseudonym, for cards
    /// still on the board; then the ballots are emptied. Returns how many (card, voter)
    /// entries were moved.
    pub async fn reveal_votes(&self, board: &str) -> Result<usize, HubError> {
        use cocreate_core::model::board::Board;
        let mut ballots = Vec::new();
        for who in self.inner.store.drafts(board)? {
            let draft = self.join(&DocKey::draft(board, who.clone()))?;
            let votes: Vec<(String, String, i64)> = draft.read(|d| {
                // Roots first: yrs cannot make one inside an open transaction.
                let b = Board::of(d);
                let txn = d.transact();
                b.all_votes(&txn)
            });
            // Only the ballot's holder's own votes (the rules let nothing else in).
            let votes: Vec<_> = votes.into_iter().filter(|(_, v, _)| *v == who).collect();
            if !votes.is_empty() {
                ballots.push((draft, votes));
            }
        }
        if ballots.is_empty() {
            return Ok(0);
        }
        let live = self.join(&DocKey::board(board))?;
        let all: Vec<_> = ballots
            .iter()
            .flat_map(|(_, v)| v.iter().cloned())
            .collect();
        live.change(Board::of, |b, txn| {
            for (card, voter, n) in &all {
                if b.card(txn, card).is_some() {
                    b.set_votes(txn, card, voter, *n);
                }
            }
            Ok::<(), HubError>(())
        })
        .await??;
        for (draft, votes) in &ballots {
            draft
                .change(Board::of, |b, txn| {
                    for (card, voter, _) in votes {
                        b.set_votes(txn, card, voter, 0);
                    }
                    Ok::<(), HubError>(())
                })
                .await??;
        }
        tracing::info!(
            board,
            entries = all.len(),
            ballots = ballots.len(),
            "votes revealed"
        );
        Ok(all.len())
    }

    /// How many people have votes on their secret ballot for `board` now.
    pub fn ballots_cast(&self, board: &str) -> Result<usize, HubError> {
        use cocreate_core::model::board::Board;
        let mut cast = 0;
        for who in self.inner.store.drafts(board)? {
            let draft = self.join(&DocKey::draft(board, who))?;
            let voted = draft.read(|d| {
                let b = Board::of(d);
                let txn = d.transact();
                !b.all_votes(&txn).is_empty()
            });
            cast += usize::from(voted);
        }
        Ok(cast)
    }

    /// Migrate a board of schema 1 to schema 2 when it loads: each card marked `hidden`
    /// goes to the moderation store, then out of the document, and `meta.schema` becomes
    /// 2, in one update queued to the log. Run again after a crash, it holds the same
    /// cards again and removes them. (Roles already on cards stay: they were written
    /// per card, not per person.)
    fn migrate(&self, key: &DocKey, doc: &yrs::Doc) -> Result<(), HubError> {
        let board = cocreate_core::model::board::Board::of(doc);
        let (meta, hidden) = {
            let txn = doc.transact();
            (board.meta(&txn), board.hidden_cards(&txn))
        };
        if meta.schema >= cocreate_core::model::SCHEMA_VERSION && hidden.is_empty() {
            return Ok(());
        }
        for card in &hidden {
            let json = serde_json::to_string(card).map_err(StoreError::from)?;
            self.inner
                .store
                .hold_card(key.board_id(), &card.id, &json)?;
        }
        let before = doc.transact().state_vector();
        {
            let mut txn = doc.transact_mut();
            for card in &hidden {
                board.delete_card(&mut txn, &card.id);
            }
            if meta.schema < cocreate_core::model::SCHEMA_VERSION {
                board.set_schema(&mut txn);
            }
        }
        let update = doc.transact().encode_state_as_update_v1(&before);
        drop(self.inner.store.append(key, update));
        tracing::info!(board = %key, from = meta.schema, hidden = hidden.len(), "board migrated");
        Ok(())
    }

    fn load(&self, key: &DocKey, epoch: i64) -> Result<LiveBoard, HubError> {
        let board_id = key.to_string();
        let stored = self
            .inner
            .store
            .load(key)?
            .ok_or_else(|| HubError::NotFound(key.board_id().to_string()))?;
        let loaded_bytes = stored
            .base
            .iter()
            .chain(&stored.updates)
            .map(Vec::len)
            .sum();
        let doc = cocreate_core::model::new_doc();
        {
            let mut txn = doc.transact_mut();
            for raw in stored.base.iter().chain(stored.updates.iter()) {
                let update = Update::decode_v1(raw).map_err(|e| HubError::Corrupt {
                    board: board_id.to_string(),
                    reason: e.to_string(),
                })?;
                txn.apply_update(update).map_err(|e| HubError::Corrupt {
                    board: board_id.to_string(),
                    reason: e.to_string(),
                })?;
            }
        }
        if key.is_cards() {
            self.migrate(key, &doc)?;
        }
        let limits = &self.inner.limits;
        let content = (!key.is_control()).then(|| limits.content());
        Ok(LiveBoard {
            max_pending_bytes: limits.max_pending_bytes,
            id: key.clone(),
            doc: Mutex::new(SyncDoc::new(doc, loaded_bytes, content)),
            awareness: Mutex::new(AwarenessTable::new(
                self.inner.limits.awareness_max_bytes,
                self.inner.limits.awareness_max_clients,
            )),
            tx: Mutex::new(None),
            fanout_buffer: self.inner.limits.fanout_buffer,
            conns: AtomicUsize::new(0),
            last_active: Mutex::new(Instant::now()),
            updates_since_compact: AtomicUsize::new(stored.updates.len()),
            last_change_ms: AtomicU64::new(0),
            store: self.inner.store.clone(),
            poisoned: AtomicBool::new(false),
            epoch,
            remote: None,
        })
    }

    /// The live document, if loaded (does not load it).
    pub fn live(&self, key: &DocKey) -> Option<Arc<LiveBoard>> {
        self.inner
            .boards
            .lock()
            .expect("boards")
            .get(key)
            .filter(|b| !b.is_poisoned())
            .cloned()
    }

    /// Every live board (a copy of the list, so no lock is held while working on them).
    fn all_live(&self) -> Vec<Arc<LiveBoard>> {
        self.inner
            .boards
            .lock()
            .expect("boards")
            .values()
            .cloned()
            .collect()
    }

    /// One housekeeping pass: expire awareness, unload idle boards (compacting them).
    pub async fn sweep(&self, now: Instant) {
        let boards = self.all_live();
        let timeout = self.inner.limits.awareness_timeout;
        for b in &boards {
            let removed = b.awareness.lock().expect("awareness").expire(now, timeout);
            if let Some(removed) = removed {
                b.fan_out(0, cocreate_core::wire::awareness(removed));
            }
        }
        let idle: Vec<Arc<LiveBoard>> = {
            let mut map = self.inner.boards.lock().expect("boards");
            let idle_after = self.inner.limits.idle_unload;
            let ids: Vec<DocKey> = map
                .iter()
                .filter(|(_, b)| {
                    let idle = now
                        .saturating_duration_since(*b.last_active.lock().expect("last_active"))
                        >= idle_after;
                    b.connections() == 0 && (idle || b.is_poisoned())
                })
                .map(|(id, _)| id.clone())
                .collect();
            ids.iter().filter_map(|id| map.remove(id)).collect()
        };
        for b in &idle {
            if b.updates_since_compact.load(Ordering::Relaxed) > 0 && !b.is_poisoned() {
                if let Err(e) = b.compact().await {
                    tracing::warn!(board = %b.id, error = %e, "compaction on unload failed");
                }
            }
            tracing::info!(board = %b.id, "board unloaded (idle)");
        }
        // A board none of whose documents is live any more: hand its lease back.
        let unloaded: std::collections::BTreeSet<&str> =
            idle.iter().map(|b| b.id.board_id()).collect();
        for board in unloaded {
            if !self.is_live(board) {
                self.release(board).await;
            }
        }
    }

    /// Whether any document of `board` (cards, control, drafts) is loaded.
    fn is_live(&self, board: &str) -> bool {
        self.inner
            .boards
            .lock()
            .expect("boards")
            .keys()
            .any(|k| k.board_id() == board)
    }

    /// Give `board`'s lease up (after its documents were compacted and unloaded).
    async fn release(&self, board: &str) {
        let store = self.inner.store.clone();
        let b = board.to_string();
        let done = tokio::task::spawn_blocking(move || store.release(&b)).await;
        if let Ok(Err(e)) = done {
            tracing::warn!(%board, error = %e, "could not release the board's lease");
        }
    }

    /// Stop serving every document of `board` here (its lease was lost).
    pub fn fence(&self, board: &str) {
        for b in self.all_live().iter().filter(|b| b.id.board_id() == board) {
            b.fence();
        }
    }

    /// Renew this node's leases every `every` (a third of the lease time); boards whose
    /// lease was lost are fenced.
    pub fn spawn_lease_keeper(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                let hub = Hub { inner };
                let store = hub.inner.store.clone();
                match tokio::task::spawn_blocking(move || store.renew_leases()).await {
                    Ok(Ok(lost)) => {
                        for board in lost {
                            hub.fence(&board);
                        }
                    }
                    Ok(Err(e)) => tracing::warn!(error = %e, "could not renew leases"),
                    Err(e) => tracing::warn!(error = %e, "lease renewal task failed"),
                }
            }
        })
    }

    /// Run [`Hub::sweep`] every `every` until the hub is dropped.
    pub fn spawn_sweeper(&self, every: Duration) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(inner) = weak.upgrade() else { break };
                Hub { inner }.sweep(Instant::now()).await;
            }
        })
    }

    /// Compact every live board (graceful shutdown).
    pub async fn flush_all(&self) {
        let boards = self.all_live();
        for b in boards.iter().filter(|b| !b.is_poisoned()) {
            if let Err(e) = b.compact().await {
                tracing::warn!(board = %b.id, error = %e, "compaction on shutdown failed");
            }
        }
        // Every open websocket is asked to come back (1013): its client reconnects to
        // this server once it is up again, or to the node that takes the board over.
        for b in &boards {
            b.distrust();
        }
        let _ = self.inner.store.barrier().await;
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Graceful shutdown hands the leases over at once.
        for board in self.inner.store.held() {
            self.release(&board).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cocreate_core::model::board::Board;
    use cocreate_core::model::{Prompt, Role};
    use yrs::ReadTxn;

    fn card_ids(doc: &Doc) -> Vec<String> {
        let board = Board::of(doc);
        let txn = doc.transact();
        board.cards(&txn).into_iter().map(|c| c.id).collect()
    }

    fn add_card(doc: &Doc, id: &str) {
        let board = Board::of(doc);
        let mut txn = doc.transact_mut();
        board
            .add_card(
                &mut txn,
                id,
                Prompt::How,
                "text",
                "Ana",
                Role::Educator,
                1.0,
            )
            .unwrap();
    }

    #[tokio::test]
    async fn a_poisoned_board_is_never_stored_again_and_reloads_from_the_store() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("p.db")).unwrap();
        store
            .create_workshop("w", "W", "MSK", "2026-11-26")
            .unwrap();
        let empty = cocreate_core::model::new_doc()
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        store
            .create_board("b", "w", "Board", "Research", &empty)
            .unwrap();
        let hub = Hub::new(store, Limits::default());
        let old = hub.join(&DocKey::board("b")).unwrap();
        let mut peer = old.subscribe();

        // An update made durable the usual way.
        let author = cocreate_core::model::new_doc();
        add_card(&author, "kept");
        let raw = author
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        old.apply_update(UpdateIn::from_raw(raw.clone()).unwrap(), None)
            .await
            .unwrap();

        // What a panic inside yrs may leave behind: a change in memory, never stored.
        old.read(|doc| add_card(doc, "half-made"));
        old.poison();

        // Its connections are told to come back (their writer sees the channel close).
        assert!(matches!(
            peer.recv().await,
            Err(broadcast::error::RecvError::Closed)
        ));
        // Nothing more of it reaches the store.
        assert!(matches!(old.compact().await, Err(HubError::Reloading(_))));
        assert!(matches!(
            old.apply_update(UpdateIn::from_raw(raw).unwrap(), None)
                .await,
            Err(HubError::Reloading(_))
        ));
        hub.flush_all().await;

        // The next join loads the stored board: the durable card, not the half-made one.
        let fresh = hub.join(&DocKey::board("b")).unwrap();
        assert!(!Arc::ptr_eq(&fresh.board, &old.board));
        assert_eq!(fresh.read(card_ids), vec!["kept".to_string()]);
        assert!(Arc::ptr_eq(
            &hub.live(&DocKey::board("b")).unwrap(),
            &fresh.board
        ));
        fresh.compact().await.unwrap();
        drop((old, fresh));
        let reopened = hub.join(&DocKey::board("b")).unwrap();
        assert_eq!(reopened.read(card_ids), vec!["kept".to_string()]);
    }
}
