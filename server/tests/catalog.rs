//! Facilitators manage workshops and boards, move people and moderate cards, through the
//! real HTTP API; the effects are checked over real websockets and exports.

mod common;

use std::time::Duration;

use cocreate_core::catalog::{Console, CreatedWorkshop};
use cocreate_core::model::board::Board;
use cocreate_core::model::control::Control;
use cocreate_core::model::export::BoardExport;
use cocreate_core::model::{Prompt, Role};
use common::{http, TestClient, TestServer, DEMO};
use server::config::Limits;
use yrs::{ReadTxn, Transact};

async fn json_export(srv: &TestServer, board: &str) -> BoardExport {
    json_export_as(srv, board, &srv.links.facilitator).await
}

async fn json_export_as(srv: &TestServer, board: &str, token: &str) -> BoardExport {
    let (status, body) = http(
        "GET",
        &srv.http(&format!("/api/boards/{board}/export.json?token={token}")),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    BoardExport::from_json(&body).unwrap()
}

#[tokio::test]
async fn organisers_create_workshops_and_facilitators_rename_and_archive_them() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("c.db"), Limits::default()).await;
    let (f, org) = (&srv.links.facilitator, &srv.links.organiser);

    let create = |token: &str| srv.http(&format!("/api/workshops?token={token}"));
    let body = r#"{"title":"MSK workshop","area":"Musculoskeletal (MSK)","date":"2026-12-01"}"#;
    assert_eq!(
        http("POST", &create(&srv.links.participant), Some(body))
            .await
            .0,
        403
    );
    // A workshop's facilitators reach their own workshop only: they create none.
    let (status, answer) = http("POST", &create(f), Some(body)).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains("organising team"), "{answer}");
    // The organising team lists every workshop.
    let (status, list) = http("GET", &create(org), None).await;
    assert_eq!(status, 200, "{list}");
    assert!(list.contains(r#""id":"demo""#), "{list}");
    assert_eq!(http("GET", &create(f), None).await.0, 403);
    let (demo_facilitator, f) = (f, org);
    assert_eq!(http("POST", &create("nope"), Some(body)).await.0, 401);
    assert_eq!(
        http(
            "POST",
            &create(f),
            Some(r#"{"title":"  ","area":"MSK","date":""}"#)
        )
        .await
        .0,
        400
    );
    let (status, answer) = http("POST", &create(f), Some(body)).await;
    assert_eq!(status, 201, "{answer}");
    let created: CreatedWorkshop = serde_json::from_str(&answer).unwrap();
    assert_eq!(created.workshop.boards.len(), 5, "one board per pillar");
    assert_eq!(created.workshop.area, "Musculoskeletal (MSK)");
    let w = created.workshop.id.clone();
    let wf = created.facilitator_token.clone();
    // The new link runs the new workshop, and not the demo.
    let console = |token: &str, w: &str| srv.http(&format!("/api/workshops/{w}?token={token}"));
    assert_eq!(http("GET", &console(&wf, &w), None).await.0, 200);
    assert_eq!(http("GET", &console(&wf, "demo"), None).await.0, 403);
    assert_eq!(
        http("GET", &console(demo_facilitator, &w), None).await.0,
        403
    );
    assert_eq!(http("GET", &console(org, &w), None).await.0, 200);

    // Rename the workshop; add, rename and archive a board.
    let edit_w = srv.http(&format!("/api/workshops/{w}?token={wf}"));
    assert_eq!(
        http(
            "PATCH",
            &edit_w,
            Some(r#"{"title":"MSK workshop (pilot)"}"#)
        )
        .await
        .0,
        204
    );
    let (status, answer) = http(
        "POST",
        &srv.http(&format!("/api/workshops/{w}/boards?token={wf}")),
        Some(r#"{"title":"Extra group","pillar":"Expert practice"}"#),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let extra: cocreate_core::catalog::BoardSummary = serde_json::from_str(&answer).unwrap();
    let edit_b = srv.http(&format!("/api/boards/{}?token={wf}", extra.id));
    assert_eq!(
        http("PATCH", &edit_b, Some(r#"{"title":"Extra group B"}"#))
            .await
            .0,
        204
    );
    let (_, body) = http("GET", &console(&wf, &w), None).await;
    let c: Console = serde_json::from_str(&body).unwrap();
    assert_eq!(c.workshop.title, "MSK workshop (pilot)");
    assert_eq!(c.boards.len(), 6);
    let exported = json_export_as(&srv, &extra.id, &wf).await;
    assert_eq!(
        exported.meta.title, "Extra group B",
        "the document's title follows"
    );

    // Archiving a board locks it: a participant's update is refused.
    let pt = srv
        .state
        .auth
        .issue(server::auth::Grant::new(
            w.clone(),
            None,
            cocreate_core::catalog::LinkRole::Participant,
        ))
        .unwrap();
    assert_eq!(
        http("PATCH", &edit_b, Some(r#"{"archived":true}"#)).await.0,
        204
    );
    let mut p = TestClient::join(&srv.url_with(&extra.id, &pt)).await;
    let board = Board::of(&p.doc);
    p.change(|txn| {
        board
            .add_card(
                txn,
                "late",
                Prompt::How,
                "late idea",
                "p",
                Role::Educator,
                1.0,
            )
            .unwrap();
    })
    .await;
    p.pump_until(Duration::from_millis(500), |_, _| false).await;
    assert!(p.denied, "an archived board is read-only");
    let (_, body) = http("GET", &console(&wf, &w), None).await;
    let c: Console = serde_json::from_str(&body).unwrap();
    let row = c.boards.iter().find(|b| b.board.id == extra.id).unwrap();
    assert!(row.board.archived && row.control.locked);

    // Archiving the workshop locks every board.
    assert_eq!(
        http("PATCH", &edit_w, Some(r#"{"archived":true}"#)).await.0,
        204
    );
    let (_, body) = http("GET", &console(&wf, &w), None).await;
    let c: Console = serde_json::from_str(&body).unwrap();
    assert!(c.workshop.archived);
    assert!(c.boards.iter().all(|b| b.control.locked));
    srv.stop().await;
}

#[tokio::test]
async fn a_moved_participant_is_told_where_to_go() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("m.db"), Limits::default()).await;
    let mut watch = TestClient::join(&srv.control_url(DEMO, &srv.links.participant)).await;
    let url = srv.http(&format!(
        "/api/boards/{DEMO}/moves?token={}",
        srv.links.facilitator
    ));
    let (status, body) = http(
        "POST",
        &url,
        Some(r#"{"person":"p-123","to":"demo-research"}"#),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert!(
        watch
            .wait_for(Duration::from_secs(5), |d| Control::of(d)
                .read(&d.transact())
                .moves
                .get("p-123")
                .map(String::as_str)
                == Some("demo-research"))
            .await
    );
    let p_url = srv.http(&format!(
        "/api/boards/{DEMO}/moves?token={}",
        srv.links.participant
    ));
    assert_eq!(
        http(
            "POST",
            &p_url,
            Some(r#"{"person":"p-9","to":"demo-research"}"#)
        )
        .await
        .0,
        403
    );
    assert_eq!(
        http("POST", &url, Some(r#"{"person":"p-9","to":"nowhere"}"#))
            .await
            .0,
        404
    );
    srv.stop().await;
}

#[tokio::test]
async fn facilitators_hide_show_delete_and_restore_cards() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("h.db"), Limits::default()).await;
    let f = &srv.links.facilitator;
    let moderate = |card: &str, token: &str| {
        srv.http(&format!(
            "/api/boards/{DEMO}/cards/{card}/moderate?token={token}"
        ))
    };
    let mut watcher = TestClient::join(&srv.url(DEMO)).await;

    assert_eq!(
        http(
            "POST",
            &moderate("seed-0", &srv.links.participant),
            Some(r#"{"action":"hide"}"#)
        )
        .await
        .0,
        403
    );
    assert_eq!(
        http("POST", &moderate("seed-0", f), Some(r#"{"action":"hide"}"#))
            .await
            .0,
        204
    );
    // Hiding takes the card out of the board: no client receives its text any more.
    assert!(
        watcher
            .wait_for(Duration::from_secs(5), |d| Board::of(d)
                .card(&d.transact(), "seed-0")
                .is_none())
            .await,
        "the card leaves every client's board"
    );
    let fresh = TestClient::join(&srv.url_with(DEMO, &srv.links.observer)).await;
    let state = common::state_of(&fresh.doc);
    assert!(
        !String::from_utf8_lossy(&state).contains("care that fits their life"),
        "a client joining afterwards receives nothing of its text"
    );
    let e = json_export(&srv, DEMO).await;
    assert!(e.cards.iter().all(|c| c.id != "seed-0"));
    assert!(!e.to_csv().contains("care that fits their life"));
    // Facilitators see it in the moderation store; nobody else does.
    let hidden = |token: &str| srv.http(&format!("/api/boards/{DEMO}/hidden?token={token}"));
    let (status, body) = http("GET", &hidden(f), None).await;
    assert_eq!(status, 200, "{body}");
    let held: Vec<cocreate_core::model::CardView> = serde_json::from_str(&body).unwrap();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].id, "seed-0");
    assert!(held[0].text.contains("care that fits their life"));
    assert_eq!(
        http("GET", &hidden(&srv.links.participant), None).await.0,
        403
    );
    // Shown again: back on the board, as it was, and out of the store.
    assert_eq!(
        http("POST", &moderate("seed-0", f), Some(r#"{"action":"show"}"#))
            .await
            .0,
        204
    );
    assert!(
        watcher
            .wait_for(Duration::from_secs(5), |d| Board::of(d)
                .card(&d.transact(), "seed-0")
                .is_some_and(|c| c.text == held[0].text && !c.hidden))
            .await
    );
    assert_eq!(http("GET", &hidden(f), None).await.1, "[]");
    // Hidden, then deleted for good: gone from the board and the store.
    for action in ["hide", "delete"] {
        assert_eq!(
            http(
                "POST",
                &moderate("seed-0", f),
                Some(&format!("{{\"action\":\"{action}\"}}"))
            )
            .await
            .0,
            204
        );
    }
    assert_eq!(http("GET", &hidden(f), None).await.1, "[]");
    assert!(json_export(&srv, DEMO)
        .await
        .cards
        .iter()
        .all(|c| c.id != "seed-0"));
    assert_eq!(
        http("POST", &moderate("nope", f), Some(r#"{"action":"hide"}"#))
            .await
            .0,
        404
    );

    // Snapshot, delete, restore from the snapshot.
    let (status, body) = http(
        "POST",
        &srv.http(&format!("/api/boards/{DEMO}/snapshots?token={f}")),
        Some(r#"{"name":"before tidy"}"#),
    )
    .await;
    assert_eq!(status, 201);
    let snap: cocreate_core::catalog::SnapshotInfo = serde_json::from_str(&body).unwrap();
    assert_eq!(
        http(
            "POST",
            &moderate("seed-3", f),
            Some(r#"{"action":"delete"}"#)
        )
        .await
        .0,
        204
    );
    assert!(!json_export(&srv, DEMO)
        .await
        .cards
        .iter()
        .any(|c| c.id == "seed-3"));
    let restore = srv.http(&format!(
        "/api/boards/{DEMO}/cards/seed-3/restore?token={f}"
    ));
    let (status, body) = http(
        "POST",
        &restore,
        Some(&format!("{{\"snapshot\":{}}}", snap.id)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""restored":"back""#), "{body}");
    let back = json_export(&srv, DEMO).await;
    let card = back
        .cards
        .iter()
        .find(|c| c.id == "seed-3")
        .expect("restored");
    assert_eq!(card.text, "Nothing about us without us");
    assert_eq!(card.prompt, "values");
    assert!(
        watcher
            .wait_for(Duration::from_secs(5), |d| Board::of(d)
                .card(&d.transact(), "seed-3")
                .is_some())
            .await,
        "the restored card reaches clients"
    );
    // Restoring it again, now that it is there as it was, changes nothing and says so.
    let (status, body) = http(
        "POST",
        &restore,
        Some(&format!("{{\"snapshot\":{}}}", snap.id)),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""restored":"already-there""#), "{body}");
    assert!(body.contains("nothing changed"), "{body}");
    srv.stop().await;
}

#[tokio::test]
async fn a_schema_1_board_is_migrated_on_load_and_its_hidden_cards_leave_it() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("m.db"), Limits::default()).await;
    // A board stored with a card marked hidden, as moderation used to leave it.
    let stored = srv
        .state
        .store
        .load(&cocreate_core::catalog::DocKey::board(DEMO))
        .unwrap()
        .unwrap();
    let doc = doc_of(&stored);
    let before = doc.transact().state_vector();
    let meta = doc.get_or_insert_map("meta");
    Board::of(&doc)
        .set_hidden(&mut doc.transact_mut(), "seed-1", true)
        .unwrap();
    yrs::Map::insert(&meta, &mut doc.transact_mut(), "schema", 1);
    let update = doc.transact().encode_state_as_update_v1(&before);
    srv.state
        .store
        .append(&cocreate_core::catalog::DocKey::board(DEMO), update)
        .await
        .unwrap();
    // Loading it migrates it to the current schema: the card is held and taken out (no
    // client receives it), and `meta.schema` is current.
    let c = TestClient::join(&srv.url_with(DEMO, &srv.links.observer)).await;
    assert_eq!(
        Board::of(&c.doc).meta(&c.doc.transact()).schema,
        cocreate_core::model::SCHEMA_VERSION
    );
    assert!(Board::of(&c.doc)
        .card(&c.doc.transact(), "seed-1")
        .is_none());
    assert!(Board::of(&c.doc)
        .card(&c.doc.transact(), "seed-0")
        .is_some());
    let (_, body) = http(
        "GET",
        &srv.http(&format!(
            "/api/boards/{DEMO}/hidden?token={}",
            srv.links.facilitator
        )),
        None,
    )
    .await;
    assert!(body.contains("\"id\":\"seed-1\""), "{body}");
    srv.stop().await;
}

#[tokio::test]
async fn a_schema_2_board_gets_the_words_it_always_showed_when_it_loads_and_keeps_them() {
    use cocreate_core::model::schema::PromptText;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("m2.db");
    let srv = TestServer::start(&db, Limits::default()).await;
    let key = cocreate_core::catalog::DocKey::board(DEMO);
    // The board as schema 2 stored it: no prompts in its metadata.
    let stored = srv.state.store.load(&key).unwrap().unwrap();
    let doc = doc_of(&stored);
    let before = doc.transact().state_vector();
    let meta = doc.get_or_insert_map("meta");
    yrs::Map::remove(&meta, &mut doc.transact_mut(), "prompts");
    yrs::Map::insert(&meta, &mut doc.transact_mut(), "schema", 2);
    assert!(!Board::of(&doc).has_prompts(&doc.transact()));
    let update = doc.transact().encode_state_as_update_v1(&before);
    srv.state.store.append(&key, update).await.unwrap();
    srv.stop().await;

    // Started again, the board loads, migrates, and every client reads schema 3 words.
    let srv = TestServer::start(&db, Limits::default()).await;
    let c = TestClient::join(&srv.url_with(DEMO, &srv.links.participant)).await;
    let b = Board::of(&c.doc);
    assert_eq!(
        b.meta(&c.doc.transact()).schema,
        cocreate_core::model::SCHEMA_VERSION
    );
    assert!(b.has_prompts(&c.doc.transact()));
    assert_eq!(b.prompts(&c.doc.transact()), PromptText::builtin_all());
    srv.stop().await;
    // The migration was stored: read straight from the store, the board has them.
    let store = server::store::Store::open(&db).unwrap();
    let stored = store.load(&key).unwrap().unwrap();
    let doc = doc_of(&stored);
    assert!(Board::of(&doc).has_prompts(&doc.transact()));
}

/// A stored board (its base and update log) as one document.
fn doc_of(stored: &server::store::StoredBoard) -> yrs::Doc {
    let doc = cocreate_core::model::new_doc();
    {
        let mut txn = doc.transact_mut();
        for raw in stored.base.iter().chain(&stored.updates) {
            use yrs::updates::decoder::Decode;
            txn.apply_update(yrs::Update::decode_v1(raw).unwrap())
                .unwrap();
        }
    }
    doc
}
