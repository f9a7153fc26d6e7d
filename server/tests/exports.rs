//! Snapshots, exports of live boards and snapshots, whole-workshop exports, and imports,
//! through the real HTTP API.

mod common;

use std::time::Duration;

use cocreate_core::model::board::Board;
use cocreate_core::model::export::BoardExport;
use cocreate_core::model::{Prompt, Role};
use common::{http, http_raw, TestClient, TestServer, DEMO};
use server::config::Limits;

async fn add_card(c: &mut TestClient, id: &str, text: &str) {
    let board = Board::of(&c.doc);
    c.change(|txn| {
        board
            .add_card(txn, id, Prompt::Values, text, "p1", Role::Patient, 1.0)
            .unwrap();
    })
    .await;
}

fn export_url(srv: &TestServer, board: &str, ext: &str, token: &str, at: Option<i64>) -> String {
    let at = at.map(|a| format!("&at={a}")).unwrap_or_default();
    srv.http(&format!(
        "/api/boards/{board}/export.{ext}?token={token}{at}"
    ))
}

#[tokio::test]
async fn snapshots_are_taken_on_lock_phase_and_request_and_export_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("e.db"), Limits::default()).await;
    let f = srv.links.facilitator.clone();
    let mut c = TestClient::join(&srv.url(DEMO)).await;
    add_card(&mut c, "before", "Written before the lock").await;
    let mut w = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        w.wait_for(Duration::from_secs(5), |d| Board::of(d)
            .card(&yrs::Transact::transact(d), "before")
            .is_some())
            .await
    );

    let control = srv.http(&format!("/api/boards/{DEMO}/control?token={f}"));
    assert_eq!(
        http("POST", &control, Some(r#"{"locked":true}"#)).await.0,
        204
    );
    assert_eq!(
        http("POST", &control, Some(r#"{"locked":true}"#)).await.0,
        204,
        "already locked: no new snapshot"
    );
    assert_eq!(
        http("POST", &control, Some(r#"{"phase":"vote"}"#)).await.0,
        204
    );
    let snaps = srv.http(&format!("/api/boards/{DEMO}/snapshots?token={f}"));
    let (status, body) = http("POST", &snaps, Some(r#"{"name":"End of round 1"}"#)).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = http("POST", &snaps, Some(r#"{"name":"   "}"#)).await;
    assert_eq!(status, 400, "a snapshot needs a name");
    let (status, _) = http(
        "POST",
        &srv.http(&format!(
            "/api/boards/{DEMO}/snapshots?token={}",
            srv.links.participant
        )),
        Some(r#"{"name":"mine"}"#),
    )
    .await;
    assert_eq!(status, 403, "participants cannot take snapshots");

    let (status, body) = http(
        "GET",
        &srv.http(&format!(
            "/api/boards/{DEMO}/snapshots?token={}",
            srv.links.observer
        )),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let list: Vec<cocreate_core::catalog::SnapshotInfo> = serde_json::from_str(&body).unwrap();
    let names: Vec<(&str, &str)> = list
        .iter()
        .map(|s| (s.name.as_str(), s.reason.as_str()))
        .collect();
    assert_eq!(
        names,
        vec![
            ("Locked", "lock"),
            ("Phase: Voting", "phase"),
            ("End of round 1", "manual")
        ]
    );

    // A card added after the snapshot is in the live export, not in the snapshot's.
    add_card(&mut c, "after", "Written after").await;
    assert!(
        w.wait_for(Duration::from_secs(5), |d| Board::of(d)
            .card(&yrs::Transact::transact(d), "after")
            .is_some())
            .await
    );
    let at = list[0].id;
    let (_, _, live) = http_raw("GET", &export_url(&srv, DEMO, "json", &f, None), b"").await;
    let live = BoardExport::from_json(std::str::from_utf8(&live).unwrap()).unwrap();
    assert!(live.cards.iter().any(|c| c.id == "after"));
    let (_, _, then) = http_raw(
        "GET",
        &export_url(&srv, DEMO, "json", &srv.links.observer, Some(at)),
        b"",
    )
    .await;
    let then = BoardExport::from_json(std::str::from_utf8(&then).unwrap()).unwrap();
    assert!(then.cards.iter().any(|c| c.id == "before"));
    assert!(!then.cards.iter().any(|c| c.id == "after"));
    assert_eq!(then.context.snapshot.as_ref().unwrap().name, "Locked");

    // Every format answers with its type; an unknown snapshot is 404.
    for (ext, ty) in [
        ("csv", "text/csv"),
        ("md", "text/markdown"),
        ("svg", "image/svg+xml"),
        ("ybin", "application/octet-stream"),
    ] {
        let (status, head, body) =
            http_raw("GET", &export_url(&srv, DEMO, ext, &f, Some(at)), b"").await;
        assert_eq!(status, 200, "{ext}");
        assert!(
            head.contains(&format!("content-type: {ty}")),
            "{ext}: {head}"
        );
        assert!(head.contains("attachment; filename="), "{ext}");
        assert!(!body.is_empty());
    }
    assert_eq!(
        http(
            "GET",
            &export_url(&srv, DEMO, "csv", &f, Some(999_999)),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        http("GET", &export_url(&srv, DEMO, "csv", "bad", None), None)
            .await
            .0,
        401
    );

    // Snapshots survive a restart.
    let db = srv.db.clone();
    srv.stop().await;
    let srv = TestServer::start(&db, Limits::default()).await;
    let (_, body) = http(
        "GET",
        &srv.http(&format!(
            "/api/boards/{DEMO}/snapshots?token={}",
            srv.links.facilitator
        )),
        None,
    )
    .await;
    let again: Vec<cocreate_core::catalog::SnapshotInfo> = serde_json::from_str(&body).unwrap();
    assert_eq!(again, list);
    srv.stop().await;
}

#[tokio::test]
async fn export_import_export_round_trips_in_json_and_raw() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("i.db"), Limits::default()).await;
    let f = srv.links.facilitator.clone();
    let mut c = TestClient::join(&srv.url(DEMO)).await;
    add_card(&mut c, "x1", "=cmd|' /C calc'!A0, \"quoted\"\nand 日本語").await;
    c.pump_until(Duration::from_millis(200), |_, _| false).await;

    let (_, _, json) = http_raw("GET", &export_url(&srv, DEMO, "json", &f, None), b"").await;
    let original = BoardExport::from_json(std::str::from_utf8(&json).unwrap()).unwrap();
    assert!(original.cards.iter().any(|c| c.id == "x1"));
    let (_, _, raw) = http_raw("GET", &export_url(&srv, DEMO, "ybin", &f, None), b"").await;

    let import = srv.http(&format!("/api/workshops/demo/import?token={f}"));
    for body in [json.clone(), raw.clone()] {
        let (status, _, answer) = http_raw("POST", &import, &body).await;
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
        let board: cocreate_core::catalog::BoardSummary = serde_json::from_slice(&answer).unwrap();
        assert_ne!(board.id, DEMO);
        let (_, _, back) =
            http_raw("GET", &export_url(&srv, &board.id, "json", &f, None), b"").await;
        let back = BoardExport::from_json(std::str::from_utf8(&back).unwrap()).unwrap();
        assert_eq!(
            back.content(),
            original.content(),
            "same content after the round trip"
        );
        assert_eq!(back.context.board_id, board.id);
    }

    // Bad bodies are refused with a reason and create nothing.
    let before = srv
        .state
        .store
        .workshop("demo")
        .unwrap()
        .unwrap()
        .boards
        .len();
    for bad in [
        &b"{not json"[..],
        b"\x00\x01garbage",
        b"{\"format\":\"cocreate-board\",\"version\":1}",
    ] {
        let (status, _, body) = http_raw("POST", &import, bad).await;
        assert_eq!(status, 400, "{}", String::from_utf8_lossy(&body));
        assert!(String::from_utf8_lossy(&body).contains("error"));
    }
    assert_eq!(
        srv.state
            .store
            .workshop("demo")
            .unwrap()
            .unwrap()
            .boards
            .len(),
        before
    );
    let (status, _, _) = http_raw(
        "POST",
        &srv.http(&format!(
            "/api/workshops/demo/import?token={}",
            srv.links.participant
        )),
        &json,
    )
    .await;
    assert_eq!(status, 403);
    srv.stop().await;
}

#[tokio::test]
async fn imports_are_held_to_the_content_limits() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_cards: 5,
        max_text: 10,
        ..Limits::default()
    };
    let srv = TestServer::start(&dir.path().join("l.db"), limits).await;
    let f = srv.links.facilitator.clone();
    // A board of 12 cards with long text, made outside the server.
    let doc = cocreate_core::model::new_doc();
    let b = cocreate_core::model::board::Board::of(&doc);
    {
        use yrs::Transact;
        let mut txn = doc.transact_mut();
        b.init_meta(&mut txn, "Big", "MSK", "Consultancy");
        for i in 0..12 {
            b.add_card(
                &mut txn,
                &format!("c{i:02}"),
                cocreate_core::model::Prompt::How,
                "a text well over ten units",
                "u",
                cocreate_core::model::Role::Patient,
                i as f64,
            )
            .unwrap();
        }
    }
    let json = BoardExport::of_doc(&doc, Default::default()).to_json();
    let raw = {
        use yrs::{ReadTxn, Transact};
        doc.transact()
            .encode_state_as_update_v1(&yrs::StateVector::default())
    };
    let import = srv.http(&format!("/api/workshops/demo/import?token={f}"));
    for body in [json.into_bytes(), raw] {
        let (status, _, answer) = http_raw("POST", &import, &body).await;
        assert_eq!(status, 201, "{}", String::from_utf8_lossy(&answer));
        let board: cocreate_core::catalog::BoardSummary = serde_json::from_slice(&answer).unwrap();
        let (_, _, back) =
            http_raw("GET", &export_url(&srv, &board.id, "json", &f, None), b"").await;
        let back = BoardExport::from_json(std::str::from_utf8(&back).unwrap()).unwrap();
        // The oldest five are kept, each cut at the limit.
        let ids: Vec<&str> = back.cards.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, vec!["c00", "c01", "c02", "c03", "c04"]);
        assert!(back.cards.iter().all(|c| c.text == "a text wel"));
    }
    srv.stop().await;
}

#[tokio::test]
async fn whole_workshop_exports_hold_every_board() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("w.db"), Limits::default()).await;
    let f = srv.links.facilitator.clone();
    let (status, head, csv) = http_raw(
        "GET",
        &srv.http(&format!("/api/workshops/demo/export.csv?token={f}")),
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(head.contains("text/csv"));
    let csv = String::from_utf8(csv).unwrap();
    assert_eq!(csv.matches("workshop,area,pillar").count(), 1);
    assert_eq!(
        csv.matches("\r\n").count(),
        1 + 4,
        "header + the 4 starter cards"
    );

    // A snapshot, so the archive has one to carry.
    let (status, body) = http(
        "POST",
        &srv.http(&format!("/api/boards/demo-research/snapshots?token={f}")),
        Some(r#"{"name":"End of day one"}"#),
    )
    .await;
    assert!((200..300).contains(&status), "{status} {body}");
    let (status, head, tar) = http_raw(
        "GET",
        &srv.http(&format!("/api/workshops/demo/export.tar?token={f}")),
        b"",
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        head.contains("demo-workshop-learning-disabilities-autism.tar"),
        "{head}"
    );
    let path = dir.path().join("demo.tar");
    std::fs::write(&path, tar).unwrap();
    let out = std::process::Command::new("tar")
        .arg("-tf")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success());
    let list = String::from_utf8(out.stdout).unwrap();
    // Folders and files are named after titles, not ids.
    let root = "demo-workshop-learning-disabilities-autism";
    assert!(list.contains(&format!("{root}/all-boards.csv")));
    assert!(list.contains(&format!("{root}/index.csv")));
    for b in [
        "strategic-and-enabling-leadership",
        "learning-developing-and-improving-across-the-system",
        "research-and-innovation",
        "consultancy",
        "expert-practice",
    ] {
        for ext in ["json", "csv", "md", "svg", "ybin"] {
            assert!(
                list.contains(&format!("{root}/{b}.{ext}")),
                "{b}.{ext} in\n{list}"
            );
        }
    }
    assert!(
        !list.contains("demo-leadership."),
        "no file named by id:\n{list}"
    );
    // Each board's snapshots are in it too.
    let snap = list
        .lines()
        .find(|l| {
            l.contains("research-and-innovation/snapshots/") && l.ends_with("-end-of-day-one.json")
        })
        .unwrap_or_else(|| panic!("the snapshot in\n{list}"));
    assert!(snap.starts_with(root));
    let (status, _) = http(
        "GET",
        &srv.http(&format!(
            "/api/workshops/demo/export.tar?token={}",
            srv.links.participant
        )),
        None,
    )
    .await;
    assert_eq!(status, 403);
    srv.stop().await;
}
