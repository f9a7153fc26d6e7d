//! Synthesis boards built from other workshops' boards and snapshots (provenance kept
//! through export, live-editable, commonality by area) and consultation rounds
//! (respondents answer, never edit; tallies, CSV, agreement decisions), over real HTTP,
//! real websockets and a real SQLite file.

mod common;

use std::time::Duration;

use cocreate_core::catalog::{BoardSummary, CreatedWorkshop, RoundSummary, SourceBoard};
use cocreate_core::consult::{Consultation, Published, Results};
use cocreate_core::model::board::Board;
use cocreate_core::model::export::BoardExport;
use cocreate_core::model::synthesis::{Commonality, Spread};
use cocreate_core::model::{Prompt, Role};
use common::{http, refused_status, TestClient, TestServer, DEMO};
use server::config::Limits;
use yrs::Transact;

async fn created(srv: &TestServer, title: &str, area: &str) -> CreatedWorkshop {
    let body = format!(r#"{{"title":"{title}","area":"{area}","date":""}}"#);
    let url = srv.http(&format!("/api/workshops?token={}", srv.links.organiser));
    let (status, answer) = http("POST", &url, Some(&body)).await;
    assert_eq!(status, 201, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

async fn export(srv: &TestServer, board: &str, token: &str) -> BoardExport {
    let url = srv.http(&format!("/api/boards/{board}/export.json?token={token}"));
    let (status, body) = http("GET", &url, None).await;
    assert_eq!(status, 200, "{body}");
    BoardExport::from_json(&body).unwrap()
}

/// Add cards to a board over its websocket, as a facilitator of its workshop would.
async fn add_cards(srv: &TestServer, board: &str, token: &str, cards: &[(&str, Prompt, &str)]) {
    let mut c = TestClient::join(&srv.url_with(board, token)).await;
    let cards: Vec<(String, Prompt, String)> = cards
        .iter()
        .map(|(id, p, t)| (id.to_string(), *p, t.to_string()))
        .collect();
    let b = Board::of(&c.doc);
    c.change(|txn| {
        for (id, p, t) in &cards {
            b.add_card(txn, id, *p, t, "someone", Role::Clinician, 1.0)
                .unwrap();
        }
    })
    .await;
    // The server has it once a second reader sees it.
    let mut check = TestClient::join(&srv.url_with(board, token)).await;
    let last = cards.last().unwrap().0.clone();
    assert!(
        check
            .wait_for(Duration::from_secs(10), |d| {
                let b = Board::of(d);
                let txn = d.transact();
                b.card(&txn, &last).is_some()
            })
            .await
    );
}

#[tokio::test]
async fn synthesis_boards_copy_cards_with_provenance_from_boards_and_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("s.db"), Limits::default()).await;
    let (f, org) = (srv.links.facilitator.clone(), srv.links.organiser.clone());
    let cancer = created(&srv, "Cancer Care workshop", "Cancer Care").await;
    let msk = created(&srv, "MSK workshop", "Musculoskeletal (MSK)").await;
    let syn = created(&srv, "Synthesis", "Cross-area synthesis").await;
    let cancer_board = cancer.workshop.boards[0].id.clone();
    let msk_board = msk.workshop.boards[0].id.clone();
    add_cards(
        &srv,
        &cancer_board,
        &cancer.facilitator_token,
        &[
            (
                "k1",
                Prompt::Enablers,
                "Protected development time in cancer services",
            ),
            ("k2", Prompt::How, "Mentoring by consultants"),
        ],
    )
    .await;
    add_cards(
        &srv,
        &msk_board,
        &msk.facilitator_token,
        &[("m1", Prompt::Enablers, "Protected time to learn")],
    )
    .await;
    // A snapshot of the cancer board, then a card added after it.
    let snap_url = srv.http(&format!(
        "/api/boards/{cancer_board}/snapshots?token={}",
        cancer.facilitator_token
    ));
    let (status, snap) = http("POST", &snap_url, Some(r#"{"name":"End of workshop"}"#)).await;
    assert_eq!(status, 201, "{snap}");
    let snap: cocreate_core::catalog::SnapshotInfo = serde_json::from_str(&snap).unwrap();
    add_cards(
        &srv,
        &cancer_board,
        &cancer.facilitator_token,
        &[("k3", Prompt::Values, "Added after the snapshot")],
    )
    .await;

    // Sources: the organising team sees every workshop's boards and snapshots; a
    // workshop's facilitators see only their own workshop.
    let (status, _) = http("GET", &srv.http(&format!("/api/sources?token={f}")), None).await;
    assert_eq!(status, 403);
    let (status, body) = http("GET", &srv.http(&format!("/api/sources?token={org}")), None).await;
    assert_eq!(status, 200);
    let sources: Vec<SourceBoard> = serde_json::from_str(&body).unwrap();
    let c = sources
        .iter()
        .find(|s| s.board.id == cancer_board)
        .expect("other workshops' boards are listed");
    assert_eq!(c.snapshots[0].name, "End of workshop");
    assert!(sources.iter().any(|s| s.board.id == DEMO));
    for bad in [srv.links.participant.as_str(), srv.links.observer.as_str()] {
        let (status, _) = http("GET", &srv.http(&format!("/api/sources?token={bad}")), None).await;
        assert_eq!(status, 403);
    }
    assert_eq!(http("GET", &srv.http("/api/sources"), None).await.0, 401);

    // Create the synthesis board.
    let make = |token: &str| {
        srv.http(&format!(
            "/api/workshops/{}/synthesis?token={token}",
            syn.workshop.id
        ))
    };
    let body = format!(
        r#"{{"title":"Consultancy across areas","pillar":"Consultancy","sources":[
            {{"board":"{DEMO}"}},
            {{"board":"{cancer_board}","snapshot":{}}},
            {{"board":"{msk_board}","snapshot":null}}]}}"#,
        snap.id
    );
    assert_eq!(
        http("POST", &make(&srv.links.participant), Some(&body))
            .await
            .0,
        403
    );
    assert_eq!(
        http("POST", &make(&f), Some(&body)).await.0,
        403,
        "a facilitator of another workshop cannot add boards to this one"
    );
    let (status, e) = http(
        "POST",
        &make(&org),
        Some(r#"{"title":"x","pillar":"Consultancy","sources":[]}"#),
    )
    .await;
    assert_eq!(status, 400, "{e}");
    let (status, e) = http(
        "POST",
        &make(&org),
        Some(r#"{"title":"x","pillar":"Consultancy","sources":[{"board":"nope"}]}"#),
    )
    .await;
    assert_eq!((status, e.contains("no board nope")), (400, true), "{e}");
    let (status, e) = http(
        "POST",
        &make(&org),
        Some(&format!(
            r#"{{"title":"x","pillar":"Consultancy","sources":[{{"board":"{msk_board}","snapshot":999}}]}}"#
        )),
    )
    .await;
    assert_eq!(status, 400, "{e}");
    assert_eq!(
        http("POST", &make(&syn.facilitator_token), Some(&body))
            .await
            .0,
        403,
        "the synthesis workshop's own facilitators do not read other workshops"
    );
    let (status, answer) = http("POST", &make(&org), Some(&body)).await;
    assert_eq!(status, 201, "{answer}");
    let board: BoardSummary = serde_json::from_str(&answer).unwrap();
    assert_eq!(board.workshop_id, syn.workshop.id);
    assert_eq!(board.pillar, "Consultancy");

    // Provenance through the JSON export.
    let e = export(&srv, &board.id, &syn.facilitator_token).await;
    assert_eq!(
        e.cards.len(),
        4 + 2 + 1,
        "demo starters, snapshot cards, MSK card"
    );
    assert!(
        !e.cards.iter().any(|c| c.text == "Added after the snapshot"),
        "the snapshot is the board as it was"
    );
    let k1 = e
        .cards
        .iter()
        .find(|c| c.text == "Protected development time in cancer services")
        .unwrap();
    let p = k1.source.as_ref().unwrap();
    assert_eq!(
        (
            p.area.as_str(),
            p.board.as_str(),
            p.card.as_str(),
            p.snapshot
        ),
        ("Cancer Care", cancer_board.as_str(), "k1", Some(snap.id))
    );
    assert_eq!(p.snapshot_name.as_deref(), Some("End of workshop"));
    assert_eq!(p.workshop, "Cancer Care workshop");
    let demo_card = e
        .cards
        .iter()
        .find(|c| c.text == "Nothing about us without us")
        .unwrap();
    assert_eq!(
        demo_card.source.as_ref().unwrap().area,
        "Learning Disabilities & Autism"
    );
    // ... and the CSV export.
    let (status, csv) = http(
        "GET",
        &srv.http(&format!(
            "/api/boards/{}/export.csv?token={}",
            board.id, syn.facilitator_token
        )),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(csv.contains(
        "Protected development time in cancer services,0,Clinician,,1970-01-01 00:00:00"
    ));
    assert!(
        csv.contains(",Cancer Care workshop,Cancer Care,Strategic and enabling leadership,Strategic and enabling leadership,End of workshop,,\r\n"),
        "{csv}"
    );

    // Live-editable like any board: theme the time cards from two areas together.
    let mut client = TestClient::join(&srv.url_with(&board.id, &syn.facilitator_token)).await;
    let b = Board::of(&client.doc);
    let (k1_id, m1_id) = (
        k1.id.clone(),
        e.cards
            .iter()
            .find(|c| c.text == "Protected time to learn")
            .unwrap()
            .id
            .clone(),
    );
    client
        .change(|txn| {
            b.add_theme(txn, "time", Prompt::Enablers, "Protected time")
                .unwrap();
            b.set_card_theme(txn, &k1_id, Some("time")).unwrap();
            b.set_card_theme(txn, &m1_id, Some("time")).unwrap();
        })
        .await;
    let mut other = TestClient::join(&srv.url_with(&board.id, &syn.facilitator_token)).await;
    assert!(
        other
            .wait_for(Duration::from_secs(10), |d| {
                let b = Board::of(d);
                let txn = d.transact();
                b.card(&txn, &m1_id).and_then(|c| c.theme).as_deref() == Some("time")
            })
            .await
    );
    // Commonality: the theme is shared by two of the three areas.
    let (status, body) = http(
        "GET",
        &srv.http(&format!(
            "/api/boards/{}/commonality?token={}",
            board.id, syn.facilitator_token
        )),
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let c: Commonality = serde_json::from_str(&body).unwrap();
    assert_eq!(
        c.areas,
        vec![
            "Learning Disabilities & Autism",
            "Cancer Care",
            "Musculoskeletal (MSK)"
        ]
    );
    let time = c
        .themes
        .iter()
        .find(|t| t.title == "Protected time")
        .unwrap();
    assert_eq!(time.per_area, vec![0, 1, 1]);
    assert_eq!(time.spread, Spread::Shared);
    // The synthesis's findings report carries the commonality table and each card's
    // provenance.
    let (status, head, pdf) = common::http_raw(
        "GET",
        &srv.http(&format!(
            "/api/boards/{}/export.pdf?token={}",
            board.id, syn.facilitator_token
        )),
        b"",
    )
    .await;
    assert_eq!(status, 200, "{head}");
    let text = common::squash(&common::pdf_text(&pdf).0);
    for want in [
        "Commonality across areas",
        "Cards in each theme by the area they came from",
        "Protected time Enablers 0 1 1 Shared by some areas",
        "from Cancer Care",
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF: {text}");
    }

    // More sources later: the live cancer board adds its three cards once.
    let more = srv.http(&format!("/api/boards/{}/sources?token={}", board.id, org));
    let body = format!(r#"{{"sources":[{{"board":"{cancer_board}"}}]}}"#);
    let (status, answer) = http("POST", &more, Some(&body)).await;
    assert_eq!((status, answer.as_str()), (200, r#"{"added":3}"#));
    let (status, answer) = http("POST", &more, Some(&body)).await;
    assert_eq!((status, answer.as_str()), (200, r#"{"added":0}"#));
    assert!(
        other
            .wait_for(Duration::from_secs(10), |d| {
                let b = Board::of(d);
                let txn = d.transact();
                b.cards(&txn)
                    .iter()
                    .any(|c| c.text == "Added after the snapshot")
            })
            .await,
        "added sources reach connected people live"
    );
    srv.stop().await;
}

#[tokio::test]
async fn consultation_respondents_answer_but_never_edit_and_results_are_tallied() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("r.db");
    let srv = TestServer::start(&db, Limits::default()).await;
    let f = srv.links.facilitator.clone();
    // A theme with two of the demo's starter cards.
    let mut client = TestClient::join(&srv.url(DEMO)).await;
    let b = Board::of(&client.doc);
    client
        .change(|txn| {
            b.add_theme(txn, "t-care", Prompt::Purpose, "Care that fits")
                .unwrap();
            b.set_card_theme(txn, "seed-0", Some("t-care")).unwrap();
        })
        .await;
    let mut check = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        check
            .wait_for(Duration::from_secs(10), |d| {
                let b = Board::of(d);
                let txn = d.transact();
                b.card(&txn, "seed-0").and_then(|c| c.theme).is_some()
            })
            .await
    );

    let publish =
        |token: &str| srv.http(&format!("/api/boards/{DEMO}/consultations?token={token}"));
    let new_round = r#"{"title":"Draft framework","kind":"consultation"}"#;
    assert_eq!(
        http("POST", &publish(&srv.links.participant), Some(new_round))
            .await
            .0,
        403
    );
    assert_eq!(http("POST", &publish("nope"), Some(new_round)).await.0, 401);
    let (status, answer) = http("POST", &publish(&f), Some(new_round)).await;
    assert_eq!(status, 201, "{answer}");
    let published: Published = serde_json::from_str(&answer).unwrap();
    let id = published.consultation.id.clone();
    let r = published.token.clone();
    let ids: Vec<&str> = published
        .consultation
        .items
        .iter()
        .map(|i| i.id.as_str())
        .collect();
    assert_eq!(
        ids,
        vec!["theme:t-care", "card:seed-1", "card:seed-2", "card:seed-3"]
    );
    assert_eq!(
        published.consultation.items[0].statements,
        vec!["People with a learning disability get care that fits their life"]
    );

    // The respondents' link reads the draft...
    let round_url = |token: &str| srv.http(&format!("/api/consultations/{id}?token={token}"));
    let (status, body) = http("GET", &round_url(&r), None).await;
    assert_eq!(status, 200);
    let draft: Consultation = serde_json::from_str(&body).unwrap();
    assert_eq!(draft.items.len(), 4);
    assert_eq!(http("GET", &round_url("nope"), None).await.0, 401);
    assert_eq!(
        http("GET", &round_url(&srv.links.participant), None)
            .await
            .0,
        403
    );
    assert_eq!(
        http("GET", &srv.http("/api/consultations/nope?token=x"), None)
            .await
            .0,
        404
    );

    // ... and cannot change it, see results, or touch any board.
    let results_url =
        |token: &str| srv.http(&format!("/api/consultations/{id}/results?token={token}"));
    assert_eq!(http("GET", &results_url(&r), None).await.0, 403);
    assert_eq!(
        http("PATCH", &round_url(&r), Some(r#"{"open":false}"#))
            .await
            .0,
        403
    );
    let outcomes =
        |token: &str| srv.http(&format!("/api/consultations/{id}/outcomes?token={token}"));
    let decision = r#"{"item":"theme:t-care","decision":"agreed","note":""}"#;
    assert_eq!(http("POST", &outcomes(&r), Some(decision)).await.0, 403);
    let csv_url = |token: &str| {
        srv.http(&format!(
            "/api/consultations/{id}/responses.csv?token={token}"
        ))
    };
    assert_eq!(http("GET", &csv_url(&r), None).await.0, 403);
    let summary_url = srv.http(&format!("/api/consultations/{id}/summary.csv?token={r}"));
    assert_eq!(http("GET", &summary_url, None).await.0, 403);
    assert_eq!(http("POST", &publish(&r), Some(new_round)).await.0, 401);
    assert_eq!(
        http(
            "GET",
            &srv.http(&format!("/api/boards/{DEMO}/export.json?token={r}")),
            None
        )
        .await
        .0,
        401
    );
    assert_eq!(refused_status(&srv.url_with(DEMO, &r)).await, 401);

    // Answers: checked, recorded, revisable.
    let respond = srv.http(&format!("/api/consultations/{id}/responses?token={r}"));
    let answer = |who: &str, name: &str, stance: &str, comment: &str| {
        format!(
            r#"{{"respondent":"{who}","name":"{name}","organisation":"Royal College","answers":[
                {{"item":"theme:t-care","stance":"{stance}","comment":"{comment}"}},
                {{"item":"card:seed-3","stance":"agree"}}]}}"#
        )
    };
    let (status, e) = http(
        "POST",
        &respond,
        Some(&answer("resp-0001", " ", "agree", "")),
    )
    .await;
    assert_eq!(status, 400, "{e}");
    assert!(e.contains("name"), "{e}");
    let (status, _) = http(
        "POST",
        &respond,
        Some(r#"{"respondent":"resp-0001","name":"A","answers":[{"item":"theme:nope","stance":"agree"}]}"#),
    )
    .await;
    assert_eq!(status, 400);
    assert_eq!(http("POST", &respond, Some("{not json")).await.0, 400);
    let mut secrets = std::collections::HashMap::new();
    for (who, name, stance, comment) in [
        ("resp-0001", "Ana", "disagree", ""),
        (
            "resp-0002",
            "Ben",
            "agree",
            "Yes, <b>and</b> more, \\\"quoted\\\"",
        ),
        ("resp-0003", "Cy", "unsure", ""),
    ] {
        // A first answer gives the respondent their secret.
        let (status, body) =
            http("POST", &respond, Some(&answer(who, name, stance, comment))).await;
        assert_eq!(status, 201, "{body}");
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        secrets.insert(who, v["secret"].as_str().unwrap().to_string());
    }
    // Someone else who learnt Ana's respondent id cannot overwrite her answers.
    let forged = answer("resp-0001", "Mallory", "agree", "overwritten");
    assert_eq!(http("POST", &respond, Some(&forged)).await.0, 403);
    let wrong = forged.replacen('{', r#"{"secret":"guess","#, 1);
    assert_eq!(http("POST", &respond, Some(&wrong)).await.0, 403);
    // Ana changes her mind from her browser: her answer replaces the earlier one.
    let revision = answer("resp-0001", "Ana", "agree", "On reflection").replacen(
        '{',
        &format!(r#"{{"secret":"{}","#, secrets["resp-0001"]),
        1,
    );
    let (status, e) = http("POST", &respond, Some(&revision)).await;
    assert_eq!(status, 204, "{e}");

    // The draft is frozen: later board changes do not alter it.
    client
        .change(|txn| {
            b.add_card(
                txn,
                "late",
                Prompt::How,
                "Late idea",
                "x",
                Role::Patient,
                1.0,
            )
            .unwrap();
        })
        .await;
    let (_, body) = http("GET", &round_url(&f), None).await;
    let again: Consultation = serde_json::from_str(&body).unwrap();
    assert_eq!(again.items, draft.items);

    // Results for facilitators.
    let (status, body) = http("GET", &results_url(&f), None).await;
    assert_eq!(status, 200, "{body}");
    let res: Results = serde_json::from_str(&body).unwrap();
    assert_eq!(res.respondents, 3);
    let care = &res.items[0];
    assert_eq!((care.agree, care.disagree, care.unsure), (2, 0, 1));
    assert_eq!(care.comments.len(), 2);
    assert_eq!(res.items[3].agree, 3);
    let (status, csv) = http("GET", &csv_url(&f), None).await;
    assert_eq!(status, 200);
    assert!(
        csv.contains("Ana,Royal College,agree,On reflection"),
        "{csv}"
    );
    assert!(
        csv.contains("\"Yes, <b>and</b> more, \"\"quoted\"\"\""),
        "{csv}"
    );
    assert!(!csv.contains("(tally)"), "answers only: {csv}");

    // The round's findings report (facilitators): tallies, comments with who gave them,
    // as text (markup in a comment stays text).
    let report = |ext: &str, token: &str| {
        srv.http(&format!(
            "/api/consultations/{id}/report.{ext}?token={token}"
        ))
    };
    let (status, head, pdf) = common::http_raw("GET", &report("pdf", &f), b"").await;
    assert_eq!(status, 200, "{head}");
    let text = common::squash(&common::pdf_text(&pdf).0);
    for want in [
        "Draft framework",
        "Respondents: 3",
        "Answers to each item",
        "Item Question Agree Disagree",
        "1. Care that fits",
        "Agree: 2. Disagree: 0. Not sure: 1.",
        "On reflection",
        "Ana, Royal College (Agree)",
        "Yes, <b>and</b> more,",
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF: {text}");
    }
    let (text, _) = common::docx_text(&common::http_raw("GET", &report("docx", &f), b"").await.2);
    assert!(text.contains("Ana, Royal College (Agree)"), "{text}");
    assert_eq!(
        common::http_raw("GET", &report("pdf", &r), b"").await.0,
        403
    );
    let (status, summary) = http(
        "GET",
        &srv.http(&format!("/api/consultations/{id}/summary.csv?token={f}")),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(summary.contains(",2,0,1,"), "{summary}");
    let (status, body) = http(
        "GET",
        &srv.http(&format!("/api/workshops/demo/consultations?token={f}")),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let rounds: Vec<RoundSummary> = serde_json::from_str(&body).unwrap();
    assert_eq!((rounds.len(), rounds[0].respondents), (1, 3));

    // Closing the round stops answers, with a clear reason.
    assert_eq!(
        http("PATCH", &round_url(&f), Some(r#"{"open":false}"#))
            .await
            .0,
        204
    );
    let (status, e) = http(
        "POST",
        &respond,
        Some(&answer("resp-0004", "Di", "agree", "")),
    )
    .await;
    assert_eq!(status, 400);
    assert!(e.contains("closed"), "{e}");

    // The agreement round: decisions recorded per item.
    let (status, answer2) = http(
        "POST",
        &publish(&f),
        Some(r#"{"title":"Engagement group","kind":"agreement"}"#),
    )
    .await;
    assert_eq!(status, 201);
    let agreement: Published = serde_json::from_str(&answer2).unwrap();
    let aid = agreement.consultation.id.clone();
    let out = srv.http(&format!("/api/consultations/{aid}/outcomes?token={f}"));
    assert_eq!(
        http(
            "POST",
            &out,
            Some(r#"{"item":"theme:t-care","decision":"amended","note":"Add MDT working"}"#)
        )
        .await
        .0,
        204
    );
    assert_eq!(
        http(
            "POST",
            &out,
            Some(r#"{"item":"card:nope","decision":"agreed"}"#)
        )
        .await
        .0,
        400
    );
    assert_eq!(
        http(
            "POST",
            &out,
            Some(r#"{"item":"card:seed-1","decision":"maybe"}"#)
        )
        .await
        .0,
        422,
        "an unknown decision is refused"
    );

    // Everything survives a restart.
    srv.stop().await;
    let srv = TestServer::start(&db, Limits::default()).await;
    let f = srv.links.facilitator.clone();
    let (_, body) = http(
        "GET",
        &srv.http(&format!("/api/consultations/{aid}/results?token={f}")),
        None,
    )
    .await;
    let res: Results = serde_json::from_str(&body).unwrap();
    let o = res.items[0].outcome.as_ref().unwrap();
    assert_eq!(
        (o.decision, o.note.as_str()),
        (cocreate_core::consult::Decision::Amended, "Add MDT working")
    );
    let (_, body) = http(
        "GET",
        &srv.http(&format!("/api/consultations/{id}/results?token={f}")),
        None,
    )
    .await;
    let res: Results = serde_json::from_str(&body).unwrap();
    assert_eq!((res.respondents, res.consultation.open), (3, false));
    // The respondents' link still reads the (closed) draft after the restart.
    assert_eq!(
        http(
            "GET",
            &srv.http(&format!("/api/consultations/{id}?token={r}")),
            None
        )
        .await
        .0,
        200
    );
    srv.stop().await;
}

#[tokio::test]
async fn replies_under_a_rounds_items_are_a_moderated_discussion_kept_on_both_stores() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("d.db"), Limits::default()).await;
    let f = srv.links.facilitator.clone();
    let (status, body) = http(
        "POST",
        &srv.http(&format!("/api/boards/{DEMO}/consultations?token={f}")),
        Some(r#"{"title":"Draft framework","kind":"consultation"}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let published: Published = serde_json::from_str(&body).unwrap();
    let (id, r) = (published.consultation.id.clone(), published.token.clone());
    let item = published.consultation.items[0].id.clone();
    let replies = |token: &str| srv.http(&format!("/api/consultations/{id}/replies?token={token}"));
    let post = |token: &str, body: serde_json::Value| {
        let url = replies(token);
        async move { http("POST", &url, Some(&body.to_string())).await }
    };
    let ana = |text: &str, secret: Option<&str>| {
        serde_json::json!({"item": item, "text": text, "respondent": "ana-browser-1",
            "name": "Ana", "organisation": "RCN", "secret": secret})
    };

    // A respondent's first reply gives their secret (as a first answer does).
    let (status, body) = post(&r, ana("  <b>Add MDT</b> to this theme  ", None)).await;
    assert_eq!(status, 201, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    let secret = v["secret"].as_str().expect("a secret").to_string();
    assert_eq!(v["reply"]["text"], "<b>Add MDT</b> to this theme");
    let first = v["reply"]["id"].as_str().unwrap().to_string();
    // Another browser under the same respondent id, without the secret: refused.
    let (status, _) = post(&r, ana("posing as Ana", None)).await;
    assert_eq!(status, 403);
    let (status, body) = post(&r, ana("and a second point", Some(&secret))).await;
    assert_eq!(status, 201, "{body}");
    // A facilitator replies as the facilitator.
    let (status, body) = post(
        &f,
        serde_json::json!({"item": item, "text": "Thanks: we will look at MDT wording."}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains(r#""facilitator":true"#), "{body}");

    // Bad ones: each refused with what is wrong, nothing kept.
    for (token, bad, code, says) in [
        (
            r.as_str(),
            serde_json::json!({"item": "card:nope", "text": "x", "respondent": "ana-browser-1", "name": "Ana", "secret": secret}),
            400,
            "no item",
        ),
        (
            r.as_str(),
            serde_json::json!({"item": item, "text": "   ", "respondent": "ana-browser-1", "name": "Ana", "secret": secret}),
            400,
            "needs some text",
        ),
        (
            r.as_str(),
            serde_json::json!({"item": item, "text": "x".repeat(2001), "respondent": "ana-browser-1", "name": "Ana", "secret": secret}),
            400,
            "needs some text",
        ),
        (
            r.as_str(),
            serde_json::json!({"item": item, "text": "no name", "respondent": "bo-browser-22"}),
            400,
            "your name",
        ),
        ("nope", ana("x", None), 401, ""),
        (srv.links.participant.as_str(), ana("x", None), 403, ""),
    ] {
        let (status, body) = post(token, bad).await;
        assert_eq!(status, code, "{body}");
        assert!(body.contains(says), "{body}");
    }
    let (status, body) = http("POST", &replies(&r), Some("not json")).await;
    assert!((400..500).contains(&status), "{status} {body}");

    // The facilitator hides one; respondents no longer see it, and see nobody's id.
    let hide = |reply: &str, token: &str| {
        srv.http(&format!(
            "/api/consultations/{id}/replies/{reply}?token={token}"
        ))
    };
    assert_eq!(
        http("PATCH", &hide(&first, &r), Some(r#"{"hidden":true}"#))
            .await
            .0,
        403,
        "respondents do not moderate"
    );
    assert_eq!(
        http("PATCH", &hide("nope", &f), Some(r#"{"hidden":true}"#))
            .await
            .0,
        404
    );
    assert_eq!(
        http("PATCH", &hide(&first, &f), Some(r#"{"hidden":true}"#))
            .await
            .0,
        204
    );
    let (status, body) = http("GET", &replies(&r), None).await;
    assert_eq!(status, 200);
    let seen: Vec<cocreate_core::consult::Reply> = serde_json::from_str(&body).unwrap();
    let texts: Vec<&str> = seen.iter().map(|x| x.text.as_str()).collect();
    assert_eq!(
        texts,
        ["and a second point", "Thanks: we will look at MDT wording."]
    );
    assert!(!body.contains("ana-browser-1"), "{body}");
    let (_, body) = http("GET", &replies(&f), None).await;
    let all: Vec<cocreate_core::consult::Reply> = serde_json::from_str(&body).unwrap();
    assert_eq!(all.len(), 3);
    assert!(all[0].hidden && all[0].respondent.as_deref() == Some("ana-browser-1"));

    // In the results, and in their own CSV (hidden marked), for facilitators only.
    let (_, body) = http(
        "GET",
        &srv.http(&format!("/api/consultations/{id}/results?token={f}")),
        None,
    )
    .await;
    let results: cocreate_core::consult::Results = serde_json::from_str(&body).unwrap();
    assert_eq!(results.items[0].replies.len(), 3);
    let csv_url = |token: &str| {
        srv.http(&format!(
            "/api/consultations/{id}/replies.csv?token={token}"
        ))
    };
    assert_eq!(http("GET", &csv_url(&r), None).await.0, 403);
    let (status, csv) = http("GET", &csv_url(&f), None).await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[1].contains("<b>Add MDT</b> to this theme") && lines[1].contains(",yes,"));
    assert!(lines[3].contains("Facilitator,,yes,"), "{}", lines[3]);

    // A closed round takes no more replies; the discussion stays readable.
    assert_eq!(
        http(
            "PATCH",
            &srv.http(&format!("/api/consultations/{id}?token={f}")),
            Some(r#"{"open":false}"#)
        )
        .await
        .0,
        204
    );
    let (status, body) = post(&r, ana("too late", Some(&secret))).await;
    assert_eq!(status, 400);
    assert!(body.contains("closed"), "{body}");
    assert_eq!(http("GET", &replies(&r), None).await.0, 200);
    srv.stop().await;
}
