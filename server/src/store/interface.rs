//! The storage interface itself: the traits every backend implements, and the types
//! and errors they share (see the parent module).

use std::collections::HashMap;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;

use cocreate_core::catalog::{
    AuditEntry, BoardSummary, ConsentRecord, DocKey, ErasureRecord, LinkRole, Notice, Retention,
    WorkshopSummary,
};
use cocreate_core::consult::{Consultation, DraftItem, Outcome, Reply, Response, StoredAnswer};

/// A snapshot's catalogue entry.
pub use cocreate_core::catalog::SnapshotInfo as Snapshot;

/// Errors from the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("postgres: {0}")]
    Postgres(String),
    /// A database address or setting the backend cannot use.
    #[error("database configuration: {0}")]
    Config(String),
    #[error("could not create data directory {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("commit failed: {0}")]
    Commit(String),
    #[error("the store's writer has stopped")]
    WriterGone,
    #[error("could not encode: {0}")]
    Encode(#[from] serde_json::Error),
    /// This node no longer holds the board's lease (another node took it over): the
    /// write was not made, and the board must be reloaded where it is owned now.
    #[error("board {board} is now served by another node")]
    Fenced { board: String },
    /// A stored row that cannot be read back as what it should be.
    #[error("corrupt row in {table}: {reason}")]
    Corrupt { table: &'static str, reason: String },
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> StoreError {
        // The server's own message (and its code) says what went wrong; the error's
        // display alone says only "db error".
        StoreError::Postgres(match e.as_db_error() {
            Some(db) => format!("{} ({})", db.message(), db.code().code()),
            None => e.to_string(),
        })
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> StoreError {
        match e {
            deadpool_postgres::PoolError::Backend(e) => e.into(),
            other => StoreError::Postgres(format!("no connection: {other}")),
        }
    }
}

/// A stored text that must be one of a fixed set of words.
pub fn parse_word<T>(
    table: &'static str,
    value: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(value).ok_or_else(|| StoreError::Corrupt {
        table,
        reason: format!("unknown value {value:?}"),
    })
}

/// The counts of an erasure record, kept as one JSON text by every backend.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ErasureCounts {
    cards: usize,
    votes: usize,
    held: usize,
    snapshots: usize,
    copies: usize,
    draft_items: usize,
}

impl ErasureCounts {
    pub fn of(r: &ErasureRecord) -> ErasureCounts {
        ErasureCounts {
            cards: r.cards,
            votes: r.votes,
            held: r.held,
            snapshots: r.snapshots,
            copies: r.copies,
            draft_items: r.draft_items,
        }
    }

    /// The record these counts belong to.
    pub fn record(self, pseudonym: String, at_ms: i64, by: String) -> ErasureRecord {
        ErasureRecord {
            pseudonym,
            at_ms,
            by,
            cards: self.cards,
            votes: self.votes,
            held: self.held,
            snapshots: self.snapshots,
            copies: self.copies,
            draft_items: self.draft_items,
        }
    }
}

/// Resolves once a write is durable.
pub type Durable = Pin<Box<dyn Future<Output = Result<(), StoreError>> + Send + 'static>>;

/// A document's persisted content: a compacted base plus the log rows after it.
#[derive(Debug, Default)]
pub struct StoredBoard {
    pub base: Option<Vec<u8>>,
    pub updates: Vec<Vec<u8>>,
}

/// Counts used by tests and the admin API.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LogStats {
    pub log_rows: u64,
    pub has_base: bool,
}

/// One live link: the hash of its token and what it grants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredLink {
    pub token_hash: String,
    pub workshop: String,
    pub board: Option<String>,
    pub role: LinkRole,
    /// What the facilitator called it ("Ward 3 tablet"); may be empty.
    pub label: String,
    pub created_ms: i64,
    /// After this time the link opens nothing.
    pub expires_ms: Option<i64>,
    /// When it was last used (kept to the minute).
    pub last_used_ms: Option<i64>,
}

/// A link to make: what it grants, its label and expiry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLink<'a> {
    pub token_hash: &'a str,
    pub workshop: &'a str,
    pub board: Option<&'a str>,
    pub role: LinkRole,
    pub label: &'a str,
    pub expires_ms: Option<i64>,
}

/// Each document's update log (a board's cards or its control document).
pub trait UpdateLog: Send + Sync {
    /// Queue an update now; the future resolves once it is durable.
    fn append(&self, doc: &DocKey, update: Vec<u8>) -> Durable;
    /// Resolves when everything queued before it is durable.
    fn barrier(&self) -> Durable;
    /// Replace every log row of `doc` queued before this call by `state`, which must
    /// contain all of them (encode it under the lock that orders appends).
    fn compact(&self, doc: &DocKey, state: Vec<u8>) -> Durable;
    /// Bytes of appended updates not yet durable.
    fn pending_bytes(&self) -> usize;
    /// The persisted content of a document, or `None` if its board is unknown.
    fn load(&self, doc: &DocKey) -> Result<Option<StoredBoard>, StoreError>;
    fn log_stats(&self, doc: &DocKey) -> Result<LogStats, StoreError>;
    /// The pseudonyms that have a stored draft on `board` (`DocKey::draft`), sorted.
    fn drafts(&self, board: &str) -> Result<Vec<String>, StoreError>;
    /// Make everything queued durable and stop writing (graceful shutdown).
    fn close(&self);
}

/// Workshops, boards and snapshots.
pub trait Catalog: Send + Sync {
    fn create_workshop(
        &self,
        id: &str,
        title: &str,
        area: &str,
        date: &str,
    ) -> Result<(), StoreError>;
    /// A board in a workshop, with its initial document state (one update).
    fn create_board(
        &self,
        id: &str,
        workshop: &str,
        title: &str,
        pillar: &str,
        initial_state: &[u8],
    ) -> Result<(), StoreError>;
    fn update_workshop(
        &self,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError>;
    fn update_board(
        &self,
        id: &str,
        title: Option<&str>,
        archived: Option<bool>,
    ) -> Result<(), StoreError>;
    fn workshop_count(&self) -> Result<u64, StoreError>;
    /// One workshop with its boards in order.
    fn workshop(&self, id: &str) -> Result<Option<WorkshopSummary>, StoreError>;
    fn board_summary(&self, board: &str) -> Result<Option<BoardSummary>, StoreError>;
    /// Every board of every workshop, by workshop then position.
    fn all_boards(&self) -> Result<Vec<BoardSummary>, StoreError>;
    /// Keep a named, immutable copy of a board's state; returns its entry.
    fn create_snapshot(
        &self,
        board: &str,
        name: &str,
        reason: &str,
        state: &[u8],
    ) -> Result<Snapshot, StoreError>;
    /// A board's snapshots, oldest first.
    fn snapshots(&self, board: &str) -> Result<Vec<Snapshot>, StoreError>;
    /// One snapshot of `board` with its state.
    fn snapshot(&self, board: &str, id: i64) -> Result<Option<(Snapshot, Vec<u8>)>, StoreError>;
    /// Every snapshot of every board, by board, oldest first.
    fn all_snapshots(&self) -> Result<HashMap<String, Vec<Snapshot>>, StoreError>;
    /// Replace a snapshot's state (erasure only: snapshots are otherwise immutable).
    fn replace_snapshot(&self, board: &str, id: i64, state: &[u8]) -> Result<(), StoreError>;
}

/// Links by the hashes of their tokens.
pub trait Links: Send + Sync {
    fn create_link(&self, link: &NewLink<'_>) -> Result<(), StoreError>;
    fn revoke_link(&self, token_hash: &str) -> Result<(), StoreError>;
    /// Every link not revoked (expired ones included: their expiry is checked on use).
    fn links(&self) -> Result<Vec<StoredLink>, StoreError>;
    /// Set or clear when a link expires.
    fn set_link_expiry(&self, token_hash: &str, expires_ms: Option<i64>) -> Result<(), StoreError>;
    /// Record when a link was last used.
    fn touch_link(&self, token_hash: &str, used_ms: i64) -> Result<(), StoreError>;
    /// Keep an organiser link (the organising team's: every workshop) by its hash.
    fn create_organiser_link(&self, token_hash: &str, label: &str) -> Result<(), StoreError>;
    /// Every organiser link not revoked, as (hash, label).
    fn organiser_links(&self) -> Result<Vec<(String, String)>, StoreError>;
}

/// Published drafts, answers and outcomes.
pub trait RoundStore: Send + Sync {
    /// Keep a published draft with the hash of its respondents' token.
    fn create_consultation(&self, c: &Consultation, token_hash: &str) -> Result<(), StoreError>;
    /// A published draft and its respondents' token hash.
    fn consultation(&self, id: &str) -> Result<Option<(Consultation, String)>, StoreError>;
    /// A workshop's drafts with how many people answered each, oldest first.
    fn consultations_of(&self, workshop: &str) -> Result<Vec<(Consultation, usize)>, StoreError>;
    fn set_consultation_open(&self, id: &str, open: bool) -> Result<(), StoreError>;
    /// Record a (checked) response: each answer replaces the respondent's earlier answer
    /// to the same item, all in one transaction.
    fn save_response(&self, id: &str, r: &Response, now_ms: i64) -> Result<(), StoreError>;
    /// The answers to a draft: everyone's, or one respondent's.
    fn answers(&self, id: &str, respondent: Option<&str>) -> Result<Vec<StoredAnswer>, StoreError>;
    /// Give `respondent` of round `id` the secret with hash `secret_hash`, unless they
    /// have one already; whether this call gave it.
    fn claim_respondent(
        &self,
        id: &str,
        respondent: &str,
        secret_hash: &str,
    ) -> Result<bool, StoreError>;
    /// The hash of a respondent's secret, if they have one.
    fn respondent_secret(&self, id: &str, respondent: &str) -> Result<Option<String>, StoreError>;
    /// Record (or replace) the decision on one item.
    fn record_outcome(&self, id: &str, o: &Outcome) -> Result<(), StoreError>;
    fn outcomes(&self, id: &str) -> Result<Vec<Outcome>, StoreError>;
    /// Replace a published draft's items (erasure only: drafts are otherwise frozen).
    fn replace_items(&self, id: &str, items: &[DraftItem]) -> Result<(), StoreError>;
    /// Keep a reply under an item of round `id` (ids are unique per round).
    fn save_reply(&self, id: &str, reply: &Reply) -> Result<(), StoreError>;
    /// Every reply of round `id`, hidden ones too, oldest first.
    fn replies(&self, id: &str) -> Result<Vec<Reply>, StoreError>;
    /// Hide or show a reply; whether there was one with that id.
    fn set_reply_hidden(&self, id: &str, reply: &str, hidden: bool) -> Result<bool, StoreError>;
}

/// A card a facilitator hid, held out of its board (moderation).
#[derive(Debug, Clone, PartialEq)]
pub struct HeldCard {
    pub board: String,
    /// The card as it was when hidden (JSON of `cocreate_core::model::CardView`).
    pub card: String,
    pub held_ms: i64,
}

/// Cards hidden by moderation: out of their board document (so no client receives
/// them), kept here for facilitators to show again or delete for good.
pub trait Moderated: Send + Sync {
    /// Hold `card` (its id and JSON) of `board`, replacing an earlier hold of it.
    fn hold_card(&self, board: &str, card_id: &str, card: &str) -> Result<(), StoreError>;
    /// The cards held out of `board`, oldest first, as (card id, held card).
    fn held_cards(&self, board: &str) -> Result<Vec<(String, HeldCard)>, StoreError>;
    /// Take a held card out of the store (to show it again, or delete it for good).
    fn release_card(&self, board: &str, card_id: &str) -> Result<Option<HeldCard>, StoreError>;
}

/// A workshop's roster: who joined under which pseudonym, with the name and role they
/// gave. Names and roles live here, never in a board document.
pub trait Roster: Send + Sync {
    /// Record (or update) `pseudonym`'s name and role in `workshop`.
    fn join_roster(
        &self,
        workshop: &str,
        pseudonym: &str,
        name: &str,
        role: cocreate_core::model::Role,
    ) -> Result<(), StoreError>;
    /// Everyone in `workshop`'s roster, by pseudonym.
    fn roster(&self, workshop: &str) -> Result<Vec<cocreate_core::catalog::Member>, StoreError>;
    /// Take `pseudonym` out of `workshop`'s roster (erasure); whether they were in it.
    fn leave_roster(&self, workshop: &str, pseudonym: &str) -> Result<bool, StoreError>;
    /// Replace `pseudonym`'s answers to the workshop's questions (they must be in the
    /// roster already).
    fn set_attributes(
        &self,
        workshop: &str,
        pseudonym: &str,
        answers: &std::collections::BTreeMap<String, String>,
    ) -> Result<(), StoreError>;
    /// The questions a workshop asks everyone who joins, in order.
    fn questions(
        &self,
        workshop: &str,
    ) -> Result<Vec<cocreate_core::catalog::AttributeQuestion>, StoreError>;
    fn set_questions(
        &self,
        workshop: &str,
        questions: &[cocreate_core::catalog::AttributeQuestion],
    ) -> Result<(), StoreError>;
}

/// Which breakout group each person was placed in when they joined the workshop
/// (`cocreate_core::allocate`), with the role they gave.
pub trait Allocations: Send + Sync {
    /// Record (or change) where `pseudonym` is placed.
    fn allocate(
        &self,
        workshop: &str,
        pseudonym: &str,
        board: &str,
        role: cocreate_core::model::Role,
    ) -> Result<(), StoreError>;
    /// Everyone placed in `workshop`: (pseudonym, board, role), in the order they were
    /// first placed.
    fn allocations(
        &self,
        workshop: &str,
    ) -> Result<Vec<(String, String, cocreate_core::model::Role)>, StoreError>;
    /// Take `pseudonym` out (erasure); whether they were placed.
    fn forget_allocation(&self, workshop: &str, pseudonym: &str) -> Result<bool, StoreError>;
}

/// Each workshop's plan (`cocreate_core::model::plan::Plan`): its run-sheet.
pub trait Plans: Send + Sync {
    /// The plan a workshop's facilitators saved (`None`: the built-in one).
    fn plan(&self, workshop: &str) -> Result<Option<cocreate_core::model::plan::Plan>, StoreError>;
    fn set_plan(
        &self,
        workshop: &str,
        plan: &cocreate_core::model::plan::Plan,
    ) -> Result<(), StoreError>;
    /// Keep a plan under its name for any workshop to start from (a plan of the same
    /// name is replaced). Plans hold no one's data.
    fn save_named_plan(
        &self,
        saved: &cocreate_core::model::plan::SavedPlan,
    ) -> Result<(), StoreError>;
    /// Every named plan, by name.
    fn saved_plans(&self) -> Result<Vec<cocreate_core::model::plan::SavedPlan>, StoreError>;
}

/// Each workshop's audit log: every facilitator and organiser action. Append-only (the
/// backend refuses to change or delete an entry).
pub trait AuditLog: Send + Sync {
    fn append_audit(&self, workshop: &str, entry: &AuditEntry) -> Result<(), StoreError>;
    /// A workshop's entries, oldest first.
    fn audit(&self, workshop: &str) -> Result<Vec<AuditEntry>, StoreError>;
}

/// Each workshop's retention date and action.
pub trait Retentions: Send + Sync {
    /// Set (`Some`, not yet done) or clear a workshop's retention.
    fn set_retention(
        &self,
        workshop: &str,
        retention: Option<&Retention>,
    ) -> Result<(), StoreError>;
    fn retention(&self, workshop: &str) -> Result<Option<Retention>, StoreError>;
    /// Workshops whose retention date is at or before `now_ms` and not yet carried out.
    fn retention_due(&self, now_ms: i64) -> Result<Vec<(String, Retention)>, StoreError>;
    /// Record that a workshop's retention was carried out at `done_ms`.
    fn retention_done(&self, workshop: &str, done_ms: i64) -> Result<(), StoreError>;
}

/// The record of each erasure: when, whose pseudonym, how many items, never content.
/// Append-only.
pub trait Erasures: Send + Sync {
    fn record_erasure(&self, workshop: &str, record: &ErasureRecord) -> Result<(), StoreError>;
    /// A workshop's erasures, oldest first.
    fn erasures(&self, workshop: &str) -> Result<Vec<ErasureRecord>, StoreError>;
}

/// Each workshop's privacy notice (every version kept) and who agreed to which version.
pub trait Consents: Send + Sync {
    /// The notice as it is now, if one was ever set.
    fn notice(&self, workshop: &str) -> Result<Option<Notice>, StoreError>;
    /// Keep a new version of the notice (the last version plus one) and return it.
    fn set_notice(
        &self,
        workshop: &str,
        plain: &str,
        easy_read: &str,
    ) -> Result<Notice, StoreError>;
    /// Record that `pseudonym` agreed to `version` now (kept once: agreeing again to the
    /// same version keeps the first time).
    fn record_consent(
        &self,
        workshop: &str,
        pseudonym: &str,
        version: u32,
    ) -> Result<(), StoreError>;
    /// Mark every consent of `pseudonym` in `workshop` withdrawn now (kept as a record).
    fn withdraw_consent(&self, workshop: &str, pseudonym: &str) -> Result<(), StoreError>;
    /// Everyone's consents in `workshop`, by pseudonym then version.
    fn consents(&self, workshop: &str) -> Result<Vec<ConsentRecord>, StoreError>;
}

/// Who serves a board. With several nodes on one database each board has one owner at
/// a time, which alone loads it and writes its log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    /// This node, under lease `epoch` (0 on a single node).
    Here { epoch: i64 },
    /// Another node; `addr` is where other nodes reach it.
    Node { node: String, addr: String },
}

/// Board leases (scale-out). A single-node backend owns every board, always.
pub trait Leases: Send + Sync {
    /// Take (or keep) `board`'s lease for this node, or say who holds it.
    fn claim(&self, _board: &str) -> Result<Owner, StoreError> {
        Ok(Owner::Here { epoch: 0 })
    }
    /// Extend every lease this node holds; returns the boards whose lease was lost.
    fn renew_leases(&self) -> Result<Vec<String>, StoreError> {
        Ok(Vec::new())
    }
    /// Give `board`'s lease up now (its documents are unloaded and compacted), so that
    /// another node may take it without waiting for it to expire.
    fn release(&self, _board: &str) -> Result<(), StoreError> {
        Ok(())
    }
    /// The boards whose lease this node holds.
    fn held(&self) -> Vec<String> {
        Vec::new()
    }
}

/// A stored analyst: who they are and the hash of their link's token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAnalyst {
    pub workshop: String,
    pub info: cocreate_core::analysis::AnalystInfo,
    pub token_hash: String,
}

/// The coder whose rows hold the lead's agreed coding (analyst ids are random hex, so
/// never this).
pub const AGREED_CODER: &str = "agreed";

/// Each workshop's analysis: its codebook and phase, its analysts, and the codings.
pub trait Codings: Send + Sync {
    /// The codebook and phase; `None` before either is set.
    fn coding_setup(
        &self,
        workshop: &str,
    ) -> Result<
        Option<(
            cocreate_core::coding::Codebook,
            cocreate_core::analysis::CodingPhase,
        )>,
        StoreError,
    >;
    /// Replace the codebook (the phase is kept, blind if new).
    fn set_codebook(
        &self,
        workshop: &str,
        codebook: &cocreate_core::coding::Codebook,
    ) -> Result<(), StoreError>;
    /// Set the phase (the codebook is kept, empty if new).
    fn set_coding_phase(
        &self,
        workshop: &str,
        phase: cocreate_core::analysis::CodingPhase,
    ) -> Result<(), StoreError>;
    fn add_analyst(&self, analyst: &StoredAnalyst) -> Result<(), StoreError>;
    /// A workshop's analysts, oldest first (`coded` left 0).
    fn analysts(&self, workshop: &str) -> Result<Vec<StoredAnalyst>, StoreError>;
    /// The analyst whose link's token hashes to `token_hash`, unless revoked.
    fn analyst_by_token(&self, token_hash: &str) -> Result<Option<StoredAnalyst>, StoreError>;
    /// Mark an analyst's link revoked at `at_ms` (its coding is kept); false if there is
    /// no such analyst.
    fn revoke_analyst(&self, workshop: &str, id: &str, at_ms: i64) -> Result<bool, StoreError>;
    /// Record `coder`'s codes for one card (an empty set: looked at, none apply).
    fn set_card_codes(
        &self,
        workshop: &str,
        coder: &str,
        card: &str,
        codes: &std::collections::BTreeSet<String>,
    ) -> Result<(), StoreError>;
    /// Every coder's coding in `workshop`, by coder (analyst id or [`AGREED_CODER`]).
    fn codings(
        &self,
        workshop: &str,
    ) -> Result<std::collections::BTreeMap<String, cocreate_core::coding::Coding>, StoreError>;
}

/// What of a Delphi study is kept as one JSON text (the rest are columns).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct StudySpec {
    pub scale: cocreate_core::delphi::Scale,
    pub rule: cocreate_core::delphi::ConsensusRule,
    pub items: Vec<cocreate_core::delphi::DelphiItem>,
}

impl StudySpec {
    pub fn of(s: &cocreate_core::delphi::Study) -> StudySpec {
        StudySpec {
            scale: s.scale,
            rule: s.rule,
            items: s.items.clone(),
        }
    }
}

/// Delphi studies: their items, rounds, respondents (codes and link hashes) and ratings.
pub trait DelphiStore: Send + Sync {
    fn create_study(&self, s: &cocreate_core::delphi::Study) -> Result<(), StoreError>;
    fn study(&self, id: &str) -> Result<Option<cocreate_core::delphi::Study>, StoreError>;
    /// A workshop's studies, oldest first.
    fn studies_of(&self, workshop: &str) -> Result<Vec<cocreate_core::delphi::Study>, StoreError>;
    /// Add a round, or change whether it is open and when it closed.
    fn save_round(
        &self,
        study: &str,
        round: &cocreate_core::delphi::DelphiRound,
    ) -> Result<(), StoreError>;
    /// A study's rounds, in order.
    fn rounds(&self, study: &str) -> Result<Vec<cocreate_core::delphi::DelphiRound>, StoreError>;
    /// Fails if the code or the token hash is the study's already.
    fn add_respondent(
        &self,
        study: &str,
        respondent: &cocreate_core::delphi::Respondent,
        token_hash: &str,
    ) -> Result<(), StoreError>;
    fn respondents(
        &self,
        study: &str,
    ) -> Result<Vec<cocreate_core::delphi::Respondent>, StoreError>;
    /// The (study, code) whose link's token hashes to `token_hash`, unless revoked.
    fn respondent_by_token(&self, token_hash: &str)
        -> Result<Option<(String, String)>, StoreError>;
    /// Mark a respondent's link revoked at `at_ms` (their ratings are kept); false if
    /// there is no such respondent.
    fn revoke_respondent(&self, study: &str, code: &str, at_ms: i64) -> Result<bool, StoreError>;
    /// Keep ratings, each replacing the same respondent's rating of the item in that
    /// round; all or none.
    fn save_ratings(
        &self,
        study: &str,
        ratings: &[cocreate_core::delphi::StoredRating],
    ) -> Result<(), StoreError>;
    /// Every rating of a study, by round, respondent and item.
    fn ratings(&self, study: &str) -> Result<Vec<cocreate_core::delphi::StoredRating>, StoreError>;
}

/// Everything a backend keeps.
pub trait Storage:
    Leases
    + UpdateLog
    + Catalog
    + Links
    + RoundStore
    + Moderated
    + Roster
    + Consents
    + Erasures
    + AuditLog
    + Retentions
    + Plans
    + Allocations
    + Codings
    + DelphiStore
{
    /// Where the data lives, for the log (a file path, a database name).
    fn location(&self) -> String;
    /// After an erasure: make what was deleted unreadable in the backend's files too
    /// (journals, free pages), as far as the backend can.
    fn scrub(&self) -> Result<(), StoreError>;
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}
