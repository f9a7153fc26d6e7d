//! The server, not the page, decides who may change what (docs/PROTOCOL.md, "Who may
//! change what"). A yrs client holding a participant link and a seat tries each forbidden
//! change on a real port: the server refuses it with a reason, keeps the connection open,
//! and a fresh facilitator client shows nothing changed.

mod common;

use std::time::Duration;

use cocreate_core::catalog::DocKey;
use cocreate_core::identity::pseudonym;
use cocreate_core::model::board::Board;
use cocreate_core::model::{Prompt, Role};
use common::{http, refused_status, set_control, TestClient, TestServer, DEMO};
use server::config::Limits;
use yrs::sync::Message;
use yrs::{Map, Out, ReadTxn, Transact, TransactionMut};

const WAIT: Duration = Duration::from_secs(5);
const SEAT: &str = "permissions-test-seat-0123";

fn me() -> String {
    pseudonym("demo", SEAT)
}

async fn server() -> (tempfile::TempDir, TestServer) {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("p.db"), Limits::default()).await;
    (dir, srv)
}

async fn set_phase(srv: &TestServer, phase: &str) {
    set_control(srv, &format!("{{\"phase\":\"{phase}\"}}")).await;
}

async fn participant(srv: &TestServer) -> TestClient {
    TestClient::join(&srv.url_with_seat(DEMO, &srv.links.participant, SEAT)).await
}

/// The reason of the next permission-denied message, if one comes.
async fn denied(c: &mut TestClient) -> Option<String> {
    c.denied(WAIT).await
}

/// The board's state vector on the server.
fn server_state(srv: &TestServer) -> yrs::StateVector {
    let live = srv.state.hub.join(&DocKey::board(DEMO)).unwrap();
    live.read(|d| d.transact().state_vector())
}

fn card(board: &Board, txn: &TransactionMut, id: &str) -> yrs::MapRef {
    match board.cards_root().get(txn, id) {
        Some(Out::YMap(m)) => m,
        _ => panic!("no card {id}"),
    }
}

/// A participant makes `f`: refused with a reason containing `expect`, nothing of it on
/// the server, and the connection still open.
async fn refused(srv: &TestServer, expect: &str, f: impl FnOnce(&Board, &mut TransactionMut)) {
    let before = server_state(srv);
    let mut c = participant(srv).await;
    let board = Board::of(&c.doc);
    c.change(|txn| f(&board, txn)).await;
    let reason = denied(&mut c).await.expect("a permission-denied message");
    assert!(reason.contains(expect), "{reason:?} should say {expect:?}");
    assert_eq!(server_state(srv), before, "nothing was applied");
    assert_eq!(
        c.close_code(Duration::from_millis(100)).await,
        None,
        "still open"
    );
}

#[tokio::test]
async fn participants_cannot_forge_authorship_moderate_rename_or_delete_others_cards() {
    let (_dir, srv) = server().await;
    // Their own card first, which the rules allow.
    let mut c = participant(&srv).await;
    let board = Board::of(&c.doc);
    c.change(|txn| {
        board
            .add_card_as(txn, "mine", Prompt::How, "my idea", &me(), None, 1.0)
            .unwrap();
    })
    .await;
    let mut f = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        f.wait_for(WAIT, |d| Board::of(d).card(&d.transact(), "mine").is_some())
            .await
    );

    refused(&srv, "cards are added as yourself", |b, txn| {
        b.add_card_as(txn, "forged", Prompt::How, "x", "p-someone-else", None, 2.0)
            .unwrap();
    })
    .await;
    refused(&srv, "yours is in the workshop's roster", |b, txn| {
        b.add_card(txn, "boss", Prompt::How, "x", &me(), Role::Facilitator, 2.0)
            .unwrap();
    })
    .await;
    refused(&srv, "\"author\" is set when it is added", |b, txn| {
        card(b, txn, "seed-0").insert(txn, "author", me());
    })
    .await;
    refused(&srv, "\"role\" is set when it is added", |b, txn| {
        card(b, txn, "mine").insert(txn, "role", "clinician");
    })
    .await;
    refused(&srv, "only facilitators hide cards", |b, txn| {
        b.set_hidden(txn, "seed-0", true).unwrap();
    })
    .await;
    refused(
        &srv,
        "only facilitators change the board's title",
        |b, txn| {
            b.set_title(txn, "Renamed by a participant");
        },
    )
    .await;
    refused(&srv, "only your own cards", |b, txn| {
        b.delete_card(txn, "seed-0")
    })
    .await;
    refused(&srv, "only while grouping", |b, txn| {
        b.rename_theme(txn, "nope", "x").ok();
        b.add_theme(txn, "t-new", Prompt::How, "A theme").unwrap();
    })
    .await;

    // A fresh facilitator client shows the board as it was.
    let fresh = TestClient::join(&srv.url(DEMO)).await;
    let b = Board::of(&fresh.doc);
    let txn = fresh.doc.transact();
    assert_eq!(
        b.meta(&txn).title,
        Board::of(&f.doc).meta(&f.doc.transact()).title
    );
    let seed = b.card(&txn, "seed-0").expect("not deleted");
    assert!(!seed.hidden);
    assert_eq!(seed.author, "facilitator");
    assert!(b.card(&txn, "forged").is_none() && b.card(&txn, "boss").is_none());
    assert!(b.themes(&txn).iter().all(|t| t.id != "t-new"));
    assert_eq!(
        b.card(&txn, "mine").unwrap().role,
        None,
        "a participant's card carries no role: the roster has it"
    );
    srv.stop().await;
}

#[tokio::test]
async fn phases_are_enforced_and_votes_are_cast_only_as_oneself_within_the_allowance() {
    let (_dir, srv) = server().await;
    set_phase(&srv, "vote").await;
    // Open voting (tallies revealed): votes go on the board itself.
    set_control(&srv, r#"{"votes_revealed":true}"#).await;
    refused(&srv, "only while writing ideas", |b, txn| {
        b.add_card_as(txn, "late", Prompt::How, "x", &me(), None, 2.0)
            .unwrap();
    })
    .await;
    refused(&srv, "only while writing ideas", |b, txn| {
        b.set_card_text(txn, "seed-0", "edited while voting", None)
            .unwrap();
    })
    .await;
    refused(&srv, "you vote only as yourself", |b, txn| {
        b.set_votes(txn, "seed-0", "p-someone-else", 1);
    })
    .await;
    refused(&srv, "you have 3 votes", |b, txn| {
        b.set_votes(txn, "seed-0", &me(), 4);
    })
    .await;
    // Within the allowance, as oneself: taken and relayed.
    let mut c = participant(&srv).await;
    let board = Board::of(&c.doc);
    c.change(|txn| board.set_votes(txn, "seed-0", &me(), 2))
        .await;
    let mut f = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        f.wait_for(WAIT, |d| Board::of(d).vote_total(&d.transact(), "seed-0")
            == 2)
            .await
    );
    set_phase(&srv, "review").await;
    refused(&srv, "only while writing ideas or grouping", |b, txn| {
        b.move_card(txn, "seed-0", Prompt::Values, None, None)
            .unwrap();
    })
    .await;
    srv.stop().await;
}

#[tokio::test]
async fn without_a_seat_a_participant_only_reads_and_a_malformed_seat_is_refused() {
    let (_dir, srv) = server().await;
    let bad = format!("{}&seat=short", srv.url_with(DEMO, &srv.links.participant));
    assert_eq!(refused_status(&bad).await, 400);
    let mut c = TestClient::join(&srv.url_with(DEMO, &srv.links.participant)).await;
    let before = server_state(&srv);
    let board = Board::of(&c.doc);
    c.change(|txn| {
        board
            .add_card_as(txn, "seatless", Prompt::How, "x", "anyone", None, 1.0)
            .unwrap();
    })
    .await;
    let reason = denied(&mut c).await.expect("denied");
    assert!(reason.contains("join with a seat"), "{reason}");
    assert_eq!(server_state(&srv), before);
    srv.stop().await;
}

#[tokio::test]
async fn on_an_anonymous_board_only_facilitators_see_names_in_presence() {
    let (_dir, srv) = server().await;
    set_control(&srv, r#"{"anonymous":true}"#).await;
    let mut watcher = participant(&srv).await;
    let mut facilitator = TestClient::join(&srv.url(DEMO)).await;
    let mut ana = TestClient::join(&srv.url_with_seat(
        DEMO,
        &srv.links.participant,
        "another-seat-0123456789ab",
    ))
    .await;
    ana.send(common::presence(
        4242,
        1,
        r##"{"user":{"id":"p-ana","name":"Ana Patel","role":"patient","color":"#112233"},"editing":"seed-0"}"##,
    ))
    .await;
    let state_of = |c: &TestClient| -> Option<String> {
        c.awareness.iter().rev().find_map(|a| {
            a.clients
                .get(&yrs::block::ClientID::new(4242))
                .map(|e| e.json.to_string())
        })
    };
    for c in [&mut watcher, &mut facilitator] {
        assert!(
            c.pump_until(WAIT, |_, m| matches!(m, Message::Awareness(a) if a.clients.contains_key(&yrs::block::ClientID::new(4242))))
                .await
        );
    }
    let seen = state_of(&watcher).unwrap();
    assert!(
        !seen.contains("Ana") && !seen.contains("patient") && !seen.contains("p-ana"),
        "{seen}"
    );
    assert!(
        seen.contains("seed-0"),
        "what is being edited still shows: {seen}"
    );
    assert!(state_of(&facilitator).unwrap().contains("Ana Patel"));
    // A newcomer's greeting (the full presence table) is anonymised too.
    let late = participant(&srv).await;
    let greeting: String = late
        .awareness
        .iter()
        .filter_map(|a| a.clients.get(&yrs::block::ClientID::new(4242)))
        .map(|e| e.json.to_string())
        .collect();
    assert!(
        greeting.contains("#112233") && !greeting.contains("Ana"),
        "{greeting}"
    );
    srv.stop().await;
}

#[tokio::test]
async fn presence_shows_a_facilitators_link_as_the_facilitator_and_nobody_else() {
    let (_dir, srv) = server().await;
    let mut watcher = participant(&srv).await;
    let mut facilitator = TestClient::join(&srv.url(DEMO)).await;
    let mut posing = TestClient::join(&srv.url_with_seat(
        DEMO,
        &srv.links.participant,
        "posing-seat-0123456789abcd",
    ))
    .await;
    // The facilitator's page last chose "stakeholder"; a participant claims to facilitate.
    facilitator
        .send(common::presence(
            5001,
            1,
            r##"{"user":{"id":"f","name":"Sam","role":"stakeholder","color":"#112233"}}"##,
        ))
        .await;
    posing
        .send(common::presence(
            5002,
            1,
            r##"{"user":{"id":"p","name":"Boss","role":"facilitator","color":"#445566"}}"##,
        ))
        .await;
    let role_of = |c: &TestClient, id: u64| -> Option<String> {
        c.awareness.iter().rev().find_map(|a| {
            let e = a.clients.get(&yrs::block::ClientID::new(id))?;
            let v: serde_json::Value = serde_json::from_str(&e.json).ok()?;
            v.pointer("/user/role")?.as_str().map(str::to_string)
        })
    };
    for id in [5001, 5002] {
        if role_of(&watcher, id).is_none() {
            let id = yrs::block::ClientID::new(id);
            assert!(
                watcher
                    .pump_until(
                        WAIT,
                        |_, m| matches!(m, Message::Awareness(a) if a.clients.contains_key(&id))
                    )
                    .await
            );
        }
    }
    assert_eq!(role_of(&watcher, 5001).as_deref(), Some("facilitator"));
    assert_eq!(role_of(&watcher, 5002).as_deref(), Some(""));
    // The console's list of people says the same.
    let (_, console) = http(
        "GET",
        &srv.http(&format!(
            "/api/workshops/demo?token={}",
            srv.links.facilitator
        )),
        None,
    )
    .await;
    let console: serde_json::Value = serde_json::from_str(&console).unwrap();
    let people = console["boards"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["board"]["id"] == DEMO)
        .unwrap()["people"]
        .clone();
    let role = |name: &str| {
        people
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["role"].as_str().unwrap().to_string())
    };
    assert_eq!(role("Sam").as_deref(), Some("facilitator"), "{people}");
    assert_eq!(role("Boss").as_deref(), Some(""), "{people}");
    srv.stop().await;
}

#[tokio::test]
async fn private_writing_keeps_each_draft_with_its_writer_until_the_reveal() {
    let (_dir, srv) = server().await;
    set_control(&srv, r#"{"revealed":false}"#).await;
    let draft_url = |token: &str, seat: &str| {
        format!(
            "ws://{}/ws/board/{DEMO}/draft?token={token}&seat={seat}",
            srv.addr
        )
    };
    // No seat, or an observer's link: no draft.
    let no_seat = format!(
        "ws://{}/ws/board/{DEMO}/draft?token={}",
        srv.addr, srv.links.participant
    );
    assert_eq!(refused_status(&no_seat).await, 400);
    assert_eq!(
        refused_status(&draft_url(&srv.links.observer, SEAT)).await,
        403
    );

    // On the board itself, no new cards while writing privately.
    refused(&srv, "your own draft", |b, txn| {
        b.add_card_as(txn, "on-board", Prompt::How, "x", &me(), None, 2.0)
            .unwrap();
    })
    .await;
    // In one's draft, yes.
    let mut mine = TestClient::join(&draft_url(&srv.links.participant, SEAT)).await;
    let board = Board::of(&mine.doc);
    mine.change(|txn| {
        board
            .add_card_as(
                txn,
                "private-1",
                Prompt::Values,
                "my own thought",
                &me(),
                None,
                2.0,
            )
            .unwrap();
    })
    .await;
    // Someone else's draft and the board do not have it; nobody else receives it.
    let other_seat = "other-participant-seat-0123";
    let theirs = TestClient::join(&draft_url(&srv.links.participant, other_seat)).await;
    let mut facilitator = TestClient::join(&srv.url(DEMO)).await;
    facilitator
        .pump_until(Duration::from_millis(300), |_, _| false)
        .await;
    let has = |c: &TestClient, id: &str| Board::of(&c.doc).card(&c.doc.transact(), id).is_some();
    assert!(!has(&theirs, "private-1") && !has(&facilitator, "private-1"));
    let stored = srv.state.hub.live(&DocKey::board(DEMO)).unwrap();
    assert!(stored.read(|d| Board::of(d).card(&d.transact(), "private-1").is_none()));

    // The reveal moves every draft onto the board in one change, and empties the drafts.
    set_control(&srv, r#"{"revealed":true}"#).await;
    assert!(
        facilitator
            .wait_for(WAIT, |d| Board::of(d)
                .card(&d.transact(), "private-1")
                .is_some_and(|c| c.text == "my own thought" && c.author == me()))
            .await
    );
    assert!(
        mine.wait_for(WAIT, |d| Board::of(d).cards(&d.transact()).is_empty())
            .await
    );

    // Turned off through the control document's websocket, too.
    set_control(&srv, r#"{"revealed":false}"#).await;
    let board = Board::of(&mine.doc);
    mine.change(|txn| {
        board
            .add_card_as(txn, "private-2", Prompt::How, "second", &me(), None, 3.0)
            .unwrap();
    })
    .await;
    mine.pump_until(Duration::from_millis(200), |_, _| false)
        .await;
    let mut ctl = TestClient::join(&srv.control_url(DEMO, &srv.links.facilitator)).await;
    let c = cocreate_core::model::control::Control::of(&ctl.doc);
    ctl.change(|txn| {
        c.apply(
            txn,
            &cocreate_core::model::control::ControlPatch {
                revealed: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    })
    .await;
    assert!(
        facilitator
            .wait_for(WAIT, |d| Board::of(d)
                .card(&d.transact(), "private-2")
                .is_some())
            .await
    );
    srv.stop().await;
}

#[tokio::test]
async fn secret_ballots_stay_with_each_voter_until_the_tallies_are_revealed() {
    let (_dir, srv) = server().await;
    set_phase(&srv, "vote").await;
    // Tallies are secret by default: no votes on the board itself.
    refused(&srv, "your own ballot", |b, txn| {
        b.set_votes(txn, "seed-0", &me(), 1)
    })
    .await;
    let ballot_url = format!(
        "ws://{}/ws/board/{DEMO}/draft?token={}&seat={SEAT}",
        srv.addr, srv.links.participant
    );
    let mut ballot = TestClient::join(&ballot_url).await;
    let b = Board::of(&ballot.doc);
    ballot
        .change(|txn| b.set_votes(txn, "seed-0", &me(), 2))
        .await;
    ballot
        .pump_until(Duration::from_millis(200), |_, _| false)
        .await;
    // Over the allowance on the ballot: refused there too.
    let mut over = TestClient::join(&ballot_url).await;
    let b = Board::of(&over.doc);
    over.change(|txn| b.set_votes(txn, "seed-1", &me(), 2))
        .await;
    assert!(denied(&mut over)
        .await
        .unwrap()
        .contains("you have 3 votes"));
    // Nobody sees a tally yet, not even the facilitator: only how many have voted.
    let ballots = |token: &str| srv.http(&format!("/api/boards/{DEMO}/ballots?token={token}"));
    assert_eq!(
        http("GET", &ballots(&srv.links.facilitator), None).await,
        (200, r#"{"cast":1}"#.to_string())
    );
    assert_eq!(
        http("GET", &ballots(&srv.links.participant), None).await.0,
        403
    );
    let mut f = TestClient::join(&srv.url(DEMO)).await;
    assert_eq!(Board::of(&f.doc).vote_total(&f.doc.transact(), "seed-0"), 0);
    // The reveal puts every ballot on the board, under each voter, and empties them.
    set_control(&srv, r#"{"votes_revealed":true}"#).await;
    assert!(
        f.wait_for(WAIT, |d| Board::of(d).my_votes(
            &d.transact(),
            "seed-0",
            &me()
        ) == 2)
            .await
    );
    assert!(
        ballot
            .wait_for(WAIT, |d| Board::of(d).all_votes(&d.transact()).is_empty())
            .await
    );
    srv.stop().await;
}

#[tokio::test]
async fn a_client_that_keeps_sending_refused_changes_is_closed() {
    let (_dir, srv) = server().await;
    let mut c = participant(&srv).await;
    // Each from a new client id, so that none depends on an earlier refused one.
    for i in 0..=server::hub::session::MAX_REFUSED {
        let doc = yrs::Doc::with_client_id(1_000 + u64::from(i));
        let state = common::state_of(&c.doc);
        {
            use yrs::updates::decoder::Decode;
            doc.transact_mut()
                .apply_update(yrs::Update::decode_v1(&state).unwrap())
                .unwrap();
        }
        let b = Board::of(&doc);
        let before = doc.transact().state_vector();
        b.delete_card(&mut doc.transact_mut(), "seed-0");
        let update = doc.transact().encode_diff_v1(&before);
        if !c
            .try_send(common::encode(Message::Sync(
                yrs::sync::SyncMessage::Update(update),
            )))
            .await
        {
            break;
        }
    }
    let (code, reason) = c.close_frame(WAIT).await.expect("closed");
    assert_eq!((code, reason.as_str()), (1008, "too many refused changes"));
    srv.stop().await;
}

#[tokio::test]
async fn the_roster_keeps_names_and_roles_off_the_board_and_exports_join_it() {
    let (_dir, srv) = server().await;
    let join = |token: &str, body: &str| {
        let url = srv.http(&format!("/api/boards/{DEMO}/join?token={token}"));
        let body = body.to_string();
        async move { http("POST", &url, Some(&body)).await }
    };
    let body = format!(r#"{{"seat":"{SEAT}","name":"Ana Patel","role":"patient","consent":1}}"#);
    let (status, answer) = join(&srv.links.participant, &body).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains(&me()), "{answer}");
    // Participants do not join as facilitators; observers do not join; seats are checked.
    let boss = format!(r#"{{"seat":"{SEAT}","name":"X","role":"facilitator"}}"#);
    assert_eq!(join(&srv.links.participant, &boss).await.0, 400);
    assert_eq!(join(&srv.links.observer, &body).await.0, 403);
    let short = r#"{"seat":"short","name":"X","role":"patient"}"#;
    assert_eq!(join(&srv.links.participant, short).await.0, 400);

    // A card of hers: no name or role in the board document.
    let mut c = participant(&srv).await;
    let board = Board::of(&c.doc);
    c.change(|txn| {
        board
            .add_card_as(
                txn,
                "ana-1",
                Prompt::How,
                "step-free clinics",
                &me(),
                None,
                1.0,
            )
            .unwrap();
    })
    .await;
    let mut f = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        f.wait_for(WAIT, |d| Board::of(d)
            .card(&d.transact(), "ana-1")
            .is_some())
            .await
    );
    let state = String::from_utf8_lossy(&common::state_of(&f.doc)).to_string();
    assert!(
        !state.contains("Ana") && !state.contains("patient\u{0}ana"),
        "no name in the board"
    );
    assert_eq!(
        Board::of(&f.doc)
            .card(&f.doc.transact(), "ana-1")
            .unwrap()
            .role,
        None
    );

    // Exports join the roster: the role as a column, and the name only while the board
    // is named (not anonymous).
    let csv_url = srv.http(&format!(
        "/api/boards/{DEMO}/export.csv?token={}",
        srv.links.facilitator
    ));
    let (status, csv) = http("GET", &csv_url, None).await;
    assert_eq!(status, 200);
    let row = csv
        .lines()
        .find(|l| l.contains("step-free clinics"))
        .unwrap();
    assert!(row.contains(",Patient / citizen,Ana Patel,"), "{row}");
    set_control(&srv, r#"{"anonymous":true}"#).await;
    let (_, csv) = http("GET", &csv_url, None).await;
    let row = csv
        .lines()
        .find(|l| l.contains("step-free clinics"))
        .unwrap();
    assert!(row.contains(",Patient / citizen,,"), "{row}");
    assert!(
        !csv.contains("Ana"),
        "no names in an anonymous board's exports"
    );
    let json_url = csv_url.replace("export.csv", "export.json");
    assert!(!http("GET", &json_url, None).await.1.contains("Ana"));
    set_control(&srv, r#"{"anonymous":false}"#).await;

    // The roster: names and roles on a named board; nothing for others when anonymous.
    let roster = |token: &str| srv.http(&format!("/api/boards/{DEMO}/roster?token={token}"));
    let (_, named) = http("GET", &roster(&srv.links.participant), None).await;
    assert!(
        named.contains("Ana Patel") && named.contains("patient"),
        "{named}"
    );
    set_control(&srv, r#"{"anonymous":true}"#).await;
    assert_eq!(
        http("GET", &roster(&srv.links.participant), None).await.1,
        "[]"
    );
    assert!(http("GET", &roster(&srv.links.facilitator), None)
        .await
        .1
        .contains("Ana Patel"));
    srv.stop().await;
}

#[tokio::test]
async fn participants_agree_to_the_privacy_notice_before_they_write_and_again_when_it_changes() {
    let (_dir, srv) = server().await;
    let seat = "consent-test-seat-0123456789";
    let who = pseudonym("demo", seat);
    let (notice_url, set_url, join_url) = (
        srv.http(&format!(
            "/api/boards/{DEMO}/notice?token={}",
            srv.links.participant
        )),
        |token: &str| srv.http(&format!("/api/workshops/demo/notice?token={token}")),
        srv.http(&format!(
            "/api/boards/{DEMO}/join?token={}",
            srv.links.participant
        )),
    );
    let join_body =
        |consent: &str| format!(r#"{{"seat":"{seat}","name":"Sam","role":"patient"{consent}}}"#);
    // Every link reads the notice; a workshop has one (the default) before anyone sets it.
    let (status, notice) = http("GET", &notice_url, None).await;
    assert_eq!(status, 200, "{notice}");
    let notice: serde_json::Value = serde_json::from_str(&notice).unwrap();
    assert_eq!(notice["version"], 1);
    assert!(notice["plain"].as_str().unwrap().contains("pseudonym"));
    assert!(notice["easy_read"]
        .as_str()
        .unwrap()
        .contains("You can stop at any time"));

    // Before agreeing, a participant's connection reads but writes nothing.
    let url = srv.url_without_consent(DEMO, &srv.links.participant, seat);
    let card_by = |c: &TestClient, id: &'static str| {
        let (who, board) = (who.clone(), Board::of(&c.doc));
        move |txn: &mut TransactionMut| {
            board
                .add_card_as(txn, id, Prompt::How, "my idea", &who, None, 1.0)
                .unwrap();
        }
    };
    let before = server_state(&srv);
    let mut early = TestClient::join(&url).await;
    early.change(card_by(&early, "before-consent")).await;
    let reason = denied(&mut early).await.expect("refused");
    assert!(reason.contains("privacy notice"), "{reason}");
    assert_eq!(server_state(&srv), before);

    // Joining without agreeing is refused with the version to agree to.
    let mut open = TestClient::join(&url).await;
    let (status, answer) = http("POST", &join_url, Some(&join_body(""))).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains(r#""notice_version":1"#), "{answer}");
    let (status, answer) = http("POST", &join_url, Some(&join_body(r#","consent":1"#))).await;
    assert_eq!(status, 200, "{answer}");
    // A connection opened before agreeing writes once its holder has agreed.
    open.change(card_by(&open, "after-consent")).await;
    let mut f = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        f.wait_for(WAIT, |d| Board::of(d)
            .card(&d.transact(), "after-consent")
            .is_some())
            .await
    );

    // Only the workshop's facilitators set the notice; both versions are needed.
    let new = r#"{"plain":"We now also record the session.","easy_read":"We record the session."}"#;
    assert_eq!(
        http("PUT", &set_url(&srv.links.participant), Some(new))
            .await
            .0,
        403
    );
    let empty = r#"{"plain":"x","easy_read":"  "}"#;
    assert_eq!(
        http("PUT", &set_url(&srv.links.facilitator), Some(empty))
            .await
            .0,
        400
    );
    let (status, set) = http("PUT", &set_url(&srv.links.facilitator), Some(new)).await;
    assert_eq!(status, 200, "{set}");
    assert!(set.contains(r#""version":2"#), "{set}");

    // A new version asks everyone again: writes are refused until they agree to it.
    let before = server_state(&srv);
    let mut again = TestClient::join(&url).await;
    again.change(card_by(&again, "after-change")).await;
    let reason = denied(&mut again).await.expect("refused");
    assert!(reason.contains("privacy notice"), "{reason}");
    assert_eq!(server_state(&srv), before);
    let (status, answer) = http("POST", &join_url, Some(&join_body(r#","consent":1"#))).await;
    assert_eq!(status, 403, "{answer}");
    assert!(answer.contains(r#""notice_version":2"#), "{answer}");
    assert_eq!(
        http("POST", &join_url, Some(&join_body(r#","consent":2"#)))
            .await
            .0,
        200
    );

    // What the store keeps: each version agreed to, when, none withdrawn.
    let kept = srv.state.store.consents("demo").unwrap();
    let mine: Vec<_> = kept.iter().filter(|c| c.pseudonym == who).collect();
    assert_eq!(mine.iter().map(|c| c.version).collect::<Vec<_>>(), [1, 2]);
    assert!(mine
        .iter()
        .all(|c| c.withdrawn_ms.is_none() && c.given_ms > 0));
    srv.stop().await;
}

#[tokio::test]
async fn a_board_that_shares_its_cards_lets_participants_delete_others_cards() {
    let (_dir, srv) = server().await;
    // By default: only one's own.
    refused(&srv, "only your own cards", |b, txn| {
        b.delete_card(txn, "seed-0")
    })
    .await;
    set_control(&srv, r#"{"shared_delete":true}"#).await;
    let mut c = participant(&srv).await;
    let board = Board::of(&c.doc);
    c.change(|txn| board.delete_card(txn, "seed-0")).await;
    let mut f = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        f.wait_for(WAIT, |d| Board::of(d)
            .card(&d.transact(), "seed-0")
            .is_none())
            .await,
        "the card is gone for everyone"
    );
    srv.stop().await;
}

#[tokio::test]
async fn answers_to_the_workshops_questions_are_kept_for_facilitators_and_exports_only() {
    let (_dir, srv) = server().await;
    let set = |token: &str| srv.http(&format!("/api/workshops/demo/questions?token={token}"));
    let questions =
        r#"[{"label":"Profession","choices":["Nurse","Doctor"]},{"label":"Organisation type"}]"#;
    assert_eq!(
        http("PUT", &set(&srv.links.participant), Some(questions))
            .await
            .0,
        403
    );
    assert_eq!(
        http(
            "PUT",
            &set(&srv.links.facilitator),
            Some(r#"[{"label":" "}]"#)
        )
        .await
        .0,
        400
    );
    let (status, saved) = http("PUT", &set(&srv.links.facilitator), Some(questions)).await;
    assert_eq!(status, 200, "{saved}");
    assert!(
        saved.contains(r#""id":"profession""#) && saved.contains(r#""id":"organisation-type""#),
        "{saved}"
    );
    let asked = srv.http(&format!(
        "/api/boards/{DEMO}/questions?token={}",
        srv.links.participant
    ));
    assert_eq!(
        http("GET", &asked, None).await.1,
        saved,
        "everyone joining sees them"
    );

    let join = srv.http(&format!(
        "/api/boards/{DEMO}/join?token={}",
        srv.links.participant
    ));
    let body = |attributes: &str| {
        format!(
            r#"{{"seat":"{SEAT}","name":"Ana Patel","role":"patient","consent":1,"attributes":{attributes}}}"#
        )
    };
    let (status, answer) = http("POST", &join, Some(&body(r#"{"profession":"Pilot"}"#))).await;
    assert_eq!(status, 400, "{answer}");
    let answers = r#"{"profession":"Nurse","organisation-type":"NHS trust","shoe-size":"9"}"#;
    assert_eq!(http("POST", &join, Some(&body(answers))).await.0, 200);
    // Joining again without answers keeps them.
    assert_eq!(http("POST", &join, Some(&body("{}"))).await.0, 200);

    // Facilitators see the answers; other participants do not.
    let roster = |token: &str| srv.http(&format!("/api/boards/{DEMO}/roster?token={token}"));
    let (_, theirs) = http("GET", &roster(&srv.links.participant), None).await;
    assert!(
        theirs.contains("Ana Patel") && !theirs.contains("Nurse"),
        "{theirs}"
    );
    let (_, all) = http("GET", &roster(&srv.links.facilitator), None).await;
    assert!(
        all.contains("Nurse") && all.contains("NHS trust") && !all.contains("shoe"),
        "{all}"
    );

    // Exports: one column per question, even on an anonymous board (without the name).
    let mut c = participant(&srv).await;
    let board = Board::of(&c.doc);
    c.change(|txn| {
        board
            .add_card_as(txn, "ana-q", Prompt::How, "ask nurses", &me(), None, 1.0)
            .unwrap();
    })
    .await;
    let mut f = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        f.wait_for(WAIT, |d| Board::of(d)
            .card(&d.transact(), "ana-q")
            .is_some())
            .await
    );
    set_control(&srv, r#"{"anonymous":true}"#).await;
    let csv_url = srv.http(&format!(
        "/api/boards/{DEMO}/export.csv?token={}",
        srv.links.facilitator
    ));
    let (_, csv) = http("GET", &csv_url, None).await;
    let header = csv.lines().next().unwrap();
    assert!(
        header.ends_with(",source_snapshot,reactions,comments,Organisation type,Profession"),
        "{header}"
    );
    let row = csv.lines().find(|l| l.contains("ask nurses")).unwrap();
    assert!(row.ends_with(",NHS trust,Nurse"), "{row}");
    assert!(!csv.contains("Ana"));
    srv.stop().await;
}
