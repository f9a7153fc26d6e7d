//! The board websocket with real clients on a real port and a real SQLite file.

mod common;

use std::time::Duration;

use cocreate_core::catalog::DocKey;
use cocreate_core::model::board::Board;
use cocreate_core::model::{Prompt, Role};
use common::{encode, refused_status, TestClient, TestServer, DEMO};
use futures::{SinkExt, StreamExt};
use server::config::Limits;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use yrs::sync::awareness::AwarenessUpdateEntry;
use yrs::sync::{AwarenessUpdate, Message};
use yrs::{ClientID, Transact};

const T: Duration = Duration::from_secs(10);

fn cards(doc: &yrs::Doc) -> Vec<(String, String)> {
    Board::of(doc)
        .cards(&doc.transact())
        .into_iter()
        .map(|c| (c.id, c.text))
        .collect()
}

#[tokio::test]
async fn two_clients_converge_on_cards_and_text() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("c.db"), Limits::default()).await;
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    let mut b = TestClient::join(&srv.url(DEMO)).await;
    // The seeded board has four starter cards and its metadata.
    assert_eq!(cards(&a.doc).len(), 4);
    assert_eq!(
        Board::of(&a.doc).meta(&a.doc.transact()).title,
        "Strategic and enabling leadership"
    );

    let board_a = Board::of(&a.doc);
    a.change(|txn| {
        board_a
            .add_card_as(
                txn,
                "card-a",
                Prompt::Purpose,
                "Better lives",
                "pa",
                None,
                1.0,
            )
            .unwrap();
    })
    .await;
    assert!(
        b.wait_for(T, |d| cards(d).iter().any(|(id, _)| id == "card-a"))
            .await
    );

    // B types into A's card while A types into it too.
    let board_b = Board::of(&b.doc);
    b.change(|txn| {
        board_b
            .set_card_text(txn, "card-a", "Better lives for all", None)
            .unwrap();
    })
    .await;
    a.change(|txn| {
        board_a
            .set_card_text(txn, "card-a", "Much better lives", None)
            .unwrap();
    })
    .await;
    let want = "Much better lives for all";
    let text_is = |d: &yrs::Doc| {
        Board::of(d).card(&d.transact(), "card-a").map(|c| c.text) == Some(want.into())
    };
    assert!(a.wait_for(T, text_is).await, "A converges");
    assert!(b.wait_for(T, text_is).await, "B converges");
    assert_eq!(cards(&a.doc), cards(&b.doc));

    // A third client that joins later gets everything.
    let c = TestClient::join(&srv.url(DEMO)).await;
    assert_eq!(cards(&c.doc), cards(&a.doc));
    srv.stop().await;
}

#[tokio::test]
async fn state_survives_a_restart_and_compaction() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let srv = TestServer::start(&db, Limits::default()).await;
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    let board = Board::of(&a.doc);
    for i in 0..20 {
        a.change(|txn| {
            board
                .add_card(
                    txn,
                    &format!("k{i}"),
                    Prompt::How,
                    &format!("idea {i}"),
                    "p",
                    Role::Educator,
                    1.0,
                )
                .unwrap();
        })
        .await;
    }
    // A peer seeing the last card means the server has made all of them durable.
    let mut b = TestClient::join(&srv.url(DEMO)).await;
    assert!(b.wait_for(T, |d| cards(d).len() == 24).await);
    let before = cards(&a.doc);
    drop(a);
    drop(b);
    srv.stop().await; // compacts live boards

    let stats = server::store::Store::open(&db)
        .unwrap()
        .log_stats(&DocKey::board(DEMO))
        .unwrap();
    assert_eq!(stats.log_rows, 0, "shutdown compacted the log");

    let srv = TestServer::start(&db, Limits::default()).await;
    let c = TestClient::join(&srv.url(DEMO)).await;
    assert_eq!(cards(&c.doc), before);
    srv.stop().await;
}

#[tokio::test]
async fn unknown_board_is_404_before_upgrade() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("u.db"), Limits::default()).await;
    for board in ["no-such-board", "bad%20id"] {
        let err = tokio_tungstenite::connect_async(srv.url(board))
            .await
            .unwrap_err();
        match err {
            tokio_tungstenite::tungstenite::Error::Http(resp) => assert_eq!(resp.status(), 404),
            other => panic!("expected HTTP 404, got {other:?}"),
        }
    }
    srv.stop().await;
}

#[tokio::test]
async fn oversized_message_closes_with_1009_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_message_bytes: 4096,
        ..Limits::default()
    };
    let srv = TestServer::start(&dir.path().join("o.db"), limits).await;
    let mut ok = TestClient::join(&srv.url(DEMO)).await;
    let board = Board::of(&ok.doc);
    ok.change(|txn| {
        board
            .add_card(txn, "kept", Prompt::Values, "kept", "p", Role::Patient, 1.0)
            .unwrap();
    })
    .await;
    let mut big = TestClient::join(&srv.url(DEMO)).await;
    big.send(vec![0u8; 5000]).await;
    assert_eq!(big.close_code(T).await, Some(1009));
    // Far past the websocket layer's own cap: still refused, server still fine.
    let mut huge = TestClient::join(&srv.url(DEMO)).await;
    let _ = huge
        .ws
        .send(WsMessage::Binary(vec![0u8; 200_000].into()))
        .await;
    let code = huge.close_code(T).await;
    assert!(code == Some(1009) || code.is_none(), "got {code:?}");
    let c = TestClient::join(&srv.url(DEMO)).await;
    assert!(cards(&c.doc).iter().any(|(id, _)| id == "kept"));
    srv.stop().await;
}

/// An update that only deletes `n` items of a client nobody has seen. yrs would keep the
/// deletions pending and re-apply them on every later update to the board.
fn deletions_of_unknown_items(n: u32) -> Vec<u8> {
    let mut ds = yrs::IdSet::new();
    for i in 0..n {
        ds.insert(yrs::ID::new(ClientID::new(999), i * 2), 1);
    }
    let mut update = vec![0]; // no blocks
    update.extend(yrs::updates::encoder::Encode::encode_v1(&ds));
    update
}

/// An update setting key "k" of root map "m" to an array nested `depth` deep. yrs would
/// recurse once per level, overflow the stack and abort the whole server.
fn deeply_nested(depth: usize) -> Vec<u8> {
    let mut update = vec![1, 1, 5, 0, 0x28, 1, 1, b'm', 1, b'k', 1];
    update.extend([117, 1].repeat(depth));
    update.extend([126, 0]);
    update
}

#[tokio::test]
async fn malformed_messages_close_with_1007_and_text_with_1003() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("m.db"), Limits::default()).await;
    let bad_frames: Vec<Vec<u8>> = vec![
        vec![0, 2, 50, 1, 2], // update claims 50 bytes, has 2
        encode(Message::Sync(yrs::sync::SyncMessage::Update(vec![
            255, 255, 255, 1,
        ]))), // not an update
        vec![0, 7],           // unknown sync type
    ];
    for frame in bad_frames {
        let mut c = TestClient::join(&srv.url(DEMO)).await;
        c.send(frame.clone()).await;
        assert_eq!(c.close_code(T).await, Some(1007), "frame {frame:?}");
    }
    // The close reason says what was wrong.
    for (update, why) in [
        (deeply_nested(200_000), "values nested more than 64 deep"),
        (
            include_bytes!("../../fuzz/known/apply_update-use-after-free-2-yrs-0.28.1.bin")
                .to_vec(),
            "a client's blocks appear in two sections",
        ),
        (deletions_of_unknown_items(1000), "reconnect to resync"),
    ] {
        let mut c = TestClient::join(&srv.url(DEMO)).await;
        c.send(encode(Message::Sync(yrs::sync::SyncMessage::Update(
            update,
        ))))
        .await;
        let (code, reason) = c.close_frame(T).await.expect("a close frame");
        assert_eq!(code, 1007);
        assert!(reason.ends_with(why), "{reason}");
    }
    let mut c = TestClient::join(&srv.url(DEMO)).await;
    c.ws.send(WsMessage::Text("hello".into())).await.unwrap();
    assert_eq!(c.close_code(T).await, Some(1003));
    // The board still works.
    let c = TestClient::join(&srv.url(DEMO)).await;
    assert_eq!(cards(&c.doc).len(), 4);
    srv.stop().await;
}

#[tokio::test]
async fn floods_close_with_1008() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        rate_per_sec: 5,
        rate_burst: 20,
        ..Limits::default()
    };
    let srv = TestServer::start(&dir.path().join("f.db"), limits).await;
    let mut c = TestClient::join(&srv.url(DEMO)).await;
    let query = encode(Message::AwarenessQuery);
    for _ in 0..200 {
        if c.ws
            .send(WsMessage::Binary(query.clone().into()))
            .await
            .is_err()
        {
            break;
        }
    }
    assert_eq!(c.close_code(T).await, Some(1008));

    // Messages count, not frames: one frame of 100,000 awareness queries (after a presence,
    // so each would be answered) is refused whole instead of answered 100,000 times.
    let mut c = TestClient::join(&srv.url(DEMO)).await;
    let mut frame = presence(31, 1, r#"{"user":{"name":"Ana"}}"#);
    frame.extend(std::iter::repeat_n(query[0], 100_000));
    c.send(frame).await;
    let mut answers = 0;
    let code = loop {
        match tokio::time::timeout(T, c.ws.next()).await {
            Ok(Some(Ok(WsMessage::Binary(_)))) => answers += 1,
            Ok(Some(Ok(WsMessage::Close(f)))) => break f.map(|f| u16::from(f.code)),
            Ok(Some(Ok(_))) => {}
            _ => break None,
        }
    };
    assert_eq!(code, Some(1008));
    assert!(answers < 10, "{answers} frames answered");
    srv.stop().await;
}

fn presence(client: u64, clock: u32, json: &str) -> Vec<u8> {
    let mut clients = std::collections::HashMap::new();
    clients.insert(
        ClientID::new(client),
        AwarenessUpdateEntry {
            clock,
            json: json.into(),
        },
    );
    encode(Message::Awareness(AwarenessUpdate { clients }))
}

#[tokio::test]
async fn awareness_is_relayed_and_removed_on_disconnect() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("a.db"), Limits::default()).await;
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    let mut b = TestClient::join(&srv.url(DEMO)).await;
    a.send(presence(
        11,
        1,
        r#"{"user":{"name":"Ann","role":"patient"},"editing":null}"#,
    ))
    .await;
    let seen = b
        .pump_until(
            T,
            |_, m| matches!(m, Message::Awareness(u) if u.clients.contains_key(&ClientID::new(11))),
        )
        .await;
    assert!(seen, "B sees A's presence");
    // A cannot speak for another client id.
    a.send(presence(12, 1, r#"{"user":{"name":"Mallory"}}"#))
        .await;
    // A newcomer gets current presence on join.
    let mut c = TestClient::connect(&srv.url(DEMO)).await;
    c.sync().await;
    let ids: Vec<u64> = c
        .awareness
        .iter()
        .flat_map(|u| u.clients.keys().map(|k| k.get()))
        .collect();
    assert!(ids.contains(&11) && !ids.contains(&12), "ids {ids:?}");
    // Nobody else may rename or remove A's presence, whatever clock they claim: not as a
    // facilitator, not with a removal, not at the top clock.
    c.send(presence(
        11,
        1_000,
        r#"{"user":{"name":"Boss","role":"facilitator"}}"#,
    ))
    .await;
    c.send(presence(11, 1_001, "null")).await;
    c.send(presence(11, u32::MAX, "null")).await;
    c.pump_until(Duration::from_millis(200), |_, _| false).await;
    let people = srv.state.hub.live(&DocKey::board(DEMO)).unwrap().people();
    assert_eq!(
        people.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        vec!["Ann"]
    );
    let hijacked = b
        .pump_until(Duration::from_millis(200), |_, m| {
            matches!(m, Message::Awareness(u) if u.clients.get(&ClientID::new(11)).is_some_and(|e| e.clock >= 1_000))
        })
        .await;
    assert!(!hijacked, "B was never told of the forged presence");
    // A leaves: B is told (state null).
    a.ws.close(None).await.unwrap();
    let removed = b
        .pump_until(T, |_, m| {
            matches!(m, Message::Awareness(u) if u.clients.get(&ClientID::new(11)).map(|e| &*e.json == "null").unwrap_or(false))
        })
        .await;
    assert!(removed, "B is told A left");
    srv.stop().await;
}

#[tokio::test]
async fn a_presence_colour_that_is_not_hex_is_refused_with_its_reason() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("c.db"), Limits::default()).await;
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    a.send(presence(
        21,
        1,
        r#"{"user":{"name":"x","color":"red;position:fixed;inset:0;background:url(//evil)"}}"#,
    ))
    .await;
    let (code, reason) = a.close_frame(T).await.expect("closed");
    assert_eq!(code, 1008);
    assert!(reason.contains("#rrggbb"), "{reason}");
    assert!(srv
        .state
        .hub
        .live(&DocKey::board(DEMO))
        .unwrap()
        .people()
        .is_empty());
    srv.stop().await;
}

#[tokio::test]
async fn one_link_cannot_hold_every_socket_or_lock_newcomers_out_of_a_full_presence_table() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_conns_per_link: 3,
        awareness_max_clients: 2,
        ..Limits::default()
    };
    let srv = TestServer::start(&dir.path().join("n.db"), limits).await;
    let observer = srv.url_with(DEMO, &srv.links.observer);
    let mut held = Vec::new();
    for i in 0..3u64 {
        let mut c = TestClient::connect(&observer).await;
        c.sync().await;
        c.send(presence(100 + i, 1, r#"{"user":{"name":"spam"}}"#))
            .await;
        held.push(c);
    }
    // A fourth socket on the same link is refused before upgrade.
    assert_eq!(refused_status(&observer).await, 429);
    // The presence table (2 entries) is full, yet a participant who announces themself
    // is not closed: they keep editing, and show once there is room.
    let seat = "ws-test-seat-0123456789ab";
    let mut p = TestClient::join(&srv.url_with_seat(DEMO, &srv.links.participant, seat)).await;
    p.send(presence(7, 1, r#"{"user":{"name":"Pat"}}"#)).await;
    let me = cocreate_core::identity::pseudonym("demo", seat);
    let board = Board::of(&p.doc);
    p.change(|txn| {
        board
            .add_card_as(txn, "pat", Prompt::Values, "still here", &me, None, 1.0)
            .unwrap();
    })
    .await;
    assert_eq!(p.close_code(Duration::from_millis(300)).await, None);
    let live = srv.state.hub.live(&DocKey::board(DEMO)).unwrap();
    assert!(live.read(|doc| {
        let b = Board::of(doc);
        let txn = doc.transact();
        b.card(&txn, "pat").is_some()
    }));
    assert_eq!(live.people().len(), 2, "the table stayed at its cap");
    // When a held socket closes, its place comes back to the link.
    let mut first = held.remove(0);
    first.ws.close(None).await.unwrap();
    let mut admitted = false;
    for _ in 0..100 {
        if let Ok((ws, _)) = tokio_tungstenite::connect_async(&observer).await {
            drop(ws);
            admitted = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(admitted, "the link may connect again once a socket closed");
    srv.stop().await;
}

#[tokio::test]
async fn idle_boards_unload_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    let limits = Limits {
        idle_unload: Duration::from_millis(0),
        ..Limits::default()
    };
    let srv = TestServer::start(&dir.path().join("i.db"), limits).await;
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    let board = Board::of(&a.doc);
    a.change(|txn| {
        board
            .add_card(txn, "x", Prompt::How, "x", "p", Role::Educator, 1.0)
            .unwrap();
    })
    .await;
    // B seeing A's card means the server has made it durable.
    let mut b = TestClient::join(&srv.url(DEMO)).await;
    assert!(b.wait_for(T, |d| cards(d).len() == 5).await);
    drop(a);
    drop(b);
    // Wait until the server has seen both connections end, then sweep.
    for _ in 0..100 {
        if srv
            .state
            .hub
            .live(&DocKey::board(DEMO))
            .map(|b| b.connections())
            == Some(0)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    srv.state
        .hub
        .sweep(std::time::Instant::now() + Duration::from_secs(1))
        .await;
    assert!(
        srv.state.hub.live(&DocKey::board(DEMO)).is_none(),
        "idle board unloaded"
    );
    assert_eq!(
        srv.state
            .store
            .log_stats(&DocKey::board(DEMO))
            .unwrap()
            .log_rows,
        0,
        "compacted on unload"
    );
    let c = TestClient::join(&srv.url(DEMO)).await;
    assert_eq!(cards(&c.doc).len(), 5);
    srv.stop().await;
}

#[tokio::test]
async fn concurrent_moves_converge_through_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("mv.db"), Limits::default()).await;
    let mut a = TestClient::join(&srv.url(DEMO)).await;
    let mut b = TestClient::join(&srv.url(DEMO)).await;
    let board_a = Board::of(&a.doc);
    let board_b = Board::of(&b.doc);
    // Both move cards at the same time, without seeing each other's moves first: the same
    // card to two columns, and two cards to the same place.
    a.change(|txn| {
        board_a
            .move_card(txn, "seed-0", Prompt::Values, None, None)
            .unwrap();
        board_a
            .move_card(txn, "seed-1", Prompt::Enablers, None, Some("seed-2"))
            .unwrap();
    })
    .await;
    b.change(|txn| {
        board_b
            .move_card(txn, "seed-0", Prompt::How, None, None)
            .unwrap();
        board_b
            .move_card(txn, "seed-3", Prompt::Enablers, None, Some("seed-2"))
            .unwrap();
    })
    .await;
    let layout = |doc: &yrs::Doc| {
        let board = Board::of(doc);
        let txn = doc.transact();
        Prompt::ALL.map(|p| {
            board
                .cards_in(&txn, p)
                .into_iter()
                .map(|c| c.id)
                .collect::<Vec<_>>()
        })
    };
    let mut c = TestClient::join(&srv.url(DEMO)).await;
    let converged = |d: &yrs::Doc| {
        let l = layout(d);
        l.iter().map(|col| col.len()).sum::<usize>() == 4
            && l[2].contains(&"seed-1".to_string())
            && l[2].contains(&"seed-3".to_string())
    };
    assert!(a.wait_for(Duration::from_secs(5), converged).await);
    assert!(b.wait_for(Duration::from_secs(5), converged).await);
    assert!(c.wait_for(Duration::from_secs(5), converged).await);
    a.pump_until(Duration::from_millis(200), |_, _| false).await;
    b.pump_until(Duration::from_millis(200), |_, _| false).await;
    assert_eq!(layout(&a.doc), layout(&b.doc));
    assert_eq!(layout(&a.doc), layout(&c.doc));
    srv.stop().await;
}
