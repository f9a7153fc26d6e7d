//! Provenance of a card copied onto a synthesis board: where it came from, stored once in
//! the card's `source` key as a plain JSON-like map (immutable, readable by any Yjs
//! client). The board model reads and writes it; [`super::synthesis`] makes it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use yrs::{Any, Out};

/// Key of a card's provenance map.
pub const SOURCE_KEY: &str = "source";

/// Where a card on a synthesis board came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Provenance {
    /// Clinical area of the source workshop.
    pub area: String,
    /// Pillar of the source board.
    pub pillar: String,
    /// Title of the source workshop.
    pub workshop: String,
    /// Id of the source board.
    pub board: String,
    /// Title of the source board.
    pub board_title: String,
    /// Snapshot the card was copied from (`None`: the live board at `copied`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_name: Option<String>,
    /// Id of the card on the source board.
    pub card: String,
    /// Title of the theme the card was in on the source board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<String>,
    /// Votes the card had on the source board.
    #[serde(default)]
    pub votes: i64,
    /// When it was copied (ms since the epoch).
    #[serde(default)]
    pub copied: f64,
}

impl Provenance {
    /// The value stored under [`SOURCE_KEY`].
    pub fn to_any(&self) -> Any {
        let mut m: HashMap<String, Any> = HashMap::new();
        let mut put = |k: &str, v: Any| {
            m.insert(k.to_string(), v);
        };
        put("area", self.area.as_str().into());
        put("pillar", self.pillar.as_str().into());
        put("workshop", self.workshop.as_str().into());
        put("board", self.board.as_str().into());
        put("board_title", self.board_title.as_str().into());
        if let Some(s) = self.snapshot {
            put("snapshot", Any::from(s as f64));
        }
        if let Some(s) = &self.snapshot_name {
            put("snapshot_name", s.as_str().into());
        }
        put("card", self.card.as_str().into());
        if let Some(t) = &self.theme {
            put("theme", t.as_str().into());
        }
        put("votes", Any::from(self.votes as f64));
        put("copied", Any::from(self.copied));
        Any::Map(Arc::new(m))
    }

    /// Read a stored provenance; `None` if the value is not a map.
    pub fn from_out(value: &Out) -> Option<Provenance> {
        let Out::Any(Any::Map(m)) = value else {
            return None;
        };
        let s = |k: &str| match m.get(k) {
            Some(Any::String(s)) => Some(s.to_string()),
            _ => None,
        };
        let n = |k: &str| match m.get(k) {
            Some(Any::Number(n)) => n.as_f64(),
            _ => None,
        };
        Some(Provenance {
            area: s("area").unwrap_or_default(),
            pillar: s("pillar").unwrap_or_default(),
            workshop: s("workshop").unwrap_or_default(),
            board: s("board").unwrap_or_default(),
            board_title: s("board_title").unwrap_or_default(),
            snapshot: n("snapshot").map(|v| v as i64),
            snapshot_name: s("snapshot_name"),
            card: s("card").unwrap_or_default(),
            theme: s("theme"),
            votes: n("votes").map(|v| v as i64).unwrap_or(0),
            copied: n("copied").unwrap_or(0.0),
        })
    }

    /// "Cancer Care · Consultancy" (and the snapshot, if any), for labels.
    pub fn label(&self) -> String {
        let mut l = format!("{} · {}", self.area, self.pillar);
        if let Some(s) = &self.snapshot_name {
            l.push_str(&format!(" · snapshot “{s}”"));
        }
        l
    }
}
