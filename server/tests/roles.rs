//! Each role's permissions at the HTTP and websocket level, with real clients on a real
//! port: tokens, observers, the control document, locking, revocation.

mod common;

use std::time::Duration;

use cocreate_core::catalog::LinkRole;
use cocreate_core::model::board::Board;
use cocreate_core::model::control::Control;
use cocreate_core::model::Prompt;
use common::{http, refused_status, TestClient, TestServer, DEMO};
use server::config::Limits;
use yrs::Transact;

const WAIT: Duration = Duration::from_secs(5);
/// The participants' seat in these tests, and the pseudonym it gives in the demo.
const SEAT: &str = "roles-test-seat-0123456789";

fn me() -> String {
    cocreate_core::identity::pseudonym("demo", SEAT)
}

fn has_card(doc: &yrs::Doc, id: &str) -> bool {
    Board::of(doc).card(&doc.transact(), id).is_some()
}

async fn add_card(c: &mut TestClient, id: &str) {
    let board = Board::of(&c.doc);
    c.change(|txn| {
        board
            .add_card_as(txn, id, Prompt::How, "an idea", &me(), None, 1.0)
            .unwrap();
    })
    .await;
}

/// A second workshop, "other", and a facilitator link to the whole of it.
fn other_workshops_facilitator(srv: &TestServer) -> String {
    srv.state
        .store
        .create_workshop("other", "Other", "Cancer Care", "")
        .unwrap();
    srv.state
        .auth
        .issue(server::auth::Grant::new(
            "other",
            None,
            LinkRole::Facilitator,
        ))
        .unwrap()
}

async fn server() -> (tempfile::TempDir, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("r.db"), Limits::default()).await;
    (dir, srv)
}

#[tokio::test]
async fn missing_bad_and_foreign_tokens_are_refused_before_upgrade() {
    let (_dir, srv) = server().await;
    let bare = format!("ws://{}/ws/board/{DEMO}", srv.addr);
    assert_eq!(refused_status(&bare).await, 401, "no token");
    assert_eq!(
        refused_status(&srv.url_with(DEMO, "nope")).await,
        401,
        "bad token"
    );
    assert_eq!(
        refused_status(&srv.control_url(DEMO, "nope")).await,
        401,
        "bad token on the control document"
    );
    // A link to another workshop does not open this one's boards.
    let foreign = other_workshops_facilitator(&srv);
    assert_eq!(refused_status(&srv.url_with(DEMO, &foreign)).await, 403);
    // A link to one board does not open its neighbour.
    let one_board = srv
        .state
        .auth
        .issue(server::auth::Grant::new(
            "demo",
            Some("demo-research".into()),
            LinkRole::Participant,
        ))
        .unwrap();
    TestClient::join(&srv.url_with("demo-research", &one_board)).await;
    assert_eq!(refused_status(&srv.url_with(DEMO, &one_board)).await, 403);
    // With a valid link, an unknown board is 404; without one, it answers like a known
    // board (401), so board ids cannot be probed.
    assert_eq!(refused_status(&srv.url("no-such-board")).await, 404);
    let probe = format!("ws://{}/ws/board/no-such-board", srv.addr);
    assert_eq!(refused_status(&probe).await, 401);
    assert_eq!(
        refused_status(&srv.url_with("no-such-board", "nope")).await,
        401
    );

    // The HTTP API checks tokens too.
    let (status, _) = http("GET", &srv.http(&format!("/api/boards/{DEMO}")), None).await;
    assert_eq!(status, 401);
    let (status, _) = http(
        "GET",
        &srv.http(&format!("/api/boards/{DEMO}/export.json?token=nope")),
        None,
    )
    .await;
    assert_eq!(status, 401);
    let (status, body) = http(
        "GET",
        &srv.http(&format!("/api/boards/{DEMO}?token={}", srv.links.observer)),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"role\":\"observer\""), "{body}");
    srv.stop().await;
}

#[tokio::test]
async fn an_observer_reads_but_its_updates_are_refused() {
    let (_dir, srv) = server().await;
    let mut watcher =
        TestClient::join(&srv.url_with_seat(DEMO, &srv.links.participant, SEAT)).await;
    let mut obs = TestClient::join(&srv.url_with(DEMO, &srv.links.observer)).await;
    assert!(has_card(&obs.doc, "seed-0"), "the observer got the board");

    add_card(&mut obs, "from-observer").await;
    assert!(
        obs.pump_until(WAIT, |_, m| matches!(m, yrs::sync::Message::Auth(_)))
            .await,
        "the observer is told its update was refused"
    );
    assert!(obs.denied);
    // Not relayed, not stored.
    add_card(&mut watcher, "from-participant").await;
    let mut fresh = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        fresh
            .wait_for(WAIT, |d| has_card(d, "from-participant"))
            .await
    );
    assert!(!has_card(&fresh.doc, "from-observer"));
    assert!(!has_card(&watcher.doc, "from-observer"));
    srv.stop().await;
}

#[tokio::test]
async fn only_facilitators_write_the_control_document() {
    let (_dir, srv) = server().await;
    let mut part = TestClient::join(&srv.control_url(DEMO, &srv.links.participant)).await;
    let mut fac = TestClient::join(&srv.control_url(DEMO, &srv.links.facilitator)).await;
    let mut watcher = TestClient::join(&srv.control_url(DEMO, &srv.links.participant)).await;

    let pcontrol = Control::of(&part.doc);
    part.change(|txn| {
        pcontrol
            .apply(
                txn,
                &cocreate_core::model::control::ControlPatch {
                    message: Some("participant says hi".into()),
                    ..Default::default()
                },
            )
            .unwrap();
    })
    .await;
    part.pump_until(Duration::from_millis(500), |_, _| false)
        .await;
    assert!(part.denied, "the participant's control update was refused");

    let fcontrol = Control::of(&fac.doc);
    fac.change(|txn| {
        fcontrol
            .apply(
                txn,
                &cocreate_core::model::control::ControlPatch {
                    message: Some("Ten minutes left".into()),
                    ..Default::default()
                },
            )
            .unwrap();
    })
    .await;
    // Everyone else reads it live. (The refusing participant's own copy may still show
    // its refused value: a refused update is not undone on the client that made it.)
    assert!(
        watcher
            .wait_for(WAIT, |d| Control::of(d).read(&d.transact()).message
                == "Ten minutes left")
            .await,
        "everyone reads the facilitator's change"
    );
    let fresh = TestClient::join(&srv.control_url(DEMO, &srv.links.observer)).await;
    let state = Control::of(&fresh.doc).read(&fresh.doc.transact());
    assert_eq!(state.message, "Ten minutes left");
    srv.stop().await;
}

#[tokio::test]
async fn a_locked_board_refuses_participant_updates_until_unlocked() {
    let (_dir, srv) = server().await;
    let mut part = TestClient::join(&srv.url_with_seat(DEMO, &srv.links.participant, SEAT)).await;
    let mut fac = TestClient::join(&srv.url(DEMO)).await;

    // Lock every board of the workshop through the HTTP API, as the console does.
    let lock = |on: bool| {
        let url = srv.http(&format!(
            "/api/workshops/demo/control?token={}",
            srv.links.facilitator
        ));
        async move { http("POST", &url, Some(&format!("{{\"locked\":{on}}}"))).await }
    };
    // A participant may not.
    let (status, _) = http(
        "POST",
        &srv.http(&format!(
            "/api/workshops/demo/control?token={}",
            srv.links.participant
        )),
        Some("{\"locked\":true}"),
    )
    .await;
    assert_eq!(status, 403);
    let (status, body) = lock(true).await;
    assert_eq!(status, 204, "{body}");

    add_card(&mut part, "while-locked").await;
    part.pump_until(Duration::from_millis(500), |_, _| false)
        .await;
    assert!(part.denied, "the participant is told the board is locked");
    // The facilitator still writes.
    add_card(&mut fac, "facilitator-note").await;
    assert!(
        part.wait_for(WAIT, |d| has_card(d, "facilitator-note"))
            .await
    );
    assert!(!has_card(&fac.doc, "while-locked"));

    let (status, _) = lock(false).await;
    assert_eq!(status, 204);
    // The participant's next change would leave a hole where the refused one was: it is
    // refused, and the client reconnects and resyncs (as the browser client does), which
    // sends both, the refused one first.
    add_card(&mut part, "after-unlock").await;
    let (code, reason) = part.close_frame(WAIT).await.expect("a close frame");
    assert_eq!(code, 1007);
    assert!(reason.ends_with("reconnect to resync"), "{reason}");
    assert!(!has_card(&fac.doc, "after-unlock"));
    let _part = TestClient::rejoin(
        &srv.url_with_seat(DEMO, &srv.links.participant, SEAT),
        part.doc,
    )
    .await;
    assert!(fac.wait_for(WAIT, |d| has_card(d, "after-unlock")).await);
    assert!(has_card(&fac.doc, "while-locked"));

    // The console shows every board's state.
    let (status, body) = http(
        "GET",
        &srv.http(&format!(
            "/api/workshops/demo?token={}",
            srv.links.facilitator
        )),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let console: cocreate_core::catalog::Console = serde_json::from_str(&body).unwrap();
    assert_eq!(console.boards.len(), 5);
    assert!(console.boards.iter().all(|b| !b.control.locked));
    let lead = console.boards.iter().find(|b| b.board.id == DEMO).unwrap();
    assert_eq!(
        lead.cards[Prompt::How as usize],
        1 + 3,
        "seed + facilitator + while-locked (sent again on resync) + after-unlock"
    );
    let (status, _) = http(
        "GET",
        &srv.http(&format!(
            "/api/workshops/demo?token={}",
            srv.links.participant
        )),
        None,
    )
    .await;
    assert_eq!(status, 403, "participants do not see the console");
    srv.stop().await;
}

/// A participant link of its own to the demo workshop, to revoke.
fn new_participant_link(srv: &TestServer) -> String {
    srv.state
        .auth
        .issue(server::auth::Grant::new(
            "demo",
            None,
            LinkRole::Participant,
        ))
        .unwrap()
}

#[tokio::test]
async fn a_revoked_links_open_sockets_close_at_once_without_a_message() {
    let (_dir, srv) = server().await;
    let token = new_participant_link(&srv);
    let mut board = TestClient::join(&srv.url_with_seat(DEMO, &token, SEAT)).await;
    let mut control = TestClient::connect(&srv.control_url(DEMO, &token)).await;
    control.sync().await;
    let mut other = TestClient::join(&srv.url(DEMO)).await;
    srv.state.auth.revoke(&token).unwrap();
    // Neither socket sends anything: both are closed within a second all the same.
    for c in [&mut board, &mut control] {
        assert_eq!(c.close_code(Duration::from_secs(1)).await, Some(1008));
    }
    // Other links stay open.
    assert_eq!(other.close_code(Duration::from_millis(300)).await, None);
    srv.stop().await;
}

#[tokio::test]
async fn a_revoked_link_is_refused_at_its_next_message() {
    let (_dir, srv) = server().await;
    let _keep = &_dir;
    let token = new_participant_link(&srv);
    let mut c = TestClient::join(&srv.url_with_seat(DEMO, &token, SEAT)).await;
    srv.state.auth.revoke(&token).unwrap();
    add_card(&mut c, "after-revoke").await;
    assert_eq!(c.close_code(WAIT).await, Some(1008));
    let mut fresh = TestClient::join(&srv.url(DEMO)).await;
    fresh
        .pump_until(Duration::from_millis(300), |_, _| false)
        .await;
    assert!(!has_card(&fresh.doc, "after-revoke"));
    assert_eq!(
        refused_status(&srv.url_with_seat(DEMO, &token, SEAT)).await,
        401
    );
    // Revocation is stored: a restarted server still refuses it.
    let db = srv.db.clone();
    srv.stop().await;
    let srv = TestServer::start(&db, Limits::default()).await;
    assert_eq!(
        refused_status(&srv.url_with_seat(DEMO, &token, SEAT)).await,
        401
    );
    srv.stop().await;
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let (_dir, srv) = server().await;
    let f = srv.links.facilitator.clone();
    for path in [
        format!("/board/{DEMO}?token={f}"),
        format!("/api/boards/{DEMO}?token={f}"),
        format!("/api/boards/{DEMO}?token=nope"),
        "/no-such-page".to_string(),
    ] {
        let (_, head, body) = common::http_raw("GET", &srv.http(&path), b"").await;
        // A page's scripts need its nonce; nothing else runs scripts at all.
        if path.starts_with("/board/") {
            let nonce = head
                .split("'nonce-")
                .nth(1)
                .and_then(|n| n.split('\'').next())
                .expect("a page's CSP carries a nonce")
                .to_string();
            assert!(!head.contains("'unsafe-inline' 'wasm"), "{head}");
            let html = String::from_utf8_lossy(&body).to_lowercase();
            let scripts = html.matches("<script").count();
            assert!(scripts > 0);
            let signed = html.matches(&format!("nonce=\"{nonce}\"")).count();
            assert_eq!(signed, scripts, "every script carries the nonce");
        } else {
            assert!(head.contains("script-src 'none'"), "{path}: {head}");
        }
        for expected in [
            "referrer-policy: no-referrer",
            "x-content-type-options: nosniff",
            "x-frame-options: deny",
            "content-security-policy: default-src 'self'",
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
        ] {
            assert!(head.contains(expected), "{path}: no {expected}\n{head}");
        }
    }
}

#[tokio::test]
async fn another_sites_page_cannot_open_a_board_even_with_a_link() {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let (_dir, srv) = server().await;
    let open = |origin: String| {
        let mut req = srv.url(DEMO).into_client_request().unwrap();
        req.headers_mut().insert("origin", origin.parse().unwrap());
        tokio_tungstenite::connect_async(req)
    };
    match open("https://evil.example".into()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status().as_u16(), 403)
        }
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }
    // The server's own pages (Origin = the host asked) open it.
    assert!(open(format!("http://{}", srv.addr)).await.is_ok());
}

#[tokio::test]
async fn the_console_lists_labels_revokes_and_expires_the_workshops_links() {
    let (_dir, srv) = server().await;
    let f = srv.links.facilitator.clone();
    let links_url = |token: &str| srv.http(&format!("/api/workshops/demo/links?token={token}"));
    let list = |token: String| {
        let url = links_url(&token);
        async move {
            let (status, body) = http("GET", &url, None).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_str::<Vec<cocreate_core::catalog::LinkInfo>>(&body).unwrap()
        }
    };
    let make = |label: &str| {
        let (url, body) = (
            links_url(&f),
            format!(r#"{{"role":"participant","label":"{label}"}}"#),
        );
        async move {
            let (status, answer) = http("POST", &url, Some(&body)).await;
            assert_eq!(status, 200, "{answer}");
            serde_json::from_str::<serde_json::Value>(&answer).unwrap()["token"]
                .as_str()
                .unwrap()
                .to_string()
        }
    };
    let tablet = make("Ward 3 tablet").await;
    let kiosk = make("Library kiosk").await;
    // Only the workshop's facilitators list its links.
    assert_eq!(
        http("GET", &links_url(&srv.links.participant), None)
            .await
            .0,
        403
    );
    let board_url = |token: &str| srv.http(&format!("/api/boards/{DEMO}?token={token}"));
    assert_eq!(http("GET", &board_url(&tablet), None).await.0, 200);
    let links = list(f.clone()).await;
    let find = |label: &str| links.iter().find(|l| l.label == label).cloned().unwrap();
    let (t, k) = (find("Ward 3 tablet"), find("Library kiosk"));
    assert_eq!(
        (t.role, t.board.as_deref(), t.yours),
        (LinkRole::Participant, None, false)
    );
    assert!(t.last_used_ms.is_some(), "its use is recorded");
    assert_eq!(k.last_used_ms, None);
    assert!(links
        .iter()
        .any(|l| l.yours && l.role == LinkRole::Facilitator));
    assert!(links
        .iter()
        .all(|l| l.id.len() == 16 && !tablet.contains(&l.id)));

    // Revoking one closes its open websockets within a second; others stay.
    let mut on_tablet = TestClient::join(&srv.url_with_seat(DEMO, &tablet, SEAT)).await;
    let mut on_kiosk = TestClient::join(&srv.url_with(DEMO, &kiosk)).await;
    let one =
        |id: &str, token: &str| srv.http(&format!("/api/workshops/demo/links/{id}?token={token}"));
    assert_eq!(
        http("DELETE", &one(&t.id, &srv.links.participant), None)
            .await
            .0,
        403
    );
    assert_eq!(
        http("DELETE", &one("0000000000000000", &f), None).await.0,
        404
    );
    assert_eq!(http("DELETE", &one(&t.id, &f), None).await.0, 204);
    assert_eq!(
        on_tablet.close_code(Duration::from_secs(1)).await,
        Some(1008)
    );
    assert_eq!(on_kiosk.close_code(Duration::from_millis(200)).await, None);
    assert_eq!(http("GET", &board_url(&tablet), None).await.0, 401);
    assert!(!list(f.clone()).await.iter().any(|l| l.id == t.id));

    // An expiry: later, the link still opens; already past, it closes and opens nothing.
    let later = r#"{"expires_ms":32503680000000}"#;
    assert_eq!(http("PATCH", &one(&k.id, &f), Some(later)).await.0, 204);
    assert_eq!(http("GET", &board_url(&kiosk), None).await.0, 200);
    assert_eq!(on_kiosk.close_code(Duration::from_millis(200)).await, None);
    // An expiry that comes while a socket is open closes it then (the server checks every
    // second; here the clock is moved).
    let soon = server::store::now_ms() + 60_000;
    let watch = make("Kiosk two").await;
    let w_id = list(f.clone())
        .await
        .into_iter()
        .find(|l| l.label == "Kiosk two")
        .unwrap()
        .id;
    let mut on_watch = TestClient::join(&srv.url_with(DEMO, &watch)).await;
    let expiry = format!(r#"{{"expires_ms":{soon}}}"#);
    assert_eq!(http("PATCH", &one(&w_id, &f), Some(&expiry)).await.0, 204);
    assert_eq!(srv.state.auth.expire_due(soon - 1), 0);
    assert_eq!(on_watch.close_code(Duration::from_millis(200)).await, None);
    assert_eq!(srv.state.auth.expire_due(soon), 1);
    assert_eq!(
        on_watch.close_code(Duration::from_secs(1)).await,
        Some(1008)
    );
    let past = r#"{"expires_ms":1}"#;
    assert_eq!(http("PATCH", &one(&k.id, &f), Some(past)).await.0, 204);
    assert_eq!(
        on_kiosk.close_code(Duration::from_secs(1)).await,
        Some(1008)
    );
    let (status, body) = http("GET", &board_url(&kiosk), None).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(
        list(f.clone())
            .await
            .iter()
            .find(|l| l.id == k.id)
            .unwrap()
            .expires_ms,
        Some(1)
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_workshop_facilitator_reaches_nothing_of_another_workshop() {
    let (_dir, srv) = server().await;
    let foreign = other_workshops_facilitator(&srv);
    let someone = cocreate_core::identity::pseudonym("demo", SEAT);
    let asks: Vec<(&str, String, Option<&str>)> = vec![
        ("GET", "/api/workshops/demo".into(), None),
        (
            "PATCH",
            "/api/workshops/demo".into(),
            Some(r#"{"title":"Mine now"}"#),
        ),
        ("GET", "/api/workshops/demo/export.csv".into(), None),
        ("GET", "/api/workshops/demo/export.tar".into(), None),
        ("GET", "/api/workshops/demo/audit".into(), None),
        ("GET", "/api/workshops/demo/audit.csv".into(), None),
        ("GET", "/api/workshops/demo/people".into(), None),
        (
            "DELETE",
            format!("/api/workshops/demo/people/{someone}"),
            None,
        ),
        ("GET", "/api/workshops/demo/links".into(), None),
        (
            "POST",
            "/api/workshops/demo/links".into(),
            Some(r#"{"role":"facilitator"}"#),
        ),
        (
            "PUT",
            "/api/workshops/demo/notice".into(),
            Some(r#"{"plain":"x","easy_read":"x"}"#),
        ),
        (
            "PUT",
            "/api/workshops/demo/retention".into(),
            Some(r#"{"until_ms":4102444800000,"action":"erase"}"#),
        ),
        (
            "POST",
            "/api/workshops/demo/control".into(),
            Some(r#"{"locked":true}"#),
        ),
        ("GET", format!("/api/boards/{DEMO}"), None),
        ("GET", format!("/api/boards/{DEMO}/export.json"), None),
        ("GET", format!("/api/boards/{DEMO}/export.csv"), None),
        ("GET", format!("/api/boards/{DEMO}/export.md"), None),
        ("GET", format!("/api/boards/{DEMO}/export.svg"), None),
        ("GET", format!("/api/boards/{DEMO}/export.ybin"), None),
        ("GET", format!("/api/boards/{DEMO}/snapshots"), None),
        ("GET", format!("/api/boards/{DEMO}/hidden"), None),
        ("GET", format!("/api/boards/{DEMO}/roster"), None),
        (
            "POST",
            format!("/api/boards/{DEMO}/control"),
            Some(r#"{"locked":true}"#),
        ),
    ];
    for (method, path, body) in asks {
        let url = srv.http(&format!("{path}?token={foreign}"));
        let (status, answer) = http(method, &url, body).await;
        assert!(
            status == 403 || status == 404,
            "{method} {path} answered {status} to another workshop's facilitator: {answer}"
        );
        assert!(!answer.contains("Demo"), "{method} {path} said: {answer}");
    }
    // The demo's own facilitator still reaches its console: the refusals were for the
    // foreign link, not for the requests.
    let own = srv.http(&format!(
        "/api/workshops/demo?token={}",
        srv.links.facilitator
    ));
    assert_eq!(http("GET", &own, None).await.0, 200);
    srv.stop().await;
}
