//! Server functions the pages call. Each takes the link's token and the server checks it.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::catalog::{
    BoardAccess, BoardSummary, CatalogEdit, Console, ControlScope, CreatedWorkshop, LinkRole,
    Moderation, NewSynthesis, NewWorkshop, RoundSummary, SnapshotInfo, SourceBoard, WorkshopAccess,
};
use crate::consult::{
    Answer, Consultation, NewConsultation, Outcome, Published, Response, Results,
};
use crate::model::control::ControlPatch;
use crate::model::export::BoardExport;

#[cfg(feature = "ssr")]
fn directory() -> Result<crate::catalog::DirectoryHandle, ServerFnError> {
    use_context::<crate::catalog::DirectoryHandle>()
        .ok_or_else(|| ServerFnError::new("catalogue unavailable"))
}

/// A board and what this link may do on it; `None` if there is no such board.
#[server]
pub async fn get_board(
    id: String,
    token: Option<String>,
) -> Result<Option<BoardAccess>, ServerFnError> {
    use crate::catalog::DirectoryError;
    match directory()?.0.board(&id, token.as_deref()) {
        Ok(b) => Ok(Some(b)),
        Err(DirectoryError::NotFound) => Ok(None),
        Err(e) => Err(ServerFnError::new(e)),
    }
}

/// A workshop opened with a workshop-wide link; `None` if there is no such workshop.
#[server]
pub async fn get_workshop(
    id: String,
    token: Option<String>,
) -> Result<Option<WorkshopAccess>, ServerFnError> {
    use crate::catalog::DirectoryError;
    match directory()?.0.workshop(&id, token.as_deref()) {
        Ok(w) => Ok(Some(w)),
        Err(DirectoryError::NotFound) => Ok(None),
        Err(e) => Err(ServerFnError::new(e)),
    }
}

/// The facilitator's live console of a workshop.
#[server]
pub async fn get_console(
    workshop: String,
    token: Option<String>,
) -> Result<Console, ServerFnError> {
    directory()?
        .0
        .console(&workshop, token.as_deref())
        .map_err(ServerFnError::new)
}

/// Change the control state of one board or of every board in a workshop.
#[server(input = Json)]
pub async fn set_control(
    scope: ControlScope,
    token: Option<String>,
    patch: ControlPatch,
) -> Result<(), ServerFnError> {
    directory()?
        .0
        .control(scope, token, patch)
        .await
        .map_err(ServerFnError::new)
}

/// Make a new link for `role` to the workshop or one of its boards; returns the token.
#[server(input = Json)]
pub async fn issue_link(
    workshop: String,
    board: Option<String>,
    role: LinkRole,
    token: Option<String>,
) -> Result<String, ServerFnError> {
    directory()?
        .0
        .issue_link(&workshop, board.as_deref(), role, token.as_deref())
        .map_err(ServerFnError::new)
}

/// A board's snapshots, oldest first.
#[server]
pub async fn list_snapshots(
    board: String,
    token: Option<String>,
) -> Result<Vec<SnapshotInfo>, ServerFnError> {
    directory()?
        .0
        .snapshots(&board, token.as_deref())
        .map_err(ServerFnError::new)
}

/// Take a named snapshot of a board now (facilitators).
#[server]
pub async fn take_snapshot(
    board: String,
    token: Option<String>,
    name: String,
) -> Result<SnapshotInfo, ServerFnError> {
    directory()?
        .0
        .take_snapshot(board, token, name)
        .await
        .map_err(ServerFnError::new)
}

/// The board, live (`at` = None) or at a snapshot, as plain data.
#[server]
pub async fn get_board_export(
    board: String,
    token: Option<String>,
    at: Option<i64>,
) -> Result<BoardExport, ServerFnError> {
    directory()?
        .0
        .export(&board, token.as_deref(), at)
        .map_err(ServerFnError::new)
}

/// Create a workshop with its pillar boards; returns it and its facilitator token.
#[server(input = Json)]
pub async fn create_workshop(
    token: Option<String>,
    new: NewWorkshop,
) -> Result<CreatedWorkshop, ServerFnError> {
    directory()?
        .0
        .create_workshop(token.as_deref(), new)
        .map_err(ServerFnError::new)
}

/// Rename or archive a workshop.
#[server(input = Json)]
pub async fn edit_workshop(
    workshop: String,
    token: Option<String>,
    edit: CatalogEdit,
) -> Result<(), ServerFnError> {
    directory()?
        .0
        .edit_workshop(workshop, token, edit)
        .await
        .map_err(ServerFnError::new)
}

/// Add a board to a workshop.
#[server(input = Json)]
pub async fn add_board(
    workshop: String,
    token: Option<String>,
    title: String,
    pillar: String,
) -> Result<BoardSummary, ServerFnError> {
    directory()?
        .0
        .add_board(&workshop, token.as_deref(), &title, &pillar)
        .map_err(ServerFnError::new)
}

/// Rename or archive a board.
#[server(input = Json)]
pub async fn edit_board(
    board: String,
    token: Option<String>,
    edit: CatalogEdit,
) -> Result<(), ServerFnError> {
    directory()?
        .0
        .edit_board(board, token, edit)
        .await
        .map_err(ServerFnError::new)
}

/// Move a participant to another board.
#[server(input = Json)]
pub async fn move_person(
    from: String,
    token: Option<String>,
    person: String,
    to: String,
) -> Result<(), ServerFnError> {
    directory()?
        .0
        .move_person(from, token, person, to)
        .await
        .map_err(ServerFnError::new)
}

/// Hide, show or delete a card.
#[server(input = Json)]
pub async fn moderate_card(
    board: String,
    token: Option<String>,
    card: String,
    action: Moderation,
) -> Result<(), ServerFnError> {
    directory()?
        .0
        .moderate(board, token, card, action)
        .await
        .map_err(ServerFnError::new)
}

/// Put a card back on the board as it was in a snapshot.
#[server(input = Json)]
pub async fn restore_card(
    board: String,
    token: Option<String>,
    snapshot: i64,
    card: String,
) -> Result<(), ServerFnError> {
    directory()?
        .0
        .restore_card(board, token, snapshot, card)
        .await
        .map_err(ServerFnError::new)
}

#[cfg(feature = "ssr")]
fn rounds() -> Result<crate::catalog::RoundsHandle, ServerFnError> {
    use_context::<crate::catalog::RoundsHandle>()
        .ok_or_else(|| ServerFnError::new("rounds unavailable"))
}

/// Every board of every workshop with its snapshots, to choose synthesis sources.
#[server]
pub async fn list_sources(token: Option<String>) -> Result<Vec<SourceBoard>, ServerFnError> {
    rounds()?
        .0
        .sources(token.as_deref())
        .map_err(ServerFnError::new)
}

/// A new synthesis board in a workshop from chosen boards or snapshots.
#[server(input = Json)]
pub async fn create_synthesis(
    workshop: String,
    token: Option<String>,
    new: NewSynthesis,
) -> Result<BoardSummary, ServerFnError> {
    rounds()?
        .0
        .create_synthesis(&workshop, token.as_deref(), new)
        .map_err(ServerFnError::new)
}

/// Publish a board as a draft for consultation or agreement; returns the respondents' token.
#[server(input = Json)]
pub async fn publish_round(
    board: String,
    token: Option<String>,
    new: NewConsultation,
) -> Result<Published, ServerFnError> {
    rounds()?
        .0
        .publish(&board, token.as_deref(), new)
        .map_err(ServerFnError::new)
}

/// A workshop's published rounds.
#[server]
pub async fn list_rounds(
    workshop: String,
    token: Option<String>,
) -> Result<Vec<RoundSummary>, ServerFnError> {
    rounds()?
        .0
        .rounds(&workshop, token.as_deref())
        .map_err(ServerFnError::new)
}

/// A published draft (`None` if there is no such round).
#[server]
pub async fn get_round(
    id: String,
    token: Option<String>,
) -> Result<Option<Consultation>, ServerFnError> {
    use crate::catalog::DirectoryError;
    match rounds()?.0.round(&id, token.as_deref()) {
        Ok(c) => Ok(Some(c)),
        Err(DirectoryError::NotFound) => Ok(None),
        Err(e) => Err(ServerFnError::new(e)),
    }
}

/// Record or revise a respondent's answers.
#[server(input = Json)]
pub async fn respond(
    id: String,
    token: Option<String>,
    response: Response,
) -> Result<(), ServerFnError> {
    rounds()?
        .0
        .respond(&id, token.as_deref(), response)
        .map_err(ServerFnError::new)
}

/// A respondent's answers so far.
#[server]
pub async fn my_answers(
    id: String,
    token: Option<String>,
    respondent: String,
) -> Result<Vec<Answer>, ServerFnError> {
    rounds()?
        .0
        .my_answers(&id, token.as_deref(), &respondent)
        .map_err(ServerFnError::new)
}

/// Tallies, comments and decisions of a round.
#[server]
pub async fn get_results(id: String, token: Option<String>) -> Result<Results, ServerFnError> {
    rounds()?
        .0
        .results(&id, token.as_deref())
        .map_err(ServerFnError::new)
}

/// Open or close a round.
#[server]
pub async fn set_round_open(
    id: String,
    token: Option<String>,
    open: bool,
) -> Result<(), ServerFnError> {
    rounds()?
        .0
        .set_round_open(&id, token.as_deref(), open)
        .map_err(ServerFnError::new)
}

/// Record the engagement group's decision on one item.
#[server(input = Json)]
pub async fn record_outcome(
    id: String,
    token: Option<String>,
    outcome: Outcome,
) -> Result<(), ServerFnError> {
    rounds()?
        .0
        .record_outcome(&id, token.as_deref(), outcome)
        .map_err(ServerFnError::new)
}

/// Copy more boards or snapshots onto an existing (synthesis) board; returns cards added.
#[server(input = Json)]
pub async fn add_sources(
    board: String,
    token: Option<String>,
    sources: Vec<crate::catalog::SourceRef>,
) -> Result<usize, ServerFnError> {
    rounds()?
        .0
        .add_sources(board, token, sources)
        .await
        .map_err(ServerFnError::new)
}
