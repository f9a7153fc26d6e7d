//! Links and tokens: who may do what on which workshop or board.
//!
//! A link carries a random token. The store keeps only its SHA-256 hash, with the
//! workshop, an optional board (a link to one breakout group) and a role: facilitator,
//! participant or observer. The hashes of all live links are cached in memory so that
//! every page, API call and websocket message can be checked without a query.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::events::{Event, Events};

use cocreate_core::catalog::{BoardSummary, LinkRole};
use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::store::{now_ms, NewLink, Store, StoreError, StoredLink};

/// Errors from authorisation.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("open the whole link your facilitator gave you")]
    Missing,
    #[error("it may have been revoked, or mistyped")]
    Invalid,
    #[error("this link has expired")]
    Expired,
    /// A valid link for something else. The text names nothing: a link to one workshop
    /// learns nothing about another's boards.
    #[error("this link does not open that")]
    WrongScope,
    #[error("only facilitators may do this")]
    NotFacilitator,
    #[error("only the organising team (an organiser link) may do this")]
    NotOrganiser,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The hash of a token: the only form in which tokens are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TokenHash(String);

impl TokenHash {
    pub fn of(token: &str) -> TokenHash {
        let digest = Sha256::digest(token.as_bytes());
        TokenHash(digest.iter().map(|b| format!("{b:02x}")).collect())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A hash as the store keeps it.
    pub(crate) fn from_hex(hex: String) -> TokenHash {
        TokenHash(hex)
    }
}

/// What a link grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub workshop: String,
    /// `None`: every board of the workshop.
    pub board: Option<String>,
    pub role: LinkRole,
    /// What the facilitator called the link (shown in the console and the audit log).
    pub label: String,
    /// After this time (ms since the epoch) the link opens nothing.
    pub expires_ms: Option<i64>,
    /// An organiser link: the organising team, who create workshops and facilitate and
    /// read every one of them (`workshop` is empty). Kept apart from workshop links.
    pub organiser: bool,
}

impl Grant {
    /// A link for `role` to `workshop` (and one of its boards), with no label or expiry.
    pub fn new(workshop: impl Into<String>, board: Option<String>, role: LinkRole) -> Grant {
        Grant {
            workshop: workshop.into(),
            board,
            role,
            label: String::new(),
            expires_ms: None,
            organiser: false,
        }
    }

    /// An organiser link (see [`Grant::organiser`]).
    pub fn organiser(label: impl Into<String>) -> Grant {
        Grant {
            label: label.into(),
            organiser: true,
            ..Grant::new("", None, LinkRole::Facilitator)
        }
    }

    /// Whether the link has expired at `now_ms`.
    pub fn expired(&self, now_ms: i64) -> bool {
        self.expires_ms.is_some_and(|e| e <= now_ms)
    }

    /// Whether this grant covers `board`.
    pub fn covers(&self, board: &BoardSummary) -> bool {
        self.organiser
            || (self.workshop == board.workshop_id
                && self.board.as_deref().is_none_or(|b| b == board.id))
    }

    /// Whether this is a facilitator link to the whole of `workshop`.
    pub fn facilitates(&self, workshop: &str) -> Result<(), AuthError> {
        if self.organiser {
            return Ok(());
        }
        if self.workshop != workshop || self.board.is_some() {
            return Err(AuthError::WrongScope);
        }
        if self.role != LinkRole::Facilitator {
            return Err(AuthError::NotFacilitator);
        }
        Ok(())
    }

    /// Whether this link belongs to the organising team, who create workshops and read
    /// every board for synthesis: an organiser link only (a workshop's facilitators reach
    /// their own workshop and nothing else).
    pub fn organises(&self) -> bool {
        self.organiser
    }
}

/// A new random token: 24 bytes, hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 24];
    rand::rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Issues and checks links. Cheap to clone.
#[derive(Clone)]
pub struct Auth {
    store: Store,
    live: Arc<RwLock<HashMap<TokenHash, Grant>>>,
    /// When each link was last used (the store has it to the minute).
    used: Arc<RwLock<HashMap<TokenHash, i64>>>,
    /// Expired links whose websockets have been told ([`Auth::expire_due`]).
    expired: Arc<std::sync::Mutex<std::collections::HashSet<TokenHash>>>,
    /// Every revocation, for the open websockets of that link to close at once.
    revoked: tokio::sync::broadcast::Sender<TokenHash>,
    /// Tells the other nodes of a cluster that links changed.
    events: Events,
    /// When the links were last read again because of an unknown token.
    reread: Arc<std::sync::Mutex<Option<std::time::Instant>>>,
}

/// How often an unknown token may make the links be read again from the store (it may
/// have been made on another node of a cluster a moment ago).
const REREAD_AFTER: std::time::Duration = std::time::Duration::from_millis(500);

impl Auth {
    /// Load every unrevoked link from the store.
    pub fn load(store: Store) -> Result<Auth, AuthError> {
        let live = read_links(&store)?;
        Ok(Auth {
            store,
            live: Arc::new(RwLock::new(live)),
            used: Arc::default(),
            expired: Arc::default(),
            revoked: tokio::sync::broadcast::channel(64).0,
            events: Events::default(),
            reread: Arc::default(),
        })
    }

    /// The way this node tells the others of new and revoked links.
    pub fn events(&self) -> &Events {
        &self.events
    }

    /// Read the links again (another node changed them): revoked ones close their
    /// websockets here too, new ones open, changed expiries apply.
    pub fn reload(&self) -> Result<(), AuthError> {
        let fresh = read_links(&self.store)?;
        let gone: Vec<TokenHash> = {
            let mut live = self.live.write().expect("links");
            let gone = live
                .keys()
                .filter(|h| !fresh.contains_key(*h))
                .cloned()
                .collect();
            *live = fresh;
            gone
        };
        for h in gone {
            let _ = self.revoked.send(h);
        }
        // Expiries that moved into the past close their websockets on the next tick.
        Ok(())
    }
}

/// Every unrevoked link in the store, by hash.
fn read_links(store: &Store) -> Result<HashMap<TokenHash, Grant>, AuthError> {
    Ok(store
        .links()?
        .into_iter()
        .map(|l| {
            (
                TokenHash(l.token_hash),
                Grant {
                    workshop: l.workshop,
                    board: l.board,
                    role: l.role,
                    label: l.label,
                    expires_ms: l.expires_ms,
                    organiser: false,
                },
            )
        })
        .chain(
            store
                .organiser_links()?
                .into_iter()
                .map(|(hash, label)| (TokenHash(hash), Grant::organiser(label))),
        )
        .collect())
}

impl Auth {
    /// Make a new organiser link; returns the token (shown once, never stored).
    pub fn issue_organiser(&self, label: &str) -> Result<String, AuthError> {
        let token = new_token();
        let hash = TokenHash::of(&token);
        self.store.create_organiser_link(hash.as_str(), label)?;
        self.live
            .write()
            .expect("links")
            .insert(hash, Grant::organiser(label));
        self.events.publish(Event::Links);
        Ok(token)
    }

    /// Make a new link; returns the token (shown once, never stored).
    pub fn issue(&self, grant: Grant) -> Result<String, AuthError> {
        let token = new_token();
        let hash = TokenHash::of(&token);
        self.store.create_link(&NewLink {
            token_hash: hash.as_str(),
            workshop: &grant.workshop,
            board: grant.board.as_deref(),
            role: grant.role,
            label: &grant.label,
            expires_ms: grant.expires_ms,
        })?;
        self.live.write().expect("links").insert(hash, grant);
        self.events.publish(Event::Links);
        Ok(token)
    }

    /// Revoke a link: every open websocket using it closes at once (1008), and nothing
    /// takes it any more.
    pub fn revoke(&self, token: &str) -> Result<(), AuthError> {
        self.revoke_hash(&TokenHash::of(token))
    }

    /// [`Auth::revoke`] by the token's hash (the console revokes links it lists).
    pub fn revoke_hash(&self, hash: &TokenHash) -> Result<(), AuthError> {
        self.store.revoke_link(hash.as_str())?;
        self.live.write().expect("links").remove(hash);
        let _ = self.revoked.send(hash.clone());
        self.events.publish(Event::Links);
        Ok(())
    }

    /// Set or clear a link's expiry. An expiry already past closes its open websockets
    /// at once, as a revocation does.
    pub fn set_expiry(&self, hash: &TokenHash, expires_ms: Option<i64>) -> Result<(), AuthError> {
        self.store.set_link_expiry(hash.as_str(), expires_ms)?;
        if let Some(g) = self.live.write().expect("links").get_mut(hash) {
            g.expires_ms = expires_ms;
        }
        // A new expiry is announced afresh when it comes.
        self.expired.lock().expect("expired").remove(hash);
        if expires_ms.is_some_and(|e| e <= now_ms()) {
            let _ = self.revoked.send(hash.clone());
        }
        self.events.publish(Event::Links);
        Ok(())
    }

    /// Links whose expiry has come by `now_ms` and was not announced yet: their open
    /// websockets are told at once, as for a revocation (every later use is refused by
    /// the expiry itself). Returns how many. The server calls it every second.
    pub fn expire_due(&self, now_ms: i64) -> usize {
        let expired: Vec<TokenHash> = {
            let live = self.live.read().expect("links");
            let mut announced = self.expired.lock().expect("expired");
            live.iter()
                .filter(|(h, g)| g.expired(now_ms) && announced.insert((*h).clone()))
                .map(|(h, _)| h.clone())
                .collect()
        };
        for h in &expired {
            let _ = self.revoked.send(h.clone());
        }
        expired.len()
    }

    /// Every live (not revoked) link of `workshop` with its hash, oldest first.
    pub fn links_of(&self, workshop: &str) -> Result<Vec<StoredLink>, AuthError> {
        let mut links: Vec<StoredLink> = self
            .store
            .links()?
            .into_iter()
            .filter(|l| l.workshop == workshop)
            .collect();
        let used = self.used.read().expect("used");
        for l in &mut links {
            if let Some(ms) = used.get(&TokenHash(l.token_hash.clone())) {
                l.last_used_ms = Some(*ms);
            }
        }
        Ok(links)
    }

    /// Note that a link was used now; kept in the store at most once a minute per link.
    fn touch(&self, hash: &TokenHash) {
        let now = now_ms();
        let before = self.used.write().expect("used").insert(hash.clone(), now);
        if before.is_none_or(|b| now - b >= 60_000) {
            if let Err(e) = self.store.touch_link(hash.as_str(), now) {
                tracing::warn!(error = %e, "recording a link's last use");
            }
        }
    }

    /// Revocations from now on (each open websocket listens for its own link's).
    pub fn revocations(&self) -> tokio::sync::broadcast::Receiver<TokenHash> {
        self.revoked.subscribe()
    }

    /// The grant of a token, if it is live.
    pub(crate) fn grant(&self, token: Option<&str>) -> Result<(TokenHash, Grant), AuthError> {
        let token = token.filter(|t| !t.is_empty()).ok_or(AuthError::Missing)?;
        let hash = TokenHash::of(token);
        let known = self.live.read().expect("links").get(&hash).cloned();
        let grant = match known {
            Some(g) => g,
            None => self.reread_for(&hash)?.ok_or(AuthError::Invalid)?,
        };
        if grant.expired(now_ms()) {
            return Err(AuthError::Expired);
        }
        self.touch(&hash);
        Ok((hash, grant))
    }

    /// An unknown token's grant after reading the links again, at most once per
    /// [`REREAD_AFTER`] (a link made on another node a moment ago is not known here
    /// until its event arrives). A single node knows every link it made: nothing to read.
    fn reread_for(&self, hash: &TokenHash) -> Result<Option<Grant>, AuthError> {
        if !self.events.shared() {
            return Ok(None);
        }
        {
            let mut last = self.reread.lock().expect("reread");
            if last.is_some_and(|t| t.elapsed() < REREAD_AFTER) {
                return Ok(None);
            }
            *last = Some(std::time::Instant::now());
        }
        self.reload()?;
        Ok(self.live.read().expect("links").get(hash).cloned())
    }

    /// Whether a link is still live (checked on every websocket message): not revoked,
    /// not expired.
    pub fn is_live(&self, hash: &TokenHash) -> bool {
        self.live
            .read()
            .expect("links")
            .get(hash)
            .is_some_and(|g| !g.expired(now_ms()))
    }
}
