//! Permissions by key: a participant's update is tried on a copy of the board first, what
//! it would change is read key by key, and only an update the rules allow
//! ([`crate::model::rules`]) reaches the board itself. A refused update is not applied,
//! not stored and not relayed.
//!
//! yrs has no way to look inside an update before applying it, nor to take back an
//! applied one, so the check needs a second document: the *trial* copy, kept equal to the
//! board (every change the board takes is applied to it too; a mismatch of state vectors
//! rebuilds it from the board). Deep observers on the trial copy list what an update
//! changed (cards added, replaced or removed, keys inside a card, text, themes, votes,
//! meta), with the board before and the trial copy after to read old and new values.
//! Facilitators' updates skip the check but are applied to the copy too.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use yrs::types::{EntryChange, Event, Events, PathSegment};
use yrs::updates::decoder::Decode;
use yrs::{Any, DeepObservable, Doc, Map, Out, ReadTxn, StateVector, Transact, Update};

use crate::model::board::Board;
use crate::model::control::Phase;
use crate::model::rules::{Action, Forbidden, Rules};
use crate::model::schema::{Symbol, MAX_COMMENT_ID, MAX_COMMENT_TEXT, MAX_VOTES_PER_PERSON};

/// Who is writing and what the board is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Permit {
    /// The writer's pseudonym in this workshop (crate::identity).
    pub actor: String,
    pub facilitator: bool,
    pub phase: Phase,
    pub votes_per_person: i64,
    /// Private writing is on and this is the board itself (not the writer's draft): a
    /// participant may not add cards to it.
    pub private: bool,
    /// The tallies are secret and this is the board itself: a participant may not vote
    /// on it (they vote on their ballot, their draft).
    pub secret_ballot: bool,
    /// This is the writer's draft: votes there are for cards of the board, not of the
    /// draft, so a card voted for need not be in it.
    pub draft: bool,
    /// The board lets participants delete each other's cards (control `shared_delete`).
    pub shared_delete: bool,
}

impl Permit {
    fn rules(&self) -> Rules {
        Rules {
            facilitator: self.facilitator,
            phase: self.phase,
        }
    }
}

/// What an update changed, as the rules see it.
#[derive(Debug, Default)]
struct Seen {
    meta: bool,
    themes: bool,
    /// Cards put under a new id, or over an existing one (`true`).
    added: Vec<(String, bool)>,
    removed: Vec<String>,
    /// Keys changed inside existing cards (`text` for edits of the text).
    keys: Vec<(String, String)>,
    /// Votes: card -> voter -> count.
    votes: PerCard,
    /// Reactions: card -> person -> word.
    reactions: PerCard,
    /// Comments: card -> comment id -> comment.
    comments: PerCard,
}

/// What an update changed in a root of per-card maps (votes, reactions, comments).
#[derive(Debug, Default)]
struct PerCard {
    /// Per-card maps put in (`true`, new or over an old one) or removed (`false`).
    maps: Vec<(String, bool)>,
    /// (card, entry) changed; anything the schema does not have as (empty, empty).
    entries: Vec<(String, String)>,
}

impl PerCard {
    fn is_empty(&self) -> bool {
        self.maps.is_empty() && self.entries.is_empty()
    }
}

/// Watch a root of per-card maps, noting into `pick(seen)` what each update changes.
/// With `nested`, an entry is a map of its own (a comment) whose keys' changes count as
/// changes of the entry.
fn watch_per_card(
    root: &yrs::MapRef,
    seen: &Arc<Mutex<Seen>>,
    nested: bool,
    pick: fn(&mut Seen) -> &mut PerCard,
) {
    let sink = seen.clone();
    root.observe_deep("keys", move |txn, events: &Events| {
        let mut s = sink.lock().expect("seen");
        let out = pick(&mut s);
        for e in events.iter() {
            let path = e.path();
            let mut segs = path.iter();
            match (segs.next(), segs.next(), e) {
                (None, _, Event::Map(m)) => {
                    for (card, change) in m.keys(txn) {
                        let put = !matches!(change, EntryChange::Removed(_));
                        out.maps.push((card.to_string(), put));
                    }
                }
                (Some(PathSegment::Key(card)), None, Event::Map(m)) => {
                    for entry in m.keys(txn).keys() {
                        out.entries.push((card.to_string(), entry.to_string()));
                    }
                }
                (Some(PathSegment::Key(card)), Some(PathSegment::Key(entry)), Event::Map(_))
                    if nested && segs.next().is_none() =>
                {
                    out.entries.push((card.to_string(), entry.to_string()))
                }
                _ => out.entries.push((String::new(), String::new())),
            }
        }
    });
}

/// Keys a participant's new card may carry (no `role`: roles are in the roster).
const NEW_CARD_KEYS: [&str; 8] = [
    "text", "prompt", "author", "created", "pos", "theme", "color", "symbol",
];

/// The trial copy of a board and what its observers saw.
struct Trial {
    doc: Doc,
    board: Board,
    seen: Arc<Mutex<Seen>>,
}

impl Trial {
    /// A copy of `live`'s current state.
    fn of(live: &Doc) -> Trial {
        let doc = crate::model::schema::new_doc();
        let board = Board::of(&doc);
        let state = live
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        if let Ok(u) = Update::decode_v1(&state) {
            let _ = doc.transact_mut().apply_update(u);
        }
        let seen = Arc::new(Mutex::new(Seen::default()));
        board.meta.observe_deep("keys", {
            let sink = seen.clone();
            move |_, _| sink.lock().expect("seen").meta = true
        });
        board.themes.observe_deep("keys", {
            let sink = seen.clone();
            move |_, _| sink.lock().expect("seen").themes = true
        });
        board.cards.observe_deep("keys", {
            let sink = seen.clone();
            move |txn, events: &Events| {
                let mut s = sink.lock().expect("seen");
                for e in events.iter() {
                    let path = e.path();
                    let mut segs = path.iter();
                    match (segs.next(), segs.next(), e) {
                        (None, _, Event::Map(m)) => {
                            for (key, change) in m.keys(txn) {
                                match change {
                                    EntryChange::Inserted(_) => {
                                        s.added.push((key.to_string(), false))
                                    }
                                    EntryChange::Updated(_, _) => {
                                        s.added.push((key.to_string(), true))
                                    }
                                    EntryChange::Removed(_) => s.removed.push(key.to_string()),
                                }
                            }
                        }
                        (Some(PathSegment::Key(card)), None, Event::Map(m)) => {
                            for key in m.keys(txn).keys() {
                                s.keys.push((card.to_string(), key.to_string()));
                            }
                        }
                        (Some(PathSegment::Key(card)), Some(PathSegment::Key(key)), _) => {
                            s.keys.push((card.to_string(), key.to_string()))
                        }
                        // Anything else (content where the schema has none): refused.
                        _ => s.keys.push((String::new(), "?".into())),
                    }
                }
            }
        });
        watch_per_card(&board.votes, &seen, false, |s| &mut s.votes);
        watch_per_card(&board.reactions, &seen, false, |s| &mut s.reactions);
        watch_per_card(&board.comments, &seen, true, |s| &mut s.comments);
        Trial { doc, board, seen }
    }

    fn take_seen(&self) -> Seen {
        std::mem::take(&mut *self.seen.lock().expect("seen"))
    }
}

/// The trial copy of one board, made when first needed.
pub(super) struct Keys {
    trial: Mutex<Option<Trial>>,
}

/// Why a participant's update was not applied.
#[derive(Debug)]
pub(super) enum Checked {
    Allowed,
    Forbidden(Forbidden),
    /// yrs refused or panicked on the copy: the board never saw it.
    Broken(String),
}

impl Keys {
    pub(super) fn new() -> Keys {
        Keys {
            trial: Mutex::new(None),
        }
    }

    /// Try `update` on the copy as `permit`'s writer would make it on `live`.
    pub(super) fn check(&self, live: &Doc, update: &[u8], permit: &Permit) -> Checked {
        let mut slot = self.trial.lock().unwrap_or_else(|e| e.into_inner());
        let live_sv = live.transact().state_vector();
        let fresh = match slot.take() {
            Some(t) if t.doc.transact().state_vector() == live_sv => t,
            _ => Trial::of(live),
        };
        fresh.take_seen();
        let applied = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let u = Update::decode_v1(update).map_err(|e| e.to_string())?;
            fresh
                .doc
                .transact_mut()
                .apply_update(u)
                .map_err(|e| e.to_string())
        }));
        match applied {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Checked::Broken(e),
            Err(_) => return Checked::Broken("update could not be integrated".into()),
        }
        let seen = fresh.take_seen();
        let verdict = if permit.facilitator {
            judge_facilitator(&fresh, &seen)
        } else {
            judge(live, &fresh, &seen, permit)
        };
        match verdict {
            Ok(()) => {
                *slot = Some(fresh);
                Checked::Allowed
            }
            // The copy now holds what the board refused: it is rebuilt when next needed.
            Err(f) => Checked::Forbidden(f),
        }
    }

    /// The board took `update` (a fix, or a server change): the copy takes it too. A copy
    /// that cannot is dropped and rebuilt when next needed.
    pub(super) fn mirror(&self, update: &[u8]) {
        let mut slot = self.trial.lock().unwrap_or_else(|e| e.into_inner());
        let Some(t) = slot.as_ref() else { return };
        let ok = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            Update::decode_v1(update)
                .ok()
                .map(|u| t.doc.transact_mut().apply_update(u).is_ok())
        }));
        t.take_seen();
        if !matches!(ok, Ok(Some(true))) {
            *slot = None;
        }
    }
}

/// A card's `author` (or `None`).
fn author<T: ReadTxn>(board: &Board, txn: &T, card: &str) -> Option<String> {
    match board.cards.get(txn, card) {
        Some(Out::YMap(m)) => match m.get(txn, "author") {
            Some(Out::Any(Any::String(s))) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    }
}

/// What even a facilitator may not do through the websocket: mark a card `hidden`. A
/// hidden card must leave the board for the moderation store (the moderation API does
/// that); a card only marked would still reach every client.
fn judge_facilitator(trial: &Trial, seen: &Seen) -> Result<(), Forbidden> {
    let after = trial.doc.transact();
    let marked = |card: &str| match trial.board.cards.get(&after, card) {
        Some(Out::YMap(m)) => matches!(m.get(&after, "hidden"), Some(Out::Any(Any::Bool(true)))),
        _ => false,
    };
    let hides = seen.added.iter().any(|(card, _)| marked(card))
        || seen
            .keys
            .iter()
            .any(|(card, key)| key == "hidden" && marked(card));
    if hides {
        return Err(Forbidden::HideThroughModeration);
    }
    Ok(())
}

/// A card's symbol must be one of the set shipped with the app (or none).
fn known_symbol(value: Option<&Out>) -> Result<(), Forbidden> {
    match value {
        None => Ok(()),
        Some(Out::Any(Any::String(s))) if Symbol::parse(s).is_some() => Ok(()),
        Some(_) => Err(Forbidden::UnknownSymbol),
    }
}

/// Whether `permit`'s writer may make the changes `seen` on `live` (before) giving
/// `trial` (after).
fn judge(live: &Doc, trial: &Trial, seen: &Seen, permit: &Permit) -> Result<(), Forbidden> {
    let rules = permit.rules();
    let me = permit.actor.as_str();
    let live_board = Board::of(live);
    let before = live.transact();
    let after = trial.doc.transact();
    if seen.meta {
        return Err(Forbidden::FacilitatorsOnly("the board's title and details"));
    }
    if seen.themes {
        rules.allows(Action::Theme)?;
    }
    let mut new_cards: HashSet<&str> = HashSet::new();
    for (card, replaced) in &seen.added {
        rules.allows(Action::Write)?;
        if permit.private {
            return Err(Forbidden::PrivateWriting);
        }
        if *replaced && author(&live_board, &before, card).as_deref() != Some(me) {
            return Err(Forbidden::NotYours);
        }
        let Some(Out::YMap(m)) = trial.board.cards.get(&after, card) else {
            return Err(Forbidden::Fixed("card".into()));
        };
        for (key, value) in m.iter(&after) {
            match key {
                "author" => {
                    if !matches!(&value, Out::Any(Any::String(s)) if &**s == me) {
                        return Err(Forbidden::NotAsYourself);
                    }
                }
                "role" => return Err(Forbidden::RoleFromRoster),
                "hidden" | "source" => return Err(Forbidden::Moderation),
                "symbol" => known_symbol(Some(&value))?,
                k if NEW_CARD_KEYS.contains(&k) => {}
                k => return Err(Forbidden::Fixed(k.chars().take(40).collect())),
            }
        }
        if author(&trial.board, &after, card).as_deref() != Some(me) {
            return Err(Forbidden::NotAsYourself);
        }
        new_cards.insert(card);
    }
    for card in &seen.removed {
        rules.allows(Action::Write)?;
        if !permit.shared_delete && author(&live_board, &before, card).as_deref() != Some(me) {
            return Err(Forbidden::NotYours);
        }
    }
    for (card, key) in &seen.keys {
        if new_cards.contains(card.as_str()) {
            continue;
        }
        match key.as_str() {
            "text" => rules.allows(Action::Write)?,
            "pos" | "prompt" | "theme" => rules.allows(Action::Move)?,
            "color" | "symbol" => {
                rules.allows(Action::Write)?;
                if author(&live_board, &before, card).as_deref() != Some(me) {
                    return Err(Forbidden::NotYours);
                }
                if key == "symbol" {
                    let now = match trial.board.cards.get(&after, card) {
                        Some(Out::YMap(m)) => m.get(&after, "symbol"),
                        _ => None,
                    };
                    known_symbol(now.as_ref())?;
                }
            }
            "hidden" | "source" => return Err(Forbidden::Moderation),
            k => return Err(Forbidden::Fixed(k.chars().take(40).collect())),
        }
    }
    if !seen.votes.is_empty() {
        rules.allows(Action::Vote)?;
        if permit.secret_ballot {
            return Err(Forbidden::SecretBallot);
        }
        for (card, put) in &seen.votes.maps {
            if !put || others_under(&live_board.votes, &before, card, me) {
                return Err(Forbidden::NotYourVote);
            }
            if let Some(Out::YMap(m)) = trial.board.votes.get(&after, card) {
                if m.keys(&after).any(|voter| voter != me) {
                    return Err(Forbidden::NotYourVote);
                }
            }
        }
        if seen.votes.entries.iter().any(|(_, voter)| voter != me) {
            return Err(Forbidden::NotYourVote);
        }
        let mut used = 0i64;
        for (card, per_card) in trial.board.votes.iter(&after) {
            let Out::YMap(m) = per_card else { continue };
            let Some(v) = m.get(&after, me) else { continue };
            let n = match v {
                Out::Any(Any::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
                _ => return Err(Forbidden::NotYourVote),
            };
            if n.fract() != 0.0 || !(0.0..=MAX_VOTES_PER_PERSON as f64).contains(&n) {
                return Err(Forbidden::VoteLimit(permit.votes_per_person));
            }
            if n > 0.0 && !permit.draft && trial.board.cards.get(&after, card).is_none() {
                return Err(Forbidden::NotYourVote);
            }
            used += n as i64;
        }
        if used > permit.votes_per_person {
            return Err(Forbidden::VoteLimit(permit.votes_per_person));
        }
    }
    let olds = Olds {
        board: &live_board,
        txn: &before,
    };
    judge_reactions(&olds, trial, &after, seen, me)?;
    judge_comments(&olds, trial, &after, seen, me)
}

/// The board as it was before the change, and a read transaction on it (yrs gives one
/// document one transaction at a time: the judges share the caller's).
struct Olds<'a, 'doc> {
    board: &'a Board,
    txn: &'a yrs::Transaction<'doc>,
}

/// Whether `map[card]` on the board before the change holds anyone else's entry (keyed by
/// person): a participant's update may not put a new map over it, which would drop them.
fn others_under<T: ReadTxn>(map: &yrs::MapRef, txn: &T, card: &str, me: &str) -> bool {
    match map.get(txn, card) {
        Some(Out::YMap(m)) => m.keys(txn).any(|who| who != me),
        _ => false,
    }
}

/// A participant comments in any phase, only as themselves, on a card on the board, and
/// changes or deletes only their own comments. A comment is `{author, text, created}`
/// with the text 1 to [`MAX_COMMENT_TEXT`] characters: read back from the trial copy.
fn judge_comments(
    olds: &Olds,
    trial: &Trial,
    after: &yrs::Transaction,
    seen: &Seen,
    me: &str,
) -> Result<(), Forbidden> {
    if seen.comments.is_empty() {
        return Ok(());
    }
    let (live_board, before) = (olds.board, olds.txn);
    let mut touched: Vec<(String, String)> = Vec::new();
    for (card, put) in &seen.comments.maps {
        // A whole thread removed or replaced takes others' comments with it.
        let others = match live_board.comments.get(before, card) {
            Some(Out::YMap(m)) => m.iter(before).any(|(id, v)| {
                crate::model::CommentView::read(before, card, id, &v).map(|c| c.author)
                    != Some(me.into())
            }),
            _ => false,
        };
        if !put || others {
            return Err(Forbidden::NotYourComment);
        }
        if let Some(Out::YMap(m)) = trial.board.comments.get(after, card) {
            touched.extend(m.keys(after).map(|id| (card.clone(), id.to_string())));
        }
    }
    touched.extend(seen.comments.entries.iter().cloned());
    for (card, id) in touched {
        if card.is_empty() || id.is_empty() || id.chars().count() > MAX_COMMENT_ID {
            return Err(Forbidden::NotYourComment);
        }
        let read = |board: &Board, txn: &yrs::Transaction| match board.comments.get(txn, &card) {
            Some(Out::YMap(m)) => m
                .get(txn, &id)
                .map(|v| crate::model::CommentView::read(txn, &card, &id, &v)),
            _ => None,
        };
        // Someone else's comment (or a malformed entry) is not changed by a participant.
        if let Some(was) = read(live_board, before) {
            if was.map(|c| c.author) != Some(me.to_string()) {
                return Err(Forbidden::NotYourComment);
            }
        }
        match read(&trial.board, after) {
            None => {}
            Some(None) => return Err(Forbidden::NotYourComment),
            Some(Some(c)) => {
                let len = c.text.chars().count();
                if c.author != me
                    || c.text.trim().is_empty()
                    || len > MAX_COMMENT_TEXT
                    || trial.board.cards.get(after, &card).is_none()
                {
                    return Err(Forbidden::NotYourComment);
                }
            }
        }
    }
    Ok(())
}

/// A participant reacts in any phase, only as themselves, with one of the schema's
/// reactions, to a card on the board (the reaction is read back after the change: what
/// the trial copy holds for them must be a known word on an existing card).
fn judge_reactions(
    olds: &Olds,
    trial: &Trial,
    after: &yrs::Transaction,
    seen: &Seen,
    me: &str,
) -> Result<(), Forbidden> {
    if seen.reactions.is_empty() {
        return Ok(());
    }
    let (live_board, before) = (olds.board, olds.txn);
    let mut touched: Vec<&str> = Vec::new();
    for (card, put) in &seen.reactions.maps {
        if !put || others_under(&live_board.reactions, before, card, me) {
            return Err(Forbidden::NotYourReaction);
        }
        if let Some(Out::YMap(m)) = trial.board.reactions.get(after, card) {
            if m.keys(after).any(|who| who != me) {
                return Err(Forbidden::NotYourReaction);
            }
        }
        touched.push(card);
    }
    for (card, who) in &seen.reactions.entries {
        if who != me {
            return Err(Forbidden::NotYourReaction);
        }
        touched.push(card);
    }
    for card in touched {
        let Some(Out::YMap(m)) = trial.board.reactions.get(after, card) else {
            return Err(Forbidden::NotYourReaction);
        };
        let known = match m.get(after, me) {
            None => continue,
            Some(Out::Any(Any::String(s))) => crate::model::schema::Reaction::parse(&s).is_some(),
            Some(_) => false,
        };
        if !known || trial.board.cards.get(after, card).is_none() {
            return Err(Forbidden::NotYourReaction);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
