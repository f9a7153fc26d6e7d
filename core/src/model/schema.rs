//! Names in the board document schema (version 3). See docs/PROTOCOL.md.

use serde::{Deserialize, Serialize};

/// Value of `meta.schema` written by this version. Schema 2 (protocol 3): cards'
/// `author` is a pseudonym, participants' cards carry no `role` (the server's roster has
/// it), and no card is marked `hidden` (hidden cards leave the board). Schema 3: the
/// board carries its prompts' wording in `meta.prompts` ([`META_PROMPTS`]).
pub const SCHEMA_VERSION: i64 = 3;

/// The oldest `meta.schema` this version reads (and migrates when a board loads).
pub const OLDEST_SCHEMA: i64 = 1;

/// Root map with board metadata.
pub const ROOT_META: &str = "meta";
/// Key in `meta`: the board's prompts' words, a map of prompt key ([`Prompt::as_str`]) ->
/// map of `title`, `question` (plain words), `easy` (easy-read words) and `symbol`
/// ([`Symbol::as_str`]); see [`PromptText`] and `Board::prompts`.
pub const META_PROMPTS: &str = "prompts";
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

    /// The built-in exercise's symbol for the prompt (shown next to words, never
    /// instead).
    pub fn symbol(self) -> Symbol {
        match self {
            Prompt::Purpose => Symbol::Target,
            Prompt::How => Symbol::Tools,
            Prompt::Enablers => Symbol::Handshake,
            Prompt::Values => Symbol::Heart,
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

/// A picture shown beside a prompt's words (never instead of them), from a small fixed
/// set, drawn for cocreate (`public/symbols`, see [`Symbol::src`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Symbol {
    Target,
    Tools,
    Handshake,
    Heart,
    Idea,
    People,
    Star,
    Question,
    Book,
    Home,
    /// "Important" on the easy-read rating scale.
    Tick,
    /// "Not important" on the easy-read rating scale.
    Minus,
}

impl Symbol {
    pub const ALL: [Symbol; 12] = [
        Symbol::Target,
        Symbol::Tools,
        Symbol::Handshake,
        Symbol::Heart,
        Symbol::Idea,
        Symbol::People,
        Symbol::Star,
        Symbol::Question,
        Symbol::Book,
        Symbol::Home,
        Symbol::Tick,
        Symbol::Minus,
    ];

    /// The small set a participant chooses from to put a picture beside a card's words.
    pub const FOR_CARDS: [Symbol; 6] = [
        Symbol::Idea,
        Symbol::Heart,
        Symbol::Star,
        Symbol::Question,
        Symbol::People,
        Symbol::Home,
    ];

    /// The word stored in documents and plans.
    pub fn as_str(self) -> &'static str {
        match self {
            Symbol::Target => "target",
            Symbol::Tools => "tools",
            Symbol::Handshake => "handshake",
            Symbol::Heart => "heart",
            Symbol::Idea => "idea",
            Symbol::People => "people",
            Symbol::Star => "star",
            Symbol::Question => "question",
            Symbol::Book => "book",
            Symbol::Home => "home",
            Symbol::Tick => "tick",
            Symbol::Minus => "minus",
        }
    }

    pub fn parse(s: &str) -> Option<Symbol> {
        Symbol::ALL.into_iter().find(|x| x.as_str() == s)
    }

    /// What it shows, in words (for choosing one).
    pub fn label(self) -> &'static str {
        match self {
            Symbol::Target => "Target",
            Symbol::Tools => "Tools",
            Symbol::Handshake => "Handshake",
            Symbol::Heart => "Heart",
            Symbol::Idea => "Light bulb",
            Symbol::People => "People",
            Symbol::Star => "Star",
            Symbol::Question => "Question mark",
            Symbol::Book => "Book",
            Symbol::Home => "Home",
            Symbol::Tick => "Tick",
            Symbol::Minus => "Minus sign",
        }
    }

    /// Where its picture is served: drawn for cocreate as SVG, shipped in `public/symbols`.
    pub fn src(self) -> String {
        format!("/symbols/{}.svg", self.as_str())
    }
}

/// Longest prompt title, in characters.
pub const MAX_PROMPT_TITLE: usize = 40;
/// Longest prompt question (plain or easy-read), in characters.
pub const MAX_PROMPT_QUESTION: usize = 300;

/// The words of one prompt on a board: a plan's, or the built-in exercise's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromptText {
    pub prompt: Prompt,
    /// Short column heading ("Purpose").
    pub title: String,
    /// The question in plain words.
    pub question: String,
    /// The question in easy-read words.
    pub easy: String,
    pub symbol: Symbol,
}

/// Why a plan's prompts were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromptError {
    #[error("a plan words each of the four prompts once, in board order")]
    Set,
    #[error("the {0} prompt needs a title of 1 to {MAX_PROMPT_TITLE} characters")]
    Title(&'static str),
    #[error("the {0} prompt needs a question and an easy-read question of 1 to {MAX_PROMPT_QUESTION} characters each")]
    Question(&'static str),
}

impl PromptText {
    /// The built-in exercise's words for `prompt`.
    pub fn builtin(prompt: Prompt) -> PromptText {
        PromptText {
            prompt,
            title: prompt.title().into(),
            question: prompt.question().into(),
            easy: prompt.easy_question().into(),
            symbol: prompt.symbol(),
        }
    }

    /// The built-in exercise's four prompts, in board order.
    pub fn builtin_all() -> Vec<PromptText> {
        Prompt::ALL.into_iter().map(PromptText::builtin).collect()
    }

    /// Checks a set of prompts: the four, in board order, each with its words (trimmed,
    /// within their lengths).
    pub fn check_all(prompts: &[PromptText]) -> Result<(), PromptError> {
        if prompts.len() != Prompt::ALL.len()
            || prompts.iter().zip(Prompt::ALL).any(|(p, q)| p.prompt != q)
        {
            return Err(PromptError::Set);
        }
        for p in prompts {
            let name = p.prompt.as_str();
            let len = |s: &str| s.trim().chars().count();
            if !(1..=MAX_PROMPT_TITLE).contains(&len(&p.title)) {
                return Err(PromptError::Title(name));
            }
            if !(1..=MAX_PROMPT_QUESTION).contains(&len(&p.question))
                || !(1..=MAX_PROMPT_QUESTION).contains(&len(&p.easy))
            {
                return Err(PromptError::Question(name));
            }
        }
        Ok(())
    }

    /// `prompt`'s words in `list`, or the built-in ones where the list has none.
    pub fn pick(list: &[PromptText], prompt: Prompt) -> PromptText {
        list.iter()
            .find(|p| p.prompt == prompt)
            .cloned()
            .unwrap_or_else(|| PromptText::builtin(prompt))
    }

    /// The question for the reading mode: easy-read or plain.
    pub fn question_for(&self, easy_read: bool) -> &str {
        if easy_read {
            &self.easy
        } else {
            &self.question
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
    fn symbols_round_trip_and_the_builtin_prompts_pass_their_check() {
        for s in Symbol::ALL {
            assert_eq!(Symbol::parse(s.as_str()), Some(s));
        }
        assert_eq!(PromptText::check_all(&PromptText::builtin_all()), Ok(()));
    }

    /// Every symbol has its picture in `public/symbols`, and the service worker keeps
    /// exactly these (its list is written out in `public/sw.js`).
    #[test]
    fn every_symbol_has_its_picture_and_the_service_worker_keeps_them_all() {
        let public = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../public");
        for s in Symbol::ALL {
            let svg = std::fs::read_to_string(public.join(format!("symbols/{}.svg", s.as_str())))
                .unwrap_or_else(|e| panic!("{}: {e}", s.as_str()));
            assert!(
                svg.contains(&format!("<title>{}</title>", s.label())),
                "{}",
                s.as_str()
            );
        }
        let sw = std::fs::read_to_string(public.join("sw.js")).unwrap();
        let list = sw
            .lines()
            .find(|l| l.starts_with("const SYMBOLS = ["))
            .expect("the SYMBOLS line");
        let named: Vec<&str> = list.split('\'').skip(1).step_by(2).collect();
        assert_eq!(named, Symbol::ALL.map(Symbol::as_str).to_vec());
    }

    #[test]
    fn a_set_of_prompts_is_the_four_in_order_with_their_words() {
        let mut p = PromptText::builtin_all();
        p.swap(0, 1);
        assert_eq!(PromptText::check_all(&p), Err(PromptError::Set));
        assert_eq!(
            PromptText::check_all(&PromptText::builtin_all()[..3]),
            Err(PromptError::Set)
        );
        let mut p = PromptText::builtin_all();
        p[1].title = "  ".into();
        assert_eq!(PromptText::check_all(&p), Err(PromptError::Title("how")));
        let mut p = PromptText::builtin_all();
        p[3].easy = "x".repeat(MAX_PROMPT_QUESTION + 1);
        assert_eq!(
            PromptText::check_all(&p),
            Err(PromptError::Question("values"))
        );
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("admin"), None);
    }
}
