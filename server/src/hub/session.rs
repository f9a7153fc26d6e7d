//! One websocket connection to a board: a reader task that applies what the client sends,
//! and a writer task that forwards replies, fan-out from peers and pings.
//!
//! Close codes (see docs/PROTOCOL.md): 1009 message too big, 1008 rate limit exceeded,
//! 1007 malformed message or update, 1003 text frames, 1013 too slow to keep up (resync
//! by reconnecting), 1011 server error (store failure).

use std::borrow::Cow;
use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::sync::{broadcast, mpsc};

use super::{BoardHandle, HubError};
use crate::auth::{Auth, TokenHash};
use crate::config::Limits;
use app::catalog::LinkRole;
use app::model::control::Control;
use app::wire::{self as protocol, Inbound};
use yrs::Transact;

pub const CLOSE_UNSUPPORTED: u16 = 1003;
pub const CLOSE_INVALID: u16 = 1007;
pub const CLOSE_POLICY: u16 = 1008;
pub const CLOSE_TOO_BIG: u16 = 1009;
pub const CLOSE_INTERNAL: u16 = 1011;
pub const CLOSE_TRY_AGAIN: u16 = 1013;

const PING_EVERY: Duration = Duration::from_secs(20);

/// Decides, for every message, whether the connection's link is still live and whether
/// it may write the document right now.
pub struct Gate {
    pub auth: Auth,
    pub token: TokenHash,
    pub role: LinkRole,
    /// For a board's card document: its control document (and its root map, taken once at
    /// connect), whose `locked` flag is read on every message. `None` for a control
    /// document itself (facilitators write it).
    pub control: Option<(BoardHandle, Control)>,
}

/// What [`Gate::check`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Write,
    ReadOnly(&'static str),
    Revoked,
}

impl Gate {
    pub fn check(&self) -> Verdict {
        if !self.auth.is_live(&self.token) {
            return Verdict::Revoked;
        }
        match &self.control {
            Some((doc, control)) => {
                let locked = doc.read(|d| control.locked(&d.transact()));
                if self.role.may_edit_cards(locked) {
                    Verdict::Write
                } else if locked && self.role == LinkRole::Participant {
                    Verdict::ReadOnly("the board is locked")
                } else {
                    Verdict::ReadOnly("this link is read-only")
                }
            }
            None if self.role == LinkRole::Facilitator => Verdict::Write,
            None => Verdict::ReadOnly("only facilitators change the control document"),
        }
    }
}

/// A close frame's reason: the error's own words, cut to the 123 bytes a close frame holds.
fn close_reason(e: &impl std::fmt::Display) -> Cow<'static, str> {
    let mut text = e.to_string();
    let mut end = text.len().min(123);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text.truncate(end);
    text.into()
}

enum Out {
    Frame(Bytes),
    Close(u16, Cow<'static, str>),
}

/// A token bucket: `burst` messages at once, refilled at `per_sec`.
struct RateLimit {
    tokens: f64,
    burst: f64,
    per_sec: f64,
    last: Instant,
}

impl RateLimit {
    fn new(limits: &Limits) -> Self {
        RateLimit {
            tokens: limits.rate_burst as f64,
            burst: limits.rate_burst as f64,
            per_sec: limits.rate_per_sec as f64,
            last: Instant::now(),
        }
    }

    /// Take `n` tokens (one per message) if there are that many.
    fn allow(&mut self, n: usize) -> bool {
        let now = Instant::now();
        let dt = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + dt * self.per_sec).min(self.burst);
        if self.tokens >= n as f64 {
            self.tokens -= n as f64;
            true
        } else {
            false
        }
    }
}

/// Serve one connection until either side closes.
pub async fn run(socket: WebSocket, board: BoardHandle, conn: u64, gate: Gate, limits: Limits) {
    let (mut sink, mut stream) = socket.split();
    let (out_tx, mut out_rx) = mpsc::channel::<Out>(256);
    let mut fanout = board.subscribe();

    // Greeting: our step 1 and current presence.
    let _ = out_tx
        .send(Out::Frame(
            protocol::sync_step1(board.state_vector()).into(),
        ))
        .await;
    if let Some(state) = board.awareness_full_state() {
        let _ = out_tx
            .send(Out::Frame(protocol::awareness(state).into()))
            .await;
    }

    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        loop {
            tokio::select! {
                out = out_rx.recv() => match out {
                    Some(Out::Frame(f)) => {
                        if sink.send(Message::Binary(f)).await.is_err() { break; }
                    }
                    Some(Out::Close(code, reason)) => {
                        let _ = sink.send(Message::Close(Some(CloseFrame { code, reason: reason.into_owned().into() }))).await;
                        break;
                    }
                    None => { let _ = sink.close().await; break; }
                },
                msg = fanout.recv() => match msg {
                    Ok(m) if m.from == conn => {}
                    Ok(m) => {
                        if sink.send(Message::Binary(m.frame)).await.is_err() { break; }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(conn, missed = n, "client too slow; closing so it resyncs");
                        let _ = sink.send(Message::Close(Some(CloseFrame { code: CLOSE_TRY_AGAIN, reason: "too slow, reconnect to resync".into() }))).await;
                        break;
                    }
                    Err(broadcast::error::RecvError::Closed) => {
                        // The board was poisoned (see LiveBoard::poison): come back to a fresh copy.
                        let _ = sink.send(Message::Close(Some(CloseFrame { code: CLOSE_TRY_AGAIN, reason: "board reloading: reconnect to resync".into() }))).await;
                        break;
                    }
                },
                _ = ping.tick() => {
                    if sink.send(Message::Ping(Bytes::new())).await.is_err() { break; }
                }
            }
        }
    });

    let mut bound: Option<u64> = None;
    let mut rate = RateLimit::new(&limits);
    let mut denied: Option<&'static str> = None;
    while let Some(msg) = stream.next().await {
        let frame = match msg {
            Ok(Message::Binary(b)) => b,
            Ok(Message::Close(_)) => break,
            Ok(Message::Ping(_)) | Ok(Message::Pong(_)) => continue,
            Ok(Message::Text(_)) => {
                let _ = out_tx
                    .send(Out::Close(
                        CLOSE_UNSUPPORTED,
                        "binary y-websocket messages only".into(),
                    ))
                    .await;
                break;
            }
            Err(e) => {
                // Oversized frames surface here as capacity errors.
                let text = e.to_string();
                tracing::info!(conn, error = %text, "websocket read error");
                if text.contains("too long")
                    || text.contains("too big")
                    || text.contains("Space limit")
                {
                    let _ = out_tx
                        .send(Out::Close(CLOSE_TOO_BIG, "message too big".into()))
                        .await;
                }
                break;
            }
        };
        if frame.len() > limits.max_message_bytes {
            tracing::info!(conn, len = frame.len(), "message too big");
            let _ = out_tx
                .send(Out::Close(CLOSE_TOO_BIG, "message too big".into()))
                .await;
            break;
        }
        if !rate.allow(1) {
            tracing::info!(conn, board = %board.id, "rate limit exceeded");
            let _ = out_tx
                .send(Out::Close(CLOSE_POLICY, "rate limit exceeded".into()))
                .await;
            break;
        }
        let decoded = std::panic::catch_unwind(AssertUnwindSafe(|| protocol::decode_frame(&frame)));
        let msgs = match decoded {
            Ok(Ok(m)) => m,
            Ok(Err(e)) => {
                tracing::info!(conn, error = %e, "malformed message");
                let _ = out_tx
                    .send(Out::Close(CLOSE_INVALID, close_reason(&e)))
                    .await;
                break;
            }
            Err(_) => {
                let _ = out_tx
                    .send(Out::Close(CLOSE_INVALID, "malformed message".into()))
                    .await;
                break;
            }
        };
        // Every message counts, not just every frame: one frame of a million awareness
        // queries would otherwise ask for a million copies of everyone's presence.
        if !rate.allow(msgs.len() - 1) {
            tracing::info!(conn, board = %board.id, messages = msgs.len(), "rate limit exceeded");
            let _ = out_tx
                .send(Out::Close(CLOSE_POLICY, "rate limit exceeded".into()))
                .await;
            break;
        }
        let verdict = gate.check();
        if verdict == Verdict::Revoked {
            tracing::info!(conn, board = %board.id, "link revoked; closing");
            let _ = out_tx
                .send(Out::Close(CLOSE_POLICY, "link no longer valid".into()))
                .await;
            break;
        }
        match handle(
            &board,
            conn,
            verdict,
            &mut bound,
            msgs,
            &out_tx,
            &mut denied,
        )
        .await
        {
            Ok(()) => {}
            Err(HubError::Busy) => {
                tracing::warn!(conn, board = %board.id, "store queue over its limit; asking the client to come back");
                let _ = out_tx
                    .send(Out::Close(
                        CLOSE_TRY_AGAIN,
                        "server busy: reconnect later".into(),
                    ))
                    .await;
                break;
            }
            Err(e @ HubError::Reloading(_)) => {
                let _ = out_tx
                    .send(Out::Close(CLOSE_TRY_AGAIN, close_reason(&e)))
                    .await;
                break;
            }
            Err(HubError::BadUpdate(e)) => {
                tracing::info!(conn, error = %e, "update rejected");
                let _ = out_tx
                    .send(Out::Close(CLOSE_INVALID, close_reason(&e)))
                    .await;
                break;
            }
            Err(HubError::Awareness(e)) => {
                tracing::info!(conn, error = %e, "awareness rejected");
                let _ = out_tx
                    .send(Out::Close(CLOSE_POLICY, "awareness state refused".into()))
                    .await;
                break;
            }
            Err(e) => {
                tracing::error!(conn, board = %board.id, error = %e, "closing connection");
                let _ = out_tx
                    .send(Out::Close(CLOSE_INTERNAL, "server error".into()))
                    .await;
                break;
            }
        }
    }
    if let Some(removed) = board.remove_awareness_of(conn) {
        board.fan_out(conn, protocol::awareness(removed));
    }
    drop(out_tx);
    let _ = writer.await;
    tracing::debug!(conn, board = %board.id, "connection closed");
}

async fn handle(
    board: &BoardHandle,
    conn: u64,
    verdict: Verdict,
    bound: &mut Option<u64>,
    msgs: Vec<Inbound>,
    out: &mpsc::Sender<Out>,
    denied: &mut Option<&'static str>,
) -> Result<(), HubError> {
    for msg in msgs {
        match msg {
            Inbound::SyncStep1(sv) => {
                let diff = board.diff_for(&sv).await?;
                let _ = out
                    .send(Out::Frame(protocol::sync_step2(diff).into()))
                    .await;
            }
            Inbound::Update { raw, update } => {
                if let Verdict::ReadOnly(reason) = verdict {
                    // Refused, not applied. Say why once per change of reason.
                    if *denied != Some(reason) {
                        *denied = Some(reason);
                        let _ = out
                            .send(Out::Frame(protocol::permission_denied(reason).into()))
                            .await;
                    }
                    continue;
                }
                *denied = None;
                if board.store_busy() {
                    // Nothing applied: the client keeps its change and sends it again when
                    // it reconnects and resyncs.
                    return Err(HubError::Busy);
                }
                let trimmed = board.apply_update(raw.clone(), update).await?;
                board.fan_out(conn, protocol::update(raw));
                if let Some(t) = trimmed {
                    board.fan_out(0, protocol::update(t.update));
                    let _ = out
                        .send(Out::Frame(protocol::permission_denied(&t.reason).into()))
                        .await;
                }
            }
            Inbound::Awareness(update) => {
                if let Some(accepted) = board.apply_awareness(conn, bound, update)? {
                    board.fan_out(conn, protocol::awareness(accepted));
                }
            }
            Inbound::AwarenessQuery => {
                if let Some(state) = board.awareness_full_state() {
                    let _ = out
                        .send(Out::Frame(protocol::awareness(state).into()))
                        .await;
                }
            }
            Inbound::Ignored | Inbound::PermissionDenied(_) => {}
        }
    }
    Ok(())
}
