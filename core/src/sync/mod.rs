//! One sans-IO sync peer: bytes and documents in, what to do out. The server's websocket
//! session, its own changes (the control API, moderation), imports, the browser client and
//! both fuzz targets go through here, so every update is checked the same way wherever it
//! comes from.
//!
//! # Layout
//! - [`SyncDoc`]: a document with its guards. [`SyncDoc::integrate`] is the one function
//!   through which an update from outside enters a document: scanned once (when it was
//!   framed, [`UpdateIn`]), references and holes checked against the document, applied
//!   under `catch_unwind`, content limits enforced. [`SyncDoc::change`] is the same for the
//!   server's own changes (no references to check; the same limits).
//! - [`Peer`]: one connection's inbound side: message size, rate limit, decoding, and
//!   permission-denied notices; every refusal is a [`Close`] with its code and reason.
//! - [`client_receive`]: what a client does with a message from the server.
//! - [`content`]: cards-per-board and text-length limits; [`presence`]: one client's
//!   awareness state, read the same way by the server and the page.
//!
//! Nothing here does IO or reads a clock: the caller passes the time and sends the frames.

pub mod content;
mod keys;
pub mod presence;

use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use yrs::sync::AwarenessUpdate;
use yrs::{Doc, ReadTxn, Transact, TransactionMut};

use crate::wire::{self, Inbound, ProtocolError, UpdateIn};
pub use content::{ContentLimits, ContentWatch, Trimmed};
pub use keys::Permit;
use keys::{Checked, Keys};

/// The root types of a board document (docs/PROTOCOL.md).
const BOARD_ROOTS: [&str; 6] = [
    crate::model::schema::ROOT_META,
    crate::model::schema::ROOT_CARDS,
    crate::model::schema::ROOT_THEMES,
    crate::model::schema::ROOT_VOTES,
    crate::model::schema::ROOT_REACTIONS,
    crate::model::schema::ROOT_COMMENTS,
];

/// Close codes (RFC 6455) and what they mean here (docs/PROTOCOL.md).
pub mod close {
    /// Text frames: only binary y-websocket messages are spoken.
    pub const UNSUPPORTED: u16 = 1003;
    /// A malformed message or an update no document may take.
    pub const INVALID: u16 = 1007;
    /// Rate limit, presence refused, or a link no longer valid.
    pub const POLICY: u16 = 1008;
    /// A message over the size limit.
    pub const TOO_BIG: u16 = 1009;
    /// A server error (the store failed).
    pub const INTERNAL: u16 = 1011;
    /// Come back later: too slow, store busy, or the board is reloading.
    pub const TRY_AGAIN: u16 = 1013;
}

/// Why a connection is closed: its code and a reason a person can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Close {
    pub code: u16,
    pub reason: String,
}

impl Close {
    /// A close with `reason` cut to the 123 bytes a close frame holds.
    pub fn new(code: u16, reason: impl std::fmt::Display) -> Close {
        let mut reason = reason.to_string();
        let mut end = reason.len().min(123);
        while !reason.is_char_boundary(end) {
            end -= 1;
        }
        reason.truncate(end);
        Close { code, reason }
    }
}

/// Why an update was not taken into a document.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    /// It refers to or deletes items the document lacks, or would leave a hole in a
    /// client's clocks (yrs would keep it pending and rework it on every later update; a
    /// hole makes yrs read freed memory). Also when the scan could not follow it.
    #[error("it refers to changes this board does not have; reconnect to resync")]
    Missing,
    /// yrs refused it.
    #[error("{0}")]
    Rejected(String),
    /// yrs panicked while integrating it: the document may be half-changed and must not
    /// be trusted (the server reloads it from the store).
    #[error("update could not be integrated")]
    Panicked,
    /// It would take the document past its size limit.
    #[error("the board is full ({max} bytes at most): nothing more can be added")]
    Full { max: usize },
    /// It puts content into a root type the document does not have.
    #[error("boards have no root type {0:?}")]
    UnknownRoot(String),
    /// Its writer may not make one of its changes (crate::model::rules): nothing of it
    /// was applied. The connection stays open; the writer is told why and resyncs.
    #[error("{0}")]
    Forbidden(#[from] crate::model::rules::Forbidden),
}

impl From<&Refused> for Close {
    fn from(r: &Refused) -> Close {
        let code = match r {
            Refused::Full { .. } | Refused::UnknownRoot(_) | Refused::Forbidden(_) => close::POLICY,
            Refused::Missing | Refused::Rejected(_) | Refused::Panicked => close::INVALID,
        };
        Close::new(code, r)
    }
}

/// An update taken into a document: its raw bytes (to store and relay unchanged) and the
/// content fix, if it went over a limit (to store and send after it).
#[derive(Debug)]
pub struct Integrated {
    pub raw: Vec<u8>,
    pub trimmed: Option<Trimmed>,
}

/// What a server-side change made: its result, the update to store and send (`None` if
/// nothing changed), and the content fix, if it went over a limit.
#[derive(Debug)]
pub struct Changed<R> {
    pub result: R,
    pub update: Option<Vec<u8>>,
    pub trimmed: Option<Trimmed>,
}

/// A document with its guards: the only way updates and changes enter it.
pub struct SyncDoc {
    doc: Doc,
    content: Option<ContentWatch>,
    /// Board documents: the trial copy participants' updates are checked on.
    keys: Option<Keys>,
    /// The document's size limit in bytes (`usize::MAX`: none).
    max_bytes: usize,
    /// Bytes of the document: what it was loaded from (or its state when last encoded
    /// whole, at compaction), plus every update and fix taken since (an upper bound:
    /// deletions count until the next whole encoding).
    bytes: AtomicUsize,
}

impl SyncDoc {
    /// Guard `doc`, loaded from `loaded_bytes` of updates (0 for a new document); with
    /// `limits` (board documents), its content limits are enforced on every update and
    /// change.
    pub fn new(doc: Doc, loaded_bytes: usize, limits: Option<ContentLimits>) -> SyncDoc {
        let content = limits.map(|l| ContentWatch::new(&doc, l));
        let max_bytes = limits.map_or(usize::MAX, |l| l.max_doc_bytes);
        SyncDoc {
            keys: content.as_ref().map(|_| Keys::new()),
            doc,
            content,
            max_bytes,
            bytes: AtomicUsize::new(loaded_bytes),
        }
    }

    /// Bytes of the document, as counted for its size limit.
    pub fn bytes(&self) -> usize {
        self.bytes.load(Ordering::Relaxed)
    }

    /// The document, to read.
    pub fn doc(&self) -> &Doc {
        &self.doc
    }

    /// Take an update from outside that no rule of who-may-change-what applies to (an
    /// import, a restore): see [`SyncDoc::integrate_as`].
    pub fn integrate(&self, update: UpdateIn) -> Result<Integrated, Refused> {
        self.integrate_as(update, None)
    }

    /// Take an update from outside (a client, an import): checked against this
    /// document's state; on a board written by `permit`'s holder, checked key by key
    /// against the rules first (a participant's update is tried on a copy, see
    /// [`keys`]); applied under `catch_unwind`, then brought back within the content
    /// limits. On `Err` nothing was applied, except after [`Refused::Panicked`].
    pub fn integrate_as(
        &self,
        update: UpdateIn,
        permit: Option<&Permit>,
    ) -> Result<Integrated, Refused> {
        if let Some(w) = &self.content {
            w.reset();
        }
        if self.bytes().saturating_add(update.raw.len()) > self.max_bytes {
            return Err(Refused::Full {
                max: self.max_bytes,
            });
        }
        let state = self.doc.transact().state_vector();
        let Some(needs) = update.needs.as_ref().filter(|n| n.met_by(&state)) else {
            return Err(Refused::Missing);
        };
        // A board has exactly the schema's root types: content put anywhere else would
        // be kept, sent to everyone and exported by nothing.
        if self.content.is_some() {
            if let Some(root) = needs.roots().find(|r| !BOARD_ROOTS.contains(r)) {
                return Err(Refused::UnknownRoot(root.chars().take(40).collect()));
            }
        }
        let UpdateIn { raw, update, .. } = update;
        let checked = match (&self.keys, permit) {
            (Some(keys), Some(permit)) => match keys.check(&self.doc, &raw, permit) {
                Checked::Allowed => true,
                Checked::Forbidden(f) => return Err(Refused::Forbidden(f)),
                Checked::Broken(e) => return Err(Refused::Rejected(e)),
            },
            _ => false,
        };
        let applied = std::panic::catch_unwind(AssertUnwindSafe(|| {
            self.doc.transact_mut().apply_update(update)
        }));
        match applied {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(Refused::Rejected(e.to_string())),
            Err(_) => return Err(Refused::Panicked),
        }
        let trimmed = self.content.as_ref().and_then(|w| w.enforce(&self.doc));
        if let Some(keys) = &self.keys {
            if !checked {
                keys.mirror(&raw);
            }
            if let Some(t) = &trimmed {
                keys.mirror(&t.update);
            }
        }
        let fix = trimmed.as_ref().map_or(0, |t| t.update.len());
        self.bytes.fetch_add(raw.len() + fix, Ordering::Relaxed);
        Ok(Integrated { raw, trimmed })
    }

    /// Make a change on the server's behalf. `prepare` runs before the transaction opens
    /// (yrs cannot create root types inside one), `f` inside it. What `f` changed before
    /// an error stays in the document, so it is returned to be stored like the rest.
    pub fn change<P, R>(
        &self,
        prepare: impl FnOnce(&Doc) -> P,
        f: impl FnOnce(&P, &mut TransactionMut) -> R,
    ) -> Changed<R> {
        if let Some(w) = &self.content {
            w.reset();
        }
        let prepared = prepare(&self.doc);
        let mut txn = self.doc.transact_mut();
        let result = f(&prepared, &mut txn);
        let changed = txn.before_state() != txn.after_state() || !txn.delete_set().is_empty();
        let update = changed.then(|| txn.encode_update_v1());
        drop(txn);
        let trimmed = if changed {
            self.content.as_ref().and_then(|w| w.enforce(&self.doc))
        } else {
            None
        };
        if let Some(keys) = &self.keys {
            for u in update.iter().chain(trimmed.as_ref().map(|t| &t.update)) {
                keys.mirror(u);
            }
        }
        let added =
            update.as_ref().map_or(0, Vec::len) + trimmed.as_ref().map_or(0, |t| t.update.len());
        self.bytes.fetch_add(added, Ordering::Relaxed);
        Changed {
            result,
            update,
            trimmed,
        }
    }

    /// Everything the document has, as one update (which is also its size from now on).
    pub fn encode_state(&self) -> Vec<u8> {
        let state = self
            .doc
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        self.bytes.store(state.len(), Ordering::Relaxed);
        state
    }
}

/// Limits of one connection's inbound side.
#[derive(Debug, Clone, Copy)]
pub struct PeerLimits {
    pub max_message_bytes: usize,
    pub rate_per_sec: u32,
    pub rate_burst: u32,
}

/// One connection's inbound side, sans IO: frames in, messages or a [`Close`] out.
pub struct Peer {
    limits: PeerLimits,
    tokens: f64,
    last: Duration,
    denied: Option<String>,
}

impl Peer {
    /// A peer whose clock starts at `now` (any monotonic time the caller keeps).
    pub fn new(limits: PeerLimits, now: Duration) -> Peer {
        Peer {
            limits,
            tokens: f64::from(limits.rate_burst),
            last: now,
            denied: None,
        }
    }

    /// Take `n` tokens (one per message) if there are that many.
    fn allow(&mut self, n: usize, now: Duration) -> bool {
        let dt = now.saturating_sub(self.last).as_secs_f64();
        self.last = now.max(self.last);
        self.tokens = (self.tokens + dt * f64::from(self.limits.rate_per_sec))
            .min(f64::from(self.limits.rate_burst));
        if self.tokens >= n as f64 {
            self.tokens -= n as f64;
            true
        } else {
            false
        }
    }

    /// One binary frame from the client: its messages, or why the connection closes.
    /// Every message counts against the rate limit, not just every frame: one frame of a
    /// million presence queries would otherwise ask for a million copies of everyone's
    /// presence. A frame is checked for size and rate before it is decoded.
    pub fn receive(&mut self, frame: &[u8], now: Duration) -> Result<Vec<Inbound>, Close> {
        if frame.len() > self.limits.max_message_bytes {
            return Err(Close::new(close::TOO_BIG, "message too big"));
        }
        if !self.allow(1, now) {
            return Err(Close::new(close::POLICY, "rate limit exceeded"));
        }
        let msgs = std::panic::catch_unwind(|| wire::decode_frame(frame))
            .unwrap_or_else(|_| Err(ProtocolError::Malformed("malformed message".into())))
            .map_err(|e| Close::new(close::INVALID, e))?;
        if !self.allow(msgs.len() - 1, now) {
            return Err(Close::new(close::POLICY, "rate limit exceeded"));
        }
        Ok(msgs)
    }

    /// A text frame from the client.
    pub fn text_frame(&self) -> Close {
        Close::new(close::UNSUPPORTED, "binary y-websocket messages only")
    }

    /// An update refused for `reason`: the permission-denied message to send, once per
    /// change of reason (a refused writer is not told the same thing on every keystroke).
    pub fn deny(&mut self, reason: &str) -> Option<Vec<u8>> {
        if self.denied.as_deref() == Some(reason) {
            return None;
        }
        self.denied = Some(reason.to_string());
        Some(wire::permission_denied(reason))
    }

    /// An update was accepted: a later refusal is news again.
    pub fn accepted(&mut self) {
        self.denied = None;
    }
}

/// What a client does after a message from the server.
#[derive(Debug)]
pub enum ClientEvent {
    /// Send this frame back (our answer to the server's step 1).
    Reply(Vec<u8>),
    /// An update was applied to the document.
    Applied,
    /// An update could not be applied (the client resyncs on its next connection).
    Failed(String),
    Awareness(AwarenessUpdate),
    /// The server asks for our presence.
    AwarenessQuery,
    /// The server refused our writes.
    Denied(String),
    Nothing,
}

/// A client's handling of one message from the server: updates are applied under
/// `origin` (so the client's own observers can tell them from local edits); a step 1 is
/// answered only by a client that may write (`answers_step1`).
pub fn client_receive(doc: &Doc, origin: &str, answers_step1: bool, msg: Inbound) -> ClientEvent {
    match msg {
        Inbound::SyncStep1(sv) if answers_step1 => ClientEvent::Reply(wire::sync_step2(
            doc.transact().encode_state_as_update_v1(&sv),
        )),
        Inbound::SyncStep1(_) | Inbound::Ignored => ClientEvent::Nothing,
        Inbound::Update(u) => match doc.transact_mut_with(origin).apply_update(u.update) {
            Ok(()) => ClientEvent::Applied,
            Err(e) => ClientEvent::Failed(e.to_string()),
        },
        Inbound::Awareness(a) => ClientEvent::Awareness(a),
        Inbound::AwarenessQuery => ClientEvent::AwarenessQuery,
        Inbound::PermissionDenied(reason) => ClientEvent::Denied(reason),
    }
}

#[cfg(test)]
mod tests;
