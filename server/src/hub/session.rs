//! One websocket connection to a board: a reader task that applies what the client sends,
//! and a writer task that forwards replies, fan-out from peers and pings.
//!
//! What the connection does with each message is decided by `cocreate_core::sync::Peer`
//! (size, rate, decoding) and the hub (updates, presence); this module only moves frames
//! and turns every refusal into one close (codes in `cocreate_core::sync::close`, see
//! docs/PROTOCOL.md).

use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::sync::{broadcast, mpsc};

use super::{BoardHandle, Fanout, HubError};
use crate::access::BoardReader;
use crate::auth::Auth;
use crate::config::Limits;
use cocreate_core::catalog::LinkRole;
use cocreate_core::model::control::Control;
use cocreate_core::sync::presence::{anonymise, bind_roles};
use cocreate_core::sync::{close, Close, Integrated, Peer, Permit, Refused};
use cocreate_core::wire::{self as protocol, Inbound};
use yrs::sync::AwarenessUpdate;
use yrs::Transact;

const PING_EVERY: Duration = Duration::from_secs(20);

/// Refused updates one connection may send before it is closed (1008). Each refusal
/// costs a rebuild of the board's trial copy (`cocreate_core::sync::keys`), and a client
/// that keeps sending what the rules refuse is not following them.
pub const MAX_REFUSED: u32 = 20;

/// Decides, for every message, whether the connection's link is still live and whether
/// it may write the document right now.
pub struct Gate {
    pub auth: Auth,
    /// The link's capability on this board (checked when the socket was opened).
    pub reader: BoardReader,
    /// For a board's card document: its control document (and its root map, taken once at
    /// connect), whose `locked` flag is read on every message. `None` for a control
    /// document itself (facilitators write it).
    pub control: Option<(BoardHandle, Control)>,
    /// The pseudonym the connection's seat gives it in the workshop (`None`: no seat).
    pub actor: Option<String>,
    /// Whether this connection is to its holder's draft (private writing), not the board.
    pub draft: bool,
    /// For a control document: the hub, to reveal the drafts when a facilitator turns
    /// private writing off through the websocket.
    pub reveal: Option<super::Hub>,
    /// Who agreed to their workshop's privacy notice: a participant writes nothing
    /// before they have.
    pub consents: crate::consent::ConsentBook,
}

/// What [`Gate::check`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// May write; a board document's updates are checked key by key for this permit
    /// (`None`: a control document, which only facilitators write).
    Write(Option<Permit>),
    ReadOnly(&'static str),
    Revoked,
}

impl Gate {
    /// Whether this connection sees people's names and roles in presence: facilitators
    /// always; others unless the board is anonymous.
    pub fn sees_names(&self) -> bool {
        self.reader.role == LinkRole::Facilitator || !self.anonymous()
    }

    /// Whether the board is anonymous now (its control document's `anonymous`).
    pub fn anonymous(&self) -> bool {
        self.control
            .as_ref()
            .is_some_and(|(doc, control)| doc.read(|d| control.read(&d.transact()).anonymous))
    }

    /// Whether the connection's seat holder agreed to the workshop's notice as it is now.
    fn consented(&self) -> bool {
        let Some(actor) = &self.actor else {
            return false;
        };
        self.consents
            .agreed(&self.reader.board.workshop_id, actor)
            .unwrap_or_else(|e| {
                tracing::error!(error = %e, "reading consents");
                false
            })
    }

    /// Presence as this connection may see it.
    fn presence_for(&self, update: AwarenessUpdate) -> AwarenessUpdate {
        if self.sees_names() {
            update
        } else {
            anonymise(&update)
        }
    }

    pub fn check(&self) -> Verdict {
        if !self.auth.is_live(&self.reader.token) {
            return Verdict::Revoked;
        }
        match &self.control {
            Some((doc, control)) => {
                let state = doc.read(|d| control.read(&d.transact()));
                let facilitator = self.reader.role == LinkRole::Facilitator;
                if !self.reader.role.may_edit_cards(state.locked) {
                    if state.locked && self.reader.role == LinkRole::Participant {
                        Verdict::ReadOnly("the board is locked")
                    } else {
                        Verdict::ReadOnly("this link is read-only")
                    }
                } else if !facilitator && self.actor.is_some() && !self.consented() {
                    Verdict::ReadOnly(
                        "agree to the workshop's privacy notice first (join the board)",
                    )
                } else if let Some(actor) = self.actor.clone().or_else(|| {
                    // A facilitator without a seat still writes (the rules do not bind
                    // them); their cards carry whatever author their client gives.
                    facilitator.then(|| "facilitator".to_string())
                }) {
                    Verdict::Write(Some(Permit {
                        actor,
                        facilitator,
                        phase: state.phase,
                        votes_per_person: state.votes_per_person,
                        private: !state.revealed && !self.draft,
                        secret_ballot: !state.votes_revealed && !self.draft,
                        shared_delete: state.shared_delete,
                        draft: self.draft,
                    }))
                } else {
                    Verdict::ReadOnly("join with a seat to write (see docs/PROTOCOL.md)")
                }
            }
            None if self.reader.role == LinkRole::Facilitator => Verdict::Write(None),
            None => Verdict::ReadOnly("only facilitators change the control document"),
        }
    }
}

enum Out {
    Frame(Bytes),
    Close(Close),
}

fn close_frame(c: Close) -> Message {
    Message::Close(Some(CloseFrame {
        code: c.code,
        reason: c.reason.into(),
    }))
}

impl From<HubError> for Close {
    fn from(e: HubError) -> Close {
        match e {
            HubError::Busy => {
                tracing::warn!("store queue over its limit; asking the client to come back");
                Close::new(close::TRY_AGAIN, "server busy: reconnect later")
            }
            e @ HubError::Reloading(_) => Close::new(close::TRY_AGAIN, e),
            e @ HubError::TooManyRefused => Close::new(close::POLICY, e),
            HubError::BadUpdate(e) => {
                tracing::info!(error = %e, "update rejected");
                Close::from(&e)
            }
            HubError::Awareness(e) => {
                tracing::info!(error = %e, "awareness rejected");
                Close::new(close::POLICY, format!("awareness state refused: {e}"))
            }
            e => {
                tracing::error!(error = %e, "closing connection");
                Close::new(close::INTERNAL, "server error")
            }
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
            .send(Out::Frame(
                protocol::awareness(gate.presence_for(state)).into(),
            ))
            .await;
    }

    // Facilitators always see names; others not while the board is anonymous (the
    // writer asks the control document when an anonymised frame comes).
    let is_facilitator = gate.reader.role == LinkRole::Facilitator;
    let writer = tokio::spawn(async move {
        let mut ping = tokio::time::interval(PING_EVERY);
        ping.tick().await;
        loop {
            let sent = tokio::select! {
                out = out_rx.recv() => match out {
                    Some(Out::Frame(f)) => sink.send(Message::Binary(f)).await,
                    Some(Out::Close(c)) => {
                        let _ = sink.send(close_frame(c)).await;
                        break;
                    }
                    None => { let _ = sink.close().await; break; }
                },
                msg = fanout.recv() => match msg {
                    Ok(m) if m.from == conn => Ok(()),
                    Ok(Fanout { anonymous: Some(masked), .. }) if !is_facilitator => {
                        sink.send(Message::Binary(masked)).await
                    }
                    Ok(m) => sink.send(Message::Binary(m.frame)).await,
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(conn, missed = n, "client too slow; closing so it resyncs");
                        let _ = sink.send(close_frame(Close::new(close::TRY_AGAIN, "too slow, reconnect to resync"))).await;
                        break;
                    }
                    Err(broadcast::error::RecvError::Closed) => {
                        // The board was poisoned (see LiveBoard::poison): come back to a fresh copy.
                        let _ = sink.send(close_frame(Close::new(close::TRY_AGAIN, "board reloading: reconnect to resync"))).await;
                        break;
                    }
                },
                _ = ping.tick() => sink.send(Message::Ping(Bytes::new())).await,
            };
            if sent.is_err() {
                break;
            }
        }
    });

    let mut reader = Reader {
        board: &board,
        conn,
        gate: &gate,
        peer: Peer::new(limits.peer(), Duration::ZERO),
        started: Instant::now(),
        bound: None,
        out: &out_tx,
        refused: 0,
    };
    let mut revocations = gate.auth.revocations();
    loop {
        let msg = tokio::select! {
            msg = stream.next() => match msg {
                Some(msg) => msg,
                None => break,
            },
            // A revoked link's socket closes at once, not at its next message: it must
            // not go on receiving the board.
            gone = revocations.recv() => {
                let ours = match gone {
                    Ok(hash) => hash == gate.reader.token,
                    Err(broadcast::error::RecvError::Lagged(_)) => !gate.auth.is_live(&gate.reader.token),
                    Err(broadcast::error::RecvError::Closed) => false,
                };
                if ours {
                    tracing::info!(conn, board = %board.id, "link revoked; closing");
                    let _ = out_tx.send(Out::Close(Close::new(close::POLICY, "link no longer valid"))).await;
                    break;
                }
                continue;
            }
        };
        match reader.serve(msg).await {
            Ok(true) => {}
            Ok(false) => break,
            Err(c) => {
                tracing::info!(conn, board = %board.id, code = c.code, reason = %c.reason, "closing connection");
                let _ = out_tx.send(Out::Close(c)).await;
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

/// The reading side of one connection.
struct Reader<'a> {
    board: &'a BoardHandle,
    conn: u64,
    gate: &'a Gate,
    peer: Peer,
    started: Instant,
    /// The presence client id this connection owns, once it has announced one.
    bound: Option<u64>,
    out: &'a mpsc::Sender<Out>,
    /// Updates of this connection the rules refused so far.
    refused: u32,
}

impl Reader<'_> {
    async fn send(&self, frame: Vec<u8>) {
        let _ = self.out.send(Out::Frame(frame.into())).await;
    }

    /// One websocket message: whether to go on reading, or why the connection closes.
    async fn serve(&mut self, msg: Result<Message, axum::Error>) -> Result<bool, Close> {
        let frame = match msg {
            Ok(Message::Binary(b)) => b,
            Ok(Message::Close(_)) => return Ok(false),
            Ok(Message::Ping(_)) | Ok(Message::Pong(_)) => return Ok(true),
            Ok(Message::Text(_)) => return Err(self.peer.text_frame()),
            Err(e) => {
                // Oversized frames surface here as capacity errors.
                let text = e.to_string();
                tracing::info!(conn = self.conn, error = %text, "websocket read error");
                if ["too long", "too big", "Space limit"]
                    .iter()
                    .any(|t| text.contains(t))
                {
                    return Err(Close::new(close::TOO_BIG, "message too big"));
                }
                return Ok(false);
            }
        };
        let msgs = self.peer.receive(&frame, self.started.elapsed())?;
        let verdict = self.gate.check();
        if verdict == Verdict::Revoked {
            return Err(Close::new(close::POLICY, "link no longer valid"));
        }
        for msg in msgs {
            self.handle(&verdict, msg).await?;
        }
        Ok(true)
    }

    async fn handle(&mut self, verdict: &Verdict, msg: Inbound) -> Result<(), HubError> {
        let board = self.board;
        match msg {
            Inbound::SyncStep1(sv) => {
                let diff = board.diff_for(&sv).await?;
                self.send(protocol::sync_step2(diff)).await;
            }
            Inbound::Update(update) => {
                let permit = match verdict {
                    Verdict::ReadOnly(reason) => {
                        // Refused, not applied. Say why once per change of reason.
                        if let Some(denied) = self.peer.deny(reason) {
                            self.send(denied).await;
                        }
                        return Ok(());
                    }
                    Verdict::Write(permit) => permit.as_ref(),
                    Verdict::Revoked => return Ok(()),
                };
                self.peer.accepted();
                if board.store_busy() {
                    // Nothing applied: the client keeps its change and sends it again when
                    // it reconnects and resyncs.
                    return Err(HubError::Busy);
                }
                // Private writing or secret tallies turned off through the control
                // document itself: the drafts or ballots go onto the board (as through
                // the control API).
                let before = self
                    .gate
                    .reveal
                    .as_ref()
                    .map(|_| board.read(|d| Control::of(d).read(&d.transact())));
                let Integrated { raw, trimmed } = match board.apply_update(update, permit).await {
                    Ok(i) => i,
                    Err(HubError::BadUpdate(Refused::Forbidden(why))) => {
                        // Not applied, not stored, not relayed; the connection stays open.
                        tracing::info!(conn = self.conn, board = %board.id, reason = %why, "update refused");
                        self.refused += 1;
                        if self.refused > MAX_REFUSED {
                            return Err(HubError::TooManyRefused);
                        }
                        let reason = why.to_string();
                        if let Some(denied) = self.peer.deny(&reason) {
                            self.send(denied).await;
                        }
                        return Ok(());
                    }
                    Err(e) => return Err(e),
                };
                board.fan_out(self.conn, protocol::update(raw));
                if let (Some(hub), Some(before)) = (&self.gate.reveal, before) {
                    let after = board.read(|d| Control::of(d).read(&d.transact()));
                    if after.revealed && !before.revealed {
                        hub.reveal_drafts(board.id.board_id()).await?;
                    }
                    if after.votes_revealed && !before.votes_revealed {
                        hub.reveal_votes(board.id.board_id()).await?;
                    }
                }
                if let Some(t) = trimmed {
                    board.fan_out(0, protocol::update(t.update));
                    self.send(protocol::permission_denied(&t.reason)).await;
                }
            }
            Inbound::Awareness(update) => {
                let facilitator = self.gate.reader.role == LinkRole::Facilitator;
                let update = bind_roles(update, facilitator);
                if let Some(accepted) = board.apply_awareness(self.conn, &mut self.bound, update)? {
                    let masked = self
                        .gate
                        .anonymous()
                        .then(|| protocol::awareness(anonymise(&accepted)));
                    board.fan_out_masked(self.conn, protocol::awareness(accepted), masked);
                }
            }
            Inbound::AwarenessQuery => {
                if let Some(state) = board.awareness_full_state() {
                    self.send(protocol::awareness(self.gate.presence_for(state)))
                        .await;
                }
            }
            Inbound::Ignored | Inbound::PermissionDenied(_) => {}
        }
        Ok(())
    }
}
