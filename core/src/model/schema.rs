//! Names in the board document schema (version 2). See docs/PROTOCOL.md.

use serde::{Deserialize, Serialize};

/// Value of `meta.schema` written by this version. Schema 2 (protocol 3): cards'
/// `author` is a pseudonym, participants' cards carry no `role` (the server's roster has
/// it), and no card is marked `hidden` (hidden cards leave the board).
pub const SCHEMA_VERSION: i64 = 2;

/// The oldest `meta.schema` this version reads (and migrates when a board loads).
pub const OLDEST_SCHEMA: i64 = 1;

/// Root map with board metadata.
pub const ROOT_META: &str = "meta";
/// Root map of card id -> card map.
pub const ROOT_CARDS: &str = "cards";
/// Root map of theme id -> theme map.
pub const ROOT_THEMES: &str = "themes";
/// Root map of card id -> (participant id -> count).
pub const ROOT_VOTES: &str = "votes";
/// Root map of card id -> (participant id -> reaction word, see [`Reaction`]).
pub const ROOT_REACTIONS: &str = "reactions";
/// Root map of card id -> (comment id -> comment: a map of exactly `author`, `text` and
/// `created`, see [`MAX_COMMENT_TEXT`]). A card's thread is its comments in order of
/// `created`.
pub const ROOT_COMMENTS: &str = "comments";
/// Longest comment, in characters.
pub const MAX_COMMENT_TEXT: usize = 1_000;
/// Longest comment id, in characters.
pub const MAX_COMMENT_ID: usize = 64;

/// A quick response to a card that does not change it: one per person and card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Reaction {
    Agree,
    Important,
    Question,
    Unclear,
}

impl Reaction {
    pub const ALL: [Reaction; 4] = [
        Reaction::Agree,
        Reaction::Important,
        Reaction::Question,
        Reaction::Unclear,
    ];

    /// The word stored in the document.
    pub fn as_str(self) -> &'static str {
        match self {
            Reaction::Agree => "agree",
            Reaction::Important => "important",
            Reaction::Question => "question",
            Reaction::Unclear => "unclear",
        }
    }

    pub fn parse(s: &str) -> Option<Reaction> {
        Reaction::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// In words, for buttons, screen readers and exports.
    pub fn label(self) -> &'static str {
        match self {
            Reaction::Agree => "Agree",
            Reaction::Important => "Important",
            Reaction::Question => "I have a question",
            Reaction::Unclear => "Not clear to me",
        }
    }

    /// Shown beside the words, never instead of them.
    pub fn icon(self) -> &'static str {
        match self {
            Reaction::Agree => "👍",
            Reaction::Important => "⭐",
            Reaction::Question => "❓",
            Reaction::Unclear => "🤔",
        }
    }
}

/// The clinical areas workshops are run for (free text is allowed too).
pub const AREAS: [&str; 4] = [
    "Learning Disabilities & Autism",
    "Cancer Care",
    "Musculoskeletal (MSK)",
    "Cross-area synthesis",
];

/// The breakout pillar groups of every workshop.
pub const PILLARS: [&str; 5] = [
    "Strategic and enabling leadership",
    "Learning, developing and improving across the system",
    "Research and innovation",
    "Consultancy",
    "Expert practice",
];

/// Most dot votes one person may have on a board (the facilitator's allowance is at most
/// this). A stored count is read as at most this, so forged counts cannot overflow a sum.
pub const MAX_VOTES_PER_PERSON: i64 = 100;

/// Longest card text, in UTF-16 code units, the UI lets anyone type.
pub const MAX_CARD_TEXT: usize = 2_000;

/// The four prompts of the values clarification exercise, in board order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Prompt {
    Purpose,
    How,
    Enablers,
    Values,
}

impl Prompt {
    pub const ALL: [Prompt; 4] = [
        Prompt::Purpose,
        Prompt::How,
        Prompt::Enablers,
        Prompt::Values,
    ];

    /// The value stored in a card's `prompt` key.
    pub fn as_str(self) -> &'static str {
        match self {
            Prompt::Purpose => "purpose",
            Prompt::How => "how",
            Prompt::Enablers => "enablers",
            Prompt::Values => "values",
        }
    }

    pub fn parse(s: &str) -> Option<Prompt> {
        Prompt::ALL.into_iter().find(|p| p.as_str() == s)
    }

    /// Short column heading.
    pub fn title(self) -> &'static str {
        match self {
            Prompt::Purpose => "Purpose",
            Prompt::How => "How",
            Prompt::Enablers => "Enablers",
            Prompt::Values => "Values",
        }
    }

    /// The question in plain words (easy-read mode).
    pub fn easy_question(self) -> &'static str {
        match self {
            Prompt::Purpose => "Why are we doing this? What should it change?",
            Prompt::How => "How can we make it happen?",
            Prompt::Enablers => "What will help?",
            Prompt::Values => "What matters to you?",
        }
    }

    /// A picture for the prompt (easy-read mode; shown next to words, never instead).
    pub fn icon(self) -> &'static str {
        match self {
            Prompt::Purpose => "🎯",
            Prompt::How => "🛠️",
            Prompt::Enablers => "🤝",
            Prompt::Values => "💛",
        }
    }

    /// The question participants answer in this column.
    pub fn question(self) -> &'static str {
        match self {
            Prompt::Purpose => "What is the ultimate purpose of the development framework?",
            Prompt::How => "How can that purpose be achieved?",
            Prompt::Enablers => "What are the enablers?",
            Prompt::Values => "What other values and beliefs matter to achieving the purpose?",
        }
    }
}

/// Who a participant is in the workshop.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Stakeholder,
    Educator,
    Clinician,
    Patient,
    Facilitator,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Stakeholder,
        Role::Educator,
        Role::Clinician,
        Role::Patient,
        Role::Facilitator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Stakeholder => "stakeholder",
            Role::Educator => "educator",
            Role::Clinician => "clinician",
            Role::Patient => "patient",
            Role::Facilitator => "facilitator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::Stakeholder => "Stakeholder",
            Role::Educator => "Educator",
            Role::Clinician => "Clinician",
            Role::Patient => "Patient / citizen",
            Role::Facilitator => "Facilitator",
        }
    }
}

/// A new document configured like every cocreate peer: text offsets in UTF-16 code units,
/// the unit Yjs and browser text fields use, so indexes agree across all clients.
pub fn new_doc() -> yrs::Doc {
    yrs::Doc::with_options(yrs::Options {
        offset_kind: yrs::OffsetKind::Utf16,
        ..yrs::Options::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prompts_round_trip_through_their_names() {
        for p in Prompt::ALL {
            assert_eq!(Prompt::parse(p.as_str()), Some(p));
        }
        assert_eq!(Prompt::parse("other"), None);
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
