//! JSON API of synthesis boards and consultation rounds (see docs/PROTOCOL.md).

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;

use cocreate_core::catalog::{
    BoardSummary, NewSynthesis, RoundSummary, Rounds, SourceBoard, SourceRef,
};
use cocreate_core::consult::{
    Consultation, NewConsultation, Outcome, Published, Response as Answers, Results,
};
use cocreate_core::findings::Findings;
use cocreate_core::model::synthesis::{commonality, Commonality};

use crate::error::AppError;
use crate::report::ReportFormat;
use crate::state::AppState;
use crate::web::{audited_report_route, download, AuditedReport, TokenParam};

/// The routes of this module (merged into [`crate::http::router`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/sources", get(sources))
        .route(
            "/api/workshops/{workshop_id}/synthesis",
            post(create_synthesis),
        )
        .route("/api/boards/{board_id}/sources", post(add_sources))
        .route("/api/boards/{board_id}/commonality", get(board_commonality))
        .route("/api/boards/{board_id}/consultations", post(publish))
        .route("/api/workshops/{workshop_id}/consultations", get(rounds))
        .route("/api/consultations/{id}", get(round).patch(open_close))
        .route("/api/consultations/{id}/responses", post(respond))
        .route("/api/consultations/{id}/results", get(results))
        .route("/api/consultations/{id}/responses.csv", get(responses_csv))
        .route("/api/consultations/{id}/summary.csv", get(summary_csv))
        .route("/api/consultations/{id}/outcomes", post(record_outcome))
        .route(
            "/api/consultations/{id}/replies",
            get(list_replies).post(add_reply),
        )
        .route("/api/consultations/{id}/replies.csv", get(replies_csv))
        .route(
            "/api/consultations/{id}/report.docx",
            report_route(ReportFormat::Docx),
        )
        .route(
            "/api/consultations/{id}/report.pdf",
            report_route(ReportFormat::Pdf),
        )
        .route("/api/consultations/{id}/replies/{reply}", patch(hide_reply))
}

/// `GET /api/sources?token=T`: every board and its snapshots (workshop-wide facilitators).
async fn sources(
    State(state): State<AppState>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<SourceBoard>>, AppError> {
    Ok(Json(state.dir.sources(q.token.as_deref())?))
}

/// `POST /api/workshops/{id}/synthesis?token=T` `{title, pillar, sources}`: 201 with the board.
async fn create_synthesis(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(new): Json<NewSynthesis>,
) -> Result<(StatusCode, Json<BoardSummary>), AppError> {
    let b = state
        .dir
        .create_synthesis(&workshop, q.token.as_deref(), new)?;
    Ok((StatusCode::CREATED, Json(b)))
}

#[derive(Debug, Deserialize)]
struct MoreSources {
    sources: Vec<SourceRef>,
}

/// `POST /api/boards/{id}/sources?token=T` `{sources}`: copy more cards in; `{added}`.
async fn add_sources(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
    Json(more): Json<MoreSources>,
) -> Result<Json<serde_json::Value>, AppError> {
    let added = state.dir.add_sources(board, q.token, more.sources).await?;
    Ok(Json(serde_json::json!({ "added": added })))
}

#[derive(Debug, Deserialize)]
struct AtParams {
    token: Option<String>,
    at: Option<i64>,
}

/// `GET /api/boards/{id}/commonality?token=T[&at=SNAPSHOT]` (any role on the board).
async fn board_commonality(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<AtParams>,
) -> Result<Json<Commonality>, AppError> {
    let export =
        cocreate_core::catalog::Directory::export(&state.dir, &board, q.token.as_deref(), q.at)?;
    Ok(Json(commonality(&export)))
}

/// `POST /api/boards/{id}/consultations?token=T` `{title, kind, at?}`: 201 `{consultation, token}`.
async fn publish(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
    Json(new): Json<NewConsultation>,
) -> Result<(StatusCode, Json<Published>), AppError> {
    let p = state.dir.publish(&board, q.token.as_deref(), new)?;
    Ok((StatusCode::CREATED, Json(p)))
}

/// `GET /api/workshops/{id}/consultations?token=T` (facilitators).
async fn rounds(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<RoundSummary>>, AppError> {
    Ok(Json(state.dir.rounds(&workshop, q.token.as_deref())?))
}

/// `GET /api/consultations/{id}?token=T`: the draft (respondents and facilitators).
async fn round(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Consultation>, AppError> {
    Ok(Json(state.dir.round(&id, q.token.as_deref())?))
}

#[derive(Debug, Deserialize)]
struct OpenClose {
    open: bool,
}

/// `PATCH /api/consultations/{id}?token=T` `{open}` (facilitators): 204.
async fn open_close(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
    Json(body): Json<OpenClose>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .set_round_open(&id, q.token.as_deref(), body.open)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/consultations/{id}/responses?token=T`
/// `{respondent, name, organisation, answers, secret?}`: 201 `{"secret": S}` on a
/// respondent's first answer (keep it: later answers must carry it), 204 on a revision
/// with the right secret, 403 without it.
async fn respond(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
    Json(r): Json<Answers>,
) -> Result<Response, AppError> {
    Ok(match state.dir.respond(&id, q.token.as_deref(), r)? {
        Some(secret) => (
            StatusCode::CREATED,
            Json(serde_json::json!({ "secret": secret })),
        )
            .into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// `GET /api/consultations/{id}/results?token=T` (facilitators).
async fn results(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Results>, AppError> {
    Ok(Json(state.dir.results(&id, q.token.as_deref())?))
}

/// `GET /api/consultations/{id}/report.{docx,pdf}?token=T` (facilitators; audited): the
/// round's findings, its tallies, comments, discussion and decisions.
fn report_route(format: ReportFormat) -> axum::routing::MethodRouter<AppState> {
    audited_report_route(format, |state, id, token| {
        let results = state.dir.results(id, token)?;
        Ok(AuditedReport {
            workshop_id: results.consultation.workshop_id.clone(),
            what: "findings report",
            findings: Findings::of_round(&results),
        })
    })
}

/// `GET /api/consultations/{id}/responses.csv?token=T` (facilitators).
async fn responses_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    let (c, csv) = state.dir.responses_csv(&id, q.token.as_deref())?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{}-responses.csv", c.id),
        csv.into_bytes(),
    ))
}

/// `GET /api/consultations/{id}/replies?token=T`: the discussion under the items
/// (respondents: what is not hidden; facilitators: all of it).
async fn list_replies(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::consult::Reply>>, AppError> {
    Ok(Json(state.dir.replies(&id, q.token.as_deref())?))
}

/// `POST /api/consultations/{id}/replies?token=T` `{item, text, respondent?, name?,
/// organisation?, secret?}`: 201 with `{reply, secret?}`.
async fn add_reply(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
    Json(r): Json<cocreate_core::consult::NewReply>,
) -> Result<Response, AppError> {
    let (reply, secret) = state.dir.reply(&id, q.token.as_deref(), r)?;
    Ok((
        StatusCode::CREATED,
        Json(serde_json::json!({ "reply": reply, "secret": secret })),
    )
        .into_response())
}

#[derive(serde::Deserialize)]
struct HideReply {
    hidden: bool,
}

/// `PATCH /api/consultations/{id}/replies/{reply}?token=T` `{hidden}` (facilitators).
async fn hide_reply(
    State(state): State<AppState>,
    Path((id, reply)): Path<(String, String)>,
    Query(q): Query<TokenParam>,
    Json(h): Json<HideReply>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .hide_reply(&id, q.token.as_deref(), &reply, h.hidden)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/consultations/{id}/replies.csv?token=T` (facilitators).
async fn replies_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    let (c, csv) = state.dir.replies_csv(&id, q.token.as_deref())?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{}-replies.csv", c.id),
        csv.into_bytes(),
    ))
}

/// `GET /api/consultations/{id}/summary.csv?token=T` (facilitators): tallies and
/// decisions, one row per item.
async fn summary_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    let (c, csv) = state.dir.summary_csv(&id, q.token.as_deref())?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{}-summary.csv", c.id),
        csv.into_bytes(),
    ))
}

/// `POST /api/consultations/{id}/outcomes?token=T` `{item, decision, note}` (facilitators): 204.
async fn record_outcome(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
    Json(o): Json<Outcome>,
) -> Result<StatusCode, AppError> {
    state.dir.record_outcome(&id, q.token.as_deref(), o)?;
    Ok(StatusCode::NO_CONTENT)
}
