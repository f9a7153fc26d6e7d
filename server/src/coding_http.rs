//! JSON API of a workshop's analysis (see docs/PROTOCOL.md): the lead's codebook,
//! analysts and phase, and each analyst's (or the lead's agreed) codes per card.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use cocreate_core::analysis::{Analysis, AnalystLink, CardCodes, CodingPhase, CodingView};
use cocreate_core::coding::Codebook;

use crate::analysis::QdaFile;
use crate::error::AppError;
use crate::state::AppState;
use crate::web::{download, TokenParam};

/// The routes of this module (merged into [`crate::http::router`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/workshops/{workshop_id}/coding", get(view))
        .route(
            "/api/workshops/{workshop_id}/coding/codebook",
            put(set_codebook),
        )
        .route(
            "/api/workshops/{workshop_id}/coding/analysts",
            post(add_analyst),
        )
        .route(
            "/api/workshops/{workshop_id}/coding/analysts/{analyst}",
            axum::routing::delete(revoke_analyst),
        )
        .route("/api/workshops/{workshop_id}/coding/phase", put(set_phase))
        .route("/api/workshops/{workshop_id}/coding/cards", put(code_card))
        .route(
            "/api/workshops/{workshop_id}/coding/codebook.qdc",
            download_route(QdaFile::Codebook).post(import_qdc),
        )
        .route(
            "/api/workshops/{workshop_id}/coding/codebook/themes",
            post(from_themes),
        )
        .route(
            "/api/workshops/{workshop_id}/coding/project.qdpx",
            download_route(QdaFile::Project),
        )
        .route(
            "/api/workshops/{workshop_id}/coding/dataset.csv",
            download_route(QdaFile::Dataset),
        )
        .route(
            "/api/workshops/{workshop_id}/coding/classification.csv",
            download_route(QdaFile::Classification),
        )
}

/// `GET /api/workshops/{id}/coding/{codebook.qdc | project.qdpx | dataset.csv |
/// classification.csv}?token=T`: the analysis as a file (the codebook for anyone in it,
/// the rest for the lead).
fn download_route(file: QdaFile) -> axum::routing::MethodRouter<AppState> {
    get(
        move |State(state): State<AppState>,
              Path(workshop): Path<String>,
              Query(q): Query<TokenParam>| async move {
            let (bytes, name) = state
                .dir
                .coding_export(&workshop, q.token.as_deref(), file)?;
            let kind = match file {
                QdaFile::Codebook => "application/xml; charset=utf-8",
                QdaFile::Project => "application/zip",
                QdaFile::Dataset | QdaFile::Classification => "text/csv; charset=utf-8",
            };
            Ok::<Response, AppError>(download(kind, &name, bytes))
        },
    )
}

/// `POST /api/workshops/{id}/coding/codebook.qdc?token=T` with a REFI-QDA codebook as the
/// body: it replaces the codebook (the lead, while blind); `{codes}`.
async fn import_qdc(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, AppError> {
    let n = state
        .dir
        .import_codebook(&workshop, q.token.as_deref(), &body)?;
    Ok(Json(serde_json::json!({ "codes": n })))
}

#[derive(Debug, Deserialize)]
struct FromBoard {
    board: String,
}

/// `POST /api/workshops/{id}/coding/codebook/themes?token=T` `{board}`: a code for each
/// of the board's themes not yet in the codebook (the lead, while blind); `{added}`.
async fn from_themes(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(b): Json<FromBoard>,
) -> Result<Json<serde_json::Value>, AppError> {
    let added = state
        .dir
        .codes_from_themes(&workshop, q.token.as_deref(), &b.board)?;
    Ok(Json(serde_json::json!({ "added": added })))
}

/// `GET /api/workshops/{id}/coding?token=T`: the analysis as this link may see it.
async fn view(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<CodingView>, AppError> {
    Ok(Json(state.dir.coding(&workshop, q.token.as_deref())?))
}

/// `PUT /api/workshops/{id}/coding/codebook?token=T` `{codes}`: 204 (the lead, while blind).
async fn set_codebook(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(book): Json<Codebook>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .set_codebook(&workshop, q.token.as_deref(), book)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct NewAnalyst {
    name: String,
}

/// `POST /api/workshops/{id}/coding/analysts?token=T` `{name}`: 201 with their link's
/// token, shown this once (the lead).
async fn add_analyst(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(new): Json<NewAnalyst>,
) -> Result<(StatusCode, Json<AnalystLink>), AppError> {
    let link = state
        .dir
        .add_analyst(&workshop, q.token.as_deref(), new.name)?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// `DELETE /api/workshops/{id}/coding/analysts/{analyst}?token=T`: 204; the analyst's
/// link opens nothing from now on, their coding is kept (the lead).
async fn revoke_analyst(
    State(state): State<AppState>,
    Path((workshop, analyst)): Path<(String, String)>,
    Query(q): Query<TokenParam>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .revoke_analyst(&workshop, q.token.as_deref(), &analyst)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct Phase {
    phase: CodingPhase,
}

/// `PUT /api/workshops/{id}/coding/phase?token=T` `{phase: "blind"|"compare"}`: 204.
async fn set_phase(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(p): Json<Phase>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .set_coding_phase(&workshop, q.token.as_deref(), p.phase)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `PUT /api/workshops/{id}/coding/cards?token=T` `{card, codes}`: 204. An analyst's own
/// codes while blind; the lead's agreed codes once compared.
async fn code_card(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(codes): Json<CardCodes>,
) -> Result<StatusCode, AppError> {
    state.dir.code_card(&workshop, q.token.as_deref(), codes)?;
    Ok(StatusCode::NO_CONTENT)
}
