//! Test helpers: a real server on a loopback port, and a stock yrs client over a real
//! websocket (it uses yrs's own y-sync message types, not the server's wire module).
#![allow(dead_code)]

pub mod postgres;
pub mod redis;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use server::config::Limits;
use server::store::Store;
use server::AppState;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};
use yrs::encoding::read::Cursor;
use yrs::sync::{Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::{Encode, Encoder, EncoderV1};
use yrs::{Doc, ReadTxn, StateVector, Transact, TransactionMut, Update};

pub const DEMO: &str = "demo-leadership";

/// A server running in this process on 127.0.0.1:0.
pub struct TestServer {
    pub addr: SocketAddr,
    pub state: AppState,
    pub db: PathBuf,
    /// The demo workshop's links.
    pub links: server::seed::DemoLinks,
    task: tokio::task::JoinHandle<()>,
}

impl TestServer {
    pub async fn start(db: &Path, limits: Limits) -> TestServer {
        let store = Store::open(db).expect("open store");
        let state = AppState::new(store.clone(), limits, server::leptos_options()).expect("state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let base = format!("http://{addr}");
        // A fresh database gets the demo and its links; a reopened one gets new links.
        let links = match server::seed::seed_demo(&store, &state.auth, &base).expect("seed") {
            Some(l) => l,
            None => {
                let issue = |role| {
                    state
                        .auth
                        .issue(server::auth::Grant::new(
                            server::seed::DEMO_WORKSHOP,
                            None,
                            role,
                        ))
                        .unwrap()
                };
                server::seed::DemoLinks {
                    organiser: state.auth.issue_organiser("test organiser").unwrap(),
                    base,
                    facilitator: issue(cocreate_core::catalog::LinkRole::Facilitator),
                    participant: issue(cocreate_core::catalog::LinkRole::Participant),
                    observer: issue(cocreate_core::catalog::LinkRole::Observer),
                    others: Vec::new(),
                    analysts: Vec::new(),
                }
            }
        };
        let router = server::http::router(state.clone());
        let task = tokio::spawn(async move {
            let app = router.into_make_service_with_connect_info::<std::net::SocketAddr>();
            axum::serve(listener, app).await.unwrap();
        });
        TestServer {
            addr,
            state,
            db: db.to_path_buf(),
            links,
            task,
        }
    }

    /// A board's websocket URL with the facilitator's token.
    pub fn url(&self, board: &str) -> String {
        self.url_with(board, &self.links.facilitator)
    }

    pub fn url_with(&self, board: &str, token: &str) -> String {
        format!("ws://{}/ws/board/{}?token={}", self.addr, board, token)
    }

    /// A board's websocket URL with `token` and a seat (which gives the connection its
    /// pseudonym, see [`pseudonym`]) whose holder has agreed to the workshop's privacy
    /// notice as it is now (as joining does; `tests/permissions.rs` tests joining itself).
    pub fn url_with_seat(&self, board: &str, token: &str, seat: &str) -> String {
        let workshop = self
            .state
            .store
            .board_summary(board)
            .unwrap()
            .map(|b| b.workshop_id)
            .unwrap_or_default();
        if !workshop.is_empty() {
            let consents = &self.state.consents;
            let version = consents.notice(&workshop).unwrap().version;
            let who = cocreate_core::identity::pseudonym(&workshop, seat);
            consents.agree(&workshop, &who, version).unwrap();
        }
        self.url_without_consent(board, token, seat)
    }

    /// A board's websocket URL with `token` and a seat, its holder not asked to agree.
    pub fn url_without_consent(&self, board: &str, token: &str, seat: &str) -> String {
        format!("{}&seat={seat}", self.url_with(board, token))
    }

    /// A board's control document URL.
    pub fn control_url(&self, board: &str, token: &str) -> String {
        format!(
            "ws://{}/ws/board/{}/control?token={}",
            self.addr, board, token
        )
    }

    pub fn http(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Stop serving and close the store (like a graceful shutdown).
    pub async fn stop(self) {
        self.task.abort();
        let _ = self.task.await;
        self.state.hub.flush_all().await;
        self.state.store.close();
    }
}

pub fn encode(msg: Message) -> Vec<u8> {
    let mut enc = EncoderV1::new();
    msg.encode(&mut enc);
    enc.to_vec()
}

/// An awareness message with one client's state.
pub fn presence(client: u64, clock: u32, json: &str) -> Vec<u8> {
    let mut clients = std::collections::HashMap::new();
    clients.insert(
        yrs::block::ClientID::new(client),
        yrs::sync::awareness::AwarenessUpdateEntry {
            clock,
            json: json.into(),
        },
    );
    encode(Message::Awareness(yrs::sync::AwarenessUpdate { clients }))
}

pub fn decode_all(frame: &[u8]) -> Vec<Message> {
    let mut dec = DecoderV1::new(Cursor::new(frame));
    MessageReader::new(&mut dec)
        .map(|m| m.expect("server sent a valid message"))
        .collect()
}

/// A y-websocket client with its own yrs document.
pub struct TestClient {
    pub ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub doc: Doc,
    pub awareness: Vec<yrs::sync::AwarenessUpdate>,
    pub denied: bool,
}

impl TestClient {
    pub async fn connect(url: &str) -> TestClient {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connect");
        TestClient {
            ws,
            doc: cocreate_core::model::new_doc(),
            awareness: Vec::new(),
            denied: false,
        }
    }

    /// Connect and complete the sync handshake.
    pub async fn join(url: &str) -> TestClient {
        let mut c = TestClient::connect(url).await;
        c.sync().await;
        c
    }

    /// Connect with an existing document (a client coming back after a restart) and sync
    /// both ways: the server's step 1 is answered with what it lacks.
    pub async fn rejoin(url: &str, doc: Doc) -> TestClient {
        let mut c = TestClient::connect(url).await;
        c.doc = doc;
        c.sync().await;
        c
    }

    /// Send a frame; `false` if the connection is gone.
    pub async fn try_send(&mut self, frame: Vec<u8>) -> bool {
        self.ws.send(WsMessage::Binary(frame.into())).await.is_ok()
    }

    pub async fn send(&mut self, frame: Vec<u8>) {
        self.ws
            .send(WsMessage::Binary(frame.into()))
            .await
            .expect("send");
    }

    /// Send our state vector and process messages until the server's step 2 arrives.
    pub async fn sync(&mut self) {
        let sv = self.doc.transact().state_vector();
        self.send(encode(Message::Sync(SyncMessage::SyncStep1(sv))))
            .await;
        let got = self
            .pump_until(Duration::from_secs(10), |_, m| {
                matches!(m, Message::Sync(SyncMessage::SyncStep2(_)))
            })
            .await;
        assert!(got, "no sync step 2 from server");
    }

    /// Make a change to the local document; returns it as an update.
    fn local_change(&self, f: impl FnOnce(&mut TransactionMut)) -> Vec<u8> {
        let sv = self.doc.transact().state_vector();
        let mut txn = self.doc.transact_mut();
        f(&mut txn);
        drop(txn);
        self.doc.transact().encode_diff_v1(&sv)
    }

    /// Make a local change and try to send it; `false` if the connection is gone (the
    /// change stays in the local document, as in a browser).
    pub async fn try_change(&mut self, f: impl FnOnce(&mut TransactionMut)) -> bool {
        let update = self.local_change(f);
        self.ws
            .send(WsMessage::Binary(
                encode(Message::Sync(SyncMessage::Update(update))).into(),
            ))
            .await
            .is_ok()
    }

    /// Close as a browser tab does when it is closed: send a close frame and read
    /// until the server answers it, so every frame sent before was taken (a socket just
    /// dropped with unread data is reset, and the peer may never read what was in flight).
    pub async fn close(mut self, within: Duration) -> Doc {
        if self.ws.close(None).await.is_ok() {
            let _ = tokio::time::timeout(within, async {
                while let Some(Ok(_)) = self.ws.next().await {}
            })
            .await;
        }
        self.doc
    }

    /// Make a local change and send it as an update; returns the update bytes.
    pub async fn change(&mut self, f: impl FnOnce(&mut TransactionMut)) -> Vec<u8> {
        let update = self.local_change(f);
        self.send(encode(Message::Sync(SyncMessage::Update(update.clone()))))
            .await;
        update
    }

    /// Handle incoming messages (apply updates, answer step 1) until `stop` says so for a
    /// message, or the time runs out. Returns whether `stop` fired.
    pub async fn pump_until(
        &mut self,
        within: Duration,
        mut stop: impl FnMut(&Doc, &Message) -> bool,
    ) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let msg = match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return false,
                Ok(None) => return false,
                Ok(Some(Err(_))) => return false,
                Ok(Some(Ok(m))) => m,
            };
            let WsMessage::Binary(frame) = msg else {
                continue;
            };
            for m in decode_all(&frame) {
                match &m {
                    Message::Sync(SyncMessage::SyncStep1(sv)) => {
                        let diff = self.doc.transact().encode_diff_v1(sv);
                        self.send(encode(Message::Sync(SyncMessage::SyncStep2(diff))))
                            .await;
                    }
                    Message::Sync(SyncMessage::SyncStep2(u))
                    | Message::Sync(SyncMessage::Update(u)) => {
                        self.doc
                            .transact_mut()
                            .apply_update(Update::decode_v1(u).unwrap())
                            .unwrap();
                    }
                    Message::Awareness(a) => self.awareness.push(a.clone()),
                    Message::Auth(Some(_)) => self.denied = true,
                    _ => {}
                }
                if stop(&self.doc, &m) {
                    return true;
                }
            }
        }
    }

    /// Process messages until the document satisfies `cond`.
    pub async fn wait_for(&mut self, within: Duration, cond: impl Fn(&Doc) -> bool) -> bool {
        if cond(&self.doc) {
            return true;
        }
        self.pump_until(within, |d, _| cond(d)).await
    }

    /// The reason of the next permission-denied message, if one comes within `within`.
    pub async fn denied(&mut self, within: Duration) -> Option<String> {
        let mut reason = None;
        self.pump_until(within, |_, m| match m {
            Message::Auth(Some(r)) => {
                reason = Some(r.clone());
                true
            }
            _ => false,
        })
        .await;
        reason
    }

    /// Read until the server closes; returns the close code (None if no close frame).
    pub async fn close_code(&mut self, within: Duration) -> Option<u16> {
        self.close_frame(within).await.map(|(code, _)| code)
    }

    /// The server's close code and reason, if it closes within `within`.
    pub async fn close_frame(&mut self, within: Duration) -> Option<(u16, String)> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Ok(Some(Ok(WsMessage::Close(Some(f))))) => {
                    return Some((u16::from(f.code), f.reason.to_string()))
                }
                Ok(Some(Ok(WsMessage::Close(None)))) => {
                    return Some((u16::from(CloseCode::Status), String::new()))
                }
                Ok(Some(Ok(_))) => continue,
                _ => return None,
            }
        }
    }
}

pub fn state_of(doc: &Doc) -> Vec<u8> {
    doc.transact()
        .encode_state_as_update_v1(&StateVector::default())
}

/// A plain HTTP/1.1 request over a real socket; returns (status, body as text).
pub async fn http(method: &str, url: &str, body: Option<&str>) -> (u16, String) {
    let (status, _, body) = http_raw(method, url, body.unwrap_or("").as_bytes()).await;
    (status, String::from_utf8_lossy(&body).to_string())
}

/// A plain HTTP/1.1 request; returns (status, lower-cased headers, body bytes).
pub async fn http_raw(method: &str, url: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("http url");
    let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let mut stream = TcpStream::connect(host).await.expect("connect");
    let content_type = if matches!(body.first(), Some(b'{' | b'[')) {
        "application/json"
    } else {
        "application/octet-stream"
    };
    let mut req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    stream.write_all(&req).await.expect("write");
    let mut buf = Vec::new();
    stream.read_to_end(&mut buf).await.expect("read");
    let split = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("end of headers");
    let head = String::from_utf8_lossy(&buf[..split]).to_lowercase();
    let mut body = buf[split + 4..].to_vec();
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status line");
    if head.contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        let mut rest = &body[..];
        loop {
            let eol = rest
                .windows(2)
                .position(|w| w == b"\r\n")
                .expect("chunk size");
            let size = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16)
                .expect("hex size");
            if size == 0 {
                break;
            }
            out.extend_from_slice(&rest[eol + 2..eol + 2 + size]);
            rest = &rest[eol + 2 + size + 2..];
        }
        body = out;
    }
    (status, head, body)
}

/// The HTTP status a websocket upgrade was refused with.
pub async fn refused_status(url: &str) -> u16 {
    match tokio_tungstenite::connect_async(url).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => resp.status().as_u16(),
        Err(e) => panic!("expected an HTTP refusal, got {e}"),
        Ok(_) => panic!("expected an HTTP refusal, but the upgrade succeeded"),
    }
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Whether something accepts connections on `port` within ten seconds.
pub async fn port_opens(port: u16) -> bool {
    for _ in 0..200 {
        if TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Change the demo board's control state as its facilitator (`patch` is JSON).
pub async fn set_control(srv: &TestServer, patch: &str) {
    let url = srv.http(&format!(
        "/api/boards/{DEMO}/control?token={}",
        srv.links.facilitator
    ));
    let (status, body) = http("POST", &url, Some(patch)).await;
    assert_eq!(status, 204, "{body}");
}

/// Writers, one per URL, each adding cards and typing into them (one change at a time,
/// `pause` apart) until its connection dies or it has made `steps` changes; each task
/// returns its writer's document (with what the server may never have received).
pub fn typing_writers(
    urls: Vec<String>,
    steps: usize,
    pause: Duration,
) -> Vec<tokio::task::JoinHandle<Doc>> {
    use cocreate_core::model::board::Board;
    use cocreate_core::model::{Prompt, Role};
    urls.into_iter()
        .enumerate()
        .map(|(w, url)| {
            tokio::spawn(async move {
                let mut c = TestClient::join(&url).await;
                let board = Board::of(&c.doc);
                for i in 0..steps {
                    let id = format!("w{w}-{}", i / 4);
                    let step = i % 4;
                    let send = c.try_change(|txn| {
                        if step == 0 {
                            let _ = board.add_card(
                                txn,
                                &id,
                                Prompt::How,
                                "",
                                "p",
                                Role::Clinician,
                                1.0,
                            );
                        } else {
                            let text = format!(
                                "{}{}",
                                board.card(&*txn, &id).map(|c| c.text).unwrap_or_default(),
                                step
                            );
                            let _ = board.set_card_text(txn, &id, &text, None);
                        }
                    });
                    // The connection dies with the server; stop then (the last change
                    // stays in this writer's document).
                    match tokio::time::timeout(Duration::from_secs(2), send).await {
                        Ok(true) => {}
                        _ => return c.doc,
                    }
                    if pause.is_zero() {
                        tokio::task::yield_now().await;
                    } else {
                        tokio::time::sleep(pause).await;
                    }
                }
                c.close(Duration::from_secs(10)).await
            })
        })
        .collect()
}

/// A board's cards as (id, text), sorted.
pub fn cards_of(doc: &Doc) -> Vec<(String, String)> {
    let board = cocreate_core::model::board::Board::of(doc);
    let mut cards: Vec<(String, String)> = board
        .cards(&doc.transact())
        .into_iter()
        .map(|c| (c.id, c.text))
        .collect();
    cards.sort();
    cards
}

/// Every document merged into one (what writers that all come back must converge on).
pub fn merged(docs: &[&Doc]) -> Doc {
    let all = cocreate_core::model::new_doc();
    for d in docs {
        let u = d
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        all.transact_mut()
            .apply_update(Update::decode_v1(&u).unwrap())
            .unwrap();
    }
    all
}

/// Runs a real tool (scripts/setup.sh installs it); its output, or a panic with it.
pub fn run_tool(cmd: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd} (scripts/setup.sh installs it): {e}"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd} {args:?}: {text}");
    text
}

/// Whitespace collapsed to single spaces (a PDF's line breaks fall anywhere).
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A .docx as a reader gets it: unzipped by `unzip` (the package's content types,
/// styles and document are there), its document checked well-formed by `xmllint`, and
/// the text of each paragraph (its `w:t` runs, XML entities read), one line a paragraph.
/// Also returns the document's XML.
pub fn docx_text(bytes: &[u8]) -> (String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.docx");
    std::fs::write(&file, bytes).unwrap();
    let f = file.to_str().unwrap();
    let list = run_tool("unzip", &["-l", f]);
    for part in [
        "[Content_Types].xml",
        "word/document.xml",
        "word/styles.xml",
    ] {
        assert!(list.contains(part), "{part} missing from the .docx: {list}");
    }
    let xml = run_tool("unzip", &["-p", f, "word/document.xml"]);
    let doc = dir.path().join("document.xml");
    std::fs::write(&doc, &xml).unwrap();
    run_tool("xmllint", &["--noout", doc.to_str().unwrap()]);
    let styles = run_tool("unzip", &["-p", f, "word/styles.xml"]);
    let styles_file = dir.path().join("styles.xml");
    std::fs::write(&styles_file, &styles).unwrap();
    run_tool("xmllint", &["--noout", styles_file.to_str().unwrap()]);
    let mut text = String::new();
    for para in xml.split("</w:p>") {
        let mut line = String::new();
        for run in para.split("<w:t").skip(1) {
            // `<w:t>` or `<w:t xml:space="preserve">`, then the text up to `</w:t>`.
            let Some(open) = run.find('>') else { continue };
            if run[..open].ends_with('/') {
                continue;
            }
            let body = &run[open + 1..];
            let body = &body[..body.find("</w:t>").unwrap_or(body.len())];
            line.push_str(
                &body
                    .replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&apos;", "'")
                    .replace("&amp;", "&"),
            );
            if para.contains("<w:br") {
                line.push(' ');
            }
        }
        if !line.is_empty() {
            text.push_str(line.trim_end());
            text.push('\n');
        }
    }
    (text, xml)
}

/// A PDF as a reader gets it: `pdfinfo` (tagged, title, pages) and the text `pdftotext`
/// finds, in reading order.
pub fn pdf_text(bytes: &[u8]) -> (String, String) {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, bytes).unwrap();
    let f = file.to_str().unwrap();
    let info = run_tool("pdfinfo", &[f]);
    let text = run_tool("pdftotext", &["-raw", "-enc", "UTF-8", f, "-"]);
    (text, info)
}
