//! Content and store limits with real clients: cards per board, card text length, and
//! the pending-store queue (backpressure with 1013, nothing lost).

mod common;

use std::time::Duration;

use cocreate_core::model::board::Board;
use cocreate_core::model::{Prompt, Role};
const SEAT: &str = "limits-test-seat-0123456789";
use common::{TestClient, TestServer, DEMO};
use server::config::Limits;
use yrs::{GetString, ReadTxn, Text, Transact};

const T: Duration = Duration::from_secs(10);

fn card_ids(doc: &yrs::Doc) -> Vec<String> {
    Board::of(doc)
        .cards(&doc.transact())
        .into_iter()
        .map(|c| c.id)
        .collect()
}

#[tokio::test]
async fn cards_beyond_the_limit_are_removed_for_everyone_and_the_author_is_told() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_cards: 6,
        ..Limits::default()
    };
    let srv = TestServer::start(&dir.path().join("l.db"), limits).await;
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    let mut b = TestClient::join(&srv.url(DEMO)).await;
    assert_eq!(card_ids(&a.doc).len(), 4, "the demo board's starters");
    let board = Board::of(&a.doc);
    // A stock client adds four cards at once (the UI never would past the limit).
    a.change(|txn| {
        for i in 0..4 {
            board
                .add_card(
                    txn,
                    &format!("n{i}"),
                    Prompt::How,
                    "idea",
                    "u",
                    Role::Clinician,
                    1.0,
                )
                .unwrap();
        }
    })
    .await;
    let told = a
        .pump_until(
            T,
            |_, m| matches!(m, yrs::sync::Message::Auth(Some(r)) if r.contains("6 cards at most")),
        )
        .await;
    assert!(told, "the author is told why");
    assert!(a.wait_for(T, |d| card_ids(d).len() == 6).await);
    assert!(b.wait_for(T, |d| card_ids(d).len() == 6).await);
    let mut ids = card_ids(&b.doc);
    ids.sort();
    assert!(ids.contains(&"n0".to_string()) && ids.contains(&"n1".to_string()));
    assert!(!ids.contains(&"n2".to_string()) && !ids.contains(&"n3".to_string()));

    // It is the stored state too.
    srv.stop().await;
    let srv = TestServer::start(&dir.path().join("l.db"), Limits::default()).await;
    let c = TestClient::join(&srv.url(DEMO)).await;
    assert_eq!(card_ids(&c.doc).len(), 6);
    srv.stop().await;
}

#[tokio::test]
async fn over_long_text_is_cut_at_the_limit_for_everyone() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_text: 12,
        ..Limits::default()
    };
    let srv = TestServer::start(&dir.path().join("t.db"), limits).await;
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    let mut b = TestClient::join(&srv.url(DEMO)).await;
    let board = Board::of(&a.doc);
    let text = |d: &yrs::Doc| {
        let b = Board::of(d);
        let txn = d.transact();
        b.card_text(&txn, "seed-3").map(|t| t.get_string(&txn))
    };
    assert_eq!(
        text(&a.doc).as_deref(),
        Some("Nothing about us without us"),
        "already long"
    );
    // Typing into an over-long card (it predates the limit) cuts it back.
    a.change(|txn| {
        let t = board.card_text(txn, "seed-3").unwrap();
        t.insert(txn, 0, "! ");
    })
    .await;
    assert!(
        a.pump_until(
            T,
            |_, m| matches!(m, yrs::sync::Message::Auth(Some(r)) if r.contains("limited to 12"))
        )
        .await
    );
    assert!(
        a.wait_for(T, |d| text(d).as_deref() == Some("! Nothing ab"))
            .await
    );
    assert!(
        b.wait_for(T, |d| text(d).as_deref() == Some("! Nothing ab"))
            .await
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_full_store_queue_closes_writers_with_1013_and_nothing_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("p.db");
    // A queue limit of 0 bytes: every update meets it.
    let limits = Limits {
        max_pending_bytes: 0,
        ..Limits::default()
    };
    let srv = TestServer::start(&db, limits).await;
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    let board = Board::of(&a.doc);
    a.change(|txn| {
        board
            .add_card(
                txn,
                "kept",
                Prompt::Values,
                "Kept locally",
                "u",
                Role::Patient,
                1.0,
            )
            .unwrap();
    })
    .await;
    assert_eq!(a.close_code(T).await, Some(1013));
    let reader = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        !card_ids(&reader.doc).contains(&"kept".to_string()),
        "not applied"
    );
    srv.stop().await;

    // When the server has room again, the client's resync delivers the change.
    let srv = TestServer::start(&db, Limits::default()).await;
    let mut again = TestClient::join(&srv.url(DEMO)).await;
    let local = a.doc.clone();
    let sv = again.doc.transact().state_vector();
    let missing = local.transact().encode_diff_v1(&sv);
    again
        .send(common::encode(yrs::sync::Message::Sync(
            yrs::sync::SyncMessage::Update(missing),
        )))
        .await;
    let mut reader = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        reader
            .wait_for(T, |d| card_ids(d).contains(&"kept".to_string()))
            .await
    );
    assert_eq!(srv.state.store.pending_bytes(), 0);
    srv.stop().await;
}

#[tokio::test]
async fn a_board_stops_growing_at_its_byte_limit_and_the_writer_is_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_board_bytes: 64 * 1024,
        ..Limits::default()
    };
    let srv = TestServer::start(&dir.path().join("b.db"), limits).await;
    // A facilitator: limits hold for everyone, and the rules would refuse a
    // participant's unknown key before the limit is reached.
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    let board = Board::of(&a.doc);
    // Plain-string keys are not held by the text limit: the byte limit holds them.
    for i in 0..40 {
        let sent = a
            .try_change(|txn| {
                board
                    .add_card(
                        txn,
                        &format!("big{i}"),
                        Prompt::How,
                        "",
                        "p",
                        Role::Patient,
                        1.0,
                    )
                    .unwrap();
                let Some(yrs::Out::YMap(card)) =
                    yrs::Map::get(&board.cards_root().clone(), txn, &format!("big{i}"))
                else {
                    unreachable!()
                };
                yrs::Map::insert(&card, txn, "junk", "x".repeat(4_000));
            })
            .await;
        if !sent {
            break;
        }
    }
    let (code, reason) = a.close_frame(T).await.expect("closed");
    assert_eq!(code, 1008);
    assert!(reason.contains("the board is full"), "{reason}");
    // What was taken stays, within the limit; everyone else still joins and reads it.
    let mut b = TestClient::join(&srv.url(DEMO)).await;
    b.sync().await;
    let kept = card_ids(&b.doc)
        .iter()
        .filter(|c| c.starts_with("big"))
        .count();
    assert!((5..40).contains(&kept), "{kept}");
    let state = common::state_of(&b.doc);
    assert!(state.len() <= 64 * 1024 + 8 * 1024, "{}", state.len());
    srv.stop().await;
}

#[tokio::test]
async fn content_in_a_root_type_a_board_does_not_have_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("r.db"), Limits::default()).await;
    let mut a = TestClient::join(&srv.url_with_seat(DEMO, &srv.links.participant, SEAT)).await;
    let junk = a.doc.get_or_insert_map("junk");
    a.change(|txn| {
        yrs::Map::insert(&junk, txn, "payload", "x".repeat(10_000));
    })
    .await;
    let (code, reason) = a.close_frame(T).await.expect("closed");
    assert_eq!(code, 1008);
    assert!(reason.contains("no root type \"junk\""), "{reason}");
    let mut b = TestClient::join(&srv.url(DEMO)).await;
    b.sync().await;
    let state = common::state_of(&b.doc);
    assert!(!String::from_utf8_lossy(&state).contains("payload"));
    srv.stop().await;
}
