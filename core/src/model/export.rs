//! What an export of a board (live or a snapshot) holds, as data: [`BoardExport`], read
//! from a document, written as and read back from JSON (the import). The other formats
//! (CSV, Markdown, SVG) are renderings of it in [`super::report`].
//!
//! The raw yrs update (`.ybin`) is the lossless form; it is produced by the server.

use serde::{Deserialize, Serialize};
use yrs::{Doc, ReadTxn, Transact};

use super::board::{Board, BoardMeta, ModelError};
use super::provenance::Provenance;
use super::schema::{Prompt, PromptText, Role, Symbol};

/// Value of `format` in JSON exports.
pub const FORMAT: &str = "cocreate-board";
/// Version of the JSON export format.
pub const FORMAT_VERSION: u32 = 1;

/// Where a board belongs (from the catalogue, not the document).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct ExportContext {
    pub board_id: String,
    pub workshop_id: String,
    pub workshop_title: String,
    /// Snapshot the export was taken from, if not the live board.
    pub snapshot: Option<SnapshotRef>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotRef {
    pub id: i64,
    pub name: String,
    pub taken_ms: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportCard {
    pub id: String,
    /// Prompt key; unknown prompts are kept as written.
    pub prompt: String,
    pub theme: Option<String>,
    pub text: String,
    pub votes: i64,
    pub role: Option<String>,
    /// The author's name from the roster: only in exports of a named (not anonymous)
    /// board, filled by the server; never in a board document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The author's answers to the workshop's questions, by question label (filled by
    /// the server from the roster; never in a board document).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub attributes: std::collections::BTreeMap<String, String>,
    pub author: String,
    pub created: f64,
    pub pos: String,
    /// The picture its author put beside the words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub symbol: Option<Symbol>,
    /// Hidden by a facilitator: kept in JSON and raw exports, left out of the others.
    #[serde(default, skip_serializing_if = "is_false")]
    pub hidden: bool,
    /// Where the card came from (synthesis boards).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Provenance>,
    /// How many people gave each reaction (`agree`, `important`, `question`,
    /// `unclear`); none given: absent.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub reactions: std::collections::BTreeMap<String, usize>,
    /// The card's thread, oldest first; none: absent.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub comments: Vec<ExportComment>,
}

/// One comment in a card's thread.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportComment {
    pub id: String,
    /// The writer's pseudonym.
    pub author: String,
    /// The writer's role and name from the roster (filled by the server; the name only
    /// in exports of a named board).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub text: String,
    pub created: f64,
}

impl ExportComment {
    /// Who wrote it, in words: "Ann (Patient or citizen)", "Clinician", or "A participant".
    pub fn who(&self) -> String {
        let role = self
            .role
            .as_deref()
            .map(|r| Role::parse(r).map_or_else(|| r.to_string(), |r| r.label().to_string()));
        match (&self.name, role) {
            (Some(n), Some(r)) => format!("{n} ({r})"),
            (Some(n), None) => n.clone(),
            (None, Some(r)) => r,
            (None, None) => "A participant".into(),
        }
    }
}

impl ExportCard {
    /// The reactions in words, in the schema's order: "agree 2; important 1".
    pub fn reactions_in_words(&self) -> String {
        crate::model::schema::Reaction::ALL
            .iter()
            .filter_map(|r| {
                self.reactions
                    .get(r.as_str())
                    .filter(|n| **n > 0)
                    .map(|n| format!("{} {n}", r.as_str()))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The thread in one line: "Ann (Clinician): text | Patient or citizen: text".
    pub fn comments_in_words(&self) -> String {
        self.comments
            .iter()
            .map(|c| format!("{}: {}", c.who(), c.text))
            .collect::<Vec<_>>()
            .join(" | ")
    }

    /// Symbol, votes and role in words ("symbol: Heart, 2 votes, Clinician"), if any.
    pub fn notes(&self) -> Option<String> {
        let mut notes = Vec::new();
        if let Some(s) = self.symbol {
            notes.push(format!("symbol: {}", s.label()));
        }
        if self.votes > 0 {
            let unit = if self.votes == 1 { "vote" } else { "votes" };
            notes.push(format!("{} {unit}", self.votes));
        }
        if let Some(r) = self.role.as_deref().and_then(Role::parse) {
            notes.push(r.label().to_string());
        }
        let reactions = self.reactions_in_words();
        if !reactions.is_empty() {
            notes.push(reactions);
        }
        if let Some(src) = &self.source {
            notes.push(format!("from {}", src.label()));
        }
        match self.comments.len() {
            0 => {}
            1 => notes.push("1 comment".into()),
            n => notes.push(format!("{n} comments")),
        }
        (!notes.is_empty()).then(|| notes.join(", "))
    }
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportTheme {
    pub id: String,
    pub title: String,
    pub prompt: Option<String>,
    pub pos: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportVote {
    pub card: String,
    pub participant: String,
    pub count: i64,
}

/// The whole board as plain data; the JSON export is exactly this.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BoardExport {
    pub format: String,
    pub version: u32,
    pub context: ExportContext,
    pub meta: BoardMeta,
    /// The board's prompts' words; left out while they are the built-in exercise's.
    #[serde(
        default = "PromptText::builtin_all",
        skip_serializing_if = "is_builtin"
    )]
    pub prompts: Vec<PromptText>,
    pub themes: Vec<ExportTheme>,
    pub cards: Vec<ExportCard>,
    pub votes: Vec<ExportVote>,
}

fn is_builtin(prompts: &[PromptText]) -> bool {
    prompts == PromptText::builtin_all().as_slice()
}

/// Errors reading an export back.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("not a cocreate board export: {0}")]
    Format(String),
    #[error("export version {0} is newer than this server understands")]
    Version(u32),
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl BoardExport {
    /// Read a board document.
    pub fn of_doc(doc: &Doc, context: ExportContext) -> BoardExport {
        let board = Board::of(doc);
        let txn = doc.transact();
        BoardExport::read(&board, &txn, context)
    }

    pub fn read<T: ReadTxn>(board: &Board, txn: &T, context: ExportContext) -> BoardExport {
        let themes = board.themes(txn);
        let theme_ids: std::collections::HashSet<&str> =
            themes.iter().map(|t| t.id.as_str()).collect();
        let cards = board
            .cards(txn)
            .into_iter()
            .map(|c| ExportCard {
                votes: board.vote_total(txn, &c.id),
                reactions: board
                    .reaction_counts(txn, &c.id)
                    .into_iter()
                    .filter(|(_, n)| *n > 0)
                    .map(|(r, n)| (r.as_str().to_string(), n))
                    .collect(),
                comments: board
                    .comments_on(txn, &c.id)
                    .into_iter()
                    .map(|m| ExportComment {
                        id: m.id,
                        author: m.author,
                        role: None,
                        name: None,
                        text: m.text,
                        created: m.created,
                    })
                    .collect(),
                prompt: c.prompt.map(|p| p.as_str().to_string()).unwrap_or_default(),
                // A card pointing at a dissolved theme is shown as unthemed.
                theme: c.theme.filter(|t| theme_ids.contains(t.as_str())),
                role: c.role.map(|r| r.as_str().to_string()),
                name: None,
                attributes: Default::default(),
                id: c.id,
                text: c.text,
                author: c.author,
                created: c.created,
                pos: c.pos,
                symbol: c.symbol,
                hidden: c.hidden,
                source: c.source,
            })
            .collect();
        BoardExport {
            format: FORMAT.into(),
            version: FORMAT_VERSION,
            context,
            meta: board.meta(txn),
            prompts: board.prompts(txn),
            themes: themes
                .iter()
                .map(|t| ExportTheme {
                    id: t.id.clone(),
                    title: t.title.clone(),
                    prompt: t.prompt.map(|p| p.as_str().to_string()),
                    pos: t.pos.clone(),
                })
                .collect(),
            cards,
            votes: board
                .all_votes(txn)
                .into_iter()
                .map(|(card, participant, count)| ExportVote {
                    card,
                    participant,
                    count,
                })
                .collect(),
        }
    }

    /// Parse a JSON export.
    pub fn from_json(text: &str) -> Result<BoardExport, ImportError> {
        let e: BoardExport =
            serde_json::from_str(text).map_err(|e| ImportError::Format(e.to_string()))?;
        if e.format != FORMAT {
            return Err(ImportError::Format(format!("format is {:?}", e.format)));
        }
        if e.version > FORMAT_VERSION {
            return Err(ImportError::Version(e.version));
        }
        Ok(e)
    }

    /// Write this board's content into a fresh document (import). Ids, times, order keys
    /// and votes are kept, so exporting the new board gives the same content.
    pub fn write_into(&self, doc: &Doc) -> Result<(), ImportError> {
        PromptText::check_all(&self.prompts).map_err(|e| ImportError::Format(e.to_string()))?;
        let board = Board::of(doc);
        let mut txn = doc.transact_mut();
        board.init_meta(
            &mut txn,
            &self.meta.title,
            &self.meta.area,
            &self.meta.pillar,
        );
        board.set_prompts(&mut txn, &self.prompts);
        for t in &self.themes {
            let prompt = t
                .prompt
                .as_deref()
                .and_then(Prompt::parse)
                .unwrap_or(Prompt::Purpose);
            board.add_theme(&mut txn, &t.id, prompt, &t.title)?;
            board.set_pos(&mut txn, &board.themes, &t.id, &t.pos);
        }
        for c in &self.cards {
            let prompt = Prompt::parse(&c.prompt).unwrap_or(Prompt::Purpose);
            let role = c.role.as_deref().and_then(Role::parse);
            board.insert_card(
                &mut txn, &c.id, prompt, &c.text, &c.author, role, c.created, &c.pos,
            )?;
            if c.theme.is_some() {
                board.set_card_theme(&mut txn, &c.id, c.theme.as_deref())?;
            }
            if c.symbol.is_some() {
                board.set_card_symbol(&mut txn, &c.id, c.symbol)?;
            }
            if c.hidden {
                board.set_hidden(&mut txn, &c.id, true)?;
            }
            if let Some(src) = &c.source {
                board.set_source(&mut txn, &c.id, src)?;
            }
            for m in &c.comments {
                board.add_comment(&mut txn, &c.id, &m.id, &m.author, &m.text, m.created)?;
            }
        }
        for v in &self.votes {
            board.set_votes(&mut txn, &v.card, &v.participant, v.count);
        }
        Ok(())
    }

    /// The content without where it came from (for comparing round trips).
    pub fn content(&self) -> BoardExport {
        BoardExport {
            context: ExportContext::default(),
            ..self.clone()
        }
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("exports serialise")
    }

    /// The board's words for `prompt`.
    pub fn prompt_text(&self, prompt: Prompt) -> PromptText {
        PromptText::pick(&self.prompts, prompt)
    }

    pub(crate) fn theme_title(&self, id: Option<&str>) -> String {
        id.and_then(|id| self.themes.iter().find(|t| t.id == id))
            .map(|t| t.title.clone())
            .unwrap_or_default()
    }

    /// Visible cards of a prompt key, grouped: (theme or `None`, cards) in theme order
    /// (empty themes included), cards not in one of the prompt's themes last.
    pub fn grouped(&self, prompt: &str) -> Vec<(Option<&ExportTheme>, Vec<&ExportCard>)> {
        let mut out = Vec::new();
        for t in self
            .themes
            .iter()
            .filter(|t| t.prompt.as_deref() == Some(prompt))
        {
            let cards: Vec<&ExportCard> = self
                .cards
                .iter()
                .filter(|c| {
                    !c.hidden && c.prompt == prompt && c.theme.as_deref() == Some(t.id.as_str())
                })
                .collect();
            out.push((Some(t), cards));
        }
        let themed: std::collections::HashSet<&str> = out
            .iter()
            .flat_map(|(_, cs)| cs.iter().map(|c| c.id.as_str()))
            .collect();
        let rest: Vec<&ExportCard> = self
            .cards
            .iter()
            .filter(|c| !c.hidden && c.prompt == prompt && !themed.contains(c.id.as_str()))
            .collect();
        if !rest.is_empty() {
            out.push((None, rest));
        }
        out
    }
}
