//! A workshop's plan and its run-sheet: facilitators save a run-sheet (checked step by
//! step, nothing kept of a bad one), and "next step" starts the next step (phase, timer,
//! message and step together) on every board of the workshop or on one. Real HTTP, real
//! websocket clients reading each board's control document, a real SQLite file.

mod common;

use std::time::Duration;

use cocreate_core::model::control::{Control, ControlState, Phase};
use cocreate_core::model::plan::{Plan, RunSheet};
use common::{http, TestClient, TestServer, DEMO};
use server::config::Limits;
use yrs::Transact;

const WAIT: Duration = Duration::from_secs(5);
const GROUPS: [&str; 3] = ["demo-leadership", "demo-research", "demo-consultancy"];

fn state(c: &TestClient) -> ControlState {
    Control::of(&c.doc).read(&c.doc.transact())
}

async fn watchers(srv: &TestServer) -> Vec<TestClient> {
    let mut out = Vec::new();
    for board in GROUPS {
        out.push(TestClient::join(&srv.control_url(board, &srv.links.participant)).await);
    }
    out
}

#[tokio::test]
async fn next_step_moves_every_group_on_together_or_one_group_alone() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("p.db"), Limits::default()).await;
    let f = &srv.links.facilitator;
    let all = srv.http(&format!("/api/workshops/demo/advance?token={f}"));
    let mut groups = watchers(&srv).await;
    let sheet = RunSheet::builtin();

    // A participant's link moves nothing.
    let p = &srv.links.participant;
    let (status, _) = http(
        "POST",
        &srv.http(&format!("/api/workshops/demo/advance?token={p}")),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = http(
        "POST",
        &srv.http(&format!("/api/boards/{DEMO}/advance?token={p}")),
        None,
    )
    .await;
    assert_eq!(status, 403);

    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as f64;
    let (status, body) = http("POST", &all, None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"moved":5}"#));
    for g in groups.iter_mut() {
        assert!(
            g.wait_for(WAIT, |d| Control::of(d).read(&d.transact()).step == Some(0))
                .await
        );
        let s = state(g);
        assert_eq!(s.phase, Phase::Write);
        assert_eq!(s.message, sheet.steps[0].message);
        let ends = s.timer_ends.expect("the step's timer runs");
        let minutes = (ends - before) / 60_000.0;
        assert!(
            (14.9..15.1).contains(&minutes),
            "a 15-minute timer, not {minutes}"
        );
    }
    let (status, _) = http("POST", &all, None).await;
    assert_eq!(status, 200);
    for g in groups.iter_mut() {
        assert!(
            g.wait_for(WAIT, |d| Control::of(d).read(&d.transact()).step == Some(1))
                .await
        );
        assert_eq!(state(g).phase, Phase::Group);
    }

    // One group alone.
    let one = srv.http(&format!("/api/boards/demo-research/advance?token={f}"));
    let (status, body) = http("POST", &one, None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"moved":1}"#));
    assert!(
        groups[1]
            .wait_for(WAIT, |d| Control::of(d).read(&d.transact()).phase
                == Phase::Vote)
            .await
    );
    // A phase change snapshots the board first, as a facilitator's own change does.
    let (_, snaps) = http(
        "GET",
        &srv.http(&format!("/api/boards/demo-research/snapshots?token={f}")),
        None,
    )
    .await;
    assert!(snaps.contains("Phase: Voting"), "{snaps}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    for g in groups.iter_mut().step_by(2) {
        g.pump_until(Duration::from_millis(200), |_, _| false).await;
        assert_eq!(state(g).step, Some(1), "the other groups stay");
    }

    // Past the last step nothing moves, and nothing breaks.
    let (_, _) = http("POST", &one, None).await;
    assert!(
        groups[1]
            .wait_for(WAIT, |d| Control::of(d).read(&d.transact()).step == Some(3))
            .await
    );
    let (status, body) = http("POST", &one, None).await;
    assert_eq!((status, body.as_str()), (200, r#"{"moved":0}"#));
    assert_eq!(state(&groups[1]).phase, Phase::Review);
    srv.stop().await;
}

#[tokio::test]
async fn a_saved_run_sheet_is_used_and_a_bad_one_keeps_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("p.db"), Limits::default()).await;
    let f = &srv.links.facilitator;
    let plan_url = srv.http(&format!("/api/workshops/demo/plan?token={f}"));
    let console = srv.http(&format!("/api/workshops/demo?token={f}"));
    let plan_of = |body: &str| -> Plan {
        serde_json::from_value(
            serde_json::from_str::<serde_json::Value>(body).unwrap()["plan"].clone(),
        )
        .unwrap()
    };
    let (_, body) = http("GET", &console, None).await;
    assert_eq!(
        plan_of(&body),
        Plan::default(),
        "the built-in plan until one is saved"
    );

    let mine = r#"{"run_sheet":{"steps":[
        {"title":"Warm up","phase":"write","minutes":0,"message":"Say hello on a card."},
        {"title":"Vote","phase":"vote","minutes":3,"message":"Three minutes to vote."}]}}"#;
    let (status, body) = http("PUT", &plan_url, Some(mine)).await;
    assert_eq!(status, 204, "{body}");
    let (_, body) = http("GET", &console, None).await;
    let saved = plan_of(&body);
    assert_eq!(saved.run_sheet.steps.len(), 2);

    let mut g = TestClient::join(&srv.control_url(DEMO, &srv.links.participant)).await;
    let (status, _) = http(
        "POST",
        &srv.http(&format!("/api/boards/{DEMO}/advance?token={f}")),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        g.wait_for(WAIT, |d| Control::of(d).read(&d.transact()).message
            == "Say hello on a card.")
            .await
    );
    assert_eq!(
        state(&g).timer_ends,
        None,
        "a step of 0 minutes has no timer"
    );

    // Bad ones: each refused with what is wrong, and the saved one stays.
    let too_long = mine.replace(r#""minutes":3"#, r#""minutes":500"#);
    let no_title = mine.replace("Warm up", " ");
    for (bad, says) in [
        (too_long.as_str(), "step 2 lasts at most 180 minutes"),
        (no_title.as_str(), "step 1 needs a title"),
        (r#"{"run_sheet":{"steps":[]}}"#, "between 1 and 20 steps"),
        (r#"{"run_sheet":{"steps":[{"title":"x"}]}}"#, ""),
        ("not json", ""),
    ] {
        let (status, body) = http("PUT", &plan_url, Some(bad)).await;
        assert!((400..500).contains(&status), "{status} {body}");
        assert!(body.contains(says), "{body}");
    }
    let p = &srv.links.participant;
    let (status, _) = http(
        "PUT",
        &srv.http(&format!("/api/workshops/demo/plan?token={p}")),
        Some(mine),
    )
    .await;
    assert_eq!(status, 403);
    let (_, body) = http("GET", &console, None).await;
    assert_eq!(plan_of(&body), saved);
    srv.stop().await;
}

/// Fifteen seats and roles, joining in this order.
fn fifteen() -> Vec<(String, &'static str)> {
    [
        "stakeholder",
        "educator",
        "stakeholder",
        "clinician",
        "patient",
        "educator",
        "clinician",
        "stakeholder",
        "patient",
        "clinician",
        "patient",
        "educator",
        "clinician",
        "patient",
        "patient",
    ]
    .into_iter()
    .enumerate()
    .map(|(i, r)| (format!("allocation-seat-{i:02}-0123456789"), r))
    .collect()
}

async fn place(srv: &TestServer, token: &str, seat: &str, role: &str) -> (u16, String) {
    http(
        "POST",
        &srv.http(&format!("/api/workshops/demo/place?token={token}")),
        Some(&format!(r#"{{"seat":"{seat}","role":"{role}"}}"#)),
    )
    .await
}

async fn placed_board(srv: &TestServer, seat: &str, role: &str) -> String {
    let (status, body) = place(srv, &srv.links.participant, seat, role).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn fifteen_joiners_are_placed_balanced_by_role_and_the_same_way_every_time() {
    let mut runs = Vec::new();
    for run in 0..2 {
        let dir = tempfile::tempdir().unwrap();
        let srv =
            TestServer::start(&dir.path().join(format!("a{run}.db")), Limits::default()).await;
        let mut placed: Vec<(String, &str)> = Vec::new();
        for (seat, role) in fifteen() {
            placed.push((placed_board(&srv, &seat, role).await, role));
        }
        let mut groups: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
        for (board, role) in &placed {
            groups.entry(board.as_str()).or_default().push(role);
        }
        assert_eq!(groups.len(), 5, "every group is used: {groups:?}");
        assert!(
            groups.values().all(|g| g.contains(&"patient")),
            "a patient or citizen in every group: {groups:?}"
        );
        let sizes: Vec<usize> = groups.values().map(|g| g.len()).collect();
        assert!(
            sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 2,
            "{sizes:?}"
        );
        // Asking again gives the same group.
        let (seat, role) = &fifteen()[4];
        assert_eq!(placed_board(&srv, seat, role).await, placed[4].0);
        runs.push(placed.into_iter().map(|(b, _)| b).collect::<Vec<_>>());
        srv.stop().await;
    }
    assert_eq!(runs[0], runs[1], "the same joiners are placed the same way");
}

#[tokio::test]
async fn placing_follows_moves_skips_archived_groups_and_refuses_what_it_should() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("m.db"), Limits::default()).await;
    let f = &srv.links.facilitator;
    let seat = "allocation-move-seat-0123456";
    let first = placed_board(&srv, seat, "patient").await;
    let who = cocreate_core::identity::pseudonym("demo", seat);
    let to = if first == "demo-research" {
        "demo-consultancy"
    } else {
        "demo-research"
    };
    let (status, body) = http(
        "POST",
        &srv.http(&format!("/api/boards/{first}/moves?token={f}")),
        Some(&format!(r#"{{"person":"{who}","to":"{to}"}}"#)),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        placed_board(&srv, seat, "patient").await,
        to,
        "back where they were moved"
    );

    // An archived group takes nobody, and its people are placed again elsewhere.
    let (status, body) = http(
        "PATCH",
        &srv.http(&format!("/api/boards/{to}?token={f}")),
        Some(r#"{"archived":true}"#),
    )
    .await;
    assert!((200..300).contains(&status), "{status} {body}");
    assert_ne!(placed_board(&srv, seat, "patient").await, to);
    for i in 0..8 {
        let s = format!("allocation-more-seat-{i:02}-01234");
        assert_ne!(placed_board(&srv, &s, "clinician").await, to);
    }

    // Refusals: not a participant's link, a facilitator's role, a bad seat, bad JSON.
    assert_eq!(place(&srv, f, seat, "patient").await.0, 403);
    assert_eq!(
        place(&srv, &srv.links.observer, seat, "patient").await.0,
        403
    );
    let (status, body) = place(&srv, &srv.links.participant, seat, "facilitator").await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = place(&srv, &srv.links.participant, "short", "patient").await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = place(&srv, &srv.links.participant, seat, "surgeon").await;
    assert!((400..500).contains(&status));
    assert_eq!(place(&srv, "not-a-token", seat, "patient").await.0, 401);
    srv.stop().await;
}

/// A new workshop's boards (title, id) and its facilitator token, from the answer.
fn created(body: &str) -> (Vec<(String, String)>, String) {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    let boards = v["workshop"]["boards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["title"].as_str().unwrap().to_string(),
                b["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (boards, v["facilitator_token"].as_str().unwrap().to_string())
}

#[tokio::test]
async fn a_named_plan_and_a_copied_workshop_start_new_workshops_with_their_groups_and_settings() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("p.db"), Limits::default()).await;
    let (f, o, p) = (
        &srv.links.facilitator,
        &srv.links.organiser,
        &srv.links.participant,
    );
    // The facilitators edit their plan: three wards, five votes, two steps; and keep it.
    let mine = r#"{"run_sheet":{"steps":[
        {"title":"Warm up","phase":"write","minutes":5,"message":"Say hello."},
        {"title":"Vote","phase":"vote","minutes":3,"message":"Vote now."}]},
        "groups":["Ward A","Ward B","Ward C"],"votes_per_person":5}"#;
    let (status, body) = http(
        "PUT",
        &srv.http(&format!("/api/workshops/demo/plan?token={f}")),
        Some(mine),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let keep = |token: &str| srv.http(&format!("/api/workshops/demo/plans?token={token}"));
    let (status, _) = http("POST", &keep(p), Some(r#"{"name":"Three wards"}"#)).await;
    assert_eq!(status, 403, "a participant keeps no plan");
    let (status, body) = http("POST", &keep(f), Some(r#"{"name":"  "}"#)).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = http("POST", &keep(f), Some(r#"{"name":"Three wards"}"#)).await;
    assert_eq!(status, 201, "{body}");
    for url in [keep(f), srv.http(&format!("/api/plans?token={o}"))] {
        let (status, body) = http("GET", &url, None).await;
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(r#""name":"Three wards""#), "{body}");
    }
    let (status, _) = http("GET", &srv.http(&format!("/api/plans?token={f}")), None).await;
    assert_eq!(status, 403, "the whole library is the organisers'");

    // A workshop from the named plan: its groups and its votes.
    let new = srv.http(&format!("/api/workshops?token={o}"));
    let (status, body) = http(
        "POST",
        &new,
        Some(r#"{"title":"Cancer care","area":"Cancer Care","date":"","plan":"Three wards"}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (boards, fac) = created(&body);
    let titles: Vec<&str> = boards.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(titles, ["Ward A", "Ward B", "Ward C"]);
    let mut c = TestClient::join(&srv.control_url(&boards[1].1, &fac)).await;
    assert!(
        c.wait_for(WAIT, |d| Control::of(d)
            .read(&d.transact())
            .votes_per_person
            == 5)
            .await
    );
    let (_, body) = http(
        "GET",
        &srv.http(&format!("/api/workshops/{}?token={fac}", body_id(&body))),
        None,
    )
    .await;
    assert!(
        body.contains("Warm up"),
        "the run-sheet came with it: {body}"
    );

    // A copy of the demo workshop: its groups, each group's settings, notice, questions;
    // none of its cards.
    let (status, body) = http(
        "POST",
        &srv.http(&format!("/api/boards/{DEMO}/control?token={f}")),
        Some(r#"{"anonymous":true,"shared_delete":true,"votes_per_person":7}"#),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    let (status, body) = http(
        "PUT",
        &srv.http(&format!("/api/workshops/demo/notice?token={f}")),
        Some(r#"{"plain":"Our own notice.","easy_read":"Our own easy notice."}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(
        "PUT",
        &srv.http(&format!("/api/workshops/demo/questions?token={f}")),
        Some(r#"[{"label":"Which ward?","choices":["North","South"]}]"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(
        "POST",
        &new,
        Some(r#"{"title":"MSK, next area","area":"MSK","date":"","copy_of":"demo"}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (copies, fac) = created(&body);
    let (_, demo) = http(
        "GET",
        &srv.http(&format!("/api/workshops/demo?token={f}")),
        None,
    )
    .await;
    for (title, _) in &copies {
        assert!(
            demo.contains(&format!("\"{title}\"")),
            "{title} is one of demo's groups"
        );
    }
    let demo_title = {
        let v: serde_json::Value = serde_json::from_str(&demo).unwrap();
        v["boards"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["board"]["id"] == DEMO || b["id"] == DEMO)
            .map(|b| {
                b["board"]["title"]
                    .as_str()
                    .or(b["title"].as_str())
                    .unwrap()
                    .to_string()
            })
            .unwrap()
    };
    let twin = &copies.iter().find(|(t, _)| *t == demo_title).unwrap().1;
    let mut c = TestClient::join(&srv.control_url(twin, &fac)).await;
    assert!(
        c.wait_for(WAIT, |d| {
            let s = Control::of(d).read(&d.transact());
            s.anonymous && s.shared_delete && s.votes_per_person == 7
        })
        .await,
        "the copied group has its settings: {:?}",
        state(&c)
    );
    let (_, notice) = http(
        "GET",
        &srv.http(&format!("/api/boards/{twin}/notice?token={fac}")),
        None,
    )
    .await;
    assert!(notice.contains("Our own notice."), "{notice}");
    let (_, questions) = http(
        "GET",
        &srv.http(&format!("/api/boards/{twin}/questions?token={fac}")),
        None,
    )
    .await;
    assert!(questions.contains("Which ward?"), "{questions}");
    let (_, export) = http(
        "GET",
        &srv.http(&format!("/api/boards/{twin}/export.json?token={fac}")),
        None,
    )
    .await;
    let export: serde_json::Value = serde_json::from_str(&export).unwrap();
    assert_eq!(
        export["cards"].as_array().unwrap().len(),
        0,
        "no cards are copied"
    );
    let (status, _) = http(
        "GET",
        &srv.http(&format!("/api/workshops/demo?token={fac}")),
        None,
    )
    .await;
    assert_eq!(status, 403, "the copy's link does not open the original");

    // Refusals.
    for (body, expect) in [
        (
            r#"{"title":"X","area":"MSK","date":"","plan":"No such plan"}"#,
            400,
        ),
        (
            r#"{"title":"X","area":"MSK","date":"","copy_of":"no-such-workshop"}"#,
            404,
        ),
        (
            r#"{"title":"X","area":"MSK","date":"","plan":"Three wards","copy_of":"demo"}"#,
            400,
        ),
    ] {
        let (status, answer) = http("POST", &new, Some(body)).await;
        assert_eq!(status, expect, "{body}: {answer}");
    }
    let (status, _) = http(
        "POST",
        &srv.http(&format!("/api/workshops?token={f}")),
        Some(r#"{"title":"X","area":"MSK","date":"","copy_of":"demo"}"#),
    )
    .await;
    assert_eq!(
        status, 403,
        "a workshop's facilitator does not create workshops"
    );
    srv.stop().await;
}

fn body_id(body: &str) -> String {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    v["workshop"]["id"].as_str().unwrap().to_string()
}

/// The demo workshop's plan with the `Enablers` prompt reworded.
fn reworded_plan() -> Plan {
    let mut plan = Plan::default();
    let p = &mut plan.prompts[2];
    p.title = "Helpers".into();
    p.question = "Who and what helps the service work well?".into();
    p.easy = "Who helps you?".into();
    p.symbol = cocreate_core::model::schema::Symbol::People;
    plan
}

fn prompts_of(d: &yrs::Doc) -> Vec<cocreate_core::model::schema::PromptText> {
    cocreate_core::model::board::Board::of(d).prompts(&d.transact())
}

#[tokio::test]
async fn a_plans_prompts_reword_every_board_live_and_new_workshops_carry_them() {
    use cocreate_core::model::schema::PromptText;
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("p.db"), Limits::default()).await;
    let (f, o) = (&srv.links.facilitator, &srv.links.organiser);
    let plan_url = srv.http(&format!("/api/workshops/demo/plan?token={f}"));
    let (_, body) = http(
        "GET",
        &srv.http(&format!("/api/workshops/demo?token={f}")),
        None,
    )
    .await;
    let console: cocreate_core::catalog::Console = serde_json::from_str(&body).unwrap();
    let ids: Vec<String> = console.boards.iter().map(|b| b.board.id.clone()).collect();
    assert!(ids.len() >= 2, "{ids:?}");
    // Someone is on two of the boards: a participant and a facilitator.
    let mut on_demo = TestClient::join(&srv.url_with_seat(
        DEMO,
        &srv.links.participant,
        "seat-of-a-patient-0123456789",
    ))
    .await;
    let other = ids.iter().find(|id| id.as_str() != DEMO).unwrap();
    let mut on_other = TestClient::join(&srv.url_with(other, f)).await;
    assert_eq!(prompts_of(&on_demo.doc), PromptText::builtin_all());

    let plan = reworded_plan();
    let (status, body) = http(
        "PUT",
        &plan_url,
        Some(&serde_json::to_string(&plan).unwrap()),
    )
    .await;
    assert_eq!(status, 204, "{body}");
    for c in [&mut on_demo, &mut on_other] {
        assert!(
            c.wait_for(WAIT, |d| prompts_of(d) == plan.prompts).await,
            "the open board shows the new words: {:?}",
            prompts_of(&c.doc)
        );
    }

    // Bad prompts: refused with what is wrong, and no board changes.
    let mut swapped = plan.clone();
    swapped.prompts.swap(0, 1);
    let mut untitled = plan.clone();
    untitled.prompts[0].title = " ".into();
    let mut long = plan.clone();
    long.prompts[3].easy = "x".repeat(301);
    for (bad, says) in [
        (&swapped, "each of the four prompts once"),
        (&untitled, "the purpose prompt needs a title"),
        (&long, "the values prompt needs a question"),
    ] {
        let (status, body) =
            http("PUT", &plan_url, Some(&serde_json::to_string(bad).unwrap())).await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains(says), "{body}");
    }
    let bad_symbol = serde_json::to_string(&plan)
        .unwrap()
        .replace(r#""symbol":"people""#, r#""symbol":"<script>""#);
    let (status, _) = http("PUT", &plan_url, Some(&bad_symbol)).await;
    assert!((400..500).contains(&status), "{status}");
    let fresh = TestClient::join(&srv.url_with(DEMO, f)).await;
    assert_eq!(prompts_of(&fresh.doc), plan.prompts, "nothing half-stored");

    // A participant's client may not reword its board.
    let board = cocreate_core::model::board::Board::of(&on_demo.doc);
    on_demo
        .change(|txn| board.set_prompts(txn, &PromptText::builtin_all()))
        .await;
    assert!(on_demo.denied(WAIT).await.is_some(), "refused");
    let fresh = TestClient::join(&srv.url_with(DEMO, f)).await;
    assert_eq!(prompts_of(&fresh.doc), plan.prompts);

    // Kept as a named plan (with the workshop's own privacy notice), a new workshop's
    // boards ask its questions from the start, and its people read that notice.
    let (status, body) = http(
        "PUT",
        &srv.http(&format!("/api/workshops/demo/notice?token={f}")),
        Some(r#"{"plain":"Cards are kept for 6 months by the MSK team.","easy_read":"We keep your cards for 6 months."}"#),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = http(
        "POST",
        &srv.http(&format!("/api/workshops/demo/plans?token={f}")),
        Some(r#"{"name":"Helpers"}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert!(body.contains("kept for 6 months by the MSK team"), "{body}");
    let (status, body) = http(
        "POST",
        &srv.http(&format!("/api/workshops?token={o}")),
        Some(r#"{"title":"MSK","area":"Musculoskeletal (MSK)","date":"","plan":"Helpers"}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let (boards, fac) = created(&body);
    let c = TestClient::join(&srv.url_with(&boards[0].1, &fac)).await;
    assert_eq!(prompts_of(&c.doc), plan.prompts);
    let (_, notice) = http(
        "GET",
        &srv.http(&format!("/api/boards/{}/notice?token={fac}", boards[0].1)),
        None,
    )
    .await;
    assert!(
        notice.contains("We keep your cards for 6 months."),
        "{notice}"
    );
    let (_, console) = http(
        "GET",
        &srv.http(&format!("/api/workshops/{}?token={fac}", body_id(&body))),
        None,
    )
    .await;
    assert!(
        !console.contains("6 months"),
        "the workshop's own plan keeps no notice: {console}"
    );
    // And so does a board added to it later.
    let (status, body) = http(
        "POST",
        &srv.http(&format!(
            "/api/workshops/{}/boards?token={fac}",
            body_id(&body)
        )),
        Some(r#"{"title":"Late group","pillar":""}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let id = serde_json::from_str::<serde_json::Value>(&body).unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let c = TestClient::join(&srv.url_with(&id, &fac)).await;
    assert_eq!(prompts_of(&c.doc), plan.prompts);
    srv.stop().await;
}
