//! Content limits of a board document, enforced by the server on every client update:
//! at most `max_cards` cards, card text and theme titles at most `max_text` UTF-16 units.
//!
//! A deep observer on the `cards` map notes which cards an update added or whose text it
//! touched (work in proportion to the update, not the board). After the update is
//! applied, [`ContentWatch::enforce`] trims what is over a limit in a second transaction
//! under the same lock: the newest added cards beyond the limit are removed, over-long
//! text is cut at the limit. That fix is stored and sent to everyone (the sender too),
//! and the sender is told why.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use crate::model::board::Board;
use yrs::types::Events;
use yrs::types::{EntryChange, Event, PathSegment};
use yrs::{Any, DeepObservable, Doc, Map, MapRef, Out, Text, TextPrelim, Transact, TransactionMut};

/// The type a known key holds (docs/PROTOCOL.md, board document schema).
#[derive(Debug, Clone, Copy)]
enum Kind {
    Text,
    Str,
    Number,
    Bool,
    Map,
}

/// Longest plain string a known key may hold, in characters (ids, words, order keys).
pub const MAX_FIELD: usize = 1_000;

/// A card's known keys and their types.
const CARD_KEYS: [(&str, Kind); 11] = [
    ("text", Kind::Text),
    ("prompt", Kind::Str),
    ("author", Kind::Str),
    ("role", Kind::Str),
    ("created", Kind::Number),
    ("theme", Kind::Str),
    ("pos", Kind::Str),
    ("color", Kind::Str),
    ("symbol", Kind::Str),
    ("hidden", Kind::Bool),
    ("source", Kind::Map),
];

/// A theme's known keys and their types.
const THEME_KEYS: [(&str, Kind); 3] = [
    ("title", Kind::Text),
    ("prompt", Kind::Str),
    ("pos", Kind::Str),
];

/// What the observer saw in the last transaction(s).
#[derive(Debug, Default)]
struct Seen {
    /// Cards added, in the order seen.
    added: Vec<String>,
    /// Cards whose content changed (text, or keys of the card map).
    touched: Vec<String>,
    /// Themes added or changed (their titles are text too).
    themes: Vec<String>,
}

/// Why an update was trimmed (sent to its author as permission-denied).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trimmed {
    pub update: Vec<u8>,
    pub reason: String,
}

/// The content limits of a board document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContentLimits {
    /// Cards per board.
    pub max_cards: usize,
    /// Card text and theme titles, in UTF-16 code units.
    pub max_text: usize,
    /// The whole document, in bytes of encoded updates (see [`super::SyncDoc`]).
    pub max_doc_bytes: usize,
}

/// Watches one board document.
pub struct ContentWatch {
    board: Board,
    seen: Arc<Mutex<Seen>>,
    max_cards: usize,
    max_text: u32,
}

impl ContentWatch {
    /// Start watching `doc` (a board document; call before any transaction is open).
    pub fn new(doc: &Doc, limits: ContentLimits) -> ContentWatch {
        let ContentLimits {
            max_cards,
            max_text,
            ..
        } = limits;
        let board = Board::of(doc);
        let (cards, themes) = (board.cards.clone(), board.themes.clone());
        let seen = Arc::new(Mutex::new(Seen::default()));
        let theme_sink = seen.clone();
        themes.observe_deep("content-limits", move |txn, events: &Events| {
            let mut s = theme_sink.lock().expect("seen");
            for e in events.iter() {
                match e.path().front() {
                    Some(PathSegment::Key(theme)) => s.themes.push(theme.to_string()),
                    Some(PathSegment::Index(_)) => {}
                    None => {
                        if let Event::Map(m) = e {
                            s.themes.extend(m.keys(txn).keys().map(|k| k.to_string()));
                        }
                    }
                }
            }
        });
        let sink = seen.clone();
        cards.observe_deep("content-limits", move |txn, events: &Events| {
            let mut s = sink.lock().expect("seen");
            for e in events.iter() {
                let path = e.path();
                match path.front() {
                    // A change inside one card (its text, or its keys).
                    Some(PathSegment::Key(card)) => s.touched.push(card.to_string()),
                    Some(PathSegment::Index(_)) => {}
                    // The cards map itself: cards added (or replaced).
                    None => {
                        if let Event::Map(m) = e {
                            for (key, change) in m.keys(txn).iter() {
                                if matches!(
                                    change,
                                    EntryChange::Inserted(_) | EntryChange::Updated(_, _)
                                ) {
                                    s.added.push(key.to_string());
                                }
                            }
                        }
                    }
                }
            }
        });
        ContentWatch {
            board,
            seen,
            max_cards,
            max_text: max_text.min(u32::MAX as usize) as u32,
        }
    }

    /// Forget what was seen (call before applying a client's update).
    pub fn reset(&self) {
        let mut s = self.seen.lock().expect("seen");
        s.added.clear();
        s.touched.clear();
        s.themes.clear();
    }

    /// Cut the text under `key` of entry `id` of `map` to the limit; whether it was cut.
    fn cut_text(&self, txn: &mut TransactionMut, map: &MapRef, id: &str, key: &str) -> bool {
        let Some(Out::YMap(entry)) = map.get(txn, id) else {
            return false;
        };
        let Some(Out::YText(text)) = entry.get(txn, key) else {
            return false;
        };
        let len = text.len(txn);
        if len <= self.max_text {
            return false;
        }
        text.remove_range(txn, self.max_text, len - self.max_text);
        true
    }

    /// Give the known keys of entry `id` of `map` the schema's types; how many were fixed.
    fn fix_types(
        &self,
        txn: &mut TransactionMut,
        map: &MapRef,
        id: &str,
        keys: &[(&str, Kind)],
    ) -> usize {
        let Some(Out::YMap(entry)) = map.get(txn, id) else {
            return 0;
        };
        let mut fixed = 0;
        for &(key, kind) in keys {
            let Some(value) = entry.get(txn, key) else {
                continue;
            };
            let fits = match (kind, &value) {
                (Kind::Text, Out::YText(_)) => true,
                (Kind::Str, Out::Any(Any::String(s))) => s.chars().count() <= MAX_FIELD,
                (Kind::Number, Out::Any(Any::Number(_))) => true,
                (Kind::Bool, Out::Any(Any::Bool(_))) => true,
                (Kind::Map, Out::Any(Any::Map(_))) => true,
                _ => false,
            };
            if fits {
                continue;
            }
            fixed += 1;
            match (kind, value) {
                (Kind::Text, Out::Any(Any::String(s))) => {
                    let units: Vec<u16> = s.encode_utf16().take(self.max_text as usize).collect();
                    entry.insert(txn, key, TextPrelim::new(String::from_utf16_lossy(&units)));
                }
                (Kind::Str, Out::Any(Any::String(s))) => {
                    entry.insert(txn, key, s.chars().take(MAX_FIELD).collect::<String>());
                }
                _ => {
                    entry.remove(txn, key);
                }
            }
        }
        fixed
    }

    /// Bring the document back within its limits after an update; returns the fix as an
    /// update, or `None` if nothing was over a limit.
    pub fn enforce(&self, doc: &Doc) -> Option<Trimmed> {
        let (added, touched, themes) = {
            let mut s = self.seen.lock().expect("seen");
            (
                std::mem::take(&mut s.added),
                std::mem::take(&mut s.touched),
                std::mem::take(&mut s.themes),
            )
        };
        if added.is_empty() && touched.is_empty() && themes.is_empty() {
            return None;
        }
        let mut reasons = Vec::new();
        let mut txn = doc.transact_mut();
        // Cards beyond the limit: remove the newest this update added (by `created`, then
        // id, so every server decides alike).
        let cards = &self.board.cards;
        let mut count = cards.len(&txn) as usize;
        let mut removed = 0;
        if count > self.max_cards {
            let mut newest: Vec<(f64, &str)> = added
                .iter()
                .filter_map(|id| Some((self.board.card(&txn, id)?.created, id.as_str())))
                .collect();
            newest.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(b.1)));
            newest.dedup_by(|a, b| a.1 == b.1);
            for (_, id) in newest.iter().rev() {
                if count <= self.max_cards {
                    break;
                }
                cards.remove(&mut txn, id);
                count -= 1;
                removed += 1;
            }
        }
        if removed > 0 {
            reasons.push(format!(
                "the board is full ({} cards at most): {removed} new card(s) removed",
                self.max_cards
            ));
        }
        let cards_touched: HashSet<&str> = added
            .iter()
            .chain(touched.iter())
            .map(String::as_str)
            .collect();
        let themes_touched: HashSet<&str> = themes.iter().map(String::as_str).collect();
        // Known keys hold the schema's types (docs/PROTOCOL.md): a plain string where
        // text belongs becomes text (then cut like any text), other strings are cut at
        // MAX_FIELD, and a value of another type is removed. Unknown keys are kept
        // (forward compatible); the board's byte limit bounds them.
        let fixed: usize = cards_touched
            .iter()
            .map(|id| self.fix_types(&mut txn, cards, id, &CARD_KEYS))
            .sum::<usize>()
            + themes_touched
                .iter()
                .map(|id| self.fix_types(&mut txn, &self.board.themes, id, &THEME_KEYS))
                .sum::<usize>();
        if fixed > 0 {
            reasons.push(format!(
                "card and theme fields must have the schema's types: {fixed} field(s) fixed"
            ));
        }
        // Text over the limit (card text, theme titles): cut at the limit.
        let cut = cards_touched
            .into_iter()
            .filter(|id| self.cut_text(&mut txn, cards, id, "text"))
            .count()
            + themes_touched
                .into_iter()
                .filter(|id| self.cut_text(&mut txn, &self.board.themes, id, "title"))
                .count();
        if cut > 0 {
            reasons.push(format!(
                "card and theme text is limited to {} characters: {cut} text(s) cut",
                self.max_text
            ));
        }
        if reasons.is_empty() {
            return None;
        }
        let update = txn.encode_update_v1();
        drop(txn);
        // The fix's own events are not news.
        self.reset();
        Some(Trimmed {
            update,
            reason: reasons.join("; "),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{new_doc, Prompt, Role};
    use yrs::updates::decoder::Decode;
    use yrs::{GetString, ReadTxn, StateVector, Update};

    /// A watch with these card and text limits (no size limit).
    fn watched(doc: &Doc, max_cards: usize, max_text: usize) -> ContentWatch {
        ContentWatch::new(
            doc,
            ContentLimits {
                max_cards,
                max_text,
                max_doc_bytes: usize::MAX,
            },
        )
    }

    fn client_update(f: impl FnOnce(&Board, &mut yrs::TransactionMut)) -> Update {
        let doc = new_doc();
        let b = Board::of(&doc);
        f(&b, &mut doc.transact_mut());
        let u = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        Update::decode_v1(&u).unwrap()
    }

    #[test]
    fn newest_cards_beyond_the_limit_are_removed_and_long_text_is_cut() {
        let doc = new_doc();
        let watch = watched(&doc, 3, 10);
        watch.reset();
        let u = client_update(|b, txn| {
            for i in 0..5 {
                b.add_card(
                    txn,
                    &format!("c{i}"),
                    Prompt::How,
                    "short",
                    "u",
                    Role::Patient,
                    1.0,
                )
                .unwrap();
            }
        });
        doc.transact_mut().apply_update(u).unwrap();
        let fix = watch.enforce(&doc).expect("over the limit");
        assert!(fix.reason.contains("3 cards at most"), "{}", fix.reason);
        let b = Board::of(&doc);
        let ids: Vec<String> = b.cards(&doc.transact()).into_iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            vec!["c0", "c1", "c2"],
            "the newest (by created, then id) went"
        );

        // A later edit making a text too long is cut back at the limit.
        watch.reset();
        let sv = doc.transact().state_vector();
        let other = new_doc();
        other
            .transact_mut()
            .apply_update(
                Update::decode_v1(
                    &doc.transact()
                        .encode_state_as_update_v1(&StateVector::default()),
                )
                .unwrap(),
            )
            .unwrap();
        let ob = Board::of(&other);
        let id = ids[0].clone();
        {
            let mut txn = other.transact_mut();
            let t = ob.card_text(&txn, &id).unwrap();
            t.insert(&mut txn, 5, " and much longer");
        }
        let diff = other.transact().encode_state_as_update_v1(&sv);
        doc.transact_mut()
            .apply_update(Update::decode_v1(&diff).unwrap())
            .unwrap();
        let fix = watch.enforce(&doc).expect("text over the limit");
        assert!(fix.reason.contains("limited to 10"), "{}", fix.reason);
        let txn = doc.transact();
        assert_eq!(
            b.card_text(&txn, &id).unwrap().get_string(&txn),
            "short and "
        );
        drop(txn);
        // The fix brings a peer to the same state.
        other
            .transact_mut()
            .apply_update(Update::decode_v1(&fix.update).unwrap())
            .unwrap();
        let t = other.transact();
        assert_eq!(ob.card_text(&t, &id).unwrap().get_string(&t), "short and ");
    }

    #[test]
    fn long_theme_titles_are_cut_too() {
        let doc = new_doc();
        let watch = watched(&doc, 3, 5);
        watch.reset();
        let u = client_update(|b, txn| {
            b.themes.insert(txn, "t", yrs::MapPrelim::default());
            let Some(Out::YMap(t)) = b.themes.get(txn, "t") else {
                unreachable!()
            };
            t.insert(txn, "title", yrs::TextPrelim::new("A very long title"));
        });
        doc.transact_mut().apply_update(u).unwrap();
        assert!(watch.enforce(&doc).is_some());
        let b = Board::of(&doc);
        assert_eq!(b.themes(&doc.transact())[0].title, "A ver");
    }

    #[test]
    fn known_keys_get_the_schemas_types_and_unknown_ones_are_kept() {
        let doc = new_doc();
        let watch = watched(&doc, 10, 8);
        watch.reset();
        let u = client_update(|b, txn| {
            b.add_card(txn, "c", Prompt::How, "ok", "u", Role::Patient, 1.0)
                .unwrap();
            let Some(Out::YMap(card)) = b.cards.get(txn, "c") else {
                unreachable!()
            };
            // A plain string where text belongs would escape the text limit.
            card.insert(txn, "text", "a plain string, far too long");
            card.insert(txn, "author", "x".repeat(5_000));
            card.insert(txn, "hidden", "yes");
            card.insert(txn, "created", "soon");
            card.insert(txn, "future-key", "kept");
        });
        doc.transact_mut().apply_update(u).unwrap();
        let fix = watch.enforce(&doc).expect("fields fixed");
        assert!(fix.reason.contains("4 field(s) fixed"), "{}", fix.reason);
        let b = Board::of(&doc);
        let txn = doc.transact();
        let c = b.card(&txn, "c").unwrap();
        assert_eq!(c.text, "a plain ");
        assert_eq!(c.author.chars().count(), MAX_FIELD);
        assert!(!c.hidden);
        let Some(Out::YMap(card)) = b.cards.get(&txn, "c") else {
            unreachable!()
        };
        assert!(matches!(card.get(&txn, "text"), Some(Out::YText(_))));
        assert!(card.get(&txn, "hidden").is_none() && card.get(&txn, "created").is_none());
        assert_eq!(
            card.get(&txn, "future-key"),
            Some(Out::Any(Any::String("kept".into())))
        );
    }

    #[test]
    fn updates_within_limits_need_no_fix() {
        let doc = new_doc();
        let watch = watched(&doc, 3, 10);
        watch.reset();
        let u = client_update(|b, txn| {
            b.add_card(txn, "a", Prompt::How, "ok", "u", Role::Patient, 1.0)
                .unwrap();
        });
        doc.transact_mut().apply_update(u).unwrap();
        assert_eq!(watch.enforce(&doc), None);
    }
}
