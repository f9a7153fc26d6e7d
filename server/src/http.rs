//! HTTP routes: the board websocket, a small JSON API, and the Leptos pages.

use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde::Deserialize;

use app::catalog::{BoardSummary, ControlScope, Directory, DirectoryError, LinkRole};
use app::model::control::ControlPatch;
use axum::http::StatusCode;
use axum::routing::post;

use crate::auth::{AuthError, TokenHash};
use crate::directory::control_key;
use crate::error::AppError;
use crate::hub::session::{self, Gate};
use crate::hub::BoardHandle;
use crate::AppState;

/// Board ids are short slugs: letters, digits, `-` and `_`.
pub fn valid_board_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// `?token=` on every route that needs one.
#[derive(Debug, Deserialize)]
pub struct TokenParam {
    pub token: Option<String>,
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Store(e) => AppError::Internal(Box::new(e)),
            AuthError::Missing | AuthError::Invalid => AppError::Unauthorized,
            other => AppError::Forbidden(other.to_string()),
        }
    }
}

impl From<DirectoryError> for AppError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::NotFound => AppError::NotFound("not found".into()),
            DirectoryError::Denied(m) => AppError::Forbidden(m),
            DirectoryError::Invalid(m) => AppError::BadRequest(m),
            DirectoryError::Internal(m) => AppError::Internal(m.into()),
        }
    }
}

/// The board (404 if unknown) and the role the token has on it (401/403 otherwise).
fn board_access(
    state: &AppState,
    board_id: &str,
    token: Option<&str>,
) -> Result<(BoardSummary, TokenHash, LinkRole), AppError> {
    if !valid_board_id(board_id) {
        return Err(AppError::NotFound(format!("board {board_id} not found")));
    }
    let board = state
        .store
        .board_summary(board_id)?
        .ok_or_else(|| AppError::NotFound(format!("board {board_id} not found")))?;
    let (hash, role) = state.auth.for_board(token, &board)?;
    Ok((board, hash, role))
}

fn upgrade(state: &AppState, ws: WebSocketUpgrade, doc: BoardHandle, gate: Gate) -> Response {
    let limits = state.hub.limits().clone();
    let conn = state.hub.next_conn_id();
    // Let frames up to twice the limit through the websocket layer so that we can close
    // with 1009 ourselves; anything larger is cut off by the layer.
    let cap = limits.max_message_bytes.saturating_mul(2).max(64 * 1024);
    ws.max_message_size(cap)
        .max_frame_size(cap)
        .on_upgrade(move |socket| session::run(socket, doc, conn, gate, limits))
}

/// `GET /ws/board/{board_id}?token=T`: the y-websocket endpoint of a board's cards.
/// Unknown boards get 404 and bad tokens 401, before the upgrade.
async fn ws_board(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<TokenParam>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let (board, token, role) = board_access(&state, &board_id, q.token.as_deref())?;
    let control = state.hub.join(&control_key(&board.id))?;
    let doc = state.hub.join(&board.id)?;
    let gate = Gate {
        auth: state.auth.clone(),
        token,
        role,
        control: Some(control),
    };
    Ok(upgrade(&state, ws, doc, gate))
}

/// `GET /ws/board/{board_id}/control?token=T`: the board's control document. Everyone
/// with a link reads it; only facilitators write it.
async fn ws_control(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<TokenParam>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let (board, token, role) = board_access(&state, &board_id, q.token.as_deref())?;
    let doc = state.hub.join(&control_key(&board.id))?;
    let gate = Gate {
        auth: state.auth.clone(),
        token,
        role,
        control: None,
    };
    Ok(upgrade(&state, ws, doc, gate))
}

/// `GET /api/workshops/{id}?token=T`: the facilitator's console as JSON.
async fn workshop_console(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<app::catalog::Console>, AppError> {
    Ok(Json(state.dir.console(&workshop, q.token.as_deref())?))
}

/// `POST /api/workshops/{id}/control?token=T`: change every board of a workshop.
async fn workshop_control(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(patch): Json<ControlPatch>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .control(ControlScope::Workshop(workshop), q.token, patch)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/boards/{id}/control?token=T`: change one board.
async fn board_control(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
    Json(patch): Json<ControlPatch>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .control(ControlScope::Board(board), q.token, patch)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct NewLink {
    role: LinkRole,
    board: Option<String>,
}

/// `POST /api/workshops/{id}/links?token=T`: a new link (facilitators only).
async fn create_link(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(link): Json<NewLink>,
) -> Result<Json<serde_json::Value>, AppError> {
    let token = state.dir.issue_link(
        &workshop,
        link.board.as_deref(),
        link.role,
        q.token.as_deref(),
    )?;
    Ok(Json(
        serde_json::json!({ "token": token, "role": link.role, "board": link.board }),
    ))
}

async fn board_info(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    let (summary, _, role) = board_access(&state, &board_id, q.token.as_deref())?;
    let live = state.hub.live(&board_id);
    Ok(Json(serde_json::json!({
        "board": summary,
        "role": role,
        "live": live.is_some(),
        "connections": live.map(|b| b.connections()).unwrap_or(0),
    }))
    .into_response())
}

/// `GET /api/boards/{id}/export.ybin`: the whole board as one yrs update (lossless).
async fn export_ybin(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    board_access(&state, &board_id, q.token.as_deref())?;
    let handle = state.hub.join(&board_id)?;
    let bytes = handle.encode_state();
    drop(handle);
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{board_id}.ybin\""),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// `GET /api/boards/{id}/export.json`: the board's metadata and cards as JSON.
async fn export_json(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    board_access(&state, &board_id, q.token.as_deref())?;
    let handle = state.hub.join(&board_id)?;
    let bytes = handle.encode_state();
    drop(handle);
    let doc = app::model::new_doc();
    let board = app::model::board::Board::of(&doc);
    {
        use yrs::updates::decoder::Decode;
        use yrs::Transact;
        let update = yrs::Update::decode_v1(&bytes).map_err(|e| AppError::Internal(Box::new(e)))?;
        doc.transact_mut()
            .apply_update(update)
            .map_err(|e| AppError::Internal(Box::new(e)))?;
    }
    use yrs::Transact;
    let txn = doc.transact();
    Ok(Json(serde_json::json!({
        "format": "cocreate-board",
        "version": 1,
        "id": board_id,
        "meta": board.meta(&txn),
        "cards": board.cards(&txn),
    }))
    .into_response())
}

async fn health() -> &'static str {
    "ok"
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let directory = state.directory.clone();
    let api = Router::new()
        .route("/ws/board/{board_id}", get(ws_board))
        .route("/ws/board/{board_id}/control", get(ws_control))
        .route("/api/health", get(health))
        .route("/api/workshops/{workshop_id}", get(workshop_console))
        .route(
            "/api/workshops/{workshop_id}/control",
            post(workshop_control),
        )
        .route("/api/workshops/{workshop_id}/links", post(create_link))
        .route("/api/boards/{board_id}", get(board_info))
        .route("/api/boards/{board_id}/control", post(board_control))
        .route("/api/boards/{board_id}/export.ybin", get(export_ybin))
        .route("/api/boards/{board_id}/export.json", get(export_json));
    api.leptos_routes_with_context(
        &state,
        routes,
        move || provide_context(directory.clone()),
        {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        },
    )
    .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
        app::shell,
    ))
    .layer(tower_http::trace::TraceLayer::new_for_http())
    .with_state(state)
}
