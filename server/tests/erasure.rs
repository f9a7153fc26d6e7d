//! Erasure (docs/PROTOCOL.md, "Erasure"): a facilitator erases a participant, or a
//! participant withdraws, and no trace of their words is left in the live board, their
//! draft, the moderation store, any snapshot, a synthesis board's copies, a published
//! draft, any export format, or the SQLite files themselves. Real HTTP, real websockets,
//! a real SQLite file.

mod common;

use std::time::Duration;

use cocreate_core::catalog::{CreatedWorkshop, DocKey, ErasureRecord, People};
use cocreate_core::consult::Published;
use cocreate_core::identity::pseudonym;
use cocreate_core::model::board::Board;
use cocreate_core::model::Prompt;
use common::{http, http_raw, set_control, TestClient, TestServer, DEMO};
use server::config::Limits;
use yrs::Transact;

const WAIT: Duration = Duration::from_secs(10);
const ANA: &str = "erasure-test-seat-ana-0123";
const BEN: &str = "erasure-test-seat-ben-0123";
/// In every text of Ana's, so any trace of it is found by a byte search.
const MARK: &str = "xyzzy";

/// Add a card as the holder of `seat` (who has agreed to the notice) through `c`, and
/// wait until the server's document `key` has it.
async fn add(srv: &TestServer, c: &mut TestClient, key: DocKey, seat: &str, id: &str, text: &str) {
    let (me, board) = (pseudonym("demo", seat), Board::of(&c.doc));
    c.change(|txn| {
        board
            .add_card_as(txn, id, Prompt::How, text, &me, None, 1.0)
            .unwrap();
    })
    .await;
    let live = srv.state.hub.join(&key).unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while !live.read(|d| Board::of(d).card(&d.transact(), id).is_some()) {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{id} never reached {key}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Every byte the server would hand out or keeps on disk for these, as one string.
async fn every_artefact(srv: &TestServer, boards: &[(&str, &str)], round: &Published) -> String {
    let mut all = String::new();
    for (board, token) in boards {
        let mut ats = vec![String::new()];
        let snaps = srv.http(&format!("/api/boards/{board}/snapshots?token={token}"));
        let (_, list) = http("GET", &snaps, None).await;
        for s in serde_json::from_str::<Vec<serde_json::Value>>(&list).unwrap() {
            ats.push(format!("&at={}", s["id"]));
        }
        for at in &ats {
            for format in ["json", "csv", "md", "svg", "ybin"] {
                let url = srv.http(&format!(
                    "/api/boards/{board}/export.{format}?token={token}{at}"
                ));
                let (status, _, body) = http_raw("GET", &url, b"").await;
                assert_eq!(status, 200, "{url}");
                all.push_str(&String::from_utf8_lossy(&body));
            }
        }
    }
    let tar = srv.http(&format!(
        "/api/workshops/demo/export.tar?token={}",
        srv.links.facilitator
    ));
    let (status, _, body) = http_raw("GET", &tar, b"").await;
    assert_eq!(status, 200);
    all.push_str(&String::from_utf8_lossy(&body));
    let consultation = srv.http(&format!(
        "/api/consultations/{}?token={}",
        round.consultation.id, round.token
    ));
    all.push_str(&http("GET", &consultation, None).await.1);
    let hidden = srv.http(&format!(
        "/api/boards/{DEMO}/hidden?token={}",
        srv.links.facilitator
    ));
    all.push_str(&http("GET", &hidden, None).await.1);
    all
}

/// The SQLite file and its WAL, as bytes.
fn on_disk(srv: &TestServer) -> String {
    let mut all = Vec::new();
    for suffix in ["", "-wal"] {
        let path = format!("{}{suffix}", srv.db.display());
        all.extend(std::fs::read(path).unwrap_or_default());
    }
    String::from_utf8_lossy(&all).into_owned()
}

#[tokio::test]
async fn an_erased_participant_leaves_no_trace_in_boards_snapshots_copies_drafts_exports_or_files()
{
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("e.db"), Limits::default()).await;
    let (ana, f) = (pseudonym("demo", ANA), srv.links.facilitator.clone());
    let ana_url = srv.url_with_seat(DEMO, &srv.links.participant, ANA);
    let ben_url = srv.url_with_seat(DEMO, &srv.links.participant, BEN);
    // Names and roles in the roster.
    for (seat, name) in [(ANA, "Ana Patel"), (BEN, "Ben Jones")] {
        let url = srv.http(&format!(
            "/api/boards/{DEMO}/join?token={}",
            srv.links.participant
        ));
        let body = format!(r#"{{"seat":"{seat}","name":"{name}","role":"patient","consent":1}}"#);
        assert_eq!(http("POST", &url, Some(&body)).await.0, 200);
    }

    // Ana's and Ben's cards.
    let mut a = TestClient::join(&ana_url).await;
    let mut b = TestClient::join(&ben_url).await;
    add(
        &srv,
        &mut a,
        DocKey::board(DEMO),
        ANA,
        "ana-1",
        &format!("{MARK} step-free clinics"),
    )
    .await;
    add(
        &srv,
        &mut a,
        DocKey::board(DEMO),
        ANA,
        "ana-2",
        &format!("{MARK} something rude"),
    )
    .await;
    add(
        &srv,
        &mut b,
        DocKey::board(DEMO),
        BEN,
        "ben-1",
        "shared records",
    )
    .await;
    // A snapshot with both of Ana's cards; then a facilitator hides one of them.
    let snap = srv.http(&format!("/api/boards/{DEMO}/snapshots?token={f}"));
    assert_eq!(
        http("POST", &snap, Some(r#"{"name":"Before"}"#)).await.0,
        201
    );
    let hide = srv.http(&format!(
        "/api/boards/{DEMO}/cards/ana-2/moderate?token={f}"
    ));
    assert_eq!(
        http("POST", &hide, Some(r#"{"action":"hide"}"#)).await.0,
        204
    );
    // A published draft and a synthesis board quote her card.
    let publish = srv.http(&format!("/api/boards/{DEMO}/consultations?token={f}"));
    let (status, answer) = http(
        "POST",
        &publish,
        Some(r#"{"title":"Draft","kind":"consultation"}"#),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let round: Published = serde_json::from_str(&answer).unwrap();
    let (status, answer) = http(
        "POST",
        &srv.http(&format!("/api/workshops?token={}", srv.links.organiser)),
        Some(r#"{"title":"Synthesis","area":"All","date":"2026-12-01"}"#),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    let syn: CreatedWorkshop = serde_json::from_str(&answer).unwrap();
    let make = srv.http(&format!(
        "/api/workshops/{}/synthesis?token={}",
        syn.workshop.id, srv.links.organiser
    ));
    let body = format!(
        r#"{{"title":"Across areas","pillar":"Consultancy","sources":[{{"board":"{DEMO}"}}]}}"#
    );
    let (status, answer) = http("POST", &make, Some(&body)).await;
    assert_eq!(status, 201, "{answer}");
    let syn_board = serde_json::from_str::<serde_json::Value>(&answer).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Her votes, on the board; then a card in her own draft (private writing).
    set_control(&srv, r#"{"phase":"vote","votes_revealed":true}"#).await;
    assert!(
        a.wait_for(WAIT, |d| Board::of(d)
            .card(&d.transact(), "ben-1")
            .is_some())
            .await
    );
    let board = Board::of(&a.doc);
    a.change(|txn| {
        board.vote(txn, "ben-1", &ana, 2, 3).unwrap();
    })
    .await;
    set_control(&srv, r#"{"phase":"write","revealed":false}"#).await;
    let draft_url = format!(
        "ws://{}/ws/board/{DEMO}/draft?token={}&seat={ANA}",
        srv.addr, srv.links.participant
    );
    let mut draft = TestClient::join(&draft_url).await;
    add(
        &srv,
        &mut draft,
        DocKey::draft(DEMO, ana.clone()),
        ANA,
        "ana-3",
        &format!("{MARK} a private thought"),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    srv.state.store.barrier().await.unwrap();

    let boards = [
        (DEMO, f.as_str()),
        (syn_board.as_str(), syn.facilitator_token.as_str()),
    ];
    let before = every_artefact(&srv, &boards, &round).await;
    assert!(
        before.contains(MARK),
        "her words are in the artefacts before"
    );
    assert!(on_disk(&srv).contains(MARK), "and on disk");

    // Only the workshop's facilitators erase, and only people of the workshop.
    let erase = |token: &str, who: &str| {
        srv.http(&format!("/api/workshops/demo/people/{who}?token={token}"))
    };
    assert_eq!(
        http("DELETE", &erase(&srv.links.participant, &ana), None)
            .await
            .0,
        403
    );
    assert_eq!(
        http("DELETE", &erase(&syn.facilitator_token, &ana), None)
            .await
            .0,
        403
    );
    assert_eq!(
        http("DELETE", &erase(&f, "p-00000000000000000000"), None)
            .await
            .0,
        404
    );
    let (status, answer) = http("DELETE", &erase(&f, &ana), None).await;
    assert_eq!(status, 200, "{answer}");
    let record: ErasureRecord = serde_json::from_str(&answer).unwrap();
    assert_eq!(
        (
            record.cards,
            record.votes,
            record.held,
            record.copies,
            record.by.as_str()
        ),
        (1, 1, 1, 1, "a facilitator"),
        "{record:?}"
    );
    assert!(
        record.snapshots >= 1 && record.draft_items >= 1,
        "{record:?}"
    );

    // No trace anywhere.
    let after = every_artefact(&srv, &boards, &round).await;
    assert!(!after.contains(MARK), "no artefact holds her words");
    assert!(after.contains("shared records"), "Ben's card stays");
    assert!(
        !on_disk(&srv).contains(MARK),
        "nor the SQLite file or its WAL"
    );
    let export: serde_json::Value = serde_json::from_str(
        &http(
            "GET",
            &srv.http(&format!("/api/boards/{DEMO}/export.json?token={f}")),
            None,
        )
        .await
        .1,
    )
    .unwrap();
    assert_eq!(export["votes"], serde_json::json!([]), "her votes are gone");
    // The roster has no name of hers; the record keeps counts, never content.
    let people_url = srv.http(&format!("/api/workshops/demo/people?token={f}"));
    let (status, answer) = http("GET", &people_url, None).await;
    assert_eq!(status, 200, "{answer}");
    assert!(!answer.contains("Ana Patel"));
    let people: People = serde_json::from_str(&answer).unwrap();
    assert_eq!(people.erasures, [record]);
    assert!(people
        .members
        .iter()
        .any(|m| m.member.name.as_deref() == Some("Ben Jones")
            && m.consent.as_ref().is_some_and(|c| c.version == 1)));
    // Her open connection writes nothing more.
    let board = Board::of(&a.doc);
    a.change(|txn| {
        board
            .add_card_as(txn, "ana-4", Prompt::How, "again", &ana, None, 1.0)
            .unwrap();
    })
    .await;
    let reason = a.denied(WAIT).await;
    assert!(
        reason
            .as_deref()
            .is_some_and(|r| r.contains("privacy notice")),
        "{reason:?}"
    );

    // Ben withdraws himself with his seat.
    set_control(&srv, r#"{"revealed":true}"#).await;
    let withdraw = srv.http(&format!(
        "/api/boards/{DEMO}/withdraw?token={}",
        srv.links.participant
    ));
    let (status, answer) = http("POST", &withdraw, Some(&format!(r#"{{"seat":"{BEN}"}}"#))).await;
    assert_eq!(status, 200, "{answer}");
    let record: ErasureRecord = serde_json::from_str(&answer).unwrap();
    assert_eq!((record.cards, record.by.as_str()), (1, "the person"));
    let after = every_artefact(&srv, &boards, &round).await;
    assert!(!after.contains("shared records"));
    srv.stop().await;
}

#[tokio::test]
async fn on_the_retention_date_the_workshop_is_erased_or_archived_once_on_a_moved_clock() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("r.db"), Limits::default()).await;
    let f = srv.links.facilitator.clone();
    let day = 86_400_000;
    let until = server::store::now_ms() + 10 * day;
    let set = |workshop: &str, token: &str| {
        srv.http(&format!(
            "/api/workshops/{workshop}/retention?token={token}"
        ))
    };
    let rule = format!(r#"{{"until_ms":{until},"action":"erase"}}"#);
    assert_eq!(
        http("PUT", &set("demo", &srv.links.participant), Some(&rule))
            .await
            .0,
        403
    );
    assert_eq!(http("PUT", &set("demo", &f), Some(&rule)).await.0, 204);
    // A second workshop is archived instead.
    let (status, made) = http(
        "POST",
        &srv.http(&format!("/api/workshops?token={}", srv.links.organiser)),
        Some(r#"{"title":"Kept","area":"MSK","date":""}"#),
    )
    .await;
    assert_eq!(status, 201, "{made}");
    let kept: CreatedWorkshop = serde_json::from_str(&made).unwrap();
    let archive = format!(r#"{{"until_ms":{until},"action":"archive"}}"#);
    assert_eq!(
        http(
            "PUT",
            &set(&kept.workshop.id, &kept.facilitator_token),
            Some(&archive)
        )
        .await
        .0,
        204
    );
    // Someone's card in the demo.
    let mut a = TestClient::join(&srv.url_with_seat(DEMO, &srv.links.participant, ANA)).await;
    add(
        &srv,
        &mut a,
        DocKey::board(DEMO),
        ANA,
        "ana-1",
        &format!("{MARK} kept until the date"),
    )
    .await;

    let (hub, consents) = (&srv.state.hub, &srv.state.consents);
    let run = |now: i64| server::retention::run_due(hub, consents, now);
    assert!(
        run(until - 1).await.unwrap().is_empty(),
        "not before the date"
    );
    let mut done = run(until).await.unwrap();
    done.sort();
    let mut want = vec!["demo".to_string(), kept.workshop.id.clone()];
    want.sort();
    assert_eq!(done, want);
    assert!(run(until + day).await.unwrap().is_empty(), "once");

    // Erased: her card is gone from the board and its files; the workshop is archived.
    let live = srv.state.hub.join(&DocKey::board(DEMO)).unwrap();
    assert!(live.read(|d| Board::of(d).card(&d.transact(), "ana-1").is_none()));
    srv.state.store.barrier().await.unwrap();
    assert!(!on_disk(&srv).contains(MARK));
    let store = &srv.state.store;
    assert!(store.workshop("demo").unwrap().unwrap().archived);
    assert!(store.workshop(&kept.workshop.id).unwrap().unwrap().archived);
    let erasures = store.erasures("demo").unwrap();
    assert_eq!(erasures.len(), 1);
    assert_eq!(erasures[0].by, "the retention date");
    assert_eq!(
        store.retention("demo").unwrap().unwrap().done_ms,
        Some(until)
    );
    let audit = store.audit("demo").unwrap();
    assert!(audit.iter().any(|e| e.action == "set retention"));
    assert!(audit.iter().any(|e| e.action == "retention: erase"));
    assert!(store
        .audit(&kept.workshop.id)
        .unwrap()
        .iter()
        .any(|e| e.action == "retention: archive"));
    // Boards are locked: a participant's change is refused.
    let control = srv.state.hub.join(&DocKey::control(DEMO)).unwrap();
    assert!(control.read(|d| {
        let c = cocreate_core::model::control::Control::of(d);
        let locked = c.read(&d.transact()).locked;
        locked
    }));
    srv.stop().await;
}
