//! HTTP routes: the board websocket, a small JSON API, and the Leptos pages.

use axum::extract::{Path, Query, State, WebSocketUpgrade};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde::Deserialize;

use crate::error::AppError;
use crate::hub::session::{self, Access};
use crate::AppState;

/// Board ids are short slugs: letters, digits, `-` and `_`.
pub fn valid_board_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[derive(Debug, Deserialize)]
pub struct WsParams {
    /// Reserved for per-workshop access tokens; accepted and ignored until they exist.
    #[allow(dead_code)]
    pub token: Option<String>,
}

/// `GET /ws/board/{board_id}`: the y-websocket endpoint. Unknown boards get 404 before
/// the upgrade.
async fn ws_board(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(_params): Query<WsParams>,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    if !valid_board_id(&board_id) {
        return Err(AppError::NotFound(format!("board {board_id} not found")));
    }
    let handle = state.hub.join(&board_id)?;
    let limits = state.hub.limits().clone();
    let conn = state.hub.next_conn_id();
    // Let frames up to twice the limit through the websocket layer so that we can close
    // with 1009 ourselves; anything larger is cut off by the layer.
    let cap = limits.max_message_bytes.saturating_mul(2).max(64 * 1024);
    Ok(ws
        .max_message_size(cap)
        .max_frame_size(cap)
        .on_upgrade(move |socket| session::run(socket, handle, conn, Access::ReadWrite, limits)))
}

async fn workshops(
    State(state): State<AppState>,
) -> Result<Json<Vec<app::catalog::WorkshopSummary>>, AppError> {
    Ok(Json(state.store.workshops()?))
}

async fn board_info(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
) -> Result<Response, AppError> {
    let summary = state
        .store
        .board_summary(&board_id)?
        .ok_or_else(|| AppError::NotFound(format!("board {board_id} not found")))?;
    let live = state.hub.live(&board_id);
    Ok(Json(serde_json::json!({
        "board": summary,
        "live": live.is_some(),
        "connections": live.map(|b| b.connections()).unwrap_or(0),
    }))
    .into_response())
}

/// `GET /api/boards/{id}/export.ybin`: the whole board as one yrs update (lossless).
async fn export_ybin(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
) -> Result<Response, AppError> {
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
) -> Result<Response, AppError> {
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
        .route("/api/health", get(health))
        .route("/api/workshops", get(workshops))
        .route("/api/boards/{board_id}", get(board_info))
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
