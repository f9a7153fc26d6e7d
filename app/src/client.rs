//! The browser's y-websocket client for one board (hydrate only).
//!
//! Keeps a local yrs document. Local edits are applied to it and sent while connected;
//! while disconnected they stay in the document, and the sync handshake on reconnect
//! (each side sends its state vector, each answers with what the other lacks) merges
//! them. Reconnects with exponential backoff and jitter.
//!
//! Text fields are uncontrolled: after a remote update, each card's textarea is set to
//! the document's text, and the focused one keeps its caret through sticky indexes.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use std::sync::{Arc, Mutex};

use futures::channel::mpsc::{unbounded, UnboundedSender};
use futures::future::select;
use futures::{SinkExt, StreamExt};
use gloo_net::websocket::futures::WebSocket;
use gloo_net::websocket::Message;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use yrs::sync::awareness::AwarenessUpdateEntry;
use yrs::sync::AwarenessUpdate;
use yrs::types::{EntryChange, Event, PathSegment};
use yrs::{
    Assoc, DeepObservable, Doc, IndexedSequence, Origin, ReadTxn, StateVector, Transact, Update,
};

use crate::session::{BoardLink, BoardSession, ConnStatus, Me, Peer, Stop};
use cocreate_core::catalog::LinkRole;
use cocreate_core::identity;
use cocreate_core::model::board::Board;
use cocreate_core::model::control::Control;
use cocreate_core::model::schema::Symbol;
use cocreate_core::model::{new_doc, CardView, Prompt, Role};
use cocreate_core::sync::presence::{is_hex_color, Presence};
use cocreate_core::sync::{client_receive, ClientEvent};
use cocreate_core::wire::{self, Inbound};

const REMOTE: &str = "remote";
/// Origin of this person's own edits (what undo and redo work on).
const LOCAL: &str = "local";
/// Origin of this person's typing in a card: undone like [`LOCAL`], but the field already
/// shows it, so the rest of the page catches up once a frame (not once a keystroke).
const TYPING: &str = "typing";
/// Local storage key prefix of a board's last known state (offline persistence).
const STATE_KEY: &str = "cocreate.board.";
const ME_KEY: &str = "cocreate.me";
/// How often presence is refreshed on the server (its expiry is 30 s).
const HEARTBEAT_MS: f64 = 15_000.0;
/// How often the board's connection checks that the server still answers.
const LIVENESS_TICK_MS: u32 = 2_000;
/// After this long without a frame from the server, ask it for something (a sync step 1,
/// which it always answers); when that question has gone unanswered this long too, the
/// connection is dead (a network that went quiet closes nothing): say so, and reconnect.
const QUIET_MS: f64 = 6_000.0;

/// The cards a person has already been told about: id and column.
type KnownCards = HashMap<String, Option<Prompt>>;

pub struct Client {
    board_id: String,
    workshop_id: String,
    /// Whether this is the person's draft (private writing) rather than the board: no
    /// presence, no connection status, cards shown as the draft's.
    draft: bool,
    /// Where its state is kept offline: the board id, or `{board}/draft`.
    key: String,
    doc: Doc,
    board: Board,
    session: BoardSession,
    out: Rc<RefCell<Option<UnboundedSender<Vec<u8>>>>>,
    me: RefCell<Me>,
    clock: Cell<u32>,
    editing: RefCell<Option<String>>,
    peers: RefCell<HashMap<u64, (u32, String)>>,
    stopped: Cell<bool>,
    undo: RefCell<yrs::UndoManager>,
    /// Cards whose insides other people's updates changed since the last look: only their
    /// text fields need bringing up to date after a remote update.
    remote_touched: Arc<Mutex<Vec<String>>>,
    /// Text fields other people's updates changed that are not yet brought up to date: the
    /// next animation frame does them all at once (see [`Client::change_keeping_caret`]).
    stale_fields: Rc<RefCell<HashSet<String>>>,
    /// Clears the kept board when the page goes away while synced (a shared computer).
    on_leave: RefCell<Option<WindowListenerHandle>>,
    /// When the server was last heard from on this connection (ms).
    last_heard: Cell<f64>,
    /// When the server was asked to answer (a liveness probe), if it has not yet.
    probe_at: Cell<Option<f64>>,
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn random_id() -> String {
    let a = (js_sys::Math::random() * 4294967296.0) as u64;
    let b = (js_sys::Math::random() * 4294967296.0) as u64;
    format!("{:08x}{:08x}", a, b)
}

const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#17becf",
];

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// A new seat: 128 random bits from the browser's cryptographic generator, as 32 hex
/// digits.
fn new_seat() -> String {
    let mut bytes = [0u8; 16];
    let filled = web_sys::window()
        .and_then(|w| w.crypto().ok())
        .is_some_and(|c| c.get_random_values_with_u8_array(&mut bytes).is_ok());
    if !filled {
        // No Web Crypto (very old browsers): the page still works, with a weaker seat.
        for b in &mut bytes {
            *b = (js_sys::Math::random() * 256.0) as u8;
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// This browser's person: kept in local storage, with a seat made on first use. `id` is
/// filled in per workshop by [`Client::start`].
fn load_me() -> Me {
    if let Some(mut me) = storage()
        .and_then(|s| s.get_item(ME_KEY).ok().flatten())
        .and_then(|j| serde_json::from_str::<Me>(&j).ok())
        .filter(|me| is_hex_color(&me.color))
    {
        if identity::check_seat(&me.seat).is_err() {
            me.seat = new_seat();
            save_me(&me);
        }
        return me;
    }
    let id = random_id();
    let n = (js_sys::Math::random() * 9000.0) as u32 + 1000;
    let color = COLORS[(js_sys::Math::random() * COLORS.len() as f64) as usize % COLORS.len()];
    let me = Me {
        named: false,
        seat: new_seat(),
        consents: Default::default(),
        id,
        name: format!("Guest {n}"),
        role: Role::Stakeholder,
        color: color.to_string(),
    };
    save_me(&me);
    me
}

/// This browser's seat and the role its person last gave, made on first use: what a
/// workshop page sends to be placed in a group.
pub fn my_seat_and_role() -> (String, Role) {
    let me = load_me();
    (me.seat, me.role)
}

/// Remember the role this person gave (the board's join form starts from it).
pub fn remember_role(role: Role) {
    let mut me = load_me();
    me.role = role;
    save_me(&me);
}

fn save_me(me: &Me) {
    if let (Some(s), Ok(j)) = (storage(), serde_json::to_string(me)) {
        let _ = s.set_item(ME_KEY, &j);
    }
}

/// `ws(s)://host/ws/board/{board_id}{suffix}?token=…` with the page's own token (and
/// `&seat=…` when given).
fn ws_url(board_id: &str, suffix: &str, seat: Option<&str>) -> String {
    let loc = web_sys::window().expect("window").location();
    let proto = if loc.protocol().unwrap_or_default() == "https:" {
        "wss"
    } else {
        "ws"
    };
    let host = loc.host().unwrap_or_default();
    let token = web_sys::UrlSearchParams::new_with_str(&loc.search().unwrap_or_default())
        .ok()
        .and_then(|p| p.get("token"));
    let mut url = format!("{proto}://{host}/ws/board/{board_id}{suffix}");
    let mut sep = '?';
    if let Some(t) = token {
        url.push_str(&format!("{sep}token={}", js_sys::encode_uri_component(&t)));
        sep = '&';
    }
    if let Some(seat) = seat {
        url.push_str(&format!("{sep}seat={seat}"));
    }
    url
}

/// Connect `session` to board `board_id` of workshop `workshop_id`: its control client
/// and its board client.
pub fn connect(session: BoardSession, board_id: String, workshop_id: &str) {
    let control = ControlClient::start(board_id.clone(), session);
    let client = Client::start(board_id, workshop_id, session);
    session.attach(client, control);
}

/// Start the client of this person's draft of `board_id` and attach it to `session`
/// (private writing).
pub fn start_draft(session: BoardSession, board_id: String, workshop_id: &str) {
    let draft = Client::start_on(board_id, workshop_id, session, true);
    session.attach_draft(Some(draft));
}

/// Show `cards` (and, for the board, its themes, votes and title) on the page.
fn show<T: ReadTxn>(
    session: &BoardSession,
    draft: bool,
    board: &Board,
    txn: &T,
    cards: Vec<cocreate_core::model::CardView>,
    me: &str,
) {
    if draft {
        let ballot = board
            .all_votes(txn)
            .into_iter()
            .filter(|(_, who, _)| who == me)
            .map(|(card, _, n)| (card, n))
            .collect();
        session.ballot.try_set(ballot);
        session.draft_cards.try_set(cards);
    } else {
        publish(session, board, txn, cards, me);
    }
}

impl Client {
    pub fn start(board_id: String, workshop_id: &str, session: BoardSession) -> Rc<Client> {
        Client::start_on(board_id, workshop_id, session, false)
    }

    fn start_on(
        board_id: String,
        workshop_id: &str,
        session: BoardSession,
        draft: bool,
    ) -> Rc<Client> {
        let key = if draft {
            format!("{board_id}/draft")
        } else {
            board_id.clone()
        };
        let mut me = load_me();
        // Cards, votes and presence carry the pseudonym the server binds this seat to.
        me.id = identity::pseudonym(workshop_id, &me.seat);
        if !draft {
            session.me.set(Some(me.clone()));
        }
        let doc = new_doc();
        let board = Board::of(&doc);
        // Edits made offline survive a reload: start from the state kept in this browser.
        if let Some(update) = load_state(&key) {
            if let Err(e) = doc.transact_mut_with(REMOTE).apply_update(update) {
                leptos::logging::warn!("ignoring the locally kept board state: {e}");
            }
            {
                let txn = doc.transact();
                show(&session, draft, &board, &txn, board.cards(&txn), &me.id);
            }
        }
        let out: Rc<RefCell<Option<UnboundedSender<Vec<u8>>>>> = Rc::new(RefCell::new(None));
        let save_pending = Rc::new(Cell::new(false));
        {
            let save_pending = save_pending.clone();
            let doc_for_save = doc.clone();
            let key = key.clone();
            let me_id = me.id.clone();
            let out = out.clone();
            let board = board.clone();
            let remote = Origin::from(REMOTE);
            let typing = Origin::from(TYPING);
            let known: Rc<RefCell<Option<KnownCards>>> = Rc::default();
            let remote_news = Rc::new(Cell::new(false));
            let announcer = Rc::new(Announcer::default());
            let remote_pending = Rc::new(Cell::new(false));
            let doc_for_read = doc.clone();
            let _ = doc.observe_update_v1("cocreate", move |txn, e| {
                let from_remote = txn.origin() == Some(&remote);
                if !from_remote {
                    if let Some(tx) = out.borrow().as_ref() {
                        let _ = tx.unbounded_send(wire::update(e.update.clone()));
                    }
                }
                if from_remote || txn.origin() == Some(&typing) {
                    // Other people's changes, and this person's typing (which its field
                    // already shows): the board is read (for announcements and the page)
                    // at most once per animation frame, however many arrive in it, so
                    // fifty people typing cost one read and one render per frame.
                    if from_remote {
                        remote_news.set(true);
                    }
                    if !remote_pending.replace(true) {
                        let (doc, board, known, announcer, me_id, pending, news) = (
                            doc_for_read.clone(),
                            board.clone(),
                            known.clone(),
                            announcer.clone(),
                            me_id.clone(),
                            remote_pending.clone(),
                            remote_news.clone(),
                        );
                        request_animation_frame(move || {
                            pending.set(false);
                            let txn = doc.transact();
                            let cards = board.cards(&txn);
                            if !draft && news.replace(false) {
                                announce_changes(&session, &cards, &known, &announcer);
                            }
                            show(&session, draft, &board, &txn, cards, &me_id);
                        });
                    }
                } else {
                    // One's own change shows at once, and is not news to its author.
                    let cards = board.cards(txn);
                    if let Some(k) = known.borrow_mut().as_mut() {
                        *k = cards.iter().map(|c| (c.id.clone(), c.prompt)).collect();
                    }
                    show(&session, draft, &board, txn, cards, &me_id);
                }
                // The browser keeps the board only while the server may not have it: a
                // change made offline (or while reconnecting) survives a reload; once
                // synced, nothing is kept (see `keep_offline`).
                if !save_pending.replace(true) {
                    let (doc, key, pending) =
                        (doc_for_save.clone(), key.clone(), save_pending.clone());
                    set_timeout(
                        move || {
                            pending.set(false);
                            if session.status.get_untracked().server_may_lack_changes() {
                                save_state(&key, &doc);
                            }
                        },
                        std::time::Duration::from_millis(300),
                    );
                }
            });
        }
        let remote_touched: Arc<Mutex<Vec<String>>> = Arc::default();
        {
            let sink = remote_touched.clone();
            let remote = Origin::from(REMOTE);
            board
                .cards_root()
                .observe_deep("caret", move |txn, events| {
                    if txn.origin() != Some(&remote) {
                        return;
                    }
                    let mut touched = sink.lock().unwrap_or_else(|e| e.into_inner());
                    for e in events.iter() {
                        match (e.path().front(), e) {
                            // A change inside one card.
                            (Some(PathSegment::Key(card)), _) => touched.push(card.to_string()),
                            // A card replaced by another under the same id.
                            (None, Event::Map(m)) => touched.extend(
                                m.keys(txn)
                                    .iter()
                                    .filter(|(_, c)| matches!(c, EntryChange::Updated(_, _)))
                                    .map(|(k, _)| k.to_string()),
                            ),
                            _ => {}
                        }
                    }
                });
        }
        let undo = {
            let mut options = yrs::undo::Options {
                capture_timeout_millis: 600,
                tracked_origins: Default::default(),
                capture_transaction: None,
                timestamp: std::sync::Arc::new(|| js_sys::Date::now() as u64),
                init_undo_stack: Vec::new(),
                init_redo_stack: Vec::new(),
            };
            options.tracked_origins.insert(Origin::from(LOCAL));
            options.tracked_origins.insert(Origin::from(TYPING));
            let mut um = yrs::UndoManager::with_options(options);
            for root in board.undo_scope() {
                um.expand_scope(&doc, root);
            }
            RefCell::new(um)
        };
        let client = Rc::new(Client {
            board_id,
            workshop_id: workshop_id.to_string(),
            draft,
            key,
            doc,
            board,
            session,
            out,
            me: RefCell::new(me),
            clock: Cell::new(0),
            editing: RefCell::new(None),
            peers: RefCell::new(HashMap::new()),
            stopped: Cell::new(false),
            undo,
            remote_touched,
            stale_fields: Rc::default(),
            on_leave: RefCell::new(None),
            last_heard: Cell::new(now_ms()),
            probe_at: Cell::new(None),
        });
        {
            let (key, session) = (client.key.clone(), client.session);
            let handle = window_event_listener(leptos::ev::pagehide, move |_| {
                if !session.status.get_untracked().server_may_lack_changes() {
                    clear_state(&key);
                }
            });
            *client.on_leave.borrow_mut() = Some(handle);
        }
        spawn_local(connection_loop(client.clone()));
        if !draft {
            spawn_local(heartbeat_loop(client.clone()));
        }
        client
    }

    /// "Here is what I have; send me what I lack" (the server always answers it).
    fn sync_step1(&self) -> Vec<u8> {
        let sv: StateVector = self.doc.transact().state_vector();
        wire::sync_step1(sv)
    }

    fn send(&self, frame: Vec<u8>) {
        if let Some(tx) = self.out.borrow().as_ref() {
            let _ = tx.unbounded_send(frame);
        }
    }

    /// Run a local change, reporting a refused one to the person.
    fn local<R>(
        &self,
        f: impl FnOnce(&Board, &mut yrs::TransactionMut) -> Result<R, cocreate_core::model::ModelError>,
    ) -> Option<R> {
        let result = f(&self.board, &mut self.doc.transact_mut_with(LOCAL));
        match result {
            Ok(r) => Some(r),
            Err(e) => {
                self.session.notice.try_set(Some(e.to_string()));
                None
            }
        }
    }
}

impl BoardLink for Client {
    fn stop(&self) {
        self.stopped.set(true);
        self.out.borrow_mut().take();
        if let Some(h) = self.on_leave.borrow_mut().take() {
            h.remove();
        }
        // Leaving a synced board keeps nothing of it in this (perhaps shared) browser.
        if !self
            .session
            .status
            .get_untracked()
            .server_may_lack_changes()
        {
            clear_state(&self.key);
        }
    }

    fn add_card(&self, prompt: Prompt) -> Option<String> {
        let me = self.me.borrow().clone();
        let id = random_id();
        // No role on the card: the server's roster has it (see `join`).
        let result = self.board.add_card_as(
            &mut self.doc.transact_mut_with(LOCAL),
            &id,
            prompt,
            "",
            &me.id,
            None,
            now_ms(),
        );
        match result {
            Ok(_) => Some(id),
            Err(e) => {
                self.session.notice.try_set(Some(e.to_string()));
                None
            }
        }
    }

    fn edit_text(&self, card: &str, value: &str, caret: Option<u32>) {
        let result =
            self.board
                .set_card_text(&mut self.doc.transact_mut_with(TYPING), card, value, caret);
        if let Err(e) = result {
            self.session.notice.try_set(Some(e.to_string()));
        }
    }

    fn delete_card(&self, card: &str) {
        self.board
            .delete_card(&mut self.doc.transact_mut_with(LOCAL), card);
    }

    fn put_back(&self, card: &CardView) {
        self.local(|b, txn| b.put_back(txn, card));
    }

    fn set_symbol(&self, card: &str, symbol: Option<Symbol>) {
        self.local(|b, txn| b.set_card_symbol(txn, card, symbol));
    }

    fn move_card(&self, card: &str, prompt: Prompt, theme: Option<&str>, before: Option<&str>) {
        self.local(|b, txn| b.move_card(txn, card, prompt, theme, before));
    }

    fn nudge_card(&self, card: &str, step: i32) {
        self.local(|b, txn| b.nudge_card(txn, card, step));
    }

    fn add_theme(&self, prompt: Prompt, title: &str) -> Option<String> {
        let id = random_id();
        self.local(|b, txn| b.add_theme(txn, &id, prompt, title))?;
        Some(id)
    }

    fn rename_theme(&self, theme: &str, title: &str) {
        self.local(|b, txn| b.rename_theme(txn, theme, title));
    }

    fn nudge_theme(&self, theme: &str, step: i32) {
        self.local(|b, txn| b.nudge_theme(txn, theme, step));
    }

    fn dissolve_theme(&self, theme: &str) {
        self.local(|b, txn| {
            b.dissolve_theme(txn, theme);
            Ok(())
        });
    }

    fn vote(&self, card: &str, delta: i64, limit: i64) {
        let me = self.me.borrow().id.clone();
        if self.draft {
            self.local(|b, txn| b.vote_on_ballot(txn, card, &me, delta, limit));
        } else {
            self.local(|b, txn| b.vote(txn, card, &me, delta, limit));
        }
    }

    fn react(&self, card: &str, reaction: Option<cocreate_core::model::schema::Reaction>) {
        let me = self.me.borrow().id.clone();
        self.local(|b, txn| {
            b.react(txn, card, &me, reaction);
            Ok::<(), cocreate_core::model::ModelError>(())
        });
    }

    fn comment(&self, card: &str, text: &str) -> bool {
        let me = self.me.borrow().id.clone();
        let id = random_id();
        self.local(|b, txn| b.add_comment(txn, card, &id, &me, text, now_ms()))
            .is_some()
    }

    fn delete_comment(&self, card: &str, id: &str) {
        self.local(|b, txn| {
            b.delete_comment(txn, card, id);
            Ok::<(), cocreate_core::model::ModelError>(())
        });
    }

    fn undo(&self) -> bool {
        self.change_keeping_caret(false, || self.undo.borrow_mut().undo_blocking())
    }

    fn redo(&self) -> bool {
        self.change_keeping_caret(false, || self.undo.borrow_mut().redo_blocking())
    }

    fn set_editing(&self, card: Option<String>) {
        if let Some(card) = &card {
            self.refresh_stale_field(card);
        }
        *self.editing.borrow_mut() = card;
        self.send_awareness();
    }

    fn left(&self) {
        let mut me = self.me.borrow_mut();
        me.consents.remove(&self.workshop_id);
        me.named = false;
        save_me(&me);
        self.session.me.try_set(Some(me.clone()));
    }

    fn set_me(&self, name: String, role: Role, consent: Option<u32>) {
        {
            let mut me = self.me.borrow_mut();
            me.name = name;
            me.role = role;
            if let Some(version) = consent {
                me.consents.insert(self.workshop_id.clone(), version);
            }
            me.named = true;
            save_me(&me);
            self.session.me.try_set(Some(me.clone()));
        }
        self.send_awareness();
    }
}

impl Client {
    /// Drop this copy of the board (and anything kept of it) and connect afresh.
    fn resync(&self) {
        let (session, board, workshop) = (
            self.session,
            self.board_id.clone(),
            self.workshop_id.clone(),
        );
        clear_state(&self.key);
        set_timeout(
            move || {
                session.stop();
                clear_state(&board);
                clear_state(&format!("{board}/draft"));
                connect(session, board.clone(), &workshop);
                if session.role.get_untracked() == LinkRole::Participant
                    && session.control.with_untracked(|c| {
                        !c.revealed
                            || (c.phase == cocreate_core::model::control::Phase::Vote
                                && !c.votes_revealed)
                    })
                {
                    start_draft(session, board, &workshop);
                }
            },
            std::time::Duration::ZERO,
        );
    }

    fn awareness_json(&self) -> String {
        let me = self.me.borrow();
        // Nobody shows under a made-up name: until a person gives theirs, others see that
        // someone is joining (an observer gives none, and is shown as one).
        let link = self.session.role.get_untracked();
        let name = if link == LinkRole::Observer {
            "An observer".to_string()
        } else if me.named {
            me.name.clone()
        } else if link == LinkRole::Facilitator {
            "The facilitator".to_string()
        } else {
            "Someone joining".to_string()
        };
        // A facilitator's link is shown as the facilitator (the server binds it too).
        let role = if link == LinkRole::Facilitator {
            Role::Facilitator
        } else {
            me.role
        };
        Presence {
            id: me.id.clone(),
            name,
            role: role.as_str().to_string(),
            color: me.color.clone(),
            editing: self.editing.borrow().clone(),
        }
        .to_json()
    }

    fn send_awareness(&self) {
        if self.draft {
            // Presence belongs to the board's connection.
            return;
        }
        self.clock.set(self.clock.get() + 1);
        let mut clients = HashMap::new();
        clients.insert(
            self.doc.client_id(),
            AwarenessUpdateEntry {
                clock: self.clock.get(),
                json: self.awareness_json().into(),
            },
        );
        self.send(wire::awareness(AwarenessUpdate { clients }));
    }

    fn on_frame(&self, frame: &[u8]) {
        let msgs = match wire::decode_frame(frame) {
            Ok(m) => m,
            Err(e) => {
                leptos::logging::warn!("ignoring bad frame from server: {e}");
                return;
            }
        };
        // A read-only link has nothing to give: it does not answer the server's step 1
        // (whose answer the server would refuse, telling the person off for nothing).
        let writes = self.session.role.get_untracked() != LinkRole::Observer;
        for msg in msgs {
            let event = if matches!(msg, Inbound::Update(_)) {
                // Other people's text arrives: keep this person's caret where it was.
                self.change_keeping_caret(true, || client_receive(&self.doc, REMOTE, writes, msg))
            } else {
                client_receive(&self.doc, REMOTE, writes, msg)
            };
            match event {
                ClientEvent::Reply(frame) => self.send(frame),
                ClientEvent::Applied => {
                    if !self.draft
                        && matches!(
                            self.session.status.get_untracked(),
                            ConnStatus::Connecting | ConnStatus::Offline
                        )
                    {
                        // The server answered our step 1 after taking our step 2: what
                        // this browser kept for offline editing is on the server now.
                        self.session.status.try_set(if writes {
                            ConnStatus::Synced
                        } else {
                            ConnStatus::ReadOnly
                        });
                        clear_state(&self.key);
                    }
                }
                ClientEvent::Failed(e) => {
                    leptos::logging::warn!("could not apply server update: {e}");
                }
                ClientEvent::Awareness(a) => self.on_awareness(a),
                ClientEvent::Denied(reason) => {
                    self.session
                        .notice
                        .try_set(Some(format!("Your last change was not saved: {reason}.")));
                    if self.session.can_edit() {
                        // Refused by the rules, not by a lock: this copy holds a change
                        // the board will never take, so start again from the server's.
                        self.resync();
                    }
                }
                ClientEvent::AwarenessQuery => self.send_awareness(),
                ClientEvent::Nothing => {}
            }
        }
    }

    /// Run `change` on the document, then bring text fields up to date; the focused field
    /// keeps its caret and selection (sticky indexes move with the text). With
    /// `only_touched` (a remote update), only the fields of cards it changed are brought up
    /// to date: the focused one at once, the others in the next animation frame, together
    /// (a field written between frames would make the next caret read lay out the page).
    fn change_keeping_caret<R>(&self, only_touched: bool, change: impl FnOnce() -> R) -> R {
        let focused = focused_card_field();
        let sticky = focused.as_ref().and_then(|(id, el)| {
            let txn = self.doc.transact();
            let text = self.board.card_text(&txn, id)?;
            let start = el.selection_start().ok().flatten()?;
            let end = el.selection_end().ok().flatten()?;
            // The caret keeps to the letter before it (the one this person just typed):
            // letters someone else types at the same spot stay on the far side of the
            // caret, never between this person's keystrokes.
            Some((
                text.sticky_index(&txn, start, Assoc::Before)?,
                text.sticky_index(&txn, end, Assoc::Before)?,
            ))
        });
        let result = change();
        let txn = self.doc.transact();
        let set_focused = |el: &web_sys::HtmlTextAreaElement, text: &str| {
            el.set_value(text);
            if let Some((s, e)) = &sticky {
                let s = s.get_offset(&txn).map(|o| o.index);
                let e = e.get_offset(&txn).map(|o| o.index);
                if let (Some(s), Some(e)) = (s, e) {
                    let _ = el.set_selection_range(s, e.max(s));
                }
            }
        };
        if only_touched {
            let touched: Vec<String> = self
                .remote_touched
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .drain(..)
                .collect();
            let mut later = Vec::new();
            for id in touched {
                match &focused {
                    Some((fid, el)) if *fid == id => {
                        if let Some(card) = self.board.card(&txn, &id) {
                            if el.value() != card.text {
                                set_focused(el, &card.text);
                            }
                        }
                    }
                    _ => later.push(id),
                }
            }
            if !later.is_empty() {
                let first = {
                    let mut stale = self.stale_fields.borrow_mut();
                    let was_empty = stale.is_empty();
                    stale.extend(later);
                    was_empty
                };
                if first {
                    let (doc, board, stale) = (
                        self.doc.clone(),
                        self.board.clone(),
                        self.stale_fields.clone(),
                    );
                    request_animation_frame(move || {
                        let ids: Vec<String> = stale.borrow_mut().drain().collect();
                        refresh_fields(&doc, &board, &ids);
                    });
                }
            }
            return result;
        }
        self.stale_fields.borrow_mut().clear();
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return result;
        };
        let Ok(fields) = document.query_selector_all("textarea.card-text") else {
            return result;
        };
        for i in 0..fields.length() {
            let Some(el) = fields
                .item(i)
                .and_then(|n| n.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
            else {
                continue;
            };
            let Some(id) = el.get_attribute("data-card-id") else {
                continue;
            };
            let Some(card) = self.board.card(&txn, &id) else {
                continue;
            };
            if el.value() == card.text {
                continue;
            }
            if focused.as_ref().is_some_and(|(fid, _)| *fid == id) {
                set_focused(&el, &card.text);
            } else {
                el.set_value(&card.text);
            }
        }
        result
    }

    /// Bring `card`'s field up to date now if an update left it for the next frame (it is
    /// taking focus: typing must start from the board's text).
    fn refresh_stale_field(&self, card: &str) {
        if self.stale_fields.borrow_mut().remove(card) {
            refresh_fields(&self.doc, &self.board, &[card.to_string()]);
        }
    }

    fn on_awareness(&self, update: AwarenessUpdate) {
        let mine = self.doc.client_id();
        {
            let mut peers = self.peers.borrow_mut();
            for (client, entry) in update.clients {
                if client == mine {
                    continue;
                }
                let id = client.get();
                let newer = peers
                    .get(&id)
                    .map(|(c, _)| *c < entry.clock || &*entry.json == "null")
                    .unwrap_or(true);
                if !newer {
                    continue;
                }
                if &*entry.json == "null" {
                    peers.remove(&id);
                } else {
                    peers.insert(id, (entry.clock, entry.json.to_string()));
                }
            }
        }
        self.publish_peers();
    }

    fn publish_peers(&self) {
        let mut list: Vec<Peer> = self
            .peers
            .borrow()
            .iter()
            .filter_map(|(id, (_, json))| parse_peer(*id, json))
            .collect();
        list.sort_by(|a, b| a.name.cmp(&b.name).then(a.client_id.cmp(&b.client_id)));
        self.session.peers.try_set(list);
    }
}

fn parse_peer(client_id: u64, json: &str) -> Option<Peer> {
    let p = Presence::parse(json)?;
    Some(Peer {
        client_id,
        role: p.role(),
        // No name: not given, or an anonymous board (the server sends none).
        name: if p.name.is_empty() {
            "A participant".to_string()
        } else {
            p.name
        },
        color: p.color,
        editing: p.editing,
    })
}

/// Set the text fields of `cards` (on this page, of this client's board) to their text on
/// the board.
fn refresh_fields(doc: &Doc, board: &Board, cards: &[String]) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let txn = doc.transact();
    for id in cards {
        let Some(el) = document
            .get_element_by_id(&format!("card-{id}"))
            .and_then(|n| n.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        else {
            continue;
        };
        let Some(card) = board.card(&txn, id) else {
            continue;
        };
        if el.value() != card.text {
            el.set_value(&card.text);
        }
    }
}

/// The card text field that has focus, if any.
fn focused_card_field() -> Option<(String, web_sys::HtmlTextAreaElement)> {
    let el = web_sys::window()?.document()?.active_element()?;
    let ta = el.dyn_into::<web_sys::HtmlTextAreaElement>().ok()?;
    let id = ta.get_attribute("data-card-id")?;
    Some((id, ta))
}

/// One websocket endpoint that [`connection_loop`] keeps connected.
trait Endpoint {
    fn url(&self) -> String;
    fn stopped(&self) -> bool;
    /// About to connect.
    fn connecting(&self) {}
    /// Connected: frames sent on `tx` go out; send the greeting now.
    fn opened(&self, tx: UnboundedSender<Vec<u8>>);
    fn on_frame(&self, frame: &[u8]);
    /// The connection ended (for whatever reason).
    fn closed(&self);
    /// Where to ask whether the link still opens the board (`None`: do not ask).
    fn check_url(&self) -> Option<String> {
        None
    }
    /// The server no longer accepts the link: stop, and keep nothing.
    fn refused(&self) {}
}

/// Keep `ep` connected: reconnect with exponential backoff and jitter until stopped.
async fn connection_loop<E: Endpoint>(ep: Rc<E>) {
    let mut attempt: u32 = 0;
    while !ep.stopped() {
        ep.connecting();
        let started = now_ms();
        let ended = match WebSocket::open(&ep.url()) {
            Ok(ws) => run_connection(&*ep, ws).await,
            Err(e) => {
                leptos::logging::warn!("websocket open failed: {e:?}");
                Ended::Failed
            }
        };
        ep.closed();
        if ep.stopped() {
            break;
        }
        // The server would not open the link at all (a revoked link is closed, then
        // refused on its next upgrade): ask whether the link still opens the board, since
        // a browser hides why an upgrade failed and gloo-net hides clean close codes.
        let refused = match (ended, ep.check_url()) {
            (Ended::Failed, Some(url)) => link_refused(&url).await,
            _ => false,
        };
        if refused {
            ep.refused();
            crate::offline::forget_kept_page();
            break;
        }
        // A connection that lasted a while resets the backoff.
        if now_ms() - started > 5_000.0 {
            attempt = 0;
        }
        let base = 500f64 * 2f64.powi(attempt.min(5) as i32);
        let delay = base.min(10_000.0) * (0.75 + js_sys::Math::random() * 0.5);
        attempt += 1;
        gloo_timers::future::TimeoutFuture::new(delay as u32).await;
    }
}

/// How a connection ended.
enum Ended {
    /// It never got a frame from the server.
    Failed,
    Closed,
}

/// Whether the server answers `url` (the board's info with the link's token) with a
/// refusal of the link: 401, 403 or 404. A network failure is not a refusal.
async fn link_refused(url: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let Ok(resp) = wasm_bindgen_futures::JsFuture::from(window.fetch_with_str(url)).await else {
        return false;
    };
    let Ok(resp) = resp.dyn_into::<web_sys::Response>() else {
        return false;
    };
    matches!(resp.status(), 401 | 403 | 404)
}

async fn run_connection<E: Endpoint>(ep: &E, ws: WebSocket) -> Ended {
    let (mut write, mut read) = ws.split();
    let (tx, mut rx) = unbounded::<Vec<u8>>();
    ep.opened(tx);
    let writer = async move {
        while let Some(frame) = rx.next().await {
            if write.send(Message::Bytes(frame)).await.is_err() {
                break;
            }
        }
        let _ = write.close().await;
    };
    // Whichever side ends first (a refused socket fails the writer's first send), what
    // counts is whether the server ever answered.
    let answered = Cell::new(false);
    let reader = async {
        while let Some(msg) = read.next().await {
            match msg {
                Ok(Message::Bytes(b)) => {
                    answered.set(true);
                    ep.on_frame(&b)
                }
                Ok(Message::Text(_)) => {}
                Err(e) => {
                    leptos::logging::log!("websocket closed: {e:?}");
                    break;
                }
            }
        }
    };
    futures::pin_mut!(writer);
    futures::pin_mut!(reader);
    let _ = select(writer, reader).await;
    if answered.get() {
        Ended::Closed
    } else {
        Ended::Failed
    }
}

impl Endpoint for Client {
    fn url(&self) -> String {
        let suffix = if self.draft { "/draft" } else { "" };
        ws_url(&self.board_id, suffix, Some(&self.me.borrow().seat))
    }

    fn stopped(&self) -> bool {
        self.stopped.get()
    }

    fn connecting(&self) {
        // Once offline, the page says so until the server has this browser's changes
        // again: a reconnect attempt is not a connection.
        if !self.draft && self.session.status.get_untracked() != ConnStatus::Offline {
            self.session.status.try_set(ConnStatus::Connecting);
        }
    }

    fn opened(&self, tx: UnboundedSender<Vec<u8>>) {
        // Say hello: our state vector (so the server sends what we lack) and who we are.
        let _ = tx.unbounded_send(self.sync_step1());
        *self.out.borrow_mut() = Some(tx);
        self.last_heard.set(now_ms());
        self.probe_at.set(None);
        self.send_awareness();
    }

    fn on_frame(&self, frame: &[u8]) {
        self.last_heard.set(now_ms());
        self.probe_at.set(None);
        Client::on_frame(self, frame)
    }

    fn closed(&self) {
        self.out.borrow_mut().take();
        if self.draft {
            return;
        }
        self.peers.borrow_mut().clear();
        self.publish_peers();
        if !self.stopped.get() {
            self.session.status.try_set(ConnStatus::Offline);
        }
    }

    fn check_url(&self) -> Option<String> {
        if self.draft {
            // The board's client asks for both.
            return None;
        }
        let token = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .and_then(|q| web_sys::UrlSearchParams::new_with_str(&q).ok())
            .and_then(|p| p.get("token"))?;
        Some(format!(
            "/api/boards/{}?token={}",
            self.board_id,
            js_sys::encode_uri_component(&token)
        ))
    }

    fn refused(&self) {
        self.stopped.set(true);
        clear_state(&self.key);
        // Cards become read-only: nothing typed now could ever be sent.
        self.session.status.try_set(ConnStatus::Refused);
        self.session.notice.try_set(Some(
            "This link no longer opens the board: ask your facilitator for a new one. Nothing of this board is kept in this browser.".into(),
        ));
    }
}

/// The board's control document, read-only in the browser (facilitators change it through
/// server functions, which check their token).
pub struct ControlClient {
    board_id: String,
    session: BoardSession,
    doc: Doc,
    stopped: Cell<bool>,
    out: RefCell<Option<UnboundedSender<Vec<u8>>>>,
}

impl ControlClient {
    pub fn start(board_id: String, session: BoardSession) -> Rc<ControlClient> {
        let doc = new_doc();
        let control = Control::of(&doc);
        let _ = doc.observe_update_v1("cocreate-control", move |txn, _| {
            session.control.try_set(control.read(txn));
        });
        let c = Rc::new(ControlClient {
            board_id,
            session,
            doc,
            stopped: Cell::new(false),
            out: RefCell::new(None),
        });
        spawn_local(connection_loop(c.clone()));
        c
    }
}

impl Stop for ControlClient {
    fn stop(&self) {
        self.stopped.set(true);
        self.out.borrow_mut().take();
    }
}

impl Endpoint for ControlClient {
    fn url(&self) -> String {
        ws_url(&self.board_id, "/control", None)
    }

    fn stopped(&self) -> bool {
        self.stopped.get()
    }

    fn opened(&self, tx: UnboundedSender<Vec<u8>>) {
        let sv: StateVector = self.doc.transact().state_vector();
        let _ = tx.unbounded_send(wire::sync_step1(sv));
        *self.out.borrow_mut() = Some(tx);
    }

    fn on_frame(&self, frame: &[u8]) {
        let Ok(msgs) = wire::decode_frame(frame) else {
            return;
        };
        for msg in msgs {
            // Only take in; never answer step 1 (we have nothing to give and may not write).
            let applied = match client_receive(&self.doc, REMOTE, false, msg) {
                ClientEvent::Applied => true,
                ClientEvent::Failed(e) => {
                    leptos::logging::warn!("could not apply control update: {e}");
                    true
                }
                _ => false,
            };
            // The first update is the server's answer to our step 1: we are in sync.
            if applied && !self.session.control_synced.get_untracked() {
                self.session.control_synced.try_set(true);
            }
        }
    }

    fn closed(&self) {
        self.out.borrow_mut().take();
    }
}

/// Keep presence fresh on the server, and notice a connection that has gone quiet: a
/// network that drops packets closes no websocket, and the page must not go on saying
/// "all changes saved" while nothing reaches the server.
async fn heartbeat_loop(client: Rc<Client>) {
    let mut presence_sent = now_ms();
    while !client.stopped.get() {
        gloo_timers::future::TimeoutFuture::new(LIVENESS_TICK_MS).await;
        if client.out.borrow().is_none() {
            continue;
        }
        let now = now_ms();
        if now - presence_sent >= HEARTBEAT_MS {
            presence_sent = now;
            client.send_awareness();
        }
        match client.probe_at.get() {
            Some(asked) if now - asked >= QUIET_MS => {
                leptos::logging::warn!(
                    "the server has not answered for {} ms: reconnecting",
                    now - client.last_heard.get()
                );
                if !client.stopped.get() {
                    client.session.status.try_set(ConnStatus::Offline);
                }
                // Dropping the sender ends the connection; the loop reconnects.
                client.out.borrow_mut().take();
            }
            None if now - client.last_heard.get() >= QUIET_MS => {
                client.probe_at.set(Some(now));
                client.send(client.sync_step1());
            }
            _ => {}
        }
    }
}

/// Put the document's cards, themes and votes into the page's signals.
fn publish<T: ReadTxn>(
    session: &BoardSession,
    board: &Board,
    txn: &T,
    cards: Vec<cocreate_core::model::CardView>,
    me: &str,
) {
    let votes: HashMap<String, (i64, i64)> = cards
        .iter()
        .map(|c| {
            (
                c.id.clone(),
                (board.vote_total(txn, &c.id), board.my_votes(txn, &c.id, me)),
            )
        })
        .filter(|(_, (total, _))| *total > 0)
        .collect();
    let reactions = cards
        .iter()
        .filter_map(|c| {
            let counts = board.reaction_counts(txn, &c.id).map(|(_, n)| n);
            (counts.iter().sum::<usize>() > 0)
                .then(|| (c.id.clone(), (counts, board.my_reaction(txn, &c.id, me))))
        })
        .collect();
    // Only what changed is set: every card's votes, reactions and comments are read from
    // these, so setting one unchanged would re-run a thousand cards' views.
    set_if_changed(session.reactions, reactions);
    // One pass over the comments (not one lookup per card).
    let mut comments: HashMap<String, Vec<cocreate_core::model::CommentView>> = HashMap::new();
    for c in board.all_comments(txn) {
        comments.entry(c.card.clone()).or_default().push(c);
    }
    set_if_changed(session.comments, comments);
    set_if_changed(session.votes_used, board.votes_used(txn, me));
    set_if_changed(session.votes, votes);
    set_if_changed(session.themes, board.themes(txn));
    set_if_changed(session.cards, cards);
    set_if_changed(session.meta, board.meta(txn));
    set_if_changed(session.prompts, board.prompts(txn));
}

/// Set `signal` to `value` unless it already holds it (then nothing that reads it re-runs).
fn set_if_changed<T: PartialEq + Send + Sync + 'static>(signal: RwSignal<T>, value: T) {
    if signal.try_with_untracked(|v| *v != value).unwrap_or(false) {
        signal.try_set(value);
    }
}

/// How long a board kept for offline editing stays in the browser.
const KEEP_OFFLINE_MS: f64 = 12.0 * 3_600_000.0;

/// The board kept for offline editing, unless it is older than [`KEEP_OFFLINE_MS`] (then
/// it is removed). Kept as `{saved ms}:{hex}`.
fn load_state(board_id: &str) -> Option<Update> {
    use yrs::updates::decoder::Decode;
    let key = format!("{STATE_KEY}{board_id}");
    let text = storage()?.get_item(&key).ok()??;
    let fresh = text
        .split_once(':')
        .and_then(|(saved, hex)| Some((saved.parse::<f64>().ok()?, hex)))
        .filter(|(saved, _)| now_ms() - saved < KEEP_OFFLINE_MS);
    let Some((_, hex)) = fresh else {
        clear_state(board_id);
        return None;
    };
    let bytes = decode_hex(hex)?;
    Update::decode_v1(&bytes).ok()
}

fn save_state(board_id: &str, doc: &Doc) {
    let state = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let hex: String = state.iter().map(|b| format!("{b:02x}")).collect();
    if let Some(s) = storage() {
        let value = format!("{}:{hex}", now_ms() as u64);
        if s.set_item(&format!("{STATE_KEY}{board_id}"), &value)
            .is_err()
        {
            leptos::logging::warn!("could not keep the board in this browser (storage full?)");
        }
    }
}

/// Keep nothing of the board in this browser.
fn clear_state(board_id: &str) {
    if let Some(s) = storage() {
        let _ = s.remove_item(&format!("{STATE_KEY}{board_id}"));
    }
}

fn decode_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

/// Collects other people's changes and tells screen readers about them at most every few
/// seconds, in one sentence, so announcements never pile up or interrupt typing.
#[derive(Default)]
struct Announcer {
    pending: RefCell<Vec<String>>,
    scheduled: Cell<bool>,
}

const ANNOUNCE_EVERY_MS: u64 = 3_000;

fn announce_changes(
    session: &BoardSession,
    cards: &[cocreate_core::model::CardView],
    known: &RefCell<Option<KnownCards>>,
    announcer: &Rc<Announcer>,
) {
    let now: HashMap<String, Option<Prompt>> =
        cards.iter().map(|c| (c.id.clone(), c.prompt)).collect();
    let before = known.replace(Some(now.clone()));
    // The first state (from the server or this browser's copy) is not news.
    let Some(before) = before else { return };
    let mut news = Vec::new();
    for (id, prompt) in &now {
        match before.get(id) {
            None => news.push(format!(
                "Someone added a card to {}.",
                prompt
                    .map(|p| session.prompt_title(p))
                    .unwrap_or_else(|| "the board".into())
            )),
            Some(old) if old != prompt => news.push(format!(
                "Someone moved a card to {}.",
                prompt
                    .map(|p| session.prompt_title(p))
                    .unwrap_or_else(|| "another column".into())
            )),
            _ => {}
        }
    }
    let removed = before.keys().filter(|id| !now.contains_key(*id)).count();
    if removed > 0 {
        news.push(if removed == 1 {
            "Someone removed a card.".to_string()
        } else {
            format!("Someone removed {removed} cards.")
        });
    }
    if news.is_empty() {
        return;
    }
    announcer.pending.borrow_mut().extend(news);
    if !announcer.scheduled.replace(true) {
        let (announcer, session) = (announcer.clone(), *session);
        set_timeout(
            move || {
                announcer.scheduled.set(false);
                let items = std::mem::take(&mut *announcer.pending.borrow_mut());
                let text = match items.len() {
                    0 => return,
                    1 | 2 => items.join(" "),
                    n => format!("{n} changes by others on the board."),
                };
                session.announce.try_set(text);
            },
            std::time::Duration::from_millis(ANNOUNCE_EVERY_MS),
        );
    }
}
