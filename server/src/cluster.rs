//! Scale-out: several nodes on one PostgreSQL database, each board served by the one
//! node holding its lease (see `docs/SCALING.md`).
//!
//! A client may reach any node. A node that does not own the client's board relays the
//! websocket to the owner: every message goes through the owner's checks exactly as a
//! local one (scan, limits, lock, permissions, consent), and its refusals (HTTP statuses
//! before the upgrade, close codes and reasons after) come back unchanged. Nothing is
//! relayed before the owner made it durable, since the owner relays only then.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri};
use futures::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use cocreate_core::sync::close;

/// Headers one node adds to what it relays to another.
pub const KEY_HEADER: &str = "x-cocreate-cluster-key";
/// The client's own address, as the first node saw it (trusted only with the key).
pub const CLIENT_HEADER: &str = "x-cocreate-client";

/// This node's place in a cluster.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub node: String,
    /// Shared by the nodes: a relayed request carrying it is from another node.
    pub key: String,
    /// The Redis server that carries events between the nodes.
    pub redis: String,
}

impl ClusterConfig {
    /// Whether a request came from another node of this cluster (it carries the key).
    pub fn from_node(&self, headers: &HeaderMap) -> bool {
        headers
            .get(KEY_HEADER)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|k| constant_time_eq(k.as_bytes(), self.key.as_bytes()))
    }

    /// The client's address: the one a relaying node passed on, or the peer's own.
    pub fn client_address(&self, headers: &HeaderMap, peer: SocketAddr) -> IpAddr {
        if self.from_node(headers) {
            if let Some(ip) = headers
                .get(CLIENT_HEADER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
            {
                return ip;
            }
        }
        peer.ip()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Why a relay could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The owner answered the upgrade with this status (401, 403, 404, 429, ...).
    #[error("the board's node refused: {status}")]
    Refused { status: StatusCode, body: String },
    /// The owner could not be reached (it may have just died; its lease will pass on).
    #[error("the board's node ({addr}) is not reachable: {reason}")]
    Unreachable { addr: String, reason: String },
}

pub type Upstream =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Open the owner's websocket for the same path and query the client asked for.
pub async fn connect_owner(
    cluster: &ClusterConfig,
    addr: &str,
    uri: &Uri,
    client: IpAddr,
) -> Result<Upstream, RelayError> {
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let unreachable = |reason: String| RelayError::Unreachable {
        addr: addr.to_string(),
        reason,
    };
    let mut request = format!("ws://{addr}{path}")
        .into_client_request()
        .map_err(|e| unreachable(e.to_string()))?;
    let headers = request.headers_mut();
    headers.insert(
        KEY_HEADER,
        HeaderValue::from_str(&cluster.key).map_err(|e| unreachable(e.to_string()))?,
    );
    headers.insert(
        CLIENT_HEADER,
        HeaderValue::from_str(&client.to_string()).map_err(|e| unreachable(e.to_string()))?,
    );
    // Small buffers, as on the client-facing side: a relay holds one per client.
    let config = tungstenite::protocol::WebSocketConfig::default()
        .read_buffer_size(8 * 1024)
        .write_buffer_size(8 * 1024);
    let connect = tokio_tungstenite::connect_async_with_config(request, Some(config), true);
    match tokio::time::timeout(std::time::Duration::from_secs(5), connect).await {
        Err(_) => Err(unreachable("timed out".into())),
        Ok(Ok((ws, _))) => Ok(ws),
        Ok(Err(tungstenite::Error::Http(resp))) => Err(RelayError::Refused {
            status: StatusCode::from_u16(resp.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
            body: resp
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        }),
        Ok(Err(e)) => Err(unreachable(e.to_string())),
    }
}

fn to_upstream(m: Message) -> Option<tungstenite::Message> {
    Some(match m {
        Message::Binary(b) => tungstenite::Message::Binary(b),
        Message::Text(t) => tungstenite::Message::Text(t.as_str().into()),
        Message::Ping(b) => tungstenite::Message::Ping(b),
        Message::Pong(b) => tungstenite::Message::Pong(b),
        Message::Close(f) => {
            tungstenite::Message::Close(f.map(|f| tungstenite::protocol::CloseFrame {
                code: f.code.into(),
                reason: f.reason.as_str().into(),
            }))
        }
    })
}

fn to_client(m: tungstenite::Message) -> Option<Message> {
    Some(match m {
        tungstenite::Message::Binary(b) => Message::Binary(b),
        tungstenite::Message::Text(t) => Message::Text(t.as_str().into()),
        tungstenite::Message::Ping(b) => Message::Ping(b),
        tungstenite::Message::Pong(b) => Message::Pong(b),
        tungstenite::Message::Close(f) => Message::Close(f.map(|f| CloseFrame {
            code: f.code.into(),
            reason: f.reason.as_str().into(),
        })),
        tungstenite::Message::Frame(_) => return None,
    })
}

/// Relay frames both ways until either side closes. A close from the owner (with its
/// code and reason) goes to the client as it is; if the owner's connection breaks, the
/// client is asked to come back (1013): its board is about to be served elsewhere.
pub async fn relay(client: WebSocket, upstream: Upstream) {
    let (mut to_client_sink, mut from_client) = client.split();
    let (mut to_owner, mut from_owner) = upstream.split();
    loop {
        tokio::select! {
            m = from_client.next() => match m {
                Some(Ok(m)) => {
                    let closing = matches!(m, Message::Close(_));
                    if let Some(m) = to_upstream(m) {
                        if to_owner.send(m).await.is_err() {
                            let _ = to_client_sink.send(try_again()).await;
                            return;
                        }
                    }
                    if closing {
                        // Let the owner's answer to the close through, then stop.
                        let _ = tokio::time::timeout(std::time::Duration::from_secs(2), async {
                            while let Some(Ok(m)) = from_owner.next().await {
                                if let Some(m) = to_client(m) {
                                    let _ = to_client_sink.send(m).await;
                                }
                            }
                        }).await;
                        return;
                    }
                }
                _ => {
                    let _ = to_owner.close().await;
                    return;
                }
            },
            m = from_owner.next() => match m {
                Some(Ok(m)) => {
                    let closing = matches!(m, tungstenite::Message::Close(_));
                    if let Some(m) = to_client(m) {
                        if to_client_sink.send(m).await.is_err() {
                            let _ = to_owner.close().await;
                            return;
                        }
                    }
                    if closing {
                        return;
                    }
                }
                _ => {
                    let _ = to_client_sink.send(try_again()).await;
                    return;
                }
            },
        }
    }
}

fn try_again() -> Message {
    Message::Close(Some(CloseFrame {
        code: close::TRY_AGAIN,
        reason: "the board's server went away: reconnect".into(),
    }))
}

/// The node that serves a board this node holds a copy of: where its changes go.
#[derive(Clone)]
pub struct Remote {
    addr: String,
    key: String,
}

type HttpClient = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    http_body_util::Full<bytes::Bytes>,
>;

/// One HTTP client for every change sent between nodes (it keeps connections open).
fn http_client() -> &'static HttpClient {
    static CLIENT: std::sync::OnceLock<HttpClient> = std::sync::OnceLock::new();
    CLIENT.get_or_init(|| {
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http()
    })
}

/// The path of a document's internal endpoint on its owner.
pub fn internal_path(doc: &cocreate_core::catalog::DocKey) -> String {
    match doc.draft_of() {
        Some(who) => format!("/internal/docs/{}/draft/{who}", doc.board_id()),
        None if doc.is_control() => format!("/internal/docs/{}/control", doc.board_id()),
        None => format!("/internal/docs/{}/cards", doc.board_id()),
    }
}

impl Remote {
    pub fn new(addr: String, key: String) -> Remote {
        Remote { addr, key }
    }

    /// Send a change made here on the server's behalf to the owner, which applies it
    /// as its own, stores it and relays it; resolves once the owner has stored it.
    pub async fn send_update(
        &self,
        doc: &cocreate_core::catalog::DocKey,
        update: Vec<u8>,
    ) -> Result<(), RelayError> {
        use http_body_util::BodyExt;
        let unreachable = |reason: String| RelayError::Unreachable {
            addr: self.addr.clone(),
            reason,
        };
        let request = hyper::Request::post(format!("http://{}{}", self.addr, internal_path(doc)))
            .header(KEY_HEADER, &self.key)
            .body(http_body_util::Full::new(bytes::Bytes::from(update)))
            .map_err(|e| unreachable(e.to_string()))?;
        let response = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            http_client().request(request),
        )
        .await
        .map_err(|_| unreachable("timed out".into()))?
        .map_err(|e| unreachable(e.to_string()))?;
        let status = response.status();
        if status.is_success() {
            return Ok(());
        }
        let body = response
            .into_body()
            .collect()
            .await
            .map(|b| String::from_utf8_lossy(&b.to_bytes()).into_owned())
            .unwrap_or_default();
        Err(RelayError::Refused {
            status: StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY),
            body,
        })
    }
}
