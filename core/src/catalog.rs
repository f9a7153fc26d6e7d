//! Workshops and their breakout boards as the pages list them.

use serde::{Deserialize, Serialize};

pub use crate::model::schema::{AREAS, PILLARS};

/// Which live document: a board's cards, its control document (phase, lock, timer), or
/// one person's draft (their cards while private writing is on). Its `Display` is the key
/// it is stored under: the board id, `{board}/control`, or `{board}/draft/{pseudonym}`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocKey {
    board: String,
    part: Part,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Part {
    Cards,
    Control,
    Draft(String),
}

impl DocKey {
    /// The card document of `board`.
    pub fn board(board: impl Into<String>) -> DocKey {
        DocKey {
            board: board.into(),
            part: Part::Cards,
        }
    }

    /// The control document of `board`.
    pub fn control(board: impl Into<String>) -> DocKey {
        DocKey {
            board: board.into(),
            part: Part::Control,
        }
    }

    /// The draft of the person with `pseudonym` on `board` (crate::identity).
    pub fn draft(board: impl Into<String>, pseudonym: impl Into<String>) -> DocKey {
        DocKey {
            board: board.into(),
            part: Part::Draft(pseudonym.into()),
        }
    }

    /// The prefix of the stored keys of `board`'s drafts.
    pub fn drafts_prefix(board: &str) -> String {
        format!("{board}/draft/")
    }

    /// The board this document belongs to.
    pub fn board_id(&self) -> &str {
        &self.board
    }

    pub fn is_control(&self) -> bool {
        self.part == Part::Control
    }

    /// Whose draft this is, if it is one.
    pub fn draft_of(&self) -> Option<&str> {
        match &self.part {
            Part::Draft(p) => Some(p),
            _ => None,
        }
    }

    /// A board's card document (not its control document or a draft).
    pub fn is_cards(&self) -> bool {
        self.part == Part::Cards
    }
}

impl std::fmt::Display for DocKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.part {
            Part::Cards => f.write_str(&self.board),
            Part::Control => write!(f, "{}/control", self.board),
            Part::Draft(p) => write!(f, "{}/draft/{p}", self.board),
        }
    }
}

/// One person in a workshop's roster, kept by the server (not in any board document),
/// as a client may see it: the name only on a named board (or to facilitators).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Their pseudonym in the workshop (`crate::identity`): cards' `author`.
    pub pseudonym: String,
    pub name: Option<String>,
    pub role: crate::model::Role,
    /// Their answers to the workshop's questions ([`AttributeQuestion`]), by question id;
    /// facilitators only.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// Someone joining a board's workshop (`Directory::join`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinRequest {
    /// Their browser's secret (`crate::identity`).
    pub seat: String,
    pub name: String,
    pub role: crate::model::Role,
    /// The version of the privacy notice they agreed to (participants).
    #[serde(default)]
    pub consent: Option<u32>,
    /// Answers to the workshop's questions, by question id (all optional; none leaves
    /// earlier answers as they were).
    #[serde(default)]
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// A question a workshop's facilitators ask everyone who joins, for analysis
/// ("Profession", "Lived experience"): always optional to answer. Answers are kept in
/// the roster and are columns in every export, never with a name on an anonymous board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeQuestion {
    /// Stable within the workshop (made from the label when empty).
    #[serde(default)]
    pub id: String,
    pub label: String,
    /// The answers to choose from; empty: any short text.
    #[serde(default)]
    pub choices: Vec<String>,
}

/// A workshop's privacy notice: what taking part means for a person's data, in plain
/// words and in easy read. Facilitators set it; every change is a new version, and a
/// person's consent is to one version (a new version asks everyone again).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Notice {
    pub version: u32,
    pub plain: String,
    pub easy_read: String,
    /// When this version was set (ms since the epoch).
    pub set_ms: i64,
}

/// One person's consent as the store keeps it: to which version of the notice, when,
/// and when they withdrew (if they did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentRecord {
    pub pseudonym: String,
    pub version: u32,
    pub given_ms: i64,
    pub withdrawn_ms: Option<i64>,
}

/// One entry of a workshop's audit log: who (the link's label and id, never a token)
/// did what to what, when. Append-only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at_ms: i64,
    /// The link's label and id ("Ward 3 tablet (facilitator link 1a2b…)"), or "the
    /// person (p-…)" for what a participant does to their own data.
    pub actor: String,
    /// What was done ("lock", "export", "erase", "revoke link", …).
    pub action: String,
    /// What it was done to (a board, a card, a link id, a pseudonym).
    pub target: String,
    pub detail: String,
}

/// What happens to a workshop's personal data on its retention date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RetentionAction {
    /// Every participant is erased (as if each withdrew), then the workshop is archived.
    Erase,
    /// The workshop is archived: every board locked, kept read-only.
    Archive,
}

impl RetentionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            RetentionAction::Erase => "erase",
            RetentionAction::Archive => "archive",
        }
    }

    pub fn parse(s: &str) -> Option<RetentionAction> {
        [RetentionAction::Erase, RetentionAction::Archive]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// A workshop's retention: when, what, and when it was carried out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Retention {
    pub until_ms: i64,
    pub action: RetentionAction,
    #[serde(default)]
    pub done_ms: Option<i64>,
}

/// A workshop's people for its facilitators: who is in the roster (with the notice
/// version they agreed to, if any) and who was erased.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct People {
    /// The workshop's privacy notice as it is now.
    pub notice: Notice,
    /// Its retention date and action, if set.
    #[serde(default)]
    pub retention: Option<Retention>,
    /// The questions it asks everyone who joins.
    #[serde(default)]
    pub questions: Vec<AttributeQuestion>,
    pub members: Vec<PersonEntry>,
    pub erasures: Vec<ErasureRecord>,
}

/// One roster entry with its consent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEntry {
    pub member: Member,
    /// The latest notice version they agreed to and when, unless withdrawn.
    pub consent: Option<ConsentRecord>,
}

/// What one erasure removed: when, whose pseudonym, who asked, and how many items of
/// each kind, never their content.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRecord {
    pub pseudonym: String,
    pub at_ms: i64,
    /// "the person" (they withdrew) or "a facilitator".
    pub by: String,
    /// Their cards on live boards.
    pub cards: usize,
    /// Cards they had voted on.
    pub votes: usize,
    /// Cards of theirs held by moderation.
    pub held: usize,
    /// Snapshots that held something of theirs (each rewritten without it).
    pub snapshots: usize,
    /// Copies of their cards on synthesis boards.
    pub copies: usize,
    /// Items of published drafts that quoted their cards.
    pub draft_items: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkshopSummary {
    pub id: String,
    pub title: String,
    pub area: String,
    pub date: String,
    /// Archived workshops are kept read-only and out of the way.
    #[serde(default)]
    pub archived: bool,
    pub boards: Vec<BoardSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardSummary {
    pub id: String,
    pub title: String,
    pub pillar: String,
    pub workshop_id: String,
    pub workshop_title: String,
    pub area: String,
    /// Archived boards are locked and not offered to participants.
    #[serde(default)]
    pub archived: bool,
}

/// What a link lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LinkRole {
    /// Runs the workshop: writes boards and control documents, sees the console.
    Facilitator,
    /// Adds and edits cards while the board is not locked.
    Participant,
    /// Reads only.
    Observer,
}

impl LinkRole {
    pub const ALL: [LinkRole; 3] = [
        LinkRole::Facilitator,
        LinkRole::Participant,
        LinkRole::Observer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkRole::Facilitator => "facilitator",
            LinkRole::Participant => "participant",
            LinkRole::Observer => "observer",
        }
    }

    pub fn parse(s: &str) -> Option<LinkRole> {
        LinkRole::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// Whether this role may change cards on a board that is (or is not) locked.
    pub fn may_edit_cards(self, locked: bool) -> bool {
        match self {
            LinkRole::Facilitator => true,
            LinkRole::Participant => !locked,
            LinkRole::Observer => false,
        }
    }
}

/// What the board page needs: the board and what this link may do on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardAccess {
    pub board: BoardSummary,
    pub role: LinkRole,
}

/// Someone online on a board (from presence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub role: String,
}

/// A new workshop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewWorkshop {
    pub title: String,
    pub area: String,
    pub date: String,
    /// Start from this named plan (its groups, run-sheet, allocation and votes); `None`:
    /// the built-in plan.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Copy this workshop for the next area: its plan, its groups, each group's settings
    /// (anonymity, private writing, shared deleting, votes each), its privacy notice and
    /// its questions. No cards, people or links are copied; links are made fresh.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub copy_of: Option<String>,
}

/// A workshop just created, with the facilitator link that opens it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedWorkshop {
    pub workshop: WorkshopSummary,
    pub facilitator_token: String,
}

/// A change to a workshop's or board's catalogue entry; `None` leaves it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEdit {
    pub title: Option<String>,
    pub archived: Option<bool>,
}

/// A facilitator's moderation of one card.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Moderation {
    Hide,
    Show,
    Delete,
}

/// One breakout board as the facilitator's console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConsoleBoard {
    pub board: BoardSummary,
    /// The people online.
    pub people: Vec<Person>,
    /// Cards per prompt, in [`crate::model::Prompt::ALL`] order.
    pub cards: [usize; 4],
    /// Last change or join, ms since the epoch (`None` if nothing since the server started).
    pub last_activity_ms: Option<f64>,
    pub control: crate::model::control::ControlState,
}

/// The facilitator's console of one workshop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Console {
    pub workshop: WorkshopSummary,
    pub boards: Vec<ConsoleBoard>,
    /// The workshop's plan (the built-in one until its facilitators save their own).
    #[serde(default)]
    pub plan: crate::model::plan::Plan,
}

/// Where a facilitator's control change applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControlScope {
    Workshop(String),
    Board(String),
}

/// What a workshop-wide link shows: the workshop and its boards, for choosing a group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkshopAccess {
    pub workshop: WorkshopSummary,
    pub role: LinkRole,
}

/// A named, immutable point in a board's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    pub id: i64,
    pub board_id: String,
    pub name: String,
    /// "manual", "phase" or "lock".
    pub reason: String,
    pub taken_ms: i64,
}

/// A board that can feed a synthesis board, with its snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceBoard {
    pub board: BoardSummary,
    pub snapshots: Vec<SnapshotInfo>,
}

/// One source of a synthesis board: a board, live or at a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub board: String,
    #[serde(default)]
    pub snapshot: Option<i64>,
}

/// A new synthesis board in a workshop, from chosen boards or snapshots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewSynthesis {
    pub title: String,
    pub pillar: String,
    pub sources: Vec<SourceRef>,
}

/// A published round as the console lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundSummary {
    pub consultation: crate::consult::Consultation,
    /// People who have answered.
    pub respondents: usize,
}

/// A failure the pages show in words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum DirectoryError {
    #[error("not found")]
    NotFound,
    /// No token, or one that is not (or no longer) valid.
    #[error("this link is not valid: {0}")]
    Unauthorized(String),
    /// A valid link that does not allow this.
    #[error("this link does not allow this: {0}")]
    Denied(String),
    #[error("{0}")]
    Invalid(String),
    #[error("server error: {0}")]
    Internal(String),
    /// The person has not agreed to the workshop's privacy notice as it is now (its
    /// version): they must read it and agree before they join or write.
    #[error("please read the privacy notice (version {0}) and agree to it first")]
    ConsentNeeded(u32),
}

/// The future type of [`Directory`]'s async methods.
pub type DirFuture<T> =
    std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, DirectoryError>> + Send>>;

/// Where server functions read and change the catalogue; the server provides it as
/// context. Every method checks the token it is given.
pub trait Directory: Send + Sync {
    /// The board and the role `token` has on it.
    fn board(&self, id: &str, token: Option<&str>) -> Result<BoardAccess, DirectoryError>;
    /// The workshop a workshop-wide link opens.
    fn workshop(&self, id: &str, token: Option<&str>) -> Result<WorkshopAccess, DirectoryError>;
    /// The live console (facilitators only).
    fn console(&self, workshop: &str, token: Option<&str>) -> Result<Console, DirectoryError>;
    /// Change control state of one board or all of a workshop's boards (facilitators only).
    fn control(
        &self,
        scope: ControlScope,
        token: Option<String>,
        patch: crate::model::control::ControlPatch,
    ) -> DirFuture<()>;
    /// Every workshop (the organising team only), in the catalogue's order.
    fn workshops(&self, token: Option<&str>) -> Result<Vec<WorkshopSummary>, DirectoryError>;
    /// Create a workshop (the organising team only): one board per group of its plan
    /// (the built-in plan's pillars, a named plan's groups, or a copied workshop's).
    fn create_workshop(
        &self,
        token: Option<String>,
        new: NewWorkshop,
    ) -> DirFuture<CreatedWorkshop>;
    /// Keep the workshop's plan under `name` for any workshop to start from (workshop
    /// facilitators); a plan of that name is replaced.
    fn save_named_plan(
        &self,
        workshop: &str,
        token: Option<&str>,
        name: &str,
    ) -> Result<crate::model::plan::SavedPlan, DirectoryError>;
    /// The named plans (a workshop's facilitators, or the organising team with
    /// `workshop` `None`).
    fn saved_plans(
        &self,
        workshop: Option<&str>,
        token: Option<&str>,
    ) -> Result<Vec<crate::model::plan::SavedPlan>, DirectoryError>;
    /// Rename or archive a workshop (archiving locks its boards).
    fn edit_workshop(
        &self,
        workshop: String,
        token: Option<String>,
        edit: CatalogEdit,
    ) -> DirFuture<()>;
    /// Add a board to a workshop.
    fn add_board(
        &self,
        workshop: &str,
        token: Option<&str>,
        title: &str,
        pillar: &str,
    ) -> Result<BoardSummary, DirectoryError>;
    /// Rename or archive a board (archiving locks it).
    fn edit_board(&self, board: String, token: Option<String>, edit: CatalogEdit) -> DirFuture<()>;
    /// Move a participant from one board to another; their page follows.
    fn move_person(
        &self,
        from: String,
        token: Option<String>,
        person: String,
        to: String,
    ) -> DirFuture<()>;
    /// Hide (take out of the board into the moderation store), show (put back) or
    /// delete for good a card.
    fn moderate(
        &self,
        board: String,
        token: Option<String>,
        card: String,
        action: Moderation,
    ) -> DirFuture<()>;
    /// Join the board's workshop as the holder of `seat`, with a display name and role:
    /// recorded in the server's roster (never in a board document). Returns the
    /// pseudonym. Observers do not join; only facilitators join as facilitators.
    /// Participants agree to the workshop's privacy notice: `consent` is the version
    /// they agreed to; without it (or for an older version) the answer is
    /// [`DirectoryError::ConsentNeeded`] unless their consent to the current version is
    /// on record already.
    fn join(
        &self,
        board: &str,
        token: Option<&str>,
        join: JoinRequest,
    ) -> Result<String, DirectoryError>;
    /// The questions the board's workshop asks everyone who joins (any link).
    fn questions(
        &self,
        board: &str,
        token: Option<&str>,
    ) -> Result<Vec<AttributeQuestion>, DirectoryError>;
    /// Set the workshop's questions (workshop facilitators); returns them with their ids.
    fn set_questions(
        &self,
        workshop: &str,
        token: Option<&str>,
        questions: Vec<AttributeQuestion>,
    ) -> Result<Vec<AttributeQuestion>, DirectoryError>;
    /// Save the workshop's plan (workshop facilitators); refused with the step (or the
    /// prompt) named when one is not valid. Every board of the workshop whose prompts'
    /// words differ from the plan's takes the plan's, live. Returns how many boards did.
    fn set_plan(
        &self,
        workshop: String,
        token: Option<String>,
        plan: crate::model::plan::Plan,
    ) -> DirFuture<usize>;
    /// Place the holder of `seat` (a participant with the workshop's link) in one of its
    /// open groups, balanced by role (`crate::allocate`); someone placed before gets the
    /// same group again (or the one a facilitator moved them to). Returns the group.
    fn place(
        &self,
        workshop: &str,
        token: Option<&str>,
        seat: &str,
        role: crate::model::Role,
    ) -> Result<BoardSummary, DirectoryError>;
    /// The plan of the workshop a workshop-wide link opens (any role): how its people
    /// find their group.
    fn allocation(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<crate::model::plan::Allocation, DirectoryError>;
    /// Start the next run-sheet step on every board in `scope` (each from where it is):
    /// phase, timer, message and step in one change. Returns how many boards moved on
    /// (a board at the last step stays).
    fn advance(&self, scope: ControlScope, token: Option<String>) -> DirFuture<usize>;
    /// Withdraw from the board's workshop as the holder of `seat`: their consent is
    /// withdrawn and everything of theirs erased (see the server's `erasure`). Returns
    /// the erasure's record.
    fn withdraw(
        &self,
        board: String,
        token: Option<String>,
        seat: String,
    ) -> DirFuture<ErasureRecord>;
    /// Erase one person of the workshop by pseudonym (workshop facilitators).
    fn erase_person(
        &self,
        workshop: String,
        token: Option<String>,
        pseudonym: String,
    ) -> DirFuture<ErasureRecord>;
    /// The workshop's people as its facilitators see them: roster entries with their
    /// consents, and the record of every erasure (workshop facilitators).
    fn people(&self, workshop: &str, token: Option<&str>) -> Result<People, DirectoryError>;
    /// Set (or clear) the workshop's retention date and action (workshop facilitators).
    fn set_retention(
        &self,
        workshop: &str,
        token: Option<&str>,
        retention: Option<Retention>,
    ) -> Result<(), DirectoryError>;
    /// The workshop's audit log, oldest first (workshop facilitators).
    fn audit_log(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<Vec<AuditEntry>, DirectoryError>;
    /// The privacy notice of the board's workshop as it is now (any link).
    fn notice(&self, board: &str, token: Option<&str>) -> Result<Notice, DirectoryError>;
    /// Set a workshop's privacy notice (workshop facilitators): a new version, which
    /// everyone taking part must agree to again.
    fn set_notice(
        &self,
        workshop: &str,
        token: Option<&str>,
        plain: &str,
        easy_read: &str,
    ) -> Result<Notice, DirectoryError>;
    /// The board's workshop roster as this link may see it: everyone's name and role
    /// for facilitators; on a named board the same for everyone; on an anonymous board
    /// nothing for anyone else.
    fn roster(&self, board: &str, token: Option<&str>) -> Result<Vec<Member>, DirectoryError>;
    /// How many people have cast votes on their secret ballots (facilitators only): the
    /// progress of a secret vote, never what anyone voted for.
    fn ballots_cast(&self, board: &str, token: Option<&str>) -> Result<usize, DirectoryError>;
    /// The cards hidden on a board, held out of it (facilitators only), oldest first.
    fn hidden_cards(
        &self,
        board: &str,
        token: Option<&str>,
    ) -> Result<Vec<crate::model::CardView>, DirectoryError>;
    /// Put a card back on the live board as it was in a snapshot; says what that did.
    fn restore_card(
        &self,
        board: String,
        token: Option<String>,
        snapshot: i64,
        card: String,
    ) -> DirFuture<crate::model::board::Restored>;
    /// A board's snapshots (any role).
    fn snapshots(
        &self,
        board: &str,
        token: Option<&str>,
    ) -> Result<Vec<SnapshotInfo>, DirectoryError>;
    /// Take a named snapshot now (facilitators only).
    fn take_snapshot(
        &self,
        board: String,
        token: Option<String>,
        name: String,
    ) -> DirFuture<SnapshotInfo>;
    /// The board, live or at a snapshot, as export data (any role).
    fn export(
        &self,
        board: &str,
        token: Option<&str>,
        at: Option<i64>,
    ) -> Result<crate::model::export::BoardExport, DirectoryError>;
    /// Make a new link to the workshop (or one board); returns its token.
    fn issue_link(
        &self,
        workshop: &str,
        link: LinkRequest,
        token: Option<&str>,
    ) -> Result<String, DirectoryError>;
    /// The workshop's live links (workshop facilitators), oldest first.
    fn links(&self, workshop: &str, token: Option<&str>) -> Result<Vec<LinkInfo>, DirectoryError>;
    /// Revoke one of the workshop's links by its id: its open websockets close at once.
    fn revoke_link(
        &self,
        workshop: &str,
        token: Option<&str>,
        id: &str,
    ) -> Result<(), DirectoryError>;
    /// Set (or clear) when one of the workshop's links expires.
    fn set_link_expiry(
        &self,
        workshop: &str,
        token: Option<&str>,
        id: &str,
        expires_ms: Option<i64>,
    ) -> Result<(), DirectoryError>;
}

/// A link to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRequest {
    pub role: LinkRole,
    /// One board of the workshop; `None`: the whole workshop.
    #[serde(default)]
    pub board: Option<String>,
    /// What to call it in the console and the audit log ("Ward 3 tablet").
    #[serde(default)]
    pub label: String,
    /// When it stops opening anything (ms since the epoch); `None`: until revoked.
    #[serde(default)]
    pub expires_ms: Option<i64>,
}

/// A live link as the console lists it (never its token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkInfo {
    /// The first 16 hex digits of its token's hash: names the link, reveals nothing.
    pub id: String,
    pub role: LinkRole,
    pub board: Option<String>,
    pub label: String,
    pub created_ms: i64,
    pub last_used_ms: Option<i64>,
    pub expires_ms: Option<i64>,
    /// The link this request was made with.
    pub yours: bool,
}

/// Synthesis boards and consultation rounds, each call checked against its token.
///
/// Facilitator links to a whole workshop belong to the organising team: they may read
/// every workshop's boards and snapshots as synthesis sources.
pub trait Rounds: Send + Sync {
    /// Every board of every workshop with its snapshots (workshop-wide facilitators).
    fn sources(&self, token: Option<&str>) -> Result<Vec<SourceBoard>, DirectoryError>;
    /// A new synthesis board in `workshop`, its cards copied with provenance.
    fn create_synthesis(
        &self,
        workshop: &str,
        token: Option<&str>,
        new: NewSynthesis,
    ) -> Result<BoardSummary, DirectoryError>;
    /// Copy more sources onto an existing board; returns how many cards were added.
    fn add_sources(
        &self,
        board: String,
        token: Option<String>,
        sources: Vec<SourceRef>,
    ) -> DirFuture<usize>;
    /// Publish a board (live or a snapshot) as a draft; returns the respondents' token.
    fn publish(
        &self,
        board: &str,
        token: Option<&str>,
        new: crate::consult::NewConsultation,
    ) -> Result<crate::consult::Published, DirectoryError>;
    /// A workshop's rounds (facilitators).
    fn rounds(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<Vec<RoundSummary>, DirectoryError>;
    /// The draft, for its respondents or the workshop's facilitators.
    fn round(
        &self,
        id: &str,
        token: Option<&str>,
    ) -> Result<crate::consult::Consultation, DirectoryError>;
    /// Record (or revise) a respondent's answers (respondents' token). A respondent's
    /// first answer returns their secret; a revision must carry it.
    fn respond(
        &self,
        id: &str,
        token: Option<&str>,
        response: crate::consult::Response,
    ) -> Result<Option<String>, DirectoryError>;
    /// A respondent's own answers so far (with their secret, once they have one).
    fn my_answers(
        &self,
        id: &str,
        token: Option<&str>,
        respondent: &str,
        secret: Option<&str>,
    ) -> Result<Vec<crate::consult::Answer>, DirectoryError>;
    /// Tallies, comments and decisions (facilitators).
    fn results(
        &self,
        id: &str,
        token: Option<&str>,
    ) -> Result<crate::consult::Results, DirectoryError>;
    /// Open or close a round for responses (facilitators).
    fn set_round_open(
        &self,
        id: &str,
        token: Option<&str>,
        open: bool,
    ) -> Result<(), DirectoryError>;
    /// Record the agreement round's decision on one item (facilitators).
    fn record_outcome(
        &self,
        id: &str,
        token: Option<&str>,
        outcome: crate::consult::Outcome,
    ) -> Result<(), DirectoryError>;
    /// The discussion under a round's items, oldest first: respondents read the replies
    /// not hidden, without anyone's respondent id; facilitators read them all.
    fn replies(
        &self,
        id: &str,
        token: Option<&str>,
    ) -> Result<Vec<crate::consult::Reply>, DirectoryError>;
    /// Reply under an item of an open round: a respondent as they answer (their first
    /// write returns their secret, a later one must carry it), a facilitator as the
    /// facilitator. Returns the reply and the respondent's new secret, if given.
    fn reply(
        &self,
        id: &str,
        token: Option<&str>,
        reply: crate::consult::NewReply,
    ) -> Result<(crate::consult::Reply, Option<String>), DirectoryError>;
    /// Hide a reply from respondents, or show it again (facilitators; audited).
    fn hide_reply(
        &self,
        id: &str,
        token: Option<&str>,
        reply: &str,
        hidden: bool,
    ) -> Result<(), DirectoryError>;
}

/// Context handle for [`Rounds`].
#[derive(Clone)]
pub struct RoundsHandle(pub std::sync::Arc<dyn Rounds>);

/// Context handle for [`Directory`].
#[derive(Clone)]
pub struct DirectoryHandle(pub std::sync::Arc<dyn Directory>);
