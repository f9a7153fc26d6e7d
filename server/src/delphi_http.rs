//! JSON API of Delphi rating rounds (see docs/PROTOCOL.md): the lead's studies,
//! respondents and rounds; respondents' ratings; results and CSVs.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;

use cocreate_core::delphi::{
    DelphiResults, DelphiRound, ItemSource, NewStudy, Rating, RespondentLink, RespondentView, Study,
};
use cocreate_core::findings::Findings;

use crate::error::AppError;
use crate::report::ReportFormat;
use crate::state::AppState;
use crate::web::{audited_report_route, download, AuditedReport, TokenParam};

/// The routes of this module (merged into [`crate::http::router`]).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/workshops/{workshop_id}/delphi",
            get(list).post(create),
        )
        .route("/api/delphi/{id}", get(view))
        .route("/api/delphi/{id}/respondents", post(add_respondent))
        .route(
            "/api/delphi/{id}/respondents/{code}",
            axum::routing::delete(revoke_respondent),
        )
        .route("/api/delphi/{id}/rounds", post(open_round))
        .route("/api/delphi/{id}/rounds/close", post(close_round))
        .route("/api/delphi/{id}/ratings", put(rate))
        .route("/api/delphi/{id}/results", get(results))
        .route("/api/delphi/{id}/results.csv", get(results_csv))
        .route("/api/delphi/{id}/ratings.csv", get(ratings_csv))
        .route(
            "/api/delphi/{id}/report.docx",
            report_route(ReportFormat::Docx),
        )
        .route(
            "/api/delphi/{id}/report.pdf",
            report_route(ReportFormat::Pdf),
        )
}

#[derive(Debug, Deserialize)]
struct CreateStudy {
    #[serde(flatten)]
    study: NewStudy,
    /// Take the items from this board's themes (after any typed ones).
    #[serde(default)]
    from_board: Option<String>,
}

/// `POST /api/workshops/{id}/delphi?token=T` `{title, scale?, rule?, items, from?}`
/// (`from`: `{"board": id}` or `{"draft": consultation id}`; `from_board: id` also works):
/// 201 with the study (its facilitators).
async fn create(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(c): Json<CreateStudy>,
) -> Result<(StatusCode, Json<Study>), AppError> {
    let mut new = c.study;
    if let Some(board) = c.from_board {
        new.from = Some(ItemSource::Board(board));
    }
    let study = state.dir.create_study(&workshop, q.token.as_deref(), new)?;
    Ok((StatusCode::CREATED, Json(study)))
}

/// `GET /api/workshops/{id}/delphi?token=T`: the workshop's studies (its facilitators).
async fn list(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<Study>>, AppError> {
    Ok(Json(state.dir.studies(&workshop, q.token.as_deref())?))
}

/// `GET /api/delphi/{id}?token=T`: a respondent's view of the open round.
async fn view(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<RespondentView>, AppError> {
    Ok(Json(state.dir.delphi_view(&id, q.token.as_deref())?))
}

#[derive(Debug, Deserialize)]
struct NewRespondent {
    code: String,
}

/// `POST /api/delphi/{id}/respondents?token=T` `{code}`: 201 `{code, token}` (the lead).
async fn add_respondent(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
    Json(r): Json<NewRespondent>,
) -> Result<(StatusCode, Json<RespondentLink>), AppError> {
    let link = state
        .dir
        .add_delphi_respondent(&id, q.token.as_deref(), &r.code)?;
    Ok((StatusCode::CREATED, Json(link)))
}

/// `DELETE /api/delphi/{id}/respondents/{code}?token=T`: 204; the respondent's link
/// opens nothing from now on, their ratings are kept (the lead).
async fn revoke_respondent(
    State(state): State<AppState>,
    Path((id, code)): Path<(String, String)>,
    Query(q): Query<TokenParam>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .revoke_delphi_respondent(&id, q.token.as_deref(), &code)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/delphi/{id}/rounds?token=T`: 201 with the next round, opened (the lead).
async fn open_round(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<(StatusCode, Json<DelphiRound>), AppError> {
    let round = state.dir.open_delphi_round(&id, q.token.as_deref())?;
    Ok((StatusCode::CREATED, Json(round)))
}

/// `POST /api/delphi/{id}/rounds/close?token=T`: 204 (the lead).
async fn close_round(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<StatusCode, AppError> {
    state.dir.close_delphi_round(&id, q.token.as_deref())?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct Ratings {
    ratings: Vec<Rating>,
}

/// `PUT /api/delphi/{id}/ratings?token=T` `{ratings: [{item, value, comment?}]}`: a
/// respondent's ratings in the open round; `{saved}`.
async fn rate(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
    Json(r): Json<Ratings>,
) -> Result<Json<serde_json::Value>, AppError> {
    let saved = state.dir.rate(&id, q.token.as_deref(), r.ratings)?;
    Ok(Json(serde_json::json!({ "saved": saved })))
}

/// `GET /api/delphi/{id}/results?token=T`: every round's results (the lead).
async fn results(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<DelphiResults>, AppError> {
    Ok(Json(state.dir.delphi_results(&id, q.token.as_deref())?))
}

/// `GET /api/delphi/{id}/results.csv?token=T`: one row per round and item (the lead).
async fn results_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    let csv = state.dir.delphi_results_csv(&id, q.token.as_deref())?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{id}-results.csv"),
        csv.into_bytes(),
    ))
}

/// `GET /api/delphi/{id}/report.{docx,pdf}?token=T` (the lead; audited): the rule, each
/// round's consensus table and where every item ended.
fn report_route(format: ReportFormat) -> axum::routing::MethodRouter<AppState> {
    audited_report_route(format, |state, id, token| {
        let results = state.dir.delphi_results(id, token)?;
        Ok(AuditedReport {
            workshop_id: results.study.workshop_id.clone(),
            what: "Delphi findings report",
            findings: Findings::of_delphi(&results),
        })
    })
}

/// `GET /api/delphi/{id}/ratings.csv?token=T`: every rating and comment (the lead).
async fn ratings_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    let csv = state.dir.delphi_ratings_csv(&id, q.token.as_deref())?;
    Ok(download(
        "text/csv; charset=utf-8",
        &format!("{id}-ratings.csv"),
        csv.into_bytes(),
    ))
}
