//! The control document of a board: facilitator state that everyone reads and only
//! facilitators write (served on `/ws/board/{id}/control`). See docs/PROTOCOL.md.
//!
//! One root map, `control`. Absent keys mean their defaults, so a fresh control document
//! is empty and needs no initial write.

use serde::{Deserialize, Serialize};
use yrs::{Any, Doc, Map, MapRef, Out, ReadTxn, TransactionMut};

/// Root map of the control document.
pub const ROOT_CONTROL: &str = "control";

/// Default dot votes per person.
pub const DEFAULT_VOTES: i64 = 3;
/// Longest broadcast message.
pub const MAX_MESSAGE: usize = 500;

/// What the group is doing now.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    #[default]
    Write,
    Group,
    Vote,
    Review,
}

impl Phase {
    pub const ALL: [Phase; 4] = [Phase::Write, Phase::Group, Phase::Vote, Phase::Review];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Write => "write",
            Phase::Group => "group",
            Phase::Vote => "vote",
            Phase::Review => "review",
        }
    }

    pub fn parse(s: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Write => "Writing ideas",
            Phase::Group => "Grouping into themes",
            Phase::Vote => "Voting",
            Phase::Review => "Reviewing",
        }
    }
}

/// The control state as read from the document (defaults filled in).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ControlState {
    pub phase: Phase,
    pub locked: bool,
    /// End of the running timer, ms since the epoch.
    pub timer_ends: Option<f64>,
    pub anonymous: bool,
    pub revealed: bool,
    /// Whether the vote tallies are on the board. While not (the default), participants
    /// vote on their own ballot during the vote phase and nobody sees tallies until the
    /// facilitator reveals them.
    #[serde(default)]
    pub votes_revealed: bool,
    /// Whether participants may delete each other's cards (the group shares its cards),
    /// not only their own. Off by default.
    #[serde(default)]
    pub shared_delete: bool,
    pub votes_per_person: i64,
    pub message: String,
    /// The run-sheet step the board is at (`crate::model::plan::RunSheet`), if the
    /// facilitators run it from the console.
    #[serde(default)]
    pub step: Option<u32>,
    /// The card (or theme) a facilitator brings everyone to: pages scroll it into view
    /// and mark it.
    #[serde(default)]
    pub spotlight: Option<String>,
    /// "Follow me": the card at the top of the facilitator's view, which every page that
    /// has not stopped following keeps in view (`None`: nobody is asked to follow).
    #[serde(default)]
    pub follow: Option<String>,
    /// Participants the facilitator moved to another group: participant id -> board id.
    #[serde(default)]
    pub moves: std::collections::BTreeMap<String, String>,
}

/// Prefix of `control` keys that record a move: `move:{participant id}` = board id.
pub const MOVE_PREFIX: &str = "move:";

impl Default for ControlState {
    fn default() -> Self {
        ControlState {
            phase: Phase::Write,
            locked: false,
            timer_ends: None,
            anonymous: false,
            revealed: true,
            votes_revealed: false,
            shared_delete: false,
            votes_per_person: DEFAULT_VOTES,
            message: String::new(),
            step: None,
            spotlight: None,
            follow: None,
            moves: Default::default(),
        }
    }
}

/// A change a facilitator makes; `None` leaves a field as it is.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ControlPatch {
    pub phase: Option<Phase>,
    pub locked: Option<bool>,
    /// `Some(None)` stops the timer (JSON `null`; an absent key leaves it).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub timer_ends: Option<Option<f64>>,
    pub anonymous: Option<bool>,
    pub revealed: Option<bool>,
    #[serde(default)]
    pub votes_revealed: Option<bool>,
    #[serde(default)]
    pub shared_delete: Option<bool>,
    pub votes_per_person: Option<i64>,
    pub message: Option<String>,
    /// The run-sheet step the board is now at.
    #[serde(default)]
    pub step: Option<u32>,
    /// `Some(None)` ends the spotlight (JSON `null`; an absent key leaves it).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub spotlight: Option<Option<String>>,
    /// `Some(Some(card))`: everyone follows the facilitator, who is at `card`;
    /// `Some(None)` releases them (JSON `null`; an absent key leaves it).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "present"
    )]
    pub follow: Option<Option<String>>,
}

impl ControlPatch {
    /// Whether this only moves "follow me" to another card: the facilitator scrolling,
    /// not a decision (not audited).
    pub fn only_moves_follow(&self) -> bool {
        matches!(self.follow, Some(Some(_)))
            && *self
                == ControlPatch {
                    follow: self.follow.clone(),
                    ..Default::default()
                }
    }
}

/// A key that is present (even as `null`) is `Some`.
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// Errors in a control patch.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ControlError {
    #[error("votes per person must be between 0 and 100")]
    Votes,
    #[error("the message is longer than {MAX_MESSAGE} characters")]
    MessageTooLong,
    #[error("a spotlight or \"follow me\" names one card or theme by its id")]
    Spotlight,
}

/// Longest card or theme id a spotlight may name.
pub const MAX_SPOTLIGHT_ID: usize = 100;

/// Typed access to a control document.
#[derive(Clone)]
pub struct Control {
    map: MapRef,
}

impl Control {
    pub fn of(doc: &Doc) -> Control {
        Control {
            map: doc.get_or_insert_map(ROOT_CONTROL),
        }
    }

    pub fn read<T: ReadTxn>(&self, txn: &T) -> ControlState {
        let d = ControlState::default();
        let num = |k: &str| match self.map.get(txn, k) {
            Some(Out::Any(Any::Number(n))) => n.as_f64(),
            _ => None,
        };
        let boolean = |k: &str, default: bool| match self.map.get(txn, k) {
            Some(Out::Any(Any::Bool(b))) => b,
            _ => default,
        };
        let string = |k: &str| match self.map.get(txn, k) {
            Some(Out::Any(Any::String(s))) => Some(s.to_string()),
            _ => None,
        };
        ControlState {
            phase: string("phase")
                .and_then(|p| Phase::parse(&p))
                .unwrap_or(d.phase),
            locked: boolean("locked", d.locked),
            timer_ends: num("timer_ends"),
            anonymous: boolean("anonymous", d.anonymous),
            revealed: boolean("revealed", d.revealed),
            votes_revealed: boolean("votes_revealed", d.votes_revealed),
            shared_delete: boolean("shared_delete", d.shared_delete),
            votes_per_person: num("votes_per_person")
                .map(|n| (n as i64).clamp(0, super::schema::MAX_VOTES_PER_PERSON))
                .unwrap_or(d.votes_per_person),
            message: string("message").unwrap_or_default(),
            step: num("step")
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(|n| n as u32),
            spotlight: string("spotlight").filter(|s| !s.is_empty()),
            follow: string("follow").filter(|s| !s.is_empty()),
            moves: self
                .map
                .iter(txn)
                .filter_map(|(k, v)| {
                    let who = k.strip_prefix(MOVE_PREFIX)?;
                    match v {
                        Out::Any(Any::String(b)) => Some((who.to_string(), b.to_string())),
                        _ => None,
                    }
                })
                .collect(),
        }
    }

    /// Send a participant to another board (their page follows).
    pub fn move_person(&self, txn: &mut TransactionMut, person: &str, board: &str) {
        self.map
            .insert(txn, format!("{MOVE_PREFIX}{person}"), board);
    }

    /// Whether the board is locked (the server checks this on every board update).
    pub fn locked<T: ReadTxn>(&self, txn: &T) -> bool {
        matches!(self.map.get(txn, "locked"), Some(Out::Any(Any::Bool(true))))
    }

    /// Apply a facilitator's change. Validates first; writes nothing on error.
    pub fn apply(
        &self,
        txn: &mut TransactionMut,
        patch: &ControlPatch,
    ) -> Result<(), ControlError> {
        if let Some(v) = patch.votes_per_person {
            if !(0..=super::schema::MAX_VOTES_PER_PERSON).contains(&v) {
                return Err(ControlError::Votes);
            }
        }
        if let Some(m) = &patch.message {
            if m.chars().count() > MAX_MESSAGE {
                return Err(ControlError::MessageTooLong);
            }
        }
        for card in [&patch.spotlight, &patch.follow]
            .into_iter()
            .flatten()
            .flatten()
        {
            if card.is_empty() || card.chars().count() > MAX_SPOTLIGHT_ID {
                return Err(ControlError::Spotlight);
            }
        }
        if let Some(p) = patch.phase {
            self.map.insert(txn, "phase", p.as_str());
        }
        if let Some(l) = patch.locked {
            self.map.insert(txn, "locked", l);
        }
        match patch.timer_ends {
            Some(Some(t)) => {
                self.map.insert(txn, "timer_ends", t);
            }
            Some(None) => {
                self.map.remove(txn, "timer_ends");
            }
            None => {}
        }
        if let Some(a) = patch.anonymous {
            self.map.insert(txn, "anonymous", a);
        }
        if let Some(r) = patch.revealed {
            self.map.insert(txn, "revealed", r);
        }
        if let Some(r) = patch.votes_revealed {
            self.map.insert(txn, "votes_revealed", r);
        }
        if let Some(s) = patch.shared_delete {
            self.map.insert(txn, "shared_delete", s);
        }
        if let Some(v) = patch.votes_per_person {
            self.map.insert(txn, "votes_per_person", v as f64);
        }
        if let Some(m) = &patch.message {
            self.map.insert(txn, "message", m.as_str());
        }
        if let Some(step) = patch.step {
            self.map.insert(txn, "step", f64::from(step));
        }
        for (key, value) in [("spotlight", &patch.spotlight), ("follow", &patch.follow)] {
            match value {
                Some(Some(card)) => {
                    self.map.insert(txn, key, card.as_str());
                }
                Some(None) => {
                    self.map.remove(txn, key);
                }
                None => {}
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::new_doc;
    use yrs::Transact;

    #[test]
    fn a_fresh_control_document_reads_as_defaults() {
        let doc = new_doc();
        let c = Control::of(&doc);
        assert_eq!(c.read(&doc.transact()), ControlState::default());
        assert!(!c.locked(&doc.transact()));
    }

    #[test]
    fn patches_change_only_what_they_name() {
        let doc = new_doc();
        let c = Control::of(&doc);
        c.apply(
            &mut doc.transact_mut(),
            &ControlPatch {
                locked: Some(true),
                phase: Some(Phase::Vote),
                timer_ends: Some(Some(1000.0)),
                message: Some("Five minutes left".into()),
                ..Default::default()
            },
        )
        .unwrap();
        let s = c.read(&doc.transact());
        assert!(s.locked);
        assert_eq!(s.phase, Phase::Vote);
        assert_eq!(s.timer_ends, Some(1000.0));
        assert_eq!(s.message, "Five minutes left");
        assert_eq!(s.votes_per_person, DEFAULT_VOTES);
        c.apply(
            &mut doc.transact_mut(),
            &ControlPatch {
                timer_ends: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
        let s = c.read(&doc.transact());
        assert_eq!(s.timer_ends, None);
        assert!(s.locked, "untouched fields stay");
    }

    #[test]
    fn json_patches_tell_absent_from_null() {
        let p: ControlPatch = serde_json::from_str(r#"{"locked":true}"#).unwrap();
        assert_eq!(p.timer_ends, None, "absent: leave the timer");
        let p: ControlPatch = serde_json::from_str(r#"{"timer_ends":null}"#).unwrap();
        assert_eq!(p.timer_ends, Some(None), "null: stop the timer");
        let p: ControlPatch = serde_json::from_str(r#"{"timer_ends":5.0}"#).unwrap();
        assert_eq!(p.timer_ends, Some(Some(5.0)));
        for patch in [
            ControlPatch::default(),
            ControlPatch {
                timer_ends: Some(None),
                ..Default::default()
            },
        ] {
            let back: ControlPatch =
                serde_json::from_str(&serde_json::to_string(&patch).unwrap()).unwrap();
            assert_eq!(back, patch, "round trip");
        }
    }

    #[test]
    fn bad_patches_write_nothing() {
        let doc = new_doc();
        let c = Control::of(&doc);
        let err = c
            .apply(
                &mut doc.transact_mut(),
                &ControlPatch {
                    locked: Some(true),
                    votes_per_person: Some(1000),
                    ..Default::default()
                },
            )
            .unwrap_err();
        assert_eq!(err, ControlError::Votes);
        assert!(!c.locked(&doc.transact()));
    }

    #[test]
    fn only_a_follow_move_is_a_follow_move() {
        let moved = ControlPatch {
            follow: Some(Some("card-1".into())),
            ..Default::default()
        };
        assert!(moved.only_moves_follow());
        let released = ControlPatch {
            follow: Some(None),
            ..Default::default()
        };
        assert!(!released.only_moves_follow(), "ending it is a decision");
        let with_more = ControlPatch {
            locked: Some(true),
            ..moved.clone()
        };
        assert!(!with_more.only_moves_follow());
        assert!(!ControlPatch::default().only_moves_follow());
    }
}
