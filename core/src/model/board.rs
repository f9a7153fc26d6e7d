//! Reading and writing a board document (schema 3) through yrs transactions.
//!
//! Every function takes a transaction so that callers choose the origin (local edits are
//! undone and sent; remote ones are not) and batch several changes into one update.

use serde::{Deserialize, Serialize};
use yrs::types::ToJson;
use yrs::{
    Any, Doc, GetString, Map, MapPrelim, MapRef, Out, ReadTxn, Text, TextPrelim, TextRef, Transact,
    TransactionMut,
};

use super::order::{key_after_all, key_between};
use super::schema::{
    Prompt, Role, MAX_CARD_TEXT, MAX_VOTES_PER_PERSON, ROOT_CARDS, ROOT_META, ROOT_THEMES,
    ROOT_VOTES, SCHEMA_VERSION,
};
use super::schema::{PromptText, Symbol, META_PROMPTS};
use super::schema::{Reaction, MAX_COMMENT_TEXT, ROOT_COMMENTS, ROOT_REACTIONS};
use super::text::{splice, Splice};

/// What can go wrong when changing a board.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("card {0} does not exist")]
    NoSuchCard(String),
    #[error("card text is longer than {max} characters")]
    TextTooLong { max: usize },
    #[error("theme {0} does not exist")]
    NoSuchTheme(String),
    #[error("you have used all {limit} of your votes")]
    VoteLimit { limit: i64 },
    #[error("a comment needs some text")]
    EmptyComment,
    #[error("a comment is longer than {max} characters")]
    CommentTooLong { max: usize },
}

/// One comment in a card's thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CommentView {
    pub id: String,
    pub card: String,
    /// The writer's pseudonym.
    pub author: String,
    pub text: String,
    pub created: f64,
}

impl CommentView {
    /// A comment as stored (a map of `author`, `text` and `created`, and nothing else);
    /// anything else is not one.
    pub(crate) fn read<T: ReadTxn>(
        txn: &T,
        card: &str,
        id: &str,
        value: &Out,
    ) -> Option<CommentView> {
        let Out::YMap(m) = value else {
            return None;
        };
        if m.len(txn) != 3 {
            return None;
        }
        let (
            Some(Out::Any(Any::String(author))),
            Some(Out::Any(Any::String(text))),
            Some(Out::Any(Any::Number(created))),
        ) = (
            m.get(txn, "author"),
            m.get(txn, "text"),
            m.get(txn, "created"),
        )
        else {
            return None;
        };
        Some(CommentView {
            id: id.to_string(),
            card: card.to_string(),
            author: author.to_string(),
            text: text.to_string(),
            created: created.as_f64().unwrap_or(0.0),
        })
    }
}

/// Board metadata from the `meta` map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct BoardMeta {
    pub schema: i64,
    pub title: String,
    pub area: String,
    pub pillar: String,
}

/// What putting a card back from a snapshot did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Restored {
    /// It was gone; it is on the board again.
    Back,
    /// It was on the board, changed; its text, place and theme are as they were.
    Reverted,
    /// It was on the board as it was then: nothing changed.
    AlreadyThere,
}

impl Restored {
    /// What to tell the facilitator.
    pub fn message(self) -> &'static str {
        match self {
            Restored::Back => "Card put back on the live board.",
            Restored::Reverted => "The card on the live board is back as it was then.",
            Restored::AlreadyThere => {
                "This card is on the live board already, as it was then: nothing changed."
            }
        }
    }
}

/// A card as the UI and exports see it: plain values, no live references.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CardView {
    pub id: String,
    /// `None` for a prompt value this version does not know (kept, not shown in a column).
    pub prompt: Option<Prompt>,
    pub text: String,
    pub author: String,
    pub role: Option<Role>,
    pub created: f64,
    pub theme: Option<String>,
    pub pos: String,
    pub color: Option<String>,
    /// A picture its author added beside the words (from [`Symbol::ALL`]); a value this
    /// version does not know reads as none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Symbol>,
    /// Hidden by a facilitator (moderation): kept, shown to facilitators only.
    #[serde(default)]
    pub hidden: bool,
    /// Where the card came from, on a synthesis board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<super::provenance::Provenance>,
}

/// What [`Board::erase_person`] removed: the ids of the person's cards, and how many
/// cards they had voted on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Erased {
    pub cards: Vec<String>,
    pub votes: usize,
}

/// Root handles of a board document. Its roots are changed only through the methods
/// below (which keep the schema); other crates may observe them.
#[derive(Clone)]
pub struct Board {
    pub(crate) meta: MapRef,
    pub(crate) cards: MapRef,
    pub(crate) themes: MapRef,
    pub(crate) votes: MapRef,
    pub(crate) reactions: MapRef,
    pub(crate) comments: MapRef,
}

/// Where a card or theme stands on the board: by prompt (unknown prompts last), then its
/// position key, then its id (so every peer orders alike).
fn board_order<'a>(prompt: Option<Prompt>, pos: &'a str, id: &'a str) -> (u8, &'a str, &'a str) {
    (prompt.map(|p| p as u8).unwrap_or(u8::MAX), pos, id)
}

/// One person's stored dots on a card, as a count from 0 to [`MAX_VOTES_PER_PERSON`]:
/// anything else another client wrote (a negative, huge or non-numeric value) is read
/// within those bounds, so tallies and exports never overflow.
fn stored_votes(v: &Out) -> i64 {
    match v {
        Out::Any(Any::Number(n)) => {
            let n = n.as_f64().unwrap_or(0.0);
            if n.is_nan() {
                0
            } else {
                (n.clamp(0.0, MAX_VOTES_PER_PERSON as f64)) as i64
            }
        }
        _ => 0,
    }
}

/// One prompt's words as stored in `meta.prompts`; `None` unless every key reads.
fn read_prompt<T: ReadTxn>(txn: &T, prompt: Prompt, one: &MapRef) -> Option<PromptText> {
    let s = |k: &str| match one.get(txn, k) {
        Some(Out::Any(Any::String(s))) if !s.trim().is_empty() => Some(s.to_string()),
        _ => None,
    };
    Some(PromptText {
        prompt,
        title: s("title")?,
        question: s("question")?,
        easy: s("easy")?,
        symbol: Symbol::parse(&s("symbol")?)?,
    })
}

/// The whole state of a new board (one update): its metadata and any starter cards,
/// which have fixed ids and times so that every board made from the same input is
/// identical.
pub fn initial_state(
    title: &str,
    area: &str,
    pillar: &str,
    prompts: &[PromptText],
    starters: &[(Prompt, &str, Role)],
) -> Vec<u8> {
    let doc = super::schema::new_doc();
    let board = Board::of(&doc);
    {
        let mut txn = doc.transact_mut();
        board.init_meta(&mut txn, title, area, pillar);
        board.set_prompts(&mut txn, prompts);
        for (i, (prompt, text, role)) in starters.iter().enumerate() {
            let _ = board.add_card(
                &mut txn,
                &format!("seed-{i}"),
                *prompt,
                text,
                "facilitator",
                *role,
                1_764_000_000_000.0,
            );
        }
    }
    let txn = doc.transact();
    txn.encode_state_as_update_v1(&yrs::StateVector::default())
}

/// A theme (a named cluster of cards within one prompt).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThemeView {
    pub id: String,
    pub title: String,
    pub prompt: Option<Prompt>,
    pub pos: String,
}

impl Board {
    /// Root types of `doc` (created empty if missing). Call before any transaction is open.
    pub fn of(doc: &Doc) -> Board {
        Board {
            meta: doc.get_or_insert_map(ROOT_META),
            cards: doc.get_or_insert_map(ROOT_CARDS),
            themes: doc.get_or_insert_map(ROOT_THEMES),
            votes: doc.get_or_insert_map(ROOT_VOTES),
            reactions: doc.get_or_insert_map(ROOT_REACTIONS),
            comments: doc.get_or_insert_map(ROOT_COMMENTS),
        }
    }

    /// The card map, to observe (change cards through the methods).
    pub fn cards_root(&self) -> &MapRef {
        &self.cards
    }

    /// What a person's undo covers: cards, themes, votes, reactions and comments (not the
    /// metadata).
    pub fn undo_scope(&self) -> [&MapRef; 5] {
        [
            &self.cards,
            &self.themes,
            &self.votes,
            &self.reactions,
            &self.comments,
        ]
    }

    /// Rename the board (the catalogue's title, kept in the document too).
    pub fn set_title(&self, txn: &mut TransactionMut, title: &str) {
        self.meta.insert(txn, "title", title);
    }

    /// Write the metadata of a new board (with the built-in exercise's prompts; a plan's
    /// are written over them with [`Board::set_prompts`]).
    pub fn init_meta(&self, txn: &mut TransactionMut, title: &str, area: &str, pillar: &str) {
        self.meta.insert(txn, "schema", SCHEMA_VERSION);
        self.meta.insert(txn, "title", title);
        self.meta.insert(txn, "area", area);
        self.meta.insert(txn, "pillar", pillar);
        self.set_prompts(txn, &PromptText::builtin_all());
    }

    /// Write the board's prompts (`meta.prompts`): only the words that differ change.
    pub fn set_prompts(&self, txn: &mut TransactionMut, prompts: &[PromptText]) {
        let all: MapRef = match self.meta.get(txn, META_PROMPTS) {
            Some(Out::YMap(m)) => m,
            _ => self.meta.insert(txn, META_PROMPTS, MapPrelim::default()),
        };
        for p in prompts {
            let one: MapRef = match all.get(txn, p.prompt.as_str()) {
                Some(Out::YMap(m)) => m,
                _ => all.insert(txn, p.prompt.as_str(), MapPrelim::default()),
            };
            for (key, value) in [
                ("title", p.title.trim()),
                ("question", p.question.trim()),
                ("easy", p.easy.trim()),
                ("symbol", p.symbol.as_str()),
            ] {
                let same =
                    matches!(one.get(txn, key), Some(Out::Any(Any::String(s))) if &*s == value);
                if !same {
                    one.insert(txn, key, value);
                }
            }
        }
    }

    /// Whether the board carries its prompts (schema 3; older boards get them when they
    /// migrate).
    pub fn has_prompts<T: ReadTxn>(&self, txn: &T) -> bool {
        matches!(self.meta.get(txn, META_PROMPTS), Some(Out::YMap(_)))
    }

    /// The board's prompts in board order: each of the four, with the words the board
    /// carries, or the built-in words where it carries none (or none that read).
    pub fn prompts<T: ReadTxn>(&self, txn: &T) -> Vec<PromptText> {
        let all = match self.meta.get(txn, META_PROMPTS) {
            Some(Out::YMap(m)) => Some(m),
            _ => None,
        };
        Prompt::ALL
            .into_iter()
            .map(|p| {
                all.as_ref()
                    .and_then(|all| match all.get(txn, p.as_str()) {
                        Some(Out::YMap(one)) => read_prompt(txn, p, &one),
                        _ => None,
                    })
                    .unwrap_or_else(|| PromptText::builtin(p))
            })
            .collect()
    }

    pub fn meta<T: ReadTxn>(&self, txn: &T) -> BoardMeta {
        let s = |k: &str| match self.meta.get(txn, k) {
            Some(Out::Any(Any::String(s))) => s.to_string(),
            _ => String::new(),
        };
        let schema = match self.meta.get(txn, "schema") {
            Some(Out::Any(Any::Number(n))) => n.as_i64().unwrap_or(0),
            _ => 0,
        };
        BoardMeta {
            schema,
            title: s("title"),
            area: s("area"),
            pillar: s("pillar"),
        }
    }

    /// Add a card at the end of its prompt's column. Returns its `pos`.
    #[allow(clippy::too_many_arguments)]
    pub fn add_card(
        &self,
        txn: &mut TransactionMut,
        id: &str,
        prompt: Prompt,
        text: &str,
        author: &str,
        role: Role,
        created_ms: f64,
    ) -> Result<String, ModelError> {
        self.add_card_as(txn, id, prompt, text, author, Some(role), created_ms)
    }

    /// Add a card at the end of its prompt's column, with a `role` or (`None`, schema 2:
    /// a participant's card, whose role is in the server's roster) without. Returns its
    /// `pos`.
    #[allow(clippy::too_many_arguments)]
    pub fn add_card_as(
        &self,
        txn: &mut TransactionMut,
        id: &str,
        prompt: Prompt,
        text: &str,
        author: &str,
        role: Option<Role>,
        created_ms: f64,
    ) -> Result<String, ModelError> {
        check_len(text)?;
        let pos = {
            let cards = self.cards_in(txn, prompt);
            key_after_all(cards.iter().map(|c| c.pos.as_str()))
        };
        self.insert_card(txn, id, prompt, text, author, role, created_ms, &pos)?;
        Ok(pos)
    }

    /// Add a card with a given order key (no scan of the column: for bulk copies and
    /// imports, which compute keys themselves).
    #[allow(clippy::too_many_arguments)]
    pub fn insert_card(
        &self,
        txn: &mut TransactionMut,
        id: &str,
        prompt: Prompt,
        text: &str,
        author: &str,
        role: Option<Role>,
        created_ms: f64,
        pos: &str,
    ) -> Result<(), ModelError> {
        check_len(text)?;
        let card: MapRef = self.cards.insert(txn, id, MapPrelim::default());
        card.insert(txn, "prompt", prompt.as_str());
        card.insert(txn, "text", TextPrelim::new(text));
        card.insert(txn, "author", author);
        if let Some(role) = role {
            card.insert(txn, "role", role.as_str());
        }
        card.insert(txn, "created", created_ms);
        card.insert(txn, "pos", pos);
        Ok(())
    }

    /// Bring the metadata to the current schema ([`SCHEMA_VERSION`]) after a migration:
    /// a board without prompts (schema 2) gets the built-in exercise's, the words it has
    /// always shown.
    pub fn set_schema(&self, txn: &mut TransactionMut) {
        if !self.has_prompts(txn) {
            self.set_prompts(txn, &PromptText::builtin_all());
        }
        self.meta.insert(txn, "schema", SCHEMA_VERSION);
    }

    /// Cards marked `hidden` (boards from before moderation took hidden cards out of the
    /// document; the server moves them to its moderation store on load).
    pub fn hidden_cards<T: ReadTxn>(&self, txn: &T) -> Vec<CardView> {
        self.cards(txn).into_iter().filter(|c| c.hidden).collect()
    }

    /// Put a card its author just deleted back where it was (the page's "Undo" after a
    /// delete): the same id, text, author, role (or none), time, place, theme and colour.
    /// Votes it had are not put back (a participant may not write other people's votes).
    pub fn put_back(&self, txn: &mut TransactionMut, card: &CardView) -> Result<(), ModelError> {
        let prompt = card.prompt.unwrap_or(Prompt::Purpose);
        self.insert_card(
            txn,
            &card.id,
            prompt,
            &card.text,
            &card.author,
            card.role,
            card.created,
            &card.pos,
        )?;
        if let Some(theme) = card.theme.as_deref() {
            self.set_card_theme(txn, &card.id, Some(theme))?;
        }
        if let (Some(color), Some(Out::YMap(c))) = (&card.color, self.cards.get(txn, &card.id)) {
            c.insert(txn, "color", color.as_str());
        }
        if card.symbol.is_some() {
            self.set_card_symbol(txn, &card.id, card.symbol)?;
        }
        Ok(())
    }

    /// Put a picture beside a card's words, or take it away (`None`).
    pub fn set_card_symbol(
        &self,
        txn: &mut TransactionMut,
        id: &str,
        symbol: Option<Symbol>,
    ) -> Result<(), ModelError> {
        let Some(Out::YMap(card)) = self.cards.get(txn, id) else {
            return Err(ModelError::NoSuchCard(id.to_string()));
        };
        match symbol {
            Some(s) => {
                card.insert(txn, "symbol", s.as_str());
            }
            None => {
                card.remove(txn, "symbol");
            }
        }
        Ok(())
    }

    /// Remove a card. Removing a card that is already gone is not an error.
    pub fn delete_card(&self, txn: &mut TransactionMut, id: &str) {
        self.cards.remove(txn, id);
    }

    /// Erase one person (their pseudonym) from the board: every card they wrote, with all
    /// votes on those cards, and every vote they placed on other cards. Text they typed
    /// into someone else's card stays with that card, whose author it belongs to.
    /// Deleted content is garbage-collected by yrs when the transaction commits, so a
    /// state encoded afterwards holds none of their text.
    pub fn erase_person(&self, txn: &mut TransactionMut, pseudonym: &str) -> Erased {
        let cards: Vec<String> = self
            .cards(txn)
            .into_iter()
            .filter(|c| c.author == pseudonym)
            .map(|c| c.id)
            .collect();
        self.remove_with_votes(txn, &cards);
        for (card, who, _) in self.all_reactions(txn) {
            if who == pseudonym {
                self.react(txn, &card, pseudonym, None);
            }
        }
        for c in self.all_comments(txn) {
            if c.author == pseudonym {
                self.delete_comment(txn, &c.card, &c.id);
            }
        }
        let mut votes = 0;
        for (card, _, _) in self
            .all_votes(txn)
            .into_iter()
            .filter(|(_, who, _)| who == pseudonym)
        {
            self.set_votes(txn, &card, pseudonym, 0);
            votes += 1;
        }
        Erased { cards, votes }
    }

    /// Remove the cards copied (synthesis) from `cards` of board `source`; their ids.
    pub fn erase_copies_of(
        &self,
        txn: &mut TransactionMut,
        source: &str,
        cards: &[String],
    ) -> Vec<String> {
        let copies: Vec<String> = self
            .cards(txn)
            .into_iter()
            .filter(|c| {
                c.source
                    .as_ref()
                    .is_some_and(|p| p.board == source && cards.contains(&p.card))
            })
            .map(|c| c.id)
            .collect();
        self.remove_with_votes(txn, &copies);
        copies
    }

    /// Remove cards and every vote on them.
    fn remove_with_votes(&self, txn: &mut TransactionMut, cards: &[String]) {
        for id in cards {
            self.cards.remove(txn, id);
            self.votes.remove(txn, id);
            self.reactions.remove(txn, id);
            self.comments.remove(txn, id);
        }
    }

    /// The shared text of a card.
    pub fn card_text<T: ReadTxn>(&self, txn: &T, id: &str) -> Option<TextRef> {
        match self.cards.get(txn, id) {
            Some(Out::YMap(card)) => match card.get(txn, "text") {
                Some(Out::YText(t)) => Some(t),
                _ => None,
            },
            _ => None,
        }
    }

    /// Make a card's text equal `new` with the smallest splice. Returns the splice applied.
    pub fn set_card_text(
        &self,
        txn: &mut TransactionMut,
        id: &str,
        new: &str,
        caret: Option<u32>,
    ) -> Result<Option<Splice>, ModelError> {
        check_len(new)?;
        let text = self
            .card_text(txn, id)
            .ok_or_else(|| ModelError::NoSuchCard(id.to_string()))?;
        Ok(splice_into(&text, txn, new, caret))
    }

    /// One card, if present and well formed.
    pub fn card<T: ReadTxn>(&self, txn: &T, id: &str) -> Option<CardView> {
        match self.cards.get(txn, id) {
            Some(Out::YMap(card)) => Some(card_view(txn, id, &card)),
            _ => None,
        }
    }

    /// All cards, ordered by prompt, then `pos`, then id (a total, deterministic order).
    pub fn cards<T: ReadTxn>(&self, txn: &T) -> Vec<CardView> {
        let mut out: Vec<CardView> = self
            .cards
            .iter(txn)
            .filter_map(|(id, v)| match v {
                Out::YMap(card) => Some(card_view(txn, id, &card)),
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| {
            board_order(a.prompt, &a.pos, &a.id).cmp(&board_order(b.prompt, &b.pos, &b.id))
        });
        out
    }

    /// The cards of one prompt's column, in order.
    pub fn cards_in<T: ReadTxn>(&self, txn: &T, prompt: Prompt) -> Vec<CardView> {
        self.cards(txn)
            .into_iter()
            .filter(|c| c.prompt == Some(prompt))
            .collect()
    }

    /// Create a theme in a prompt's column, after the existing ones.
    pub fn add_theme(
        &self,
        txn: &mut TransactionMut,
        id: &str,
        prompt: Prompt,
        title: &str,
    ) -> Result<(), ModelError> {
        check_len(title)?;
        let pos = {
            let themes = self.themes(txn);
            key_after_all(
                themes
                    .iter()
                    .filter(|t| t.prompt == Some(prompt))
                    .map(|t| t.pos.as_str()),
            )
        };
        let theme: MapRef = self.themes.insert(txn, id, MapPrelim::default());
        theme.insert(txn, "title", TextPrelim::new(title));
        theme.insert(txn, "prompt", prompt.as_str());
        theme.insert(txn, "pos", pos.as_str());
        Ok(())
    }

    /// Put a card in a theme (or take it out with `None`).
    pub fn set_card_theme(
        &self,
        txn: &mut TransactionMut,
        card: &str,
        theme: Option<&str>,
    ) -> Result<(), ModelError> {
        let Some(Out::YMap(c)) = self.cards.get(txn, card) else {
            return Err(ModelError::NoSuchCard(card.to_string()));
        };
        put_theme(&c, txn, theme);
        Ok(())
    }

    /// Hide or show a card (moderation).
    pub fn set_hidden(
        &self,
        txn: &mut TransactionMut,
        card: &str,
        hidden: bool,
    ) -> Result<(), ModelError> {
        let Some(Out::YMap(c)) = self.cards.get(txn, card) else {
            return Err(ModelError::NoSuchCard(card.to_string()));
        };
        if hidden {
            c.insert(txn, "hidden", true);
        } else {
            c.remove(txn, "hidden");
        }
        Ok(())
    }

    /// Record where a card came from (synthesis boards).
    pub fn set_source(
        &self,
        txn: &mut TransactionMut,
        card: &str,
        source: &super::provenance::Provenance,
    ) -> Result<(), ModelError> {
        let Some(Out::YMap(c)) = self.cards.get(txn, card) else {
            return Err(ModelError::NoSuchCard(card.to_string()));
        };
        c.insert(txn, super::provenance::SOURCE_KEY, source.to_any());
        Ok(())
    }

    /// Put a card back as it was (e.g. from a snapshot): recreated if deleted, otherwise
    /// its text, column and theme are set back and it is shown again.
    pub fn restore_card(
        &self,
        txn: &mut TransactionMut,
        card: &CardView,
    ) -> Result<Restored, ModelError> {
        let prompt = card.prompt.unwrap_or(Prompt::Purpose);
        let outcome = match self.card(&*txn, &card.id) {
            None => Restored::Back,
            Some(now)
                if now.text == card.text
                    && now.prompt.unwrap_or(Prompt::Purpose) == prompt
                    && now.pos == card.pos
                    && now.theme == card.theme
                    && !now.hidden =>
            {
                // Already as it was: nothing to change (and nothing to send anyone).
                return Ok(Restored::AlreadyThere);
            }
            Some(_) => Restored::Reverted,
        };
        match self.cards.get(txn, &card.id) {
            Some(Out::YMap(c)) => {
                c.insert(txn, "prompt", prompt.as_str());
                c.insert(txn, "pos", card.pos.as_str());
                c.remove(txn, "hidden");
                self.set_card_text(txn, &card.id, &card.text, None)?;
            }
            _ => {
                self.add_card(
                    txn,
                    &card.id,
                    prompt,
                    &card.text,
                    &card.author,
                    card.role.unwrap_or(Role::Stakeholder),
                    card.created,
                )?;
                let map = self.cards.clone();
                self.set_pos(txn, &map, &card.id, &card.pos);
            }
        }
        self.set_card_theme(txn, &card.id, card.theme.as_deref())?;
        Ok(outcome)
    }

    /// Move a card to the end of a group, or just before `before` in it. A group is one
    /// prompt's column and one theme (or no theme). Concurrent moves converge: order is by
    /// `pos`, then id.
    pub fn move_card(
        &self,
        txn: &mut TransactionMut,
        card: &str,
        prompt: Prompt,
        theme: Option<&str>,
        before: Option<&str>,
    ) -> Result<(), ModelError> {
        let Some(Out::YMap(c)) = self.cards.get(txn, card) else {
            return Err(ModelError::NoSuchCard(card.to_string()));
        };
        if let Some(t) = theme {
            if !matches!(self.themes.get(txn, t), Some(Out::YMap(_))) {
                return Err(ModelError::NoSuchTheme(t.to_string()));
            }
        }
        let group: Vec<CardView> = self
            .cards_in(txn, prompt)
            .into_iter()
            .filter(|x| x.id != card && x.theme.as_deref() == theme)
            .collect();
        let pos = match before.and_then(|b| group.iter().position(|x| x.id == b)) {
            Some(i) => key_between(
                i.checked_sub(1).map(|j| group[j].pos.as_str()),
                Some(group[i].pos.as_str()),
            ),
            None => key_between(group.last().map(|x| x.pos.as_str()), None),
        };
        c.insert(txn, "prompt", prompt.as_str());
        c.insert(txn, "pos", pos.as_str());
        put_theme(&c, txn, theme);
        Ok(())
    }

    /// Move a card one place up (`-1`) or down (`+1`) within its group.
    pub fn nudge_card(
        &self,
        txn: &mut TransactionMut,
        card: &str,
        step: i32,
    ) -> Result<(), ModelError> {
        let me = self
            .card(txn, card)
            .ok_or_else(|| ModelError::NoSuchCard(card.to_string()))?;
        let prompt = me.prompt.unwrap_or(Prompt::Purpose);
        let group: Vec<CardView> = self
            .cards_in(txn, prompt)
            .into_iter()
            .filter(|x| x.theme == me.theme)
            .collect();
        let i = group.iter().position(|x| x.id == card).unwrap_or(0);
        let before = if step < 0 {
            match i.checked_sub(1) {
                Some(j) => Some(group[j].id.clone()),
                None => return Ok(()),
            }
        } else {
            match group.get(i + 2) {
                Some(x) => Some(x.id.clone()),
                None if i + 1 < group.len() => None,
                None => return Ok(()),
            }
        };
        self.move_card(txn, card, prompt, me.theme.as_deref(), before.as_deref())
    }

    /// Rename a theme (its title is collaborative text).
    pub fn rename_theme(
        &self,
        txn: &mut TransactionMut,
        theme: &str,
        title: &str,
    ) -> Result<(), ModelError> {
        check_len(title)?;
        let Some(Out::YMap(t)) = self.themes.get(txn, theme) else {
            return Err(ModelError::NoSuchTheme(theme.to_string()));
        };
        match t.get(txn, "title") {
            Some(Out::YText(text)) => {
                splice_into(&text, txn, title, None);
            }
            _ => {
                t.insert(txn, "title", TextPrelim::new(title));
            }
        }
        Ok(())
    }

    /// Move a theme one place up or down among its prompt's themes.
    pub fn nudge_theme(
        &self,
        txn: &mut TransactionMut,
        theme: &str,
        step: i32,
    ) -> Result<(), ModelError> {
        let all = self.themes(txn);
        let me = all
            .iter()
            .find(|t| t.id == theme)
            .cloned()
            .ok_or_else(|| ModelError::NoSuchTheme(theme.to_string()))?;
        let group: Vec<&ThemeView> = all.iter().filter(|t| t.prompt == me.prompt).collect();
        let i = group.iter().position(|t| t.id == theme).unwrap_or(0);
        let others: Vec<&&ThemeView> = group.iter().filter(|t| t.id != theme).collect();
        // Index in `others` before which the theme goes.
        let at = if step < 0 {
            i.saturating_sub(1)
        } else {
            (i + 1).min(others.len())
        };
        if (step < 0 && i == 0) || (step > 0 && i + 1 >= group.len()) {
            return Ok(());
        }
        let lo = at.checked_sub(1).map(|j| others[j].pos.as_str());
        let hi = others.get(at).map(|t| t.pos.as_str());
        let pos = key_between(lo, hi);
        self.set_pos(txn, &self.themes.clone(), theme, &pos);
        Ok(())
    }

    /// Dissolve a theme: its cards stay, without a theme.
    pub fn dissolve_theme(&self, txn: &mut TransactionMut, theme: &str) {
        let members: Vec<String> = self
            .cards(txn)
            .into_iter()
            .filter(|c| c.theme.as_deref() == Some(theme))
            .map(|c| c.id)
            .collect();
        for id in members {
            let _ = self.set_card_theme(txn, &id, None);
        }
        self.themes.remove(txn, theme);
    }

    /// Votes a participant has placed on the whole board.
    pub fn votes_used<T: ReadTxn>(&self, txn: &T, participant: &str) -> i64 {
        self.all_votes(txn)
            .into_iter()
            .filter(|(_, who, _)| who == participant)
            .fold(0i64, |sum, (_, _, n)| sum.saturating_add(n))
    }

    /// A participant's votes on one card.
    pub fn my_votes<T: ReadTxn>(&self, txn: &T, card: &str, participant: &str) -> i64 {
        match self.votes.get(txn, card) {
            Some(Out::YMap(m)) => m.get(txn, participant).map_or(0, |v| stored_votes(&v)),
            _ => 0,
        }
    }

    /// Add (`delta` > 0) or take back (< 0) dot votes on a card, within `limit` votes per
    /// person on the board. Returns the person's votes on the card afterwards.
    pub fn vote(
        &self,
        txn: &mut TransactionMut,
        card: &str,
        participant: &str,
        delta: i64,
        limit: i64,
    ) -> Result<i64, ModelError> {
        if self.card(txn, card).is_none() {
            return Err(ModelError::NoSuchCard(card.to_string()));
        }
        self.vote_on_ballot(txn, card, participant, delta, limit)
    }

    /// [`Board::vote`] on a ballot: a person's own draft, which holds votes for the
    /// board's cards but not the cards themselves.
    pub fn vote_on_ballot(
        &self,
        txn: &mut TransactionMut,
        card: &str,
        participant: &str,
        delta: i64,
        limit: i64,
    ) -> Result<i64, ModelError> {
        let mine = self.my_votes(txn, card, participant);
        let after = (mine + delta).max(0);
        if delta > 0 && self.votes_used(txn, participant) + delta > limit {
            return Err(ModelError::VoteLimit { limit });
        }
        self.set_votes(txn, card, participant, after);
        Ok(after)
    }

    /// Overwrite the order key of a card or theme (`map` is `self.cards` or `self.themes`).
    pub fn set_pos(&self, txn: &mut TransactionMut, map: &MapRef, id: &str, pos: &str) {
        if let Some(Out::YMap(item)) = map.get(txn, id) {
            item.insert(txn, "pos", pos);
        }
    }

    /// Every theme, ordered by prompt, then `pos`, then id.
    pub fn themes<T: ReadTxn>(&self, txn: &T) -> Vec<ThemeView> {
        let mut out: Vec<ThemeView> = self
            .themes
            .iter(txn)
            .filter_map(|(id, v)| match v {
                Out::YMap(m) => {
                    let s = |k: &str| match m.get(txn, k) {
                        Some(Out::Any(Any::String(s))) => Some(s.to_string()),
                        _ => None,
                    };
                    let title = match m.get(txn, "title") {
                        Some(Out::YText(t)) => t.get_string(txn),
                        Some(Out::Any(Any::String(s))) => s.to_string(),
                        _ => String::new(),
                    };
                    Some(ThemeView {
                        id: id.to_string(),
                        title,
                        prompt: s("prompt").as_deref().and_then(Prompt::parse),
                        pos: s("pos").unwrap_or_default(),
                    })
                }
                _ => None,
            })
            .collect();
        out.sort_by(|a, b| {
            board_order(a.prompt, &a.pos, &a.id).cmp(&board_order(b.prompt, &b.pos, &b.id))
        });
        out
    }

    /// Set one participant's dots on a card (0 removes them).
    pub fn set_votes(&self, txn: &mut TransactionMut, card: &str, participant: &str, count: i64) {
        let per_card: MapRef = match self.votes.get(txn, card) {
            Some(Out::YMap(m)) => m,
            _ => self.votes.insert(txn, card, MapPrelim::default()),
        };
        if count <= 0 {
            per_card.remove(txn, participant);
        } else {
            per_card.insert(txn, participant, count as f64);
        }
    }

    /// Set (or with `None`, take back) one person's reaction to a card.
    pub fn react(
        &self,
        txn: &mut TransactionMut,
        card: &str,
        participant: &str,
        reaction: Option<Reaction>,
    ) {
        match (self.reactions.get(txn, card), reaction) {
            (Some(Out::YMap(m)), None) => {
                m.remove(txn, participant);
            }
            (_, None) => {}
            (Some(Out::YMap(m)), Some(r)) => {
                m.insert(txn, participant, r.as_str());
            }
            (_, Some(r)) => {
                let m = self.reactions.insert(txn, card, MapPrelim::default());
                m.insert(txn, participant, r.as_str());
            }
        }
    }

    /// One person's reaction to a card.
    pub fn my_reaction<T: ReadTxn>(
        &self,
        txn: &T,
        card: &str,
        participant: &str,
    ) -> Option<Reaction> {
        match self.reactions.get(txn, card) {
            Some(Out::YMap(m)) => match m.get(txn, participant) {
                Some(Out::Any(Any::String(s))) => Reaction::parse(&s),
                _ => None,
            },
            _ => None,
        }
    }

    /// How many people gave each reaction to a card (every kind, in order; zeros too).
    pub fn reaction_counts<T: ReadTxn>(&self, txn: &T, card: &str) -> [(Reaction, usize); 4] {
        let mut out = Reaction::ALL.map(|r| (r, 0));
        if let Some(Out::YMap(m)) = self.reactions.get(txn, card) {
            for (_, v) in m.iter(txn) {
                if let Out::Any(Any::String(s)) = v {
                    if let Some(r) = Reaction::parse(&s) {
                        out[r as usize].1 += 1;
                    }
                }
            }
        }
        out
    }

    /// Every (card, participant, reaction), sorted.
    pub fn all_reactions<T: ReadTxn>(&self, txn: &T) -> Vec<(String, String, Reaction)> {
        let mut out = Vec::new();
        for (card, v) in self.reactions.iter(txn) {
            if let Out::YMap(m) = v {
                for (who, r) in m.iter(txn) {
                    if let Out::Any(Any::String(s)) = r {
                        if let Some(r) = Reaction::parse(&s) {
                            out.push((card.to_string(), who.to_string(), r));
                        }
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Add a comment to a card's thread, as `author` (a pseudonym). The text is trimmed;
    /// it must not be empty nor longer than [`MAX_COMMENT_TEXT`] characters.
    pub fn add_comment(
        &self,
        txn: &mut TransactionMut,
        card: &str,
        id: &str,
        author: &str,
        text: &str,
        created: f64,
    ) -> Result<(), ModelError> {
        if self.cards.get(txn, card).is_none() {
            return Err(ModelError::NoSuchCard(card.into()));
        }
        let text = text.trim();
        if text.is_empty() {
            return Err(ModelError::EmptyComment);
        }
        if text.chars().count() > MAX_COMMENT_TEXT {
            return Err(ModelError::CommentTooLong {
                max: MAX_COMMENT_TEXT,
            });
        }
        let thread = match self.comments.get(txn, card) {
            Some(Out::YMap(m)) => m,
            _ => self.comments.insert(txn, card, MapPrelim::default()),
        };
        // Key by key, in a fixed order, so that the same comment encodes the same way.
        let comment = thread.insert(txn, id, MapPrelim::default());
        comment.insert(txn, "author", author);
        comment.insert(txn, "text", text);
        comment.insert(txn, "created", created);
        Ok(())
    }

    /// Remove a comment (gone already: nothing to do).
    pub fn delete_comment(&self, txn: &mut TransactionMut, card: &str, id: &str) {
        if let Some(Out::YMap(m)) = self.comments.get(txn, card) {
            m.remove(txn, id);
        }
    }

    /// A card's thread, oldest first (entries that are not comments are skipped).
    pub fn comments_on<T: ReadTxn>(&self, txn: &T, card: &str) -> Vec<CommentView> {
        let mut out = Vec::new();
        if let Some(Out::YMap(m)) = self.comments.get(txn, card) {
            for (id, v) in m.iter(txn) {
                if let Some(c) = CommentView::read(txn, card, id, &v) {
                    out.push(c);
                }
            }
        }
        out.sort_by(|a, b| {
            a.created
                .total_cmp(&b.created)
                .then_with(|| a.id.cmp(&b.id))
        });
        out
    }

    /// Every comment on the board, by card then in order.
    pub fn all_comments<T: ReadTxn>(&self, txn: &T) -> Vec<CommentView> {
        let mut cards: Vec<String> = self.comments.keys(txn).map(str::to_string).collect();
        cards.sort();
        cards
            .iter()
            .flat_map(|card| self.comments_on(txn, card))
            .collect()
    }

    /// Total dots on a card.
    pub fn vote_total<T: ReadTxn>(&self, txn: &T, card: &str) -> i64 {
        match self.votes.get(txn, card) {
            Some(Out::YMap(m)) => m
                .iter(txn)
                .fold(0i64, |sum, (_, v)| sum.saturating_add(stored_votes(&v))),
            _ => 0,
        }
    }

    /// Every (card, participant, count) vote, sorted.
    pub fn all_votes<T: ReadTxn>(&self, txn: &T) -> Vec<(String, String, i64)> {
        let mut out = Vec::new();
        for (card, v) in self.votes.iter(txn) {
            if let Out::YMap(m) = v {
                for (who, n) in m.iter(txn) {
                    let n = stored_votes(&n);
                    if n > 0 {
                        out.push((card.to_string(), who.to_string(), n));
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// The whole document as JSON (debugging and tests).
    pub fn to_json<T: ReadTxn>(&self, txn: &T) -> serde_json::Value {
        let any = self.cards.to_json(txn);
        serde_json::to_value(&any).unwrap_or(serde_json::Value::Null)
    }
}

/// Set (or clear) a card map's `theme`.
fn put_theme(card: &MapRef, txn: &mut TransactionMut, theme: Option<&str>) {
    match theme {
        Some(t) => {
            card.insert(txn, "theme", t);
        }
        None => {
            card.remove(txn, "theme");
        }
    }
}

/// Make `text` equal `new` with the smallest splice (keeps concurrent edits elsewhere).
fn splice_into(
    text: &TextRef,
    txn: &mut TransactionMut,
    new: &str,
    caret: Option<u32>,
) -> Option<Splice> {
    let old = text.get_string(txn);
    let sp = splice(&old, new, caret)?;
    if sp.delete > 0 {
        text.remove_range(txn, sp.index, sp.delete);
    }
    if !sp.insert.is_empty() {
        text.insert(txn, sp.index, &sp.insert);
    }
    Some(sp)
}

fn check_len(text: &str) -> Result<(), ModelError> {
    if text.encode_utf16().count() > MAX_CARD_TEXT {
        return Err(ModelError::TextTooLong { max: MAX_CARD_TEXT });
    }
    Ok(())
}

fn card_view<T: ReadTxn>(txn: &T, id: &str, card: &MapRef) -> CardView {
    let s = |k: &str| match card.get(txn, k) {
        Some(Out::Any(Any::String(s))) => Some(s.to_string()),
        _ => None,
    };
    let text = match card.get(txn, "text") {
        Some(Out::YText(t)) => t.get_string(txn),
        // A peer that wrote plain strings is tolerated.
        Some(Out::Any(Any::String(s))) => s.to_string(),
        _ => String::new(),
    };
    let created = match card.get(txn, "created") {
        Some(Out::Any(Any::Number(n))) => n.as_f64().unwrap_or(0.0),
        _ => 0.0,
    };
    CardView {
        id: id.to_string(),
        prompt: s("prompt").as_deref().and_then(Prompt::parse),
        text,
        author: s("author").unwrap_or_default(),
        role: s("role").as_deref().and_then(Role::parse),
        created,
        theme: s("theme"),
        pos: s("pos").unwrap_or_default(),
        color: s("color"),
        symbol: s("symbol").as_deref().and_then(Symbol::parse),
        hidden: matches!(card.get(txn, "hidden"), Some(Out::Any(Any::Bool(true)))),
        source: card
            .get(txn, super::provenance::SOURCE_KEY)
            .as_ref()
            .and_then(super::provenance::Provenance::from_out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::new_doc;
    use yrs::updates::decoder::Decode;
    use yrs::{ReadTxn, Update};

    fn reworded() -> Vec<PromptText> {
        let mut p = PromptText::builtin_all();
        p[0].title = "Why".into();
        p[0].question = "Why does the service exist?".into();
        p[0].easy = "Why are we here?".into();
        p[0].symbol = Symbol::Star;
        p
    }

    #[test]
    fn a_board_carries_its_plans_prompts_as_maps_a_stock_yjs_reader_sees() {
        let doc = new_doc();
        let update = initial_state("Board", "MSK", "Consultancy", &reworded(), &[]);
        doc.transact_mut()
            .apply_update(Update::decode_v1(&update).unwrap())
            .unwrap();
        let b = Board::of(&doc);
        let txn = doc.transact();
        assert_eq!(b.meta(&txn).schema, SCHEMA_VERSION);
        assert_eq!(b.prompts(&txn), reworded());
        // As JSON (what Yjs's `meta.toJSON()` gives): prompt -> its words.
        let Any::Map(meta) = b.meta.to_json(&txn) else {
            panic!("meta is a map")
        };
        let Some(Any::Map(all)) = meta.get(META_PROMPTS) else {
            panic!("prompts is a map")
        };
        let Some(Any::Map(purpose)) = all.get("purpose") else {
            panic!("a prompt is a map")
        };
        assert_eq!(purpose.get("title"), Some(&Any::from("Why")));
        assert_eq!(purpose.get("symbol"), Some(&Any::from("star")));
        // Re-encoded, the state is byte-identical (no plain maps in hash order).
        let raw = txn.encode_state_as_update_v1(&yrs::StateVector::default());
        let copy = new_doc();
        copy.transact_mut()
            .apply_update(Update::decode_v1(&raw).unwrap())
            .unwrap();
        assert_eq!(
            copy.transact()
                .encode_state_as_update_v1(&yrs::StateVector::default()),
            raw
        );
    }

    #[test]
    fn rewording_changes_only_the_words_that_differ() {
        let doc = new_doc();
        let b = Board::of(&doc);
        b.init_meta(&mut doc.transact_mut(), "Board", "MSK", "Consultancy");
        let before = doc.transact().state_vector();
        b.set_prompts(&mut doc.transact_mut(), &PromptText::builtin_all());
        assert_eq!(doc.transact().state_vector(), before, "nothing to change");
        b.set_prompts(&mut doc.transact_mut(), &reworded());
        let update = doc.transact().encode_diff_v1(&before);
        let u = Update::decode_v1(&update).unwrap();
        // Four keys of one prompt, nothing else.
        assert_eq!(b.prompts(&doc.transact()), reworded());
        assert!(update.len() < 200, "{} bytes: {u:?}", update.len());
    }

    #[test]
    fn a_schema_2_board_migrates_to_the_builtin_words_it_always_showed() {
        let doc = new_doc();
        let b = Board::of(&doc);
        {
            let mut txn = doc.transact_mut();
            b.meta.insert(&mut txn, "schema", 2);
            b.meta.insert(&mut txn, "title", "Old");
        }
        assert!(!b.has_prompts(&doc.transact()));
        // Read before it migrates: the built-in words.
        assert_eq!(b.prompts(&doc.transact()), PromptText::builtin_all());
        b.set_schema(&mut doc.transact_mut());
        let txn = doc.transact();
        assert!(b.has_prompts(&txn));
        assert_eq!(b.meta(&txn).schema, SCHEMA_VERSION);
        assert_eq!(b.prompts(&txn), PromptText::builtin_all());
    }

    #[test]
    fn prompts_that_do_not_read_fall_back_to_the_builtin_words_one_by_one() {
        let doc = new_doc();
        let b = Board::of(&doc);
        {
            let mut txn = doc.transact_mut();
            b.set_prompts(&mut txn, &reworded());
            let Some(Out::YMap(all)) = b.meta.get(&txn, META_PROMPTS) else {
                panic!("prompts")
            };
            // A forged symbol, and a prompt that is a string, not a map: both ignored.
            let Some(Out::YMap(how)) = all.get(&txn, "how") else {
                panic!("how")
            };
            how.insert(&mut txn, "symbol", "<b>x</b>");
            all.insert(&mut txn, "values", "values");
        }
        let got = b.prompts(&doc.transact());
        assert_eq!(got[0], reworded()[0]);
        assert_eq!(got[1], PromptText::builtin(Prompt::How));
        assert_eq!(got[3], PromptText::builtin(Prompt::Values));
    }

    fn sync(from: &Doc, to: &Doc) {
        let sv = to.transact().state_vector();
        let update = from.transact().encode_state_as_update_v1(&sv);
        to.transact_mut()
            .apply_update(Update::decode_v1(&update).unwrap())
            .unwrap();
    }

    fn board_with_meta() -> (Doc, Board) {
        let doc = new_doc();
        let board = Board::of(&doc);
        board.init_meta(&mut doc.transact_mut(), "Consultancy", "MSK", "Consultancy");
        (doc, board)
    }

    #[test]
    fn meta_round_trips() {
        let (doc, board) = board_with_meta();
        let meta = board.meta(&doc.transact());
        assert_eq!(
            meta,
            BoardMeta {
                schema: SCHEMA_VERSION,
                title: "Consultancy".into(),
                area: "MSK".into(),
                pillar: "Consultancy".into()
            }
        );
    }

    #[test]
    fn a_deleted_card_is_put_back_as_it_was() {
        let (doc, board) = board_with_meta();
        {
            let mut txn = doc.transact_mut();
            for id in ["a", "b", "c"] {
                board
                    .add_card_as(&mut txn, id, Prompt::How, id, "p-1", None, 5.0)
                    .unwrap();
            }
            board
                .add_theme(&mut txn, "t", Prompt::How, "Access")
                .unwrap();
            board.set_card_theme(&mut txn, "b", Some("t")).unwrap();
        }
        let before = board.card(&doc.transact(), "b").unwrap();
        board.delete_card(&mut doc.transact_mut(), "b");
        assert!(board.card(&doc.transact(), "b").is_none());
        board.put_back(&mut doc.transact_mut(), &before).unwrap();
        let txn = doc.transact();
        assert_eq!(board.card(&txn, "b").unwrap(), before);
        let order: Vec<_> = board
            .cards_in(&txn, Prompt::How)
            .into_iter()
            .map(|c| c.id)
            .collect();
        assert_eq!(order, ["a", "b", "c"]);
    }

    #[test]
    fn cards_are_added_in_column_order_and_deleted() {
        let (doc, board) = board_with_meta();
        {
            let mut txn = doc.transact_mut();
            for (i, p) in [Prompt::How, Prompt::Purpose, Prompt::How]
                .into_iter()
                .enumerate()
            {
                board
                    .add_card(
                        &mut txn,
                        &format!("c{i}"),
                        p,
                        &format!("t{i}"),
                        "u1",
                        Role::Patient,
                        1.0,
                    )
                    .unwrap();
            }
        }
        let txn = doc.transact();
        let ids: Vec<_> = board.cards(&txn).into_iter().map(|c| c.id).collect();
        assert_eq!(ids, ["c1", "c0", "c2"]);
        let how = board.cards_in(&txn, Prompt::How);
        assert_eq!(how[0].text, "t0");
        assert_eq!(how[1].role, Some(Role::Patient));
        assert!(how[0].pos < how[1].pos);
        drop(txn);
        board.delete_card(&mut doc.transact_mut(), "c0");
        board.delete_card(&mut doc.transact_mut(), "c0");
        assert_eq!(board.cards(&doc.transact()).len(), 2);
    }

    #[test]
    fn concurrent_typing_in_one_card_merges() {
        let (a, board_a) = board_with_meta();
        board_a
            .add_card(
                &mut a.transact_mut(),
                "c",
                Prompt::Values,
                "trust",
                "u1",
                Role::Clinician,
                5.0,
            )
            .unwrap();
        let b = new_doc();
        let board_b = Board::of(&b);
        sync(&a, &b);
        // A appends, B prepends, at the same time.
        board_a
            .set_card_text(&mut a.transact_mut(), "c", "trust and care", None)
            .unwrap();
        board_b
            .set_card_text(&mut b.transact_mut(), "c", "mutual trust", Some(7))
            .unwrap();
        sync(&a, &b);
        sync(&b, &a);
        let ta = board_a.card(&a.transact(), "c").unwrap().text;
        let tb = board_b.card(&b.transact(), "c").unwrap().text;
        assert_eq!(ta, "mutual trust and care");
        assert_eq!(ta, tb);
    }

    #[test]
    fn text_length_is_limited_and_missing_cards_are_errors() {
        let (doc, board) = board_with_meta();
        let long = "x".repeat(MAX_CARD_TEXT + 1);
        let err = board
            .add_card(
                &mut doc.transact_mut(),
                "c",
                Prompt::How,
                &long,
                "u",
                Role::Educator,
                0.0,
            )
            .unwrap_err();
        assert_eq!(err, ModelError::TextTooLong { max: MAX_CARD_TEXT });
        let err = board
            .set_card_text(&mut doc.transact_mut(), "nope", "x", None)
            .unwrap_err();
        assert_eq!(err, ModelError::NoSuchCard("nope".into()));
    }

    #[test]
    fn unknown_keys_and_prompts_are_kept_and_ignored() {
        let (doc, board) = board_with_meta();
        {
            let mut txn = doc.transact_mut();
            board
                .add_card(&mut txn, "c", Prompt::How, "x", "u", Role::Educator, 0.0)
                .unwrap();
            let card: MapRef = board.cards.insert(&mut txn, "d", MapPrelim::default());
            card.insert(&mut txn, "prompt", "future-prompt");
            card.insert(&mut txn, "shape", "hexagon");
        }
        let cards = board.cards(&doc.transact());
        assert_eq!(cards.len(), 2);
        assert_eq!(cards[1].prompt, None);
        assert_eq!(board.cards_in(&doc.transact(), Prompt::How).len(), 1);
        // The unknown key survives a round trip through another replica.
        let other = new_doc();
        sync(&doc, &other);
        let json = Board::of(&other).to_json(&other.transact());
        assert_eq!(json["d"]["shape"], "hexagon");
    }

    fn ids(board: &Board, doc: &Doc, prompt: Prompt) -> Vec<String> {
        board
            .cards_in(&doc.transact(), prompt)
            .into_iter()
            .map(|c| c.id)
            .collect()
    }

    fn with_cards(n: usize) -> (Doc, Board) {
        let (doc, board) = board_with_meta();
        for i in 0..n {
            board
                .add_card(
                    &mut doc.transact_mut(),
                    &format!("c{i}"),
                    Prompt::How,
                    "x",
                    "a",
                    Role::Educator,
                    0.0,
                )
                .unwrap();
        }
        (doc, board)
    }

    #[test]
    fn cards_move_within_and_between_columns() {
        let (doc, board) = with_cards(4);
        assert_eq!(ids(&board, &doc, Prompt::How), ["c0", "c1", "c2", "c3"]);
        board
            .move_card(&mut doc.transact_mut(), "c3", Prompt::How, None, Some("c1"))
            .unwrap();
        assert_eq!(ids(&board, &doc, Prompt::How), ["c0", "c3", "c1", "c2"]);
        board.nudge_card(&mut doc.transact_mut(), "c0", 1).unwrap();
        assert_eq!(ids(&board, &doc, Prompt::How), ["c3", "c0", "c1", "c2"]);
        board.nudge_card(&mut doc.transact_mut(), "c3", -1).unwrap();
        assert_eq!(
            ids(&board, &doc, Prompt::How),
            ["c3", "c0", "c1", "c2"],
            "top stays top"
        );
        board.nudge_card(&mut doc.transact_mut(), "c1", 1).unwrap();
        assert_eq!(ids(&board, &doc, Prompt::How), ["c3", "c0", "c2", "c1"]);
        board.nudge_card(&mut doc.transact_mut(), "c1", 1).unwrap();
        assert_eq!(
            ids(&board, &doc, Prompt::How),
            ["c3", "c0", "c2", "c1"],
            "bottom stays bottom"
        );
        board
            .move_card(&mut doc.transact_mut(), "c0", Prompt::Values, None, None)
            .unwrap();
        assert_eq!(ids(&board, &doc, Prompt::How), ["c3", "c2", "c1"]);
        assert_eq!(ids(&board, &doc, Prompt::Values), ["c0"]);
        assert!(matches!(
            board.move_card(&mut doc.transact_mut(), "nope", Prompt::How, None, None),
            Err(ModelError::NoSuchCard(_))
        ));
    }

    #[test]
    fn concurrent_moves_converge() {
        let (a, board_a) = with_cards(3);
        let b = new_doc();
        let board_b = Board::of(&b);
        sync(&a, &b);
        // Both move a different card to the same place at once, and the same card apart.
        board_a
            .move_card(&mut a.transact_mut(), "c2", Prompt::How, None, Some("c0"))
            .unwrap();
        board_b
            .move_card(&mut b.transact_mut(), "c1", Prompt::How, None, Some("c0"))
            .unwrap();
        board_a
            .move_card(&mut a.transact_mut(), "c0", Prompt::Values, None, None)
            .unwrap();
        board_b
            .move_card(&mut b.transact_mut(), "c0", Prompt::Enablers, None, None)
            .unwrap();
        sync(&a, &b);
        sync(&b, &a);
        for p in Prompt::ALL {
            assert_eq!(ids(&board_a, &a, p), ids(&board_b, &b, p), "{p:?}");
        }
        let total: usize = Prompt::ALL
            .iter()
            .map(|p| ids(&board_a, &a, *p).len())
            .sum();
        assert_eq!(total, 3, "no card lost or duplicated");
    }

    #[test]
    fn themes_cluster_rename_reorder_and_dissolve() {
        let (doc, board) = with_cards(3);
        {
            let mut txn = doc.transact_mut();
            board
                .add_theme(&mut txn, "t1", Prompt::How, "Time")
                .unwrap();
            board
                .add_theme(&mut txn, "t2", Prompt::How, "People")
                .unwrap();
        }
        board
            .move_card(&mut doc.transact_mut(), "c0", Prompt::How, Some("t1"), None)
            .unwrap();
        board
            .move_card(
                &mut doc.transact_mut(),
                "c2",
                Prompt::How,
                Some("t1"),
                Some("c0"),
            )
            .unwrap();
        let txn = doc.transact();
        let in_t1: Vec<String> = board
            .cards_in(&txn, Prompt::How)
            .into_iter()
            .filter(|c| c.theme.as_deref() == Some("t1"))
            .map(|c| c.id)
            .collect();
        assert_eq!(in_t1, ["c2", "c0"], "ordered within the theme; count 2");
        drop(txn);
        board
            .rename_theme(&mut doc.transact_mut(), "t1", "Protected time")
            .unwrap();
        board
            .nudge_theme(&mut doc.transact_mut(), "t2", -1)
            .unwrap();
        let titles: Vec<String> = board
            .themes(&doc.transact())
            .into_iter()
            .map(|t| t.title)
            .collect();
        assert_eq!(titles, ["People", "Protected time"]);
        board.dissolve_theme(&mut doc.transact_mut(), "t1");
        let txn = doc.transact();
        assert_eq!(board.themes(&txn).len(), 1);
        assert!(
            board.cards(&txn).iter().all(|c| c.theme.is_none()),
            "cards stay, unthemed"
        );
        assert_eq!(board.cards(&txn).len(), 3);
        drop(txn);
        assert!(matches!(
            board.move_card(&mut doc.transact_mut(), "c0", Prompt::How, Some("t1"), None),
            Err(ModelError::NoSuchTheme(_))
        ));
    }

    #[test]
    fn forged_vote_counts_are_read_within_bounds_and_never_overflow() {
        let (doc, board) = with_cards(2);
        {
            let mut txn = doc.transact_mut();
            let forged: MapRef = board.votes.insert(&mut txn, "c0", MapPrelim::default());
            forged.insert(&mut txn, "p1", 1e19);
            forged.insert(&mut txn, "p2", f64::MAX);
            forged.insert(&mut txn, "p3", -1e19);
            forged.insert(&mut txn, "p4", "7");
            forged.insert(&mut txn, "p5", 2.0);
            let more: MapRef = board.votes.insert(&mut txn, "c1", MapPrelim::default());
            more.insert(&mut txn, "p1", 1e19);
        }
        let txn = doc.transact();
        let max = MAX_VOTES_PER_PERSON;
        assert_eq!(board.vote_total(&txn, "c0"), 2 * max + 2);
        assert_eq!(board.my_votes(&txn, "c0", "p3"), 0);
        assert_eq!(board.votes_used(&txn, "p1"), 2 * max);
        drop(txn);
        let export = crate::model::export::BoardExport::of_doc(&doc, Default::default());
        assert!(export
            .cards
            .iter()
            .all(|c| (0..=5 * max).contains(&c.votes)));
        assert!(export.votes.iter().all(|v| (1..=max).contains(&v.count)));
        // And a person with forged dots cannot vote more.
        let mut txn = doc.transact_mut();
        assert!(board.vote(&mut txn, "c1", "p1", 1, 3).is_err());
    }

    #[test]
    fn votes_stay_within_the_limit_per_person() {
        let (doc, board) = with_cards(3);
        let mut txn = doc.transact_mut();
        assert_eq!(board.vote(&mut txn, "c0", "p", 1, 3).unwrap(), 1);
        assert_eq!(board.vote(&mut txn, "c0", "p", 1, 3).unwrap(), 2);
        assert_eq!(board.vote(&mut txn, "c1", "p", 1, 3).unwrap(), 1);
        assert!(matches!(
            board.vote(&mut txn, "c2", "p", 1, 3),
            Err(ModelError::VoteLimit { limit: 3 })
        ));
        assert_eq!(
            board.vote(&mut txn, "c2", "q", 1, 3).unwrap(),
            1,
            "limits are per person"
        );
        assert_eq!(
            board.vote(&mut txn, "c0", "p", -1, 3).unwrap(),
            1,
            "taking one back"
        );
        assert_eq!(
            board.vote(&mut txn, "c2", "p", 1, 3).unwrap(),
            1,
            "frees a vote"
        );
        assert_eq!(
            board.vote(&mut txn, "c1", "p", -5, 3).unwrap(),
            0,
            "never below zero"
        );
        assert_eq!(board.votes_used(&txn, "p"), 2);
        assert_eq!(board.vote_total(&txn, "c2"), 2);
        assert_eq!(board.vote_total(&txn, "c0"), 1);
    }

    #[test]
    fn erasing_a_person_leaves_no_trace_of_their_cards_or_votes_in_the_encoded_state() {
        let (doc, board) = board_with_meta();
        {
            let mut txn = doc.transact_mut();
            board
                .add_card_as(
                    &mut txn,
                    "a1",
                    Prompt::How,
                    "ana's secret words",
                    "p-ana",
                    None,
                    1.0,
                )
                .unwrap();
            board
                .add_card_as(
                    &mut txn,
                    "b1",
                    Prompt::How,
                    "ben's card",
                    "p-ben",
                    None,
                    2.0,
                )
                .unwrap();
            board.vote(&mut txn, "b1", "p-ana", 2, 3).unwrap();
            board.vote(&mut txn, "a1", "p-ben", 1, 3).unwrap();
        }
        // Ana also types into Ben's card (a separate change, as from her client).
        {
            let mut txn = doc.transact_mut();
            let text = board.card_text(&txn, "b1").unwrap();
            text.insert(&mut txn, 10, " and hers");
        }
        let erased = board.erase_person(&mut doc.transact_mut(), "p-ana");
        assert_eq!(
            erased,
            Erased {
                cards: vec!["a1".into()],
                votes: 1
            }
        );
        let txn = doc.transact();
        assert!(board.card(&txn, "a1").is_none());
        assert_eq!(board.all_votes(&txn), Vec::<(String, String, i64)>::new());
        // What she typed into Ben's card stays with his card.
        assert_eq!(board.card(&txn, "b1").unwrap().text, "ben's card and hers");
        let state = txn.encode_state_as_update_v1(&yrs::StateVector::default());
        let bytes = String::from_utf8_lossy(&state);
        assert!(!bytes.contains("secret"), "the text is collected");
        // A removed vote leaves a tombstone under its key (the pseudonym, which the
        // erasure record keeps anyway); no value, card or text of hers is left.
        assert!(!bytes.contains("ana's"));
        // A synthesis board's copies of her card go too.
        drop(txn);
        let (syn, sboard) = board_with_meta();
        {
            let mut txn = syn.transact_mut();
            sboard
                .add_card_as(
                    &mut txn,
                    "c1",
                    Prompt::How,
                    "copied",
                    "organiser",
                    None,
                    1.0,
                )
                .unwrap();
            let source = super::super::provenance::Provenance {
                board: "demo".into(),
                card: "a1".into(),
                ..Default::default()
            };
            sboard.set_source(&mut txn, "c1", &source).unwrap();
        }
        let copies = sboard.erase_copies_of(&mut syn.transact_mut(), "demo", &["a1".into()]);
        assert_eq!(copies, ["c1"]);
        assert!(sboard.cards(&syn.transact()).is_empty());
    }
}
