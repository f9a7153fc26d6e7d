//! The page's handle on one live board: reactive state the views read, and the actions
//! they call. On the server it renders an empty, connecting board; in the browser the
//! page attaches the board's clients ([`BoardLink`], implemented by `client::Client`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use cocreate_core::catalog::{DirectoryError, LinkRole};
use cocreate_core::model::board::ThemeView;
use cocreate_core::model::control::{ControlState, Phase};
pub use cocreate_core::model::rules::{Action, Rules};
use cocreate_core::model::schema::{PromptText, Symbol};
use cocreate_core::model::{BoardMeta, CardView, Prompt, Role};

/// Connection state shown to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnStatus {
    Connecting,
    /// Connected and caught up with the server.
    Synced,
    /// Not connected; local edits are kept and sent on reconnect.
    Offline,
    /// Connected, but the server refuses our edits.
    ReadOnly,
    /// The server no longer accepts this link (revoked, expired): nothing more is sent,
    /// and the page takes no edits.
    Refused,
}

impl ConnStatus {
    /// Whether the server may lack some of this browser's changes (not connected, or not
    /// yet caught up): only then does the browser keep the board for offline editing.
    pub fn server_may_lack_changes(self) -> bool {
        matches!(self, ConnStatus::Offline | ConnStatus::Connecting)
    }

    pub fn label(self) -> &'static str {
        match self {
            ConnStatus::Connecting => "Connecting…",
            ConnStatus::Synced => "Connected · all changes saved",
            ConnStatus::Offline => {
                "Offline · your changes are kept and will be sent when the connection returns"
            }
            ConnStatus::ReadOnly => "Read-only · you can watch but not edit",
            ConnStatus::Refused => {
                "This link no longer works · ask your facilitator for a new link"
            }
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            ConnStatus::Connecting => "conn conn-connecting",
            ConnStatus::Synced => "conn conn-synced",
            ConnStatus::Offline => "conn conn-offline",
            ConnStatus::ReadOnly => "conn conn-readonly",
            ConnStatus::Refused => "conn conn-refused",
        }
    }
}

/// Text size, as a share of the browser's own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextSize {
    #[default]
    Normal,
    Large,
    Larger,
}

impl TextSize {
    pub const ALL: [TextSize; 3] = [TextSize::Normal, TextSize::Large, TextSize::Larger];

    pub fn percent(self) -> u32 {
        match self {
            TextSize::Normal => 100,
            TextSize::Large => 125,
            TextSize::Larger => 150,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            TextSize::Normal => "Normal",
            TextSize::Large => "Large",
            TextSize::Larger => "Larger",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TextSize::Normal => "normal",
            TextSize::Large => "large",
            TextSize::Larger => "larger",
        }
    }

    pub fn parse(s: &str) -> Option<TextSize> {
        TextSize::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

/// Reactions to one card: how many gave each (in `Reaction::ALL` order), and mine.
pub type CardReactions = ([usize; 4], Option<cocreate_core::model::schema::Reaction>);

/// Who this browser is (kept in local storage).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Me {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub color: String,
    /// Whether the person chose their name (otherwise it is a generated "Guest N").
    #[serde(default)]
    pub named: bool,
    /// The random secret that gives this browser its pseudonym in each workshop
    /// (`cocreate_core::identity`); `id` is that pseudonym on the current board.
    #[serde(default)]
    pub seat: String,
    /// The version of each workshop's privacy notice this person agreed to, by workshop.
    #[serde(default)]
    pub consents: std::collections::BTreeMap<String, u32>,
}

/// Someone else on the board, from awareness.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Peer {
    pub client_id: u64,
    pub name: String,
    pub role: Option<Role>,
    pub color: String,
    pub editing: Option<String>,
}

/// Reactive state of one board. `Copy`, so views can capture it freely.
#[derive(Clone, Copy)]
pub struct BoardSession {
    pub meta: RwSignal<BoardMeta>,
    /// The words of the board's four prompts (the board document's, or the built-in
    /// exercise's until it arrives).
    pub prompts: RwSignal<Vec<PromptText>>,
    pub cards: RwSignal<Vec<CardView>>,
    pub status: RwSignal<ConnStatus>,
    pub peers: RwSignal<Vec<Peer>>,
    pub me: RwSignal<Option<Me>>,
    /// Last problem to tell the user about (e.g. text too long).
    pub notice: RwSignal<Option<String>>,
    /// Bumped after each moderation, so the list of hidden cards is read again.
    pub moderated: RwSignal<u32>,
    /// The facilitator's control state of this board (phase, lock, timer, message).
    pub control: RwSignal<ControlState>,
    /// Themes of the board, ordered.
    pub themes: RwSignal<Vec<ThemeView>>,
    /// Card id -> (total votes, my votes), for cards with votes.
    pub votes: RwSignal<std::collections::HashMap<String, (i64, i64)>>,
    /// Votes I have placed on this board.
    pub votes_used: RwSignal<i64>,
    /// Card id -> (how many gave each reaction, in `Reaction::ALL` order; mine), for
    /// cards with reactions.
    pub reactions: RwSignal<std::collections::HashMap<String, CardReactions>>,
    /// Card id -> its thread of comments, oldest first, for cards with comments.
    pub comments:
        RwSignal<std::collections::HashMap<String, Vec<cocreate_core::model::CommentView>>>,
    /// The workshop's roster as this link may see it: pseudonym -> (name, role). Empty on
    /// an anonymous board for anyone but facilitators.
    pub roster: RwSignal<std::collections::HashMap<String, cocreate_core::catalog::Member>>,
    /// My secret ballot (card id -> my votes) while the tallies are not revealed.
    pub ballot: RwSignal<std::collections::HashMap<String, i64>>,
    /// Polite, throttled summary of other people's changes (for screen readers).
    pub announce: RwSignal<String>,
    /// Easy-read mode: plain-language prompts with pictures, larger text.
    pub easy_read: RwSignal<bool>,
    /// Guided mode: one question a screen instead of the columns (kept on the device).
    pub guided: RwSignal<bool>,
    /// Text size and high contrast, chosen by this person (kept on the device: `prefs`).
    pub text_size: RwSignal<TextSize>,
    pub high_contrast: RwSignal<bool>,
    /// Reading-aloud speed (1.0 is the voice's normal rate).
    pub speech_rate: RwSignal<f32>,
    /// This person's own timer settings: hidden, and extra time (ms) added for them.
    pub timer_hidden: RwSignal<bool>,
    pub timer_extra_ms: RwSignal<f64>,
    /// Show cards sorted by votes (most first) instead of in board order.
    pub sort_by_votes: RwSignal<bool>,
    /// Whether the control document has arrived from the server at least once.
    pub control_synced: RwSignal<bool>,
    /// What this link may do.
    pub role: RwSignal<LinkRole>,
    /// The link's token (for server functions).
    pub token: StoredValue<Option<String>>,
    /// The board's id.
    pub board_id: StoredValue<String>,
    /// The board's workshop's id.
    pub workshop_id: StoredValue<String>,
    /// Whether the server has this person in the workshop's roster (for participants,
    /// with their consent to the privacy notice): until then they write nothing.
    pub joined: RwSignal<bool>,
    /// The server asked this person to agree to the privacy notice (again).
    pub consent_needed: RwSignal<bool>,
    /// The workshop's privacy notice as it is now (read for participants).
    pub privacy: RwSignal<Option<cocreate_core::catalog::Notice>>,
    /// The questions the workshop asks everyone who joins (read for participants).
    pub questions: RwSignal<Vec<cocreate_core::catalog::AttributeQuestion>>,
    /// Answers given in the join form, sent with the next join and then forgotten.
    pub answers: StoredValue<std::collections::BTreeMap<String, String>>,
    /// A card that should take keyboard focus as soon as it is rendered (just added).
    focus_request: StoredValue<Option<String>>,
    #[cfg(feature = "hydrate")]
    client: StoredValue<Option<std::rc::Rc<dyn BoardLink>>, LocalStorage>,
    #[cfg(feature = "hydrate")]
    control_client: StoredValue<Option<std::rc::Rc<dyn Stop>>, LocalStorage>,
    /// While this participant writes privately: the client of their own draft, where
    /// their card changes go (see [`BoardSession::writing_privately`]).
    #[cfg(feature = "hydrate")]
    draft_client: StoredValue<Option<std::rc::Rc<dyn BoardLink>>, LocalStorage>,
    /// The cards of this person's draft (private writing), in document order.
    pub draft_cards: RwSignal<Vec<CardView>>,
    /// The card this person deleted last, while "Undo" is offered next to its column.
    pub deleted: RwSignal<Option<CardView>>,
}

/// How long "Card deleted · Undo" stays offered.
#[cfg(feature = "hydrate")]
const UNDO_DELETE_MS: u64 = 15_000;

impl Default for BoardSession {
    fn default() -> Self {
        Self::new()
    }
}

impl BoardSession {
    pub fn new() -> Self {
        BoardSession {
            meta: RwSignal::new(BoardMeta::default()),
            prompts: RwSignal::new(PromptText::builtin_all()),
            cards: RwSignal::new(Vec::new()),
            status: RwSignal::new(ConnStatus::Connecting),
            peers: RwSignal::new(Vec::new()),
            me: RwSignal::new(None),
            moderated: RwSignal::new(0),
            notice: RwSignal::new(None),
            focus_request: StoredValue::new(None),
            control: RwSignal::new(ControlState::default()),
            control_synced: RwSignal::new(false),
            themes: RwSignal::new(Vec::new()),
            votes: RwSignal::new(Default::default()),
            reactions: RwSignal::new(Default::default()),
            comments: RwSignal::new(Default::default()),
            votes_used: RwSignal::new(0),
            ballot: RwSignal::new(Default::default()),
            roster: RwSignal::new(Default::default()),
            sort_by_votes: RwSignal::new(false),
            announce: RwSignal::new(String::new()),
            easy_read: RwSignal::new(false),
            guided: RwSignal::new(false),
            text_size: RwSignal::new(Default::default()),
            high_contrast: RwSignal::new(false),
            speech_rate: RwSignal::new(1.0),
            timer_hidden: RwSignal::new(false),
            timer_extra_ms: RwSignal::new(0.0),
            role: RwSignal::new(LinkRole::Observer),
            token: StoredValue::new(None),
            board_id: StoredValue::new(String::new()),
            workshop_id: StoredValue::new(String::new()),
            joined: RwSignal::new(false),
            consent_needed: RwSignal::new(false),
            privacy: RwSignal::new(None),
            questions: RwSignal::new(Vec::new()),
            answers: StoredValue::new(Default::default()),
            #[cfg(feature = "hydrate")]
            client: StoredValue::new_local(None),
            #[cfg(feature = "hydrate")]
            control_client: StoredValue::new_local(None),
            #[cfg(feature = "hydrate")]
            draft_client: StoredValue::new_local(None),
            draft_cards: RwSignal::new(Vec::new()),
            deleted: RwSignal::new(None),
        }
    }

    /// Attach the connected clients of this board (browser only): the board client the
    /// actions go to, and the control client, both stopped by [`BoardSession::stop`].
    #[cfg(feature = "hydrate")]
    pub fn attach(&self, client: std::rc::Rc<dyn BoardLink>, control: std::rc::Rc<dyn Stop>) {
        self.control_client.set_value(Some(control));
        self.client.set_value(Some(client));
    }

    /// Attach (`Some`) or stop and detach (`None`) the client of this person's draft.
    #[cfg(feature = "hydrate")]
    pub fn attach_draft(&self, client: Option<std::rc::Rc<dyn BoardLink>>) {
        if let Some(old) = self.draft_client.try_update_value(std::mem::take).flatten() {
            old.stop();
        }
        if client.is_none() {
            self.draft_cards.try_set(Vec::new());
        }
        self.draft_client.set_value(client);
    }

    /// Whether a draft client is attached.
    pub fn has_draft(&self) -> bool {
        #[cfg(feature = "hydrate")]
        return self.draft_client.with_value(|d| d.is_some());
        #[cfg(not(feature = "hydrate"))]
        false
    }

    /// Whether this person writes privately now: a participant while private writing is
    /// on. Their new cards then go to their own draft, which nobody else receives until
    /// the facilitator reveals everyone's.
    pub fn writing_privately(&self) -> bool {
        self.role.get() == LinkRole::Participant && !self.control.with(|c| c.revealed)
    }

    /// Whether this person votes secretly now: a participant in the vote phase while the
    /// tallies are not revealed. Their votes then go on their own ballot (their draft),
    /// and nobody sees tallies until the facilitator reveals them.
    pub fn voting_secretly(&self) -> bool {
        self.role.get() == LinkRole::Participant
            && self
                .control
                .with(|c| c.phase == Phase::Vote && !c.votes_revealed)
    }

    /// Whether this person needs their draft now (private writing or a secret ballot).
    pub fn needs_draft(&self) -> bool {
        self.writing_privately() || self.voting_secretly()
    }

    /// My votes on `card` and on the whole board, from my ballot while voting secretly
    /// and from the board otherwise.
    pub fn my_votes(&self, card: &str) -> (i64, i64) {
        if self.voting_secretly() {
            self.ballot
                .with(|b| (b.get(card).copied().unwrap_or(0), b.values().sum()))
        } else {
            (
                self.votes.with(|v| v.get(card).map_or(0, |t| t.1)),
                self.votes_used.get(),
            )
        }
    }

    /// Disconnect (the page is going away).
    pub fn stop(&self) {
        #[cfg(feature = "hydrate")]
        self.attach_draft(None);
        self.with_client(|c| c.stop());
        #[cfg(feature = "hydrate")]
        self.control_client
            .with_value(|c| c.as_ref().map(|c| c.stop()));
    }

    pub fn is_facilitator(&self) -> bool {
        self.role.get() == LinkRole::Facilitator
    }

    /// The cards of a column this person sees: facilitators see every card; a participant
    /// writing privately sees their draft; others do not see hidden cards.
    pub fn visible_column(&self, prompt: Prompt) -> Vec<CardView> {
        if self.writing_privately() {
            let mut cards: Vec<CardView> = self.draft_cards.with(|cs| {
                cs.iter()
                    .filter(|c| c.prompt == Some(prompt))
                    .cloned()
                    .collect()
            });
            cards.sort_by(|a, b| (&a.pos, &a.id).cmp(&(&b.pos, &b.id)));
            return cards;
        }
        let facilitator = self.is_facilitator();
        let private = !self.control.with(|c| c.revealed);
        let me = self
            .me
            .with(|m| m.as_ref().map(|m| m.id.clone()).unwrap_or_default());
        self.column(prompt)
            .into_iter()
            .filter(|c| facilitator || (!c.hidden && (!private || c.author == me)))
            .collect()
    }

    /// The themes of one prompt's column, in order.
    pub fn themes_in(&self, prompt: Prompt) -> Vec<ThemeView> {
        self.themes.with(|ts| {
            ts.iter()
                .filter(|t| t.prompt == Some(prompt))
                .cloned()
                .collect()
        })
    }

    /// `cards` in display order: board order, or by votes (stable) when asked.
    pub fn sorted(&self, mut cards: Vec<CardView>) -> Vec<CardView> {
        if self.sort_by_votes.get() {
            self.votes.with(|v| {
                cards.sort_by_key(|c| std::cmp::Reverse(v.get(&c.id).map(|t| t.0).unwrap_or(0)))
            });
        }
        cards
    }

    /// Whether this person may change cards right now.
    pub fn can_edit(&self) -> bool {
        let locked = self.control.with(|c| c.locked);
        let role = self.role.get();
        // A participant writes once they have joined (and so agreed to the notice); nobody
        // writes once the server has refused the link.
        role.may_edit_cards(locked)
            && (role != LinkRole::Participant || self.joined.get())
            && self.status.get() != ConnStatus::Refused
    }

    /// Whether this person may do `action` now: the server's rule table
    /// (`cocreate_core::model::rules`), so the page offers only what it will accept.
    pub fn may(&self, action: Action) -> bool {
        self.can_edit()
            && Rules {
                facilitator: self.is_facilitator(),
                phase: self.control.with(|c| c.phase),
            }
            .may(action)
    }

    /// Whether `card` is this person's own (theirs to delete or recolour).
    pub fn is_mine(&self, card: &CardView) -> bool {
        self.is_facilitator()
            || self
                .me
                .with(|m| m.as_ref().is_some_and(|m| m.id == card.author))
    }

    /// Cards of one column, in order.
    pub fn column(&self, prompt: Prompt) -> Vec<CardView> {
        self.cards.with(|cs| {
            cs.iter()
                .filter(|c| c.prompt == Some(prompt))
                .cloned()
                .collect()
        })
    }

    /// Run `f` on the connected board client (none when rendering on the server).
    fn with_client<R>(&self, f: impl FnOnce(&dyn BoardLink) -> R) -> Option<R> {
        #[cfg(feature = "hydrate")]
        return self
            .client
            .with_value(|c| c.as_ref().map(|c| f(c.as_ref())));
        #[cfg(not(feature = "hydrate"))]
        {
            let _ = f;
            None
        }
    }

    /// Run `f` on the client card changes go to: this person's draft while they write
    /// privately, otherwise the board.
    fn with_writer<R>(&self, f: impl FnOnce(&dyn BoardLink) -> R) -> Option<R> {
        #[cfg(feature = "hydrate")]
        if self.role.get_untracked() == LinkRole::Participant
            && self
                .control
                .with_untracked(|c| !c.revealed || (c.phase == Phase::Vote && !c.votes_revealed))
        {
            return self
                .draft_client
                .with_value(|c| c.as_ref().map(|c| f(c.as_ref())));
        }
        self.with_client(f)
    }

    /// Add an empty card to a column; returns its id.
    pub fn add_card(&self, prompt: Prompt) -> Option<String> {
        self.with_writer(|c| c.add_card(prompt)).flatten()
    }

    /// Ask for `card` to take focus when it is rendered.
    pub fn request_focus(&self, card: String) {
        self.focus_request.set_value(Some(card));
    }

    /// True once for the card that asked for focus.
    pub fn take_focus_request(&self, card: &str) -> bool {
        self.focus_request
            .try_update_value(|f| {
                if f.as_deref() == Some(card) {
                    *f = None;
                    true
                } else {
                    false
                }
            })
            .unwrap_or(false)
    }

    /// The user changed a card's text field to `value` with the caret at `caret`.
    pub fn edit_text(&self, card: &str, value: &str, caret: Option<u32>) {
        self.with_writer(|c| c.edit_text(card, value, caret));
    }

    /// A card as this page has it: on the board, or in this person's draft.
    pub fn card_view(&self, card: &str) -> Option<CardView> {
        let find = |cs: &Vec<CardView>| cs.iter().find(|c| c.id == card).cloned();
        self.cards
            .with_untracked(find)
            .or_else(|| self.draft_cards.with_untracked(find))
    }

    /// Delete a card; it can be put back with [`BoardSession::undo_delete`] for a while.
    pub fn delete_card(&self, card: &str) {
        let view = self.card_view(card);
        self.with_writer(|c| c.delete_card(card));
        if let Some(view) = view {
            self.deleted.set(Some(view));
            #[cfg(feature = "hydrate")]
            {
                let (session, id) = (*self, card.to_string());
                set_timeout(
                    move || {
                        session.deleted.try_update(|d| {
                            if d.as_ref().is_some_and(|d| d.id == id) {
                                *d = None;
                            }
                        });
                    },
                    std::time::Duration::from_millis(UNDO_DELETE_MS),
                );
            }
        }
    }

    /// Put back the card this person deleted last (while the offer stands).
    pub fn undo_delete(&self) {
        if let Some(card) = self.deleted.get_untracked() {
            self.deleted.set(None);
            self.with_writer(|c| c.put_back(&card));
            self.request_focus(card.id);
        }
    }

    /// Put a picture beside my card's words (`None`: take it away).
    pub fn set_symbol(&self, card: &str, symbol: Option<Symbol>) {
        self.with_writer(|c| c.set_symbol(card, symbol));
    }

    pub fn move_card(&self, card: &str, prompt: Prompt, theme: Option<&str>, before: Option<&str>) {
        self.with_writer(|c| c.move_card(card, prompt, theme, before));
    }

    pub fn nudge_card(&self, card: &str, step: i32) {
        self.with_writer(|c| c.nudge_card(card, step));
    }

    pub fn add_theme(&self, prompt: Prompt, title: &str) -> Option<String> {
        self.with_client(|c| c.add_theme(prompt, title)).flatten()
    }

    pub fn rename_theme(&self, theme: &str, title: &str) {
        self.with_client(|c| c.rename_theme(theme, title));
    }

    pub fn nudge_theme(&self, theme: &str, step: i32) {
        self.with_client(|c| c.nudge_theme(theme, step));
    }

    pub fn dissolve_theme(&self, theme: &str) {
        self.with_client(|c| c.dissolve_theme(theme));
    }

    /// Add (`+1`) or take back (`-1`) one of my votes on a card.
    /// Give (or take back, with `None`) my reaction to a card. Reactions go on the board
    /// itself, never on a draft: they are to cards everyone sees.
    pub fn react(&self, card: &str, reaction: Option<cocreate_core::model::schema::Reaction>) {
        self.with_client(|c| c.react(card, reaction));
    }

    /// Whether I may react to cards now: as for editing, but in any phase; not while
    /// writing privately (others' cards are out of sight).
    pub fn may_react(&self) -> bool {
        self.can_edit() && !self.writing_privately()
    }

    /// Add a comment to a card's thread (on the board itself); whether it was added (if
    /// not, `notice` says why).
    pub fn comment(&self, card: &str, text: &str) -> bool {
        self.with_client(|c| c.comment(card, text)).unwrap_or(false)
    }

    /// Take a comment away: my own, or anyone's for a facilitator.
    pub fn delete_comment(&self, card: &str, id: &str) {
        self.with_client(|c| c.delete_comment(card, id));
    }

    /// Whether I may comment now (as for reactions).
    pub fn may_comment(&self) -> bool {
        self.may_react()
    }

    /// Who wrote a comment, as this page may say it: "You", a name and role from the
    /// roster on a named board, or "A participant".
    /// The board's words for `prompt` (tracked: a change of wording re-renders).
    pub fn prompt_text(&self, prompt: Prompt) -> PromptText {
        self.prompts.with(|all| PromptText::pick(all, prompt))
    }

    /// A prompt's column heading on this board, read once (for menus and announcements).
    pub fn prompt_title(&self, prompt: Prompt) -> String {
        self.prompts
            .with_untracked(|all| PromptText::pick(all, prompt).title)
    }

    pub fn comment_author(&self, pseudonym: &str) -> String {
        if self
            .me
            .with_untracked(|m| m.as_ref().map(|m| m.id == pseudonym))
            == Some(true)
        {
            return "You".into();
        }
        if self.control.with(|c| c.anonymous) && !self.is_facilitator() {
            return "A participant".into();
        }
        self.roster.with(|r| match r.get(pseudonym) {
            Some(m) => match m.name.as_deref().filter(|n| !n.is_empty()) {
                Some(n) => format!("{n} ({})", m.role.label()),
                None => m.role.label().to_string(),
            },
            None => "A participant".into(),
        })
    }

    pub fn vote(&self, card: &str, delta: i64) {
        let limit = self.control.with_untracked(|c| c.votes_per_person);
        self.with_writer(|c| c.vote(card, delta, limit));
    }

    /// Undo my last change; false if there was nothing to undo.
    pub fn undo(&self) -> bool {
        self.with_writer(|c| c.undo()).unwrap_or(false)
    }

    pub fn redo(&self) -> bool {
        self.with_writer(|c| c.redo()).unwrap_or(false)
    }

    /// Tell others which card we are editing (or none).
    pub fn set_editing(&self, card: Option<String>) {
        self.with_client(|c| c.set_editing(card));
    }

    /// Change our display name and role (and, for participants, the version of the
    /// privacy notice they agreed to): shown in presence, and kept in the workshop's
    /// roster by the server (which exports read roles from).
    pub fn set_me(&self, name: String, role: Role, consent: Option<u32>) {
        self.with_client(|c| c.set_me(name, role, consent));
        self.join();
    }

    /// Leave the workshop: the server erases everything of this person's (their cards
    /// and votes on every board, their name). The page then asks again before they write.
    pub fn withdraw(&self) {
        let Some(me) = self.me.get_untracked() else {
            return;
        };
        let (board, token, session) = (self.board_id.get_value(), self.token.get_value(), *self);
        leptos::task::spawn_local(async move {
            match crate::api::withdraw(board, token, me.seat.clone()).await {
                Ok(r) => {
                    session.with_client(|c| c.left());
                    session.joined.try_set(false);
                    session.notice.try_set(Some(format!(
                        "You have left this workshop. {} of your cards and your votes were removed, with your name.",
                        r.cards + r.held
                    )));
                    session.refresh_roster();
                }
                Err(e) => {
                    session
                        .notice
                        .try_set(Some(format!("Could not remove your cards: {e}")));
                }
            }
        });
    }

    /// Read the workshop's privacy notice and the questions it asks everyone who joins.
    pub fn load_privacy_notice(&self) {
        let (board, token, session) = (self.board_id.get_value(), self.token.get_value(), *self);
        let (b2, t2) = (board.clone(), token.clone());
        leptos::task::spawn_local(async move {
            if let Ok(q) = crate::api::get_questions(b2, t2).await {
                session.questions.try_set(q);
            }
        });
        leptos::task::spawn_local(async move {
            match crate::api::get_notice(board, token).await {
                Ok(n) => {
                    session.privacy.try_set(Some(n));
                }
                Err(e) => {
                    session
                        .notice
                        .try_set(Some(format!("Could not load the privacy notice: {e}")));
                }
            }
        });
    }

    /// Record this person's name and role in the server's roster, then read the roster
    /// again (once they have chosen a name; observers do not join).
    pub fn join(&self) {
        let Some(me) = self.me.get_untracked().filter(|m| m.named) else {
            return;
        };
        if self.role.get_untracked() == LinkRole::Observer {
            return;
        }
        let (board, token, session) = (self.board_id.get_value(), self.token.get_value(), *self);
        let consent = me.consents.get(&self.workshop_id.get_value()).copied();
        let answers = std::mem::take(&mut *self.answers.write_value());
        leptos::task::spawn_local(async move {
            let join = cocreate_core::catalog::JoinRequest {
                seat: me.seat.clone(),
                name: me.name.clone(),
                role: me.role,
                consent,
                attributes: answers,
            };
            let joined = crate::api::join_board(board, token, join).await;
            match joined {
                Ok(_) => {
                    session.joined.try_set(true);
                    session.consent_needed.try_set(false);
                }
                Err(crate::api::ApiError::Refused(DirectoryError::ConsentNeeded(_))) => {
                    // A new notice (or none agreed yet): ask again, with the notice.
                    session.joined.try_set(false);
                    session.consent_needed.try_set(true);
                    session.load_privacy_notice();
                }
                Err(e) => {
                    session
                        .notice
                        .try_set(Some(format!("Could not record your name and role: {e}")));
                }
            }
            session.refresh_roster();
        });
    }

    /// Read the roster again.
    pub fn refresh_roster(&self) {
        let (board, token, session) = (self.board_id.get_value(), self.token.get_value(), *self);
        leptos::task::spawn_local(async move {
            if let Ok(members) = crate::api::get_roster(board, token).await {
                session.roster.try_set(
                    members
                        .into_iter()
                        .map(|m| (m.pseudonym.clone(), m))
                        .collect(),
                );
            }
        });
    }

    /// The role to show on `card`: its own (boards from before schema 2), else its
    /// author's in the roster.
    pub fn role_of(&self, card: &CardView) -> Option<Role> {
        card.role
            .or_else(|| self.roster.with(|r| r.get(&card.author).map(|m| m.role)))
    }
}

/// What a connected board client does for the page. The browser's `client::Client`
/// implements it and is attached with [`BoardSession::attach`]; this module does not
/// know the client (the page wires them together).
pub trait BoardLink {
    /// Disconnect for good (the page is going away).
    fn stop(&self);
    fn add_card(&self, prompt: Prompt) -> Option<String>;
    fn edit_text(&self, card: &str, value: &str, caret: Option<u32>);
    fn delete_card(&self, card: &str);
    /// Put a card this person deleted back as it was.
    fn put_back(&self, card: &CardView);
    /// Put a picture beside one's own card's words, or take it away.
    fn set_symbol(&self, card: &str, symbol: Option<Symbol>);
    fn move_card(&self, card: &str, prompt: Prompt, theme: Option<&str>, before: Option<&str>);
    fn nudge_card(&self, card: &str, step: i32);
    fn add_theme(&self, prompt: Prompt, title: &str) -> Option<String>;
    fn rename_theme(&self, theme: &str, title: &str);
    fn nudge_theme(&self, theme: &str, step: i32);
    fn dissolve_theme(&self, theme: &str);
    fn vote(&self, card: &str, delta: i64, limit: i64);
    /// Set (or take back) this person's reaction to a card on the board.
    fn react(&self, card: &str, reaction: Option<cocreate_core::model::schema::Reaction>);
    /// Add a comment, as this person, to a card's thread; whether it was added.
    fn comment(&self, card: &str, text: &str) -> bool;
    fn delete_comment(&self, card: &str, id: &str);
    /// Undo this person's last change (not others').
    fn undo(&self) -> bool;
    fn redo(&self) -> bool;
    fn set_editing(&self, card: Option<String>);
    /// Set this person's name and role, and the notice version they agreed to for this
    /// workshop (kept in local storage).
    fn set_me(&self, name: String, role: Role, consent: Option<u32>);
    /// This person left the workshop: forget their consent to it (so joining asks
    /// again) and their chosen name.
    fn left(&self);
}

/// A connection the page only needs to end (the read-only control client).
pub trait Stop {
    fn stop(&self);
}
