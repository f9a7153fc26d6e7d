//! HTTP routes: the board websocket, a small JSON API, and the Leptos pages.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, Query, State, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use serde::Deserialize;

use axum::http::{HeaderMap, StatusCode, Uri};
use axum::routing::{post, put};
use cocreate_core::catalog::{BoardSummary, ControlScope, Directory, DocKey, LinkRole};
use cocreate_core::findings::Findings;
use cocreate_core::identity;
use cocreate_core::model::control::{Control, ControlPatch};
use cocreate_core::model::export::BoardExport;

use crate::error::AppError;
use crate::hub::session::{self, Gate};
use crate::hub::BoardHandle;
use crate::report::{ReportError, ReportFormat};
use crate::state::AppState;
use crate::web::{download, TokenParam};

/// Serve an opened board: admit the connection (caps per link and per address: 429 past
/// them), then upgrade; or relay it to the node that serves the board.
async fn upgrade(
    state: &AppState,
    ws: WebSocketUpgrade,
    from: SocketAddr,
    headers: &HeaderMap,
    uri: &Uri,
    opened: Opened,
) -> Result<Response, AppError> {
    let client = match &state.cluster {
        Some(c) => c.client_address(headers, from),
        None => from.ip(),
    };
    let (doc, gate) = match opened {
        Opened::Here(doc, gate) => (doc, *gate),
        Opened::Elsewhere { token, addr } => {
            let Some(cluster) = state.cluster.clone() else {
                return Err(AppError::Internal(
                    "a board elsewhere without a cluster".into(),
                ));
            };
            if cluster.from_node(headers) {
                // Relayed here by a node that thought this one owns it: never relay twice.
                return Err(AppError::Unavailable(
                    "the board is moving between servers: try again".into(),
                ));
            }
            let admitted = state.admission.admit(&token, client)?;
            let upstream = match crate::cluster::connect_owner(&cluster, &addr, uri, client).await {
                Ok(u) => u,
                Err(crate::cluster::RelayError::Refused { status, body }) => {
                    let json = [(axum::http::header::CONTENT_TYPE, "application/json")];
                    return Ok((status, json, body).into_response());
                }
                Err(e) => {
                    tracing::warn!(error = %e, "could not relay to the board's node");
                    return Err(AppError::Unavailable(
                        "the board's server is not reachable: try again".into(),
                    ));
                }
            };
            return Ok(ws
                .read_buffer_size(8 * 1024)
                .write_buffer_size(8 * 1024)
                .on_upgrade(move |socket| async move {
                    crate::cluster::relay(socket, upstream).await;
                    drop(admitted);
                }));
        }
    };
    let admitted = state.admission.admit(gate.reader.token.as_str(), client)?;
    let limits = state.hub.limits().clone();
    let conn = state.hub.next_conn_id();
    // Let frames up to twice the limit through the websocket layer so that we can close
    // with 1009 ourselves; anything larger is cut off by the layer.
    let cap = limits.max_message_bytes.saturating_mul(2).max(64 * 1024);
    // Small per-connection buffers: board messages are small, and thousands of idle
    // connections must not cost 128 KiB each (tungstenite's default).
    Ok(ws
        .max_message_size(cap)
        .max_frame_size(cap)
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024)
        .on_upgrade(move |socket| async move {
            session::run(socket, doc, conn, gate, limits).await;
            drop(admitted);
        }))
}

/// Which document of a board a websocket opens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Opens {
    /// The board's cards (`/ws/board/{id}`).
    Cards,
    /// The seat holder's draft (`/ws/board/{id}/draft`).
    Draft,
    /// The control document (`/ws/board/{id}/control`).
    Control,
}

/// `?token=T&seat=S` on a board's websocket.
#[derive(Deserialize)]
struct WsQuery {
    token: Option<String>,
    seat: Option<String>,
}

/// A board's websocket, checked: served here, or by the node that owns the board.
enum Opened {
    Here(BoardHandle, Box<Gate>),
    /// Relay to `addr`; `token` is the link's (for this node's caps).
    Elsewhere {
        token: String,
        addr: String,
    },
}

/// Everything checked before a board's websocket is upgraded, in order: the page's
/// origin (403), the token (401, then 404 or 403 for the board), the seat (400 if
/// malformed; a draft needs one, and an observer has none, 403). Returns the document to
/// serve and the gate for its messages, or the node that serves the board (the owner
/// checks everything again, and alone checks each message).
fn open_board(
    state: &AppState,
    headers: &HeaderMap,
    board_id: &str,
    token: Option<&str>,
    seat: Option<&str>,
    opens: Opens,
) -> Result<Opened, AppError> {
    if !crate::web::origin_allowed(headers, &state.hub.limits().allowed_origins) {
        return Err(AppError::Forbidden(
            "pages of this origin may not open boards here".into(),
        ));
    }
    let reader = state.access.board(board_id, token)?;
    let actor = match seat {
        Some(seat) if opens != Opens::Control => {
            identity::check_seat(seat).map_err(|e| AppError::BadRequest(e.to_string()))?;
            Some(identity::pseudonym(&reader.board.workshop_id, seat))
        }
        _ => None,
    };
    let board = reader.board.id.clone();
    let key = match opens {
        Opens::Cards => DocKey::board(&board),
        Opens::Control => DocKey::control(&board),
        Opens::Draft => {
            let Some(me) = &actor else {
                return Err(AppError::BadRequest(
                    "a draft needs a seat (see docs/PROTOCOL.md)".into(),
                ));
            };
            if reader.role == LinkRole::Observer {
                return Err(AppError::Forbidden("observers write nothing".into()));
            }
            DocKey::draft(&board, me.clone())
        }
    };
    let doc = match state.hub.join_here(&key) {
        Ok(doc) => doc,
        Err(crate::hub::HubError::Elsewhere { addr, .. }) => {
            return Ok(Opened::Elsewhere {
                token: reader.token.as_str().to_string(),
                addr,
            })
        }
        Err(e) => return Err(e.into()),
    };
    // Cards and drafts are written by the rules of the board's control document.
    let control = if opens == Opens::Control {
        None
    } else {
        let control = state.hub.join_here(&DocKey::control(&board))?;
        let map = control.read(Control::of);
        Some((control, map))
    };
    let gate = Gate {
        auth: state.auth.clone(),
        reader,
        control,
        actor,
        draft: opens == Opens::Draft,
        reveal: (opens == Opens::Control).then(|| state.hub.clone()),
        consents: state.consents.clone(),
    };
    Ok(Opened::Here(doc, Box::new(gate)))
}

/// `POST /internal/docs/{board}/{cards|control|draft/P}`: a change another node of the
/// cluster made on the server's behalf to a board this node serves (the body is one yrs
/// update). Only for nodes: the request must carry the cluster's key.
async fn internal_update(
    State(state): State<AppState>,
    Path(path): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Result<StatusCode, AppError> {
    let from_node = state
        .cluster
        .as_ref()
        .is_some_and(|c| c.from_node(&headers));
    if !from_node {
        return Err(AppError::Forbidden("for the cluster's nodes only".into()));
    }
    let (board, part) = path;
    let key = match part.split_once('/') {
        None if part == "cards" => DocKey::board(&board),
        None if part == "control" => DocKey::control(&board),
        Some(("draft", who)) if !who.is_empty() => DocKey::draft(&board, who),
        _ => return Err(AppError::NotFound(format!("no document {part}"))),
    };
    let live = state.hub.join_here(&key)?;
    live.apply_forwarded(body.to_vec()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /ws/board/{board_id}?token=T&seat=S`: the y-websocket endpoint of a board's
/// cards. The seat binds the connection to its holder's pseudonym in the workshop;
/// without one a participant's connection only reads.
async fn ws_board(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<WsQuery>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let opened = open_board(
        &state,
        &headers,
        &board_id,
        q.token.as_deref(),
        q.seat.as_deref(),
        Opens::Cards,
    )?;
    upgrade(&state, ws, from, &headers, &uri, opened).await
}

/// `GET /ws/board/{board_id}/draft?token=T&seat=S`: the seat holder's own draft of the
/// board (their cards while private writing is on), which nobody else receives.
async fn ws_draft(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<WsQuery>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let opened = open_board(
        &state,
        &headers,
        &board_id,
        q.token.as_deref(),
        q.seat.as_deref(),
        Opens::Draft,
    )?;
    upgrade(&state, ws, from, &headers, &uri, opened).await
}

/// `GET /ws/board/{board_id}/control?token=T`: the board's control document. Everyone
/// with a link reads it; only facilitators write it.
async fn ws_control(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<TokenParam>,
    ConnectInfo(from): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    uri: Uri,
    ws: WebSocketUpgrade,
) -> Result<Response, AppError> {
    let opened = open_board(
        &state,
        &headers,
        &board_id,
        q.token.as_deref(),
        None,
        Opens::Control,
    )?;
    upgrade(&state, ws, from, &headers, &uri, opened).await
}

/// `GET /api/workshops/{id}?token=T`: the facilitator's console as JSON.
async fn workshop_console(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<cocreate_core::catalog::Console>, AppError> {
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

/// `POST /api/workshops/{id}/advance?token=T` or `/api/boards/{id}/advance`: start the
/// next run-sheet step on every board of the workshop, or on one; `{"moved": n}`.
async fn workshop_advance(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<serde_json::Value>, AppError> {
    let moved = state
        .dir
        .advance(ControlScope::Workshop(workshop), q.token)
        .await?;
    Ok(Json(serde_json::json!({ "moved": moved })))
}

async fn board_advance(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<serde_json::Value>, AppError> {
    let moved = state
        .dir
        .advance(ControlScope::Board(board), q.token)
        .await?;
    Ok(Json(serde_json::json!({ "moved": moved })))
}

/// `POST /api/workshops/{id}/place?token=T` `{"seat", "role"}` (a participant's
/// workshop link): the group the seat's holder is placed in, balanced by role.
#[derive(serde::Deserialize)]
struct PlaceRequest {
    seat: String,
    role: cocreate_core::model::Role,
}

async fn place_me(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(r): Json<PlaceRequest>,
) -> Result<Json<cocreate_core::catalog::BoardSummary>, AppError> {
    Ok(Json(state.dir.place(
        &workshop,
        q.token.as_deref(),
        &r.seat,
        r.role,
    )?))
}

/// `POST /api/workshops/{id}/plans?token=T` `{"name": "..."}`: keep the workshop's plan
/// under that name, for any workshop to start from (workshop facilitators).
async fn save_named_plan(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(body): Json<NamedPlan>,
) -> Result<(StatusCode, Json<cocreate_core::model::plan::SavedPlan>), AppError> {
    let saved = state
        .dir
        .save_named_plan(&workshop, q.token.as_deref(), &body.name)?;
    Ok((StatusCode::CREATED, Json(saved)))
}

#[derive(serde::Deserialize)]
struct NamedPlan {
    name: String,
}

/// `GET /api/workshops/{id}/plans?token=T`: the named plans (workshop facilitators).
async fn workshop_saved_plans(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::model::plan::SavedPlan>>, AppError> {
    Ok(Json(
        state.dir.saved_plans(Some(&workshop), q.token.as_deref())?,
    ))
}

/// `GET /api/plans?token=T`: the named plans (organisers).
async fn saved_plans(
    State(state): State<AppState>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::model::plan::SavedPlan>>, AppError> {
    Ok(Json(state.dir.saved_plans(None, q.token.as_deref())?))
}

/// `PUT /api/workshops/{id}/plan?token=T` with a plan (`{"run_sheet": {"steps": [...]}}`):
/// save the workshop's plan (workshop facilitators); a bad step is refused by number.
async fn set_plan(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(plan): Json<cocreate_core::model::plan::Plan>,
) -> Result<StatusCode, AppError> {
    state.dir.set_plan(workshop, q.token, plan).await?;
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

/// `PUT /api/workshops/{id}/retention?token=T` `{"until_ms", "action": "erase"|"archive"}`
/// or `null` (workshop facilitators): set or clear the workshop's retention.
async fn set_retention(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(r): Json<Option<cocreate_core::catalog::Retention>>,
) -> Result<StatusCode, AppError> {
    state.dir.set_retention(&workshop, q.token.as_deref(), r)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/workshops/{id}/audit?token=T` (workshop facilitators): the audit log,
/// oldest first, `[{at_ms, actor, action, target, detail}]`.
async fn audit_log(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::catalog::AuditEntry>>, AppError> {
    Ok(Json(state.dir.audit_log(&workshop, q.token.as_deref())?))
}

/// `GET /api/workshops/{id}/audit.csv?token=T`: the audit log as CSV (UTF-8 with BOM,
/// cells that a spreadsheet would run are defused, as in board exports).
async fn audit_csv(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    let rows = state
        .dir
        .audit_log(&workshop, q.token.as_deref())?
        .into_iter()
        .map(|e| {
            vec![
                cocreate_core::model::report::iso_utc(e.at_ms as f64),
                e.actor,
                e.action,
                e.target,
                e.detail,
            ]
        })
        .collect();
    let csv = cocreate_core::model::report::csv_document_with(
        &["time (UTC)", "who", "action", "target", "detail"],
        rows,
    );
    Ok(download(
        ExportFormat::Csv.content_type(),
        &format!("{workshop}-audit.csv"),
        csv.into_bytes(),
    ))
}

/// `GET /api/workshops/{id}/links?token=T` (workshop facilitators): the live links,
/// `[{id, role, board, label, created_ms, last_used_ms, expires_ms, yours}]`.
async fn list_links(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::catalog::LinkInfo>>, AppError> {
    Ok(Json(state.dir.links(&workshop, q.token.as_deref())?))
}

/// `DELETE /api/workshops/{id}/links/{link}?token=T` (workshop facilitators): revoke.
async fn revoke_link(
    State(state): State<AppState>,
    Path((workshop, link)): Path<(String, String)>,
    Query(q): Query<TokenParam>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .revoke_link(&workshop, q.token.as_deref(), &link)?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct ExpiryBody {
    expires_ms: Option<i64>,
}

/// `PATCH /api/workshops/{id}/links/{link}?token=T` `{"expires_ms": ms | null}`.
async fn set_link_expiry(
    State(state): State<AppState>,
    Path((workshop, link)): Path<(String, String)>,
    Query(q): Query<TokenParam>,
    Json(e): Json<ExpiryBody>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .set_link_expiry(&workshop, q.token.as_deref(), &link, e.expires_ms)?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/workshops/{id}/links?token=T`: a new link (facilitators only).
async fn create_link(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(link): Json<cocreate_core::catalog::LinkRequest>,
) -> Result<Json<serde_json::Value>, AppError> {
    let (role, board) = (link.role, link.board.clone());
    let token = state.dir.issue_link(&workshop, link, q.token.as_deref())?;
    Ok(Json(
        serde_json::json!({ "token": token, "role": role, "board": board }),
    ))
}

async fn board_info(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    let reader = state.access.board(&board_id, q.token.as_deref())?;
    let live = state.hub.live(&DocKey::board(&reader.board.id));
    Ok(Json(serde_json::json!({
        "board": reader.board,
        "role": reader.role,
        "live": live.is_some(),
        "connections": live.map(|b| b.connections()).unwrap_or(0),
    }))
    .into_response())
}

/// Export formats of `GET /api/boards/{id}/export.{ext}`.
#[derive(Debug, Clone, Copy)]
pub enum ExportFormat {
    Json,
    Csv,
    Markdown,
    Svg,
    Ybin,
    /// A findings report (`export.docx`, `export.pdf`).
    Report(ReportFormat),
}

impl ExportFormat {
    fn ext(self) -> &'static str {
        match self {
            ExportFormat::Json => "json",
            ExportFormat::Csv => "csv",
            ExportFormat::Markdown => "md",
            ExportFormat::Svg => "svg",
            ExportFormat::Ybin => "ybin",
            ExportFormat::Report(r) => r.ext(),
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Json => "application/json",
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Markdown => "text/markdown; charset=utf-8",
            ExportFormat::Svg => "image/svg+xml",
            ExportFormat::Ybin => "application/octet-stream",
            ExportFormat::Report(r) => r.content_type(),
        }
    }

    async fn render(self, export: &BoardExport, raw: Vec<u8>) -> Result<Vec<u8>, ReportError> {
        Ok(match self {
            ExportFormat::Json => export.to_json().into_bytes(),
            ExportFormat::Csv => export.to_csv().into_bytes(),
            ExportFormat::Markdown => export.to_markdown().into_bytes(),
            ExportFormat::Svg => export.to_svg().into_bytes(),
            ExportFormat::Ybin => raw,
            ExportFormat::Report(r) => r.render(Findings::of_board(export)).await?,
        })
    }
}

#[derive(Debug, Deserialize)]
pub struct ExportParams {
    pub token: Option<String>,
    /// Snapshot id; absent for the live board.
    pub at: Option<i64>,
}

/// `GET /api/boards/{id}/export.{json,csv,md,svg,ybin,docx,pdf}?token=T&at=SNAPSHOT`.
async fn export_board(
    state: AppState,
    board_id: String,
    q: ExportParams,
    format: ExportFormat,
) -> Result<Response, AppError> {
    let reader = state.access.board(&board_id, q.token.as_deref())?;
    let (export, raw) = state.dir.export_of(&reader, q.at)?;
    let board = &reader.board;
    state.dir.audit(
        &board.workshop_id,
        state.dir.actor(q.token.as_deref()),
        "export",
        &board.id,
        match q.at {
            Some(at) => format!("{} of snapshot {at}", format.ext()),
            None => format.ext().to_string(),
        },
    );
    let name = match q.at {
        Some(at) => format!("{}-snapshot-{at}.{}", board.id, format.ext()),
        None => format!("{}.{}", board.id, format.ext()),
    };
    Ok(download(
        format.content_type(),
        &name,
        format.render(&export, raw).await?,
    ))
}

fn export_route(format: ExportFormat) -> axum::routing::MethodRouter<AppState> {
    get(
        move |State(state): State<AppState>,
              Path(board_id): Path<String>,
              Query(q): Query<ExportParams>| async move {
            export_board(state, board_id, q, format).await
        },
    )
}

/// `GET /api/boards/{id}/snapshots?token=T`.
async fn list_snapshots(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::catalog::SnapshotInfo>>, AppError> {
    Ok(Json(state.dir.snapshots(&board_id, q.token.as_deref())?))
}

#[derive(Debug, Deserialize)]
struct NewSnapshot {
    name: String,
}

/// `POST /api/boards/{id}/snapshots?token=T` `{"name": "..."}` (facilitators).
async fn create_snapshot(
    State(state): State<AppState>,
    Path(board_id): Path<String>,
    Query(q): Query<TokenParam>,
    Json(body): Json<NewSnapshot>,
) -> Result<(StatusCode, Json<cocreate_core::catalog::SnapshotInfo>), AppError> {
    let snap = state
        .dir
        .take_snapshot(board_id, q.token, body.name)
        .await?;
    Ok((StatusCode::CREATED, Json(snap)))
}

/// Export data of every board of a workshop (facilitators of the workshop).
fn workshop_exports(
    state: &AppState,
    workshop: &str,
    token: Option<&str>,
) -> Result<Vec<(BoardExport, Vec<u8>)>, AppError> {
    let w = state.access.workshop_facilitator(workshop, token)?;
    state.dir.audit(
        &w.workshop.id,
        state.dir.actor(token),
        "export",
        &w.workshop.id,
        "every board",
    );
    w.boards()
        .iter()
        .map(|b| Ok(state.dir.export_of(b, None)?))
        .collect()
}

/// `GET /api/workshops/{id}/export.csv?token=T`: one CSV across every board.
async fn export_workshop_csv(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    let boards: Vec<BoardExport> = workshop_exports(&state, &workshop, q.token.as_deref())?
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    Ok(download(
        ExportFormat::Csv.content_type(),
        &format!("{workshop}.csv"),
        cocreate_core::model::report::csv_document(&boards).into_bytes(),
    ))
}

#[derive(Debug, Deserialize)]
pub struct ReportParams {
    pub token: Option<String>,
    /// Only this pillar's boards (a pillar's findings for the partner it goes to).
    pub pillar: Option<String>,
}

/// `GET /api/workshops/{id}/report.{docx,pdf}?token=T&pillar=P` (facilitators of the
/// workshop): the findings of every board, or of one pillar's boards.
async fn workshop_report(
    state: AppState,
    workshop: String,
    q: ReportParams,
    format: ReportFormat,
) -> Result<Response, AppError> {
    let boards: Vec<BoardExport> = workshop_exports(&state, &workshop, q.token.as_deref())?
        .into_iter()
        .map(|(e, _)| e)
        .collect();
    let title = boards
        .first()
        .map(|b| b.context.workshop_title.clone())
        .unwrap_or_else(|| workshop.clone());
    let (findings, name) = match q.pillar.as_deref().filter(|p| !p.trim().is_empty()) {
        Some(pillar) => (
            Findings::of_pillar(&title, &boards, pillar)?,
            format!(
                "{workshop}-{}-findings",
                crate::archive::file_name(pillar, "pillar")
            ),
        ),
        None => (
            Findings::of_workshop(&title, &boards),
            format!("{workshop}-findings"),
        ),
    };
    crate::web::report(format, &name, findings).await
}

fn workshop_report_route(format: ReportFormat) -> axum::routing::MethodRouter<AppState> {
    get(
        move |State(state): State<AppState>,
              Path(workshop): Path<String>,
              Query(q): Query<ReportParams>| async move {
            workshop_report(state, workshop, q, format).await
        },
    )
}

/// `GET /api/workshops/{id}/export.tar?token=T`: every board in every format, each
/// board's snapshots, the combined CSV and an index, in a folder named after the
/// workshop's title; each board's files are named after its title.
async fn export_workshop_tar(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Response, AppError> {
    use crate::archive::file_name;
    let w = state
        .access
        .workshop_facilitator(&workshop, q.token.as_deref())?;
    state.dir.audit(
        &w.workshop.id,
        state.dir.actor(q.token.as_deref()),
        "export",
        &w.workshop.id,
        "archive of every board and snapshot",
    );
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let root = file_name(&w.workshop.title, &w.workshop.id);
    let mut tar = crate::archive::Tar::default();
    let mut all = Vec::new();
    let mut names = std::collections::HashSet::new();
    let mut index = vec![vec![
        "board_id".to_string(),
        "title".into(),
        "pillar".into(),
        "files".into(),
        "snapshots".into(),
    ]];
    for b in w.boards() {
        let (export, raw) = state.dir.export_of(&b, None)?;
        let mut name = file_name(&b.board.title, &b.board.id);
        if !names.insert(name.clone()) {
            // Two boards with one title: the second keeps its id too.
            name = format!("{name}-{}", b.board.id);
            names.insert(name.clone());
        }
        for f in [
            ExportFormat::Json,
            ExportFormat::Csv,
            ExportFormat::Markdown,
            ExportFormat::Svg,
            ExportFormat::Ybin,
        ] {
            tar.file(
                &format!("{root}/{name}.{}", f.ext()),
                &f.render(&export, raw.clone()).await?,
                now,
            );
        }
        let snapshots = state.store.snapshots(&b.board.id)?;
        for snap in &snapshots {
            let (export, raw) = state.dir.export_of(&b, Some(snap.id))?;
            let snap_name = format!("{}-{}", snap.id, file_name(&snap.name, "snapshot"));
            for f in [
                ExportFormat::Json,
                ExportFormat::Csv,
                ExportFormat::Markdown,
                ExportFormat::Ybin,
            ] {
                tar.file(
                    &format!("{root}/{name}/snapshots/{snap_name}.{}", f.ext()),
                    &f.render(&export, raw.clone()).await?,
                    now,
                );
            }
        }
        index.push(vec![
            b.board.id.clone(),
            b.board.title.clone(),
            b.board.pillar.clone(),
            format!("{name}.*"),
            snapshots.len().to_string(),
        ]);
        all.push(export);
    }
    tar.file(
        &format!("{root}/all-boards.csv"),
        cocreate_core::model::report::csv_document(&all).as_bytes(),
        now,
    );
    let header: Vec<&str> = index[0].iter().map(String::as_str).collect();
    tar.file(
        &format!("{root}/index.csv"),
        cocreate_core::model::report::csv_document_with(&header, index[1..].to_vec()).as_bytes(),
        now,
    );
    Ok(download(
        "application/x-tar",
        &format!("{root}.tar"),
        tar.finish(),
    ))
}

/// `POST /api/workshops/{id}/import?token=T` with a JSON export or a raw `.ybin` update
/// as the body: a new board (facilitators of the workshop).
async fn import_board(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    body: axum::body::Bytes,
) -> Result<(StatusCode, Json<BoardSummary>), AppError> {
    let w = state
        .access
        .workshop_facilitator(&workshop, q.token.as_deref())?;
    let board = state.dir.import(&w, &body)?;
    state.dir.audit(
        &w.workshop.id,
        state.dir.actor(q.token.as_deref()),
        "import board",
        &board.id,
        format!("{} bytes", body.len()),
    );
    Ok((StatusCode::CREATED, Json(board)))
}

/// `GET /api/workshops?token=T` (organisers): every workshop with its boards.
async fn list_workshops(
    State(state): State<AppState>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::catalog::WorkshopSummary>>, AppError> {
    Ok(Json(state.dir.workshops(q.token.as_deref())?))
}

/// `POST /api/workshops?token=T` `{title, area, date, plan?, copy_of?}`: a new workshop
/// with one board per group of its plan (the built-in one, a named plan, or a copied
/// workshop's; organisers); the answer carries its facilitator token.
async fn create_workshop(
    State(state): State<AppState>,
    Query(q): Query<TokenParam>,
    Json(new): Json<cocreate_core::catalog::NewWorkshop>,
) -> Result<(StatusCode, Json<cocreate_core::catalog::CreatedWorkshop>), AppError> {
    Ok((
        StatusCode::CREATED,
        Json(state.dir.create_workshop(q.token.clone(), new).await?),
    ))
}

/// `PATCH /api/workshops/{id}?token=T` `{title?, archived?}`.
async fn edit_workshop(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(edit): Json<cocreate_core::catalog::CatalogEdit>,
) -> Result<StatusCode, AppError> {
    state.dir.edit_workshop(workshop, q.token, edit).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct NewBoard {
    title: String,
    #[serde(default)]
    pillar: String,
}

/// `POST /api/workshops/{id}/boards?token=T` `{title, pillar?}`.
async fn add_board(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(new): Json<NewBoard>,
) -> Result<(StatusCode, Json<BoardSummary>), AppError> {
    let b = state
        .dir
        .add_board(&workshop, q.token.as_deref(), &new.title, &new.pillar)?;
    Ok((StatusCode::CREATED, Json(b)))
}

/// `PATCH /api/boards/{id}?token=T` `{title?, archived?}`.
async fn edit_board(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
    Json(edit): Json<cocreate_core::catalog::CatalogEdit>,
) -> Result<StatusCode, AppError> {
    state.dir.edit_board(board, q.token, edit).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct MoveBody {
    person: String,
    to: String,
}

/// `POST /api/boards/{id}/moves?token=T` `{person, to}`.
async fn move_person(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
    Json(m): Json<MoveBody>,
) -> Result<StatusCode, AppError> {
    state
        .dir
        .move_person(board, q.token, m.person, m.to)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
struct ModerateBody {
    action: cocreate_core::catalog::Moderation,
}

/// `POST /api/boards/{id}/cards/{card}/moderate?token=T` `{"action": "hide"|"show"|"delete"}`.
async fn moderate(
    State(state): State<AppState>,
    Path((board, card)): Path<(String, String)>,
    Query(q): Query<TokenParam>,
    Json(m): Json<ModerateBody>,
) -> Result<StatusCode, AppError> {
    state.dir.moderate(board, q.token, card, m.action).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /api/boards/{id}/join?token=T` `{"seat", "name", "role", "consent",
/// "attributes"}`: record
/// the seat holder's name and role in the workshop's roster; answers `{"pseudonym"}`.
/// A participant agrees to the privacy notice's current version (`consent`, from
/// `GET /api/boards/{id}/notice`) or has agreed before; otherwise 403 with
/// `{"notice_version"}` to agree to.
async fn join_board(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
    Json(j): Json<cocreate_core::catalog::JoinRequest>,
) -> Result<Json<serde_json::Value>, AppError> {
    let pseudonym = state.dir.join(&board, q.token.as_deref(), j)?;
    Ok(Json(serde_json::json!({ "pseudonym": pseudonym })))
}

#[derive(Debug, Deserialize)]
struct WithdrawBody {
    seat: String,
}

/// `POST /api/boards/{id}/withdraw?token=T` `{"seat"}`: the seat holder leaves the
/// workshop; everything of theirs is erased. Answers the erasure's record.
async fn withdraw(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
    Json(w): Json<WithdrawBody>,
) -> Result<Json<cocreate_core::catalog::ErasureRecord>, AppError> {
    Ok(Json(state.dir.withdraw(board, q.token, w.seat).await?))
}

/// `DELETE /api/workshops/{id}/people/{pseudonym}?token=T` (workshop facilitators):
/// erase one person; answers the erasure's record.
async fn erase_person(
    State(state): State<AppState>,
    Path((workshop, pseudonym)): Path<(String, String)>,
    Query(q): Query<TokenParam>,
) -> Result<Json<cocreate_core::catalog::ErasureRecord>, AppError> {
    Ok(Json(
        state.dir.erase_person(workshop, q.token, pseudonym).await?,
    ))
}

/// `GET /api/workshops/{id}/people?token=T` (workshop facilitators): the roster with
/// consents, and every erasure's record.
async fn people(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<cocreate_core::catalog::People>, AppError> {
    Ok(Json(state.dir.people(&workshop, q.token.as_deref())?))
}

/// `GET /api/boards/{id}/questions?token=T`: the questions the board's workshop asks
/// everyone who joins, `[{id, label, choices}]`.
async fn questions(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::catalog::AttributeQuestion>>, AppError> {
    Ok(Json(state.dir.questions(&board, q.token.as_deref())?))
}

/// `PUT /api/workshops/{id}/questions?token=T` `[{id?, label, choices?}]` (workshop
/// facilitators): the questions, answered with their ids.
async fn set_questions(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(qs): Json<Vec<cocreate_core::catalog::AttributeQuestion>>,
) -> Result<Json<Vec<cocreate_core::catalog::AttributeQuestion>>, AppError> {
    Ok(Json(state.dir.set_questions(
        &workshop,
        q.token.as_deref(),
        qs,
    )?))
}

/// `GET /api/boards/{id}/notice?token=T`: the privacy notice of the board's workshop
/// as it is now, `{"version", "plain", "easy_read", "set_ms"}`.
async fn notice(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<cocreate_core::catalog::Notice>, AppError> {
    Ok(Json(state.dir.notice(&board, q.token.as_deref())?))
}

#[derive(Debug, Deserialize)]
struct NoticeBody {
    plain: String,
    easy_read: String,
}

/// `PUT /api/workshops/{id}/notice?token=T` `{"plain", "easy_read"}` (workshop
/// facilitators): a new version of the privacy notice, which everyone taking part must
/// agree to again before they write.
async fn set_notice(
    State(state): State<AppState>,
    Path(workshop): Path<String>,
    Query(q): Query<TokenParam>,
    Json(n): Json<NoticeBody>,
) -> Result<Json<cocreate_core::catalog::Notice>, AppError> {
    Ok(Json(state.dir.set_notice(
        &workshop,
        q.token.as_deref(),
        &n.plain,
        &n.easy_read,
    )?))
}

/// `GET /api/boards/{id}/ballots?token=T` (facilitators): `{"cast": n}`, how many people
/// have votes on their secret ballot.
async fn ballots_cast(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<serde_json::Value>, AppError> {
    let cast = state.dir.ballots_cast(&board, q.token.as_deref())?;
    Ok(Json(serde_json::json!({ "cast": cast })))
}

/// `GET /api/boards/{id}/roster?token=T`: the workshop's roster as this link may see it.
async fn roster(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::catalog::Member>>, AppError> {
    Ok(Json(state.dir.roster(&board, q.token.as_deref())?))
}

/// `GET /api/boards/{id}/hidden?token=T`: the cards hidden on a board, held out of it
/// (facilitators only), oldest first.
async fn hidden_cards(
    State(state): State<AppState>,
    Path(board): Path<String>,
    Query(q): Query<TokenParam>,
) -> Result<Json<Vec<cocreate_core::model::CardView>>, AppError> {
    Ok(Json(state.dir.hidden_cards(&board, q.token.as_deref())?))
}

#[derive(Debug, Deserialize)]
struct RestoreBody {
    snapshot: i64,
}

/// `POST /api/boards/{id}/cards/{card}/restore?token=T` `{"snapshot": N}`: 200
/// `{"restored": "back" | "reverted" | "already-there", "message"}`.
async fn restore(
    State(state): State<AppState>,
    Path((board, card)): Path<(String, String)>,
    Query(q): Query<TokenParam>,
    Json(r): Json<RestoreBody>,
) -> Result<Json<serde_json::Value>, AppError> {
    let restored = state
        .dir
        .restore_card(board, q.token, r.snapshot, card)
        .await?;
    Ok(Json(
        serde_json::json!({ "restored": restored, "message": restored.message() }),
    ))
}

async fn health() -> &'static str {
    "ok"
}

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let routes = generate_route_list(app::App);
    let directory = state.directory.clone();
    let rounds = state.rounds.clone();
    let analysis = state.analysis.clone();
    let delphi = state.delphi.clone();
    let api = Router::new()
        .route("/internal/docs/{board}/{*part}", post(internal_update))
        .route("/ws/board/{board_id}", get(ws_board))
        .route("/ws/board/{board_id}/control", get(ws_control))
        .route("/ws/board/{board_id}/draft", get(ws_draft))
        .route("/api/health", get(health))
        .route("/api/workshops", post(create_workshop).get(list_workshops))
        .route(
            "/api/workshops/{workshop_id}",
            get(workshop_console).patch(edit_workshop),
        )
        .route("/api/workshops/{workshop_id}/boards", post(add_board))
        .route("/api/boards/{board_id}/moves", post(move_person))
        .route(
            "/api/boards/{board_id}/cards/{card_id}/moderate",
            post(moderate),
        )
        .route("/api/boards/{board_id}/hidden", get(hidden_cards))
        .route("/api/boards/{board_id}/join", post(join_board))
        .route("/api/boards/{board_id}/notice", get(notice))
        .route("/api/boards/{board_id}/questions", get(questions))
        .route("/api/workshops/{workshop_id}/questions", put(set_questions))
        .route("/api/workshops/{workshop_id}/notice", put(set_notice))
        .route("/api/boards/{board_id}/withdraw", post(withdraw))
        .route("/api/workshops/{workshop_id}/people", get(people))
        .route(
            "/api/workshops/{workshop_id}/people/{pseudonym}",
            axum::routing::delete(erase_person),
        )
        .route("/api/boards/{board_id}/roster", get(roster))
        .route("/api/boards/{board_id}/ballots", get(ballots_cast))
        .route(
            "/api/boards/{board_id}/cards/{card_id}/restore",
            post(restore),
        )
        .route(
            "/api/workshops/{workshop_id}/control",
            post(workshop_control),
        )
        .route("/api/workshops/{workshop_id}/audit", get(audit_log))
        .route("/api/workshops/{workshop_id}/retention", put(set_retention))
        .route("/api/workshops/{workshop_id}/audit.csv", get(audit_csv))
        .route(
            "/api/workshops/{workshop_id}/links",
            post(create_link).get(list_links),
        )
        .route(
            "/api/workshops/{workshop_id}/links/{link}",
            axum::routing::delete(revoke_link).patch(set_link_expiry),
        )
        .route("/api/boards/{board_id}", get(board_info).patch(edit_board))
        .route("/api/boards/{board_id}/control", post(board_control))
        .route("/api/boards/{board_id}/advance", post(board_advance))
        .route(
            "/api/workshops/{workshop_id}/advance",
            post(workshop_advance),
        )
        .route("/api/workshops/{workshop_id}/plan", put(set_plan))
        .route(
            "/api/workshops/{workshop_id}/plans",
            get(workshop_saved_plans).post(save_named_plan),
        )
        .route("/api/plans", get(saved_plans))
        .route("/api/workshops/{workshop_id}/place", post(place_me))
        .route(
            "/api/boards/{board_id}/export.json",
            export_route(ExportFormat::Json),
        )
        .route(
            "/api/boards/{board_id}/export.csv",
            export_route(ExportFormat::Csv),
        )
        .route(
            "/api/boards/{board_id}/export.md",
            export_route(ExportFormat::Markdown),
        )
        .route(
            "/api/boards/{board_id}/export.svg",
            export_route(ExportFormat::Svg),
        )
        .route(
            "/api/boards/{board_id}/export.ybin",
            export_route(ExportFormat::Ybin),
        )
        .route(
            "/api/boards/{board_id}/export.docx",
            export_route(ExportFormat::Report(ReportFormat::Docx)),
        )
        .route(
            "/api/boards/{board_id}/export.pdf",
            export_route(ExportFormat::Report(ReportFormat::Pdf)),
        )
        .route(
            "/api/boards/{board_id}/snapshots",
            get(list_snapshots).post(create_snapshot),
        )
        .route(
            "/api/workshops/{workshop_id}/export.csv",
            get(export_workshop_csv),
        )
        .route(
            "/api/workshops/{workshop_id}/export.tar",
            get(export_workshop_tar),
        )
        .route(
            "/api/workshops/{workshop_id}/report.docx",
            workshop_report_route(ReportFormat::Docx),
        )
        .route(
            "/api/workshops/{workshop_id}/report.pdf",
            workshop_report_route(ReportFormat::Pdf),
        )
        .route("/api/workshops/{workshop_id}/import", post(import_board))
        .merge(crate::rounds_http::routes())
        .merge(crate::coding_http::routes())
        .merge(crate::delphi_http::routes())
        .nest_service(
            &format!("/{}", state.leptos_options.site_pkg_dir),
            crate::web::assets(&state.leptos_options),
        );
    let app = api
        .leptos_routes_with_context(
            &state,
            routes,
            move || {
                provide_context(directory.clone());
                provide_context(rounds.clone());
                provide_context(analysis.clone());
                provide_context(delphi.clone());
                // A page's scripts run only with this response's nonce (leptos_axum
                // provides one per request; the hydration script carries it).
                if let (Some(nonce), Some(res)) = (
                    leptos::nonce::use_nonce(),
                    use_context::<leptos_axum::ResponseOptions>(),
                ) {
                    let csp = crate::web::page_csp(&nonce.to_string());
                    if let Ok(csp) = axum::http::HeaderValue::from_str(&csp) {
                        res.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, csp);
                    }
                }
            },
            {
                let options = state.leptos_options.clone();
                move || app::shell(options.clone())
            },
        )
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        // Requests are traced by method and path only: the query carries the link's token,
        // and tokens are never logged.
        .layer(
            tower_http::trace::TraceLayer::new_for_http().make_span_with(
                |req: &axum::http::Request<axum::body::Body>| {
                    tracing::debug_span!("request", method = %req.method(), path = %req.uri().path())
                },
            ),
        )
        .with_state(state);
    crate::web::with_security_headers(app)
}
