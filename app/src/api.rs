//! Server functions the pages call. Each takes the link's token and the server checks it.
//! They fail with [`ApiError`]: the server's own typed refusal, or the call itself failing.

use leptos::prelude::*;
use leptos::server_fn::codec::{Json, JsonEncoding};
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

use cocreate_core::catalog::{
    BoardAccess, BoardSummary, CatalogEdit, Console, ControlScope, CreatedWorkshop, DirectoryError,
    LinkInfo, LinkRequest, Moderation, NewSynthesis, NewWorkshop, RoundSummary, SnapshotInfo,
    SourceBoard, WorkshopAccess,
};
use cocreate_core::consult::{
    Answer, Consultation, NewConsultation, Outcome, Published, Response, Results,
};
use cocreate_core::model::control::ControlPatch;
use cocreate_core::model::export::BoardExport;

/// Why a server function did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum ApiError {
    /// The server refused or failed, and said why (not found, a link that is not valid
    /// or does not allow this, an invalid request, a server error).
    #[error(transparent)]
    Refused(#[from] DirectoryError),
    /// The call did not get through, or its answer could not be read.
    #[error("the server could not be reached: {0}")]
    Call(ServerFnErrorErr),
}

impl ApiError {
    #[cfg(feature = "ssr")]
    fn unavailable(what: &str) -> ApiError {
        ApiError::Refused(DirectoryError::Internal(format!("{what} unavailable")))
    }
}

impl FromServerFnError for ApiError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        ApiError::Call(value)
    }
}

#[cfg(feature = "ssr")]
fn directory() -> Result<cocreate_core::catalog::DirectoryHandle, ApiError> {
    use_context::<cocreate_core::catalog::DirectoryHandle>()
        .ok_or_else(|| ApiError::unavailable("catalogue"))
}

/// A board and what this link may do on it; `None` if there is no such board.
#[server]
pub async fn get_board(id: String, token: Option<String>) -> Result<Option<BoardAccess>, ApiError> {
    match directory()?.0.board(&id, token.as_deref()) {
        Ok(b) => Ok(Some(b)),
        Err(DirectoryError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A workshop opened with a workshop-wide link; `None` if there is no such workshop.
#[server]
pub async fn get_workshop(
    id: String,
    token: Option<String>,
) -> Result<Option<WorkshopAccess>, ApiError> {
    match directory()?.0.workshop(&id, token.as_deref()) {
        Ok(w) => Ok(Some(w)),
        Err(DirectoryError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The facilitator's live console of a workshop.
#[server]
pub async fn get_console(workshop: String, token: Option<String>) -> Result<Console, ApiError> {
    directory()?
        .0
        .console(&workshop, token.as_deref())
        .map_err(ApiError::from)
}

/// Change the control state of one board or of every board in a workshop.
#[server(input = Json)]
pub async fn set_control(
    scope: ControlScope,
    token: Option<String>,
    patch: ControlPatch,
) -> Result<(), ApiError> {
    directory()?
        .0
        .control(scope, token, patch)
        .await
        .map_err(ApiError::from)
}

/// Make a new link to the workshop or one of its boards; returns the token.
#[server(input = Json)]
pub async fn issue_link(
    workshop: String,
    link: LinkRequest,
    token: Option<String>,
) -> Result<String, ApiError> {
    directory()?
        .0
        .issue_link(&workshop, link, token.as_deref())
        .map_err(ApiError::from)
}

/// The workshop's live links (facilitators).
#[server]
pub async fn list_links(
    workshop: String,
    token: Option<String>,
) -> Result<Vec<LinkInfo>, ApiError> {
    directory()?
        .0
        .links(&workshop, token.as_deref())
        .map_err(ApiError::from)
}

/// Revoke one of the workshop's links (facilitators).
#[server(input = Json)]
pub async fn revoke_link(
    workshop: String,
    token: Option<String>,
    id: String,
) -> Result<(), ApiError> {
    directory()?
        .0
        .revoke_link(&workshop, token.as_deref(), &id)
        .map_err(ApiError::from)
}

/// A board's snapshots, oldest first.
#[server]
pub async fn list_snapshots(
    board: String,
    token: Option<String>,
) -> Result<Vec<SnapshotInfo>, ApiError> {
    directory()?
        .0
        .snapshots(&board, token.as_deref())
        .map_err(ApiError::from)
}

/// Join the board's workshop: the seat holder's name and role go into the server's
/// roster. Returns the pseudonym.
#[server(input = Json)]
pub async fn join_board(
    board: String,
    token: Option<String>,
    join: cocreate_core::catalog::JoinRequest,
) -> Result<String, ApiError> {
    directory()?
        .0
        .join(&board, token.as_deref(), join)
        .map_err(ApiError::from)
}

/// Leave the board's workshop: everything of this seat's holder is erased.
#[server(input = Json)]
pub async fn withdraw(
    board: String,
    token: Option<String>,
    seat: String,
) -> Result<cocreate_core::catalog::ErasureRecord, ApiError> {
    directory()?
        .0
        .withdraw(board, token, seat)
        .await
        .map_err(ApiError::from)
}

/// Erase one person of the workshop (facilitators).
#[server(input = Json)]
pub async fn erase_person(
    workshop: String,
    token: Option<String>,
    pseudonym: String,
) -> Result<cocreate_core::catalog::ErasureRecord, ApiError> {
    directory()?
        .0
        .erase_person(workshop, token, pseudonym)
        .await
        .map_err(ApiError::from)
}

/// The workshop's people with their consents, and its erasures (facilitators).
#[server]
pub async fn get_people(
    workshop: String,
    token: Option<String>,
) -> Result<cocreate_core::catalog::People, ApiError> {
    directory()?
        .0
        .people(&workshop, token.as_deref())
        .map_err(ApiError::from)
}

/// Set or clear the workshop's retention date and action (facilitators).
#[server(input = Json)]
pub async fn set_retention(
    workshop: String,
    token: Option<String>,
    retention: Option<cocreate_core::catalog::Retention>,
) -> Result<(), ApiError> {
    directory()?
        .0
        .set_retention(&workshop, token.as_deref(), retention)
        .map_err(ApiError::from)
}

/// The workshop's audit log, oldest first (facilitators).
#[server]
pub async fn get_audit_log(
    workshop: String,
    token: Option<String>,
) -> Result<Vec<cocreate_core::catalog::AuditEntry>, ApiError> {
    directory()?
        .0
        .audit_log(&workshop, token.as_deref())
        .map_err(ApiError::from)
}

/// Every workshop (the organising team).
#[server]
pub async fn list_workshops(
    token: Option<String>,
) -> Result<Vec<cocreate_core::catalog::WorkshopSummary>, ApiError> {
    directory()?
        .0
        .workshops(token.as_deref())
        .map_err(ApiError::from)
}

/// The questions the board's workshop asks everyone who joins.
#[server]
pub async fn get_questions(
    board: String,
    token: Option<String>,
) -> Result<Vec<cocreate_core::catalog::AttributeQuestion>, ApiError> {
    directory()?
        .0
        .questions(&board, token.as_deref())
        .map_err(ApiError::from)
}

/// Set the workshop's questions (facilitators).
#[server(input = Json)]
pub async fn set_questions(
    workshop: String,
    token: Option<String>,
    questions: Vec<cocreate_core::catalog::AttributeQuestion>,
) -> Result<Vec<cocreate_core::catalog::AttributeQuestion>, ApiError> {
    directory()?
        .0
        .set_questions(&workshop, token.as_deref(), questions)
        .map_err(ApiError::from)
}

/// Save the workshop's plan (facilitators); returns how many boards took its prompts.
#[server(input = Json)]
pub async fn set_plan(
    workshop: String,
    token: Option<String>,
    plan: cocreate_core::model::plan::Plan,
) -> Result<usize, ApiError> {
    directory()?
        .0
        .set_plan(workshop, token, plan)
        .await
        .map_err(ApiError::from)
}

/// Place me (the holder of `seat`) in a group of the workshop, balanced by role.
#[server(input = Json)]
pub async fn place_me(
    workshop: String,
    token: Option<String>,
    seat: String,
    role: cocreate_core::model::Role,
) -> Result<BoardSummary, ApiError> {
    directory()?
        .0
        .place(&workshop, token.as_deref(), &seat, role)
        .map_err(ApiError::from)
}

/// How the people of the workshop a link opens find their group.
#[server]
pub async fn get_allocation(
    workshop: String,
    token: Option<String>,
) -> Result<cocreate_core::model::plan::Allocation, ApiError> {
    directory()?
        .0
        .allocation(&workshop, token.as_deref())
        .map_err(ApiError::from)
}

/// Start the next run-sheet step on every board of a workshop, or on one board
/// (facilitators); how many boards moved on.
#[server(input = Json)]
pub async fn advance(scope: ControlScope, token: Option<String>) -> Result<usize, ApiError> {
    directory()?
        .0
        .advance(scope, token)
        .await
        .map_err(ApiError::from)
}

/// The privacy notice of the board's workshop as it is now.
#[server]
pub async fn get_notice(
    board: String,
    token: Option<String>,
) -> Result<cocreate_core::catalog::Notice, ApiError> {
    directory()?
        .0
        .notice(&board, token.as_deref())
        .map_err(ApiError::from)
}

/// Set the workshop's privacy notice (workshop facilitators): a new version everyone
/// taking part agrees to again.
#[server(input = Json)]
pub async fn set_notice(
    workshop: String,
    token: Option<String>,
    plain: String,
    easy_read: String,
) -> Result<cocreate_core::catalog::Notice, ApiError> {
    directory()?
        .0
        .set_notice(&workshop, token.as_deref(), &plain, &easy_read)
        .map_err(ApiError::from)
}

/// The workshop's roster as this link may see it (names only on named boards).
#[server]
pub async fn get_roster(
    board: String,
    token: Option<String>,
) -> Result<Vec<cocreate_core::catalog::Member>, ApiError> {
    directory()?
        .0
        .roster(&board, token.as_deref())
        .map_err(ApiError::from)
}

/// How many people have cast votes on their secret ballots (facilitators).
#[server]
pub async fn ballots_cast(board: String, token: Option<String>) -> Result<usize, ApiError> {
    directory()?
        .0
        .ballots_cast(&board, token.as_deref())
        .map_err(ApiError::from)
}

/// The cards hidden on a board, held out of it (facilitators), oldest first.
#[server]
pub async fn list_hidden_cards(
    board: String,
    token: Option<String>,
) -> Result<Vec<cocreate_core::model::CardView>, ApiError> {
    directory()?
        .0
        .hidden_cards(&board, token.as_deref())
        .map_err(ApiError::from)
}

/// Take a named snapshot of a board now (facilitators).
#[server]
pub async fn take_snapshot(
    board: String,
    token: Option<String>,
    name: String,
) -> Result<SnapshotInfo, ApiError> {
    directory()?
        .0
        .take_snapshot(board, token, name)
        .await
        .map_err(ApiError::from)
}

/// The board, live (`at` = None) or at a snapshot, as plain data.
#[server]
pub async fn get_board_export(
    board: String,
    token: Option<String>,
    at: Option<i64>,
) -> Result<BoardExport, ApiError> {
    directory()?
        .0
        .export(&board, token.as_deref(), at)
        .map_err(ApiError::from)
}

/// Create a workshop with its pillar boards; returns it and its facilitator token.
#[server(input = Json)]
pub async fn create_workshop(
    token: Option<String>,
    new: NewWorkshop,
) -> Result<CreatedWorkshop, ApiError> {
    directory()?
        .0
        .create_workshop(token, new)
        .await
        .map_err(ApiError::from)
}

/// Keep the workshop's plan under a name, for any workshop to start from.
#[server(input = Json)]
pub async fn save_named_plan(
    workshop: String,
    token: Option<String>,
    name: String,
) -> Result<cocreate_core::model::plan::SavedPlan, ApiError> {
    directory()?
        .0
        .save_named_plan(&workshop, token.as_deref(), &name)
        .map_err(ApiError::from)
}

/// The named plans (for a workshop's facilitators, or with no workshop, the organisers).
#[server(input = Json)]
pub async fn saved_plans(
    workshop: Option<String>,
    token: Option<String>,
) -> Result<Vec<cocreate_core::model::plan::SavedPlan>, ApiError> {
    directory()?
        .0
        .saved_plans(workshop.as_deref(), token.as_deref())
        .map_err(ApiError::from)
}

/// Rename or archive a workshop.
#[server(input = Json)]
pub async fn edit_workshop(
    workshop: String,
    token: Option<String>,
    edit: CatalogEdit,
) -> Result<(), ApiError> {
    directory()?
        .0
        .edit_workshop(workshop, token, edit)
        .await
        .map_err(ApiError::from)
}

/// Add a board to a workshop.
#[server(input = Json)]
pub async fn add_board(
    workshop: String,
    token: Option<String>,
    title: String,
    pillar: String,
) -> Result<BoardSummary, ApiError> {
    directory()?
        .0
        .add_board(&workshop, token.as_deref(), &title, &pillar)
        .map_err(ApiError::from)
}

/// Rename or archive a board.
#[server(input = Json)]
pub async fn edit_board(
    board: String,
    token: Option<String>,
    edit: CatalogEdit,
) -> Result<(), ApiError> {
    directory()?
        .0
        .edit_board(board, token, edit)
        .await
        .map_err(ApiError::from)
}

/// Move a participant to another board.
#[server(input = Json)]
pub async fn move_person(
    from: String,
    token: Option<String>,
    person: String,
    to: String,
) -> Result<(), ApiError> {
    directory()?
        .0
        .move_person(from, token, person, to)
        .await
        .map_err(ApiError::from)
}

/// Hide, show or delete a card.
#[server(input = Json)]
pub async fn moderate_card(
    board: String,
    token: Option<String>,
    card: String,
    action: Moderation,
) -> Result<(), ApiError> {
    directory()?
        .0
        .moderate(board, token, card, action)
        .await
        .map_err(ApiError::from)
}

/// Put a card back on the board as it was in a snapshot.
#[server(input = Json)]
pub async fn restore_card(
    board: String,
    token: Option<String>,
    snapshot: i64,
    card: String,
) -> Result<cocreate_core::model::board::Restored, ApiError> {
    directory()?
        .0
        .restore_card(board, token, snapshot, card)
        .await
        .map_err(ApiError::from)
}

#[cfg(feature = "ssr")]
fn rounds() -> Result<cocreate_core::catalog::RoundsHandle, ApiError> {
    use_context::<cocreate_core::catalog::RoundsHandle>()
        .ok_or_else(|| ApiError::unavailable("rounds"))
}

/// Every board of every workshop with its snapshots, to choose synthesis sources.
#[server]
pub async fn list_sources(token: Option<String>) -> Result<Vec<SourceBoard>, ApiError> {
    rounds()?
        .0
        .sources(token.as_deref())
        .map_err(ApiError::from)
}

/// A new synthesis board in a workshop from chosen boards or snapshots.
#[server(input = Json)]
pub async fn create_synthesis(
    workshop: String,
    token: Option<String>,
    new: NewSynthesis,
) -> Result<BoardSummary, ApiError> {
    rounds()?
        .0
        .create_synthesis(&workshop, token.as_deref(), new)
        .map_err(ApiError::from)
}

/// Publish a board as a draft for consultation or agreement; returns the respondents' token.
#[server(input = Json)]
pub async fn publish_round(
    board: String,
    token: Option<String>,
    new: NewConsultation,
) -> Result<Published, ApiError> {
    rounds()?
        .0
        .publish(&board, token.as_deref(), new)
        .map_err(ApiError::from)
}

/// A workshop's published rounds.
#[server]
pub async fn list_rounds(
    workshop: String,
    token: Option<String>,
) -> Result<Vec<RoundSummary>, ApiError> {
    rounds()?
        .0
        .rounds(&workshop, token.as_deref())
        .map_err(ApiError::from)
}

/// A published draft (`None` if there is no such round).
#[server]
pub async fn get_round(
    id: String,
    token: Option<String>,
) -> Result<Option<Consultation>, ApiError> {
    match rounds()?.0.round(&id, token.as_deref()) {
        Ok(c) => Ok(Some(c)),
        Err(DirectoryError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Record or revise a respondent's answers.
#[server(input = Json)]
pub async fn respond(
    id: String,
    token: Option<String>,
    response: Response,
) -> Result<Option<String>, ApiError> {
    rounds()?
        .0
        .respond(&id, token.as_deref(), response)
        .map_err(ApiError::from)
}

/// A respondent's answers so far.
#[server]
pub async fn my_answers(
    id: String,
    token: Option<String>,
    respondent: String,
    secret: Option<String>,
) -> Result<Vec<Answer>, ApiError> {
    rounds()?
        .0
        .my_answers(&id, token.as_deref(), &respondent, secret.as_deref())
        .map_err(ApiError::from)
}

/// Tallies, comments and decisions of a round.
#[server]
pub async fn get_results(id: String, token: Option<String>) -> Result<Results, ApiError> {
    rounds()?
        .0
        .results(&id, token.as_deref())
        .map_err(ApiError::from)
}

/// Open or close a round.
#[server]
pub async fn set_round_open(id: String, token: Option<String>, open: bool) -> Result<(), ApiError> {
    rounds()?
        .0
        .set_round_open(&id, token.as_deref(), open)
        .map_err(ApiError::from)
}

/// Record the engagement group's decision on one item.
#[server(input = Json)]
pub async fn record_outcome(
    id: String,
    token: Option<String>,
    outcome: Outcome,
) -> Result<(), ApiError> {
    rounds()?
        .0
        .record_outcome(&id, token.as_deref(), outcome)
        .map_err(ApiError::from)
}

/// The discussion under a round's items (respondents: what is not hidden).
#[server]
pub async fn get_replies(
    id: String,
    token: Option<String>,
) -> Result<Vec<cocreate_core::consult::Reply>, ApiError> {
    rounds()?
        .0
        .replies(&id, token.as_deref())
        .map_err(ApiError::from)
}

/// Reply under an item; a respondent's first write returns their secret.
#[server(input = Json)]
pub async fn add_reply(
    id: String,
    token: Option<String>,
    reply: cocreate_core::consult::NewReply,
) -> Result<(cocreate_core::consult::Reply, Option<String>), ApiError> {
    rounds()?
        .0
        .reply(&id, token.as_deref(), reply)
        .map_err(ApiError::from)
}

/// Hide a reply from respondents, or show it again (facilitators).
#[server(input = Json)]
pub async fn hide_reply(
    id: String,
    token: Option<String>,
    reply: String,
    hidden: bool,
) -> Result<(), ApiError> {
    rounds()?
        .0
        .hide_reply(&id, token.as_deref(), &reply, hidden)
        .map_err(ApiError::from)
}

/// Copy more boards or snapshots onto an existing (synthesis) board; returns cards added.
#[server(input = Json)]
pub async fn add_sources(
    board: String,
    token: Option<String>,
    sources: Vec<cocreate_core::catalog::SourceRef>,
) -> Result<usize, ApiError> {
    rounds()?
        .0
        .add_sources(board, token, sources)
        .await
        .map_err(ApiError::from)
}

#[cfg(feature = "ssr")]
fn analysis() -> Result<cocreate_core::analysis::AnalysisHandle, ApiError> {
    use_context::<cocreate_core::analysis::AnalysisHandle>()
        .ok_or_else(|| ApiError::unavailable("analysis"))
}

/// A workshop's analysis as this link (the lead's, or an analyst's own) may see it.
#[server]
pub async fn get_coding(
    id: String,
    token: Option<String>,
) -> Result<Option<cocreate_core::analysis::CodingView>, ApiError> {
    match analysis()?.0.coding(&id, token.as_deref()) {
        Ok(v) => Ok(Some(v)),
        Err(DirectoryError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Replace the workshop's codebook (the lead, while coding is blind).
#[server(input = Json)]
pub async fn save_codebook(
    id: String,
    token: Option<String>,
    codebook: cocreate_core::coding::Codebook,
) -> Result<(), ApiError> {
    analysis()?
        .0
        .set_codebook(&id, token.as_deref(), codebook)
        .map_err(ApiError::from)
}

/// Add an analyst (the lead); their own link's token comes back this once.
#[server(input = Json)]
pub async fn add_analyst(
    id: String,
    token: Option<String>,
    name: String,
) -> Result<cocreate_core::analysis::AnalystLink, ApiError> {
    analysis()?
        .0
        .add_analyst(&id, token.as_deref(), name)
        .map_err(ApiError::from)
}

/// Close coding to compare the codings, or open it again (the lead).
#[server(input = Json)]
pub async fn set_coding_phase(
    id: String,
    token: Option<String>,
    phase: cocreate_core::analysis::CodingPhase,
) -> Result<(), ApiError> {
    analysis()?
        .0
        .set_coding_phase(&id, token.as_deref(), phase)
        .map_err(ApiError::from)
}

/// Record one card's codes: an analyst's own while blind, the agreed ones (the lead)
/// once compared.
#[server(input = Json)]
pub async fn code_card(
    id: String,
    token: Option<String>,
    codes: cocreate_core::analysis::CardCodes,
) -> Result<(), ApiError> {
    analysis()?
        .0
        .code_card(&id, token.as_deref(), codes)
        .map_err(ApiError::from)
}

/// Add a code for each theme of one of the workshop's boards (the lead, while blind);
/// returns how many were added.
#[server(input = Json)]
pub async fn codes_from_themes(
    id: String,
    token: Option<String>,
    board: String,
) -> Result<usize, ApiError> {
    analysis()?
        .0
        .codes_from_themes(&id, token.as_deref(), &board)
        .map_err(ApiError::from)
}

#[cfg(feature = "ssr")]
fn delphi() -> Result<cocreate_core::analysis::DelphiHandle, ApiError> {
    use_context::<cocreate_core::analysis::DelphiHandle>()
        .ok_or_else(|| ApiError::unavailable("Delphi studies"))
}

/// A new Delphi study (the workshop's facilitators).
#[server(input = Json)]
pub async fn create_study(
    id: String,
    token: Option<String>,
    new: cocreate_core::delphi::NewStudy,
) -> Result<cocreate_core::delphi::Study, ApiError> {
    delphi()?
        .0
        .create_study(&id, token.as_deref(), new)
        .map_err(ApiError::from)
}

/// The workshop's Delphi studies (its facilitators).
#[server]
pub async fn list_studies(
    id: String,
    token: Option<String>,
) -> Result<Vec<cocreate_core::delphi::Study>, ApiError> {
    delphi()?
        .0
        .studies(&id, token.as_deref())
        .map_err(ApiError::from)
}

/// A respondent with their own link (the lead).
#[server(input = Json)]
pub async fn add_delphi_respondent(
    id: String,
    token: Option<String>,
    code: String,
) -> Result<cocreate_core::delphi::RespondentLink, ApiError> {
    delphi()?
        .0
        .add_respondent(&id, token.as_deref(), &code)
        .map_err(ApiError::from)
}

/// Open the next round, or close the open one (the lead).
#[server(input = Json)]
pub async fn delphi_round(id: String, token: Option<String>, open: bool) -> Result<(), ApiError> {
    let d = delphi()?;
    if open {
        d.0.open_round(&id, token.as_deref()).map(|_| ())
    } else {
        d.0.close_round(&id, token.as_deref())
    }
    .map_err(ApiError::from)
}

/// A respondent's page.
#[server]
pub async fn get_delphi_view(
    id: String,
    token: Option<String>,
) -> Result<Option<cocreate_core::delphi::RespondentView>, ApiError> {
    match delphi()?.0.respondent_view(&id, token.as_deref()) {
        Ok(v) => Ok(Some(v)),
        Err(DirectoryError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A respondent's ratings in the open round.
#[server(input = Json)]
pub async fn rate_delphi(
    id: String,
    token: Option<String>,
    ratings: Vec<cocreate_core::delphi::Rating>,
) -> Result<usize, ApiError> {
    delphi()?
        .0
        .rate(&id, token.as_deref(), ratings)
        .map_err(ApiError::from)
}

/// Every round's results (the lead).
#[server]
pub async fn get_delphi_results(
    id: String,
    token: Option<String>,
) -> Result<Option<cocreate_core::delphi::DelphiResults>, ApiError> {
    match delphi()?.0.results(&id, token.as_deref()) {
        Ok(v) => Ok(Some(v)),
        Err(DirectoryError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Revoke an analyst's link (the lead); their coding is kept.
#[server(input = Json)]
pub async fn revoke_analyst(
    id: String,
    token: Option<String>,
    analyst: String,
) -> Result<(), ApiError> {
    analysis()?
        .0
        .revoke_analyst(&id, token.as_deref(), &analyst)
        .map_err(ApiError::from)
}

/// Revoke a Delphi respondent's link (the lead); their ratings are kept.
#[server(input = Json)]
pub async fn revoke_delphi_respondent(
    id: String,
    token: Option<String>,
    code: String,
) -> Result<(), ApiError> {
    delphi()?
        .0
        .revoke_respondent(&id, token.as_deref(), &code)
        .map_err(ApiError::from)
}
