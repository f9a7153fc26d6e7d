//! A workshop's analysis over real HTTP, real websockets and a real SQLite file: the
//! lead's codebook and analysts, blind coding (no analyst sees another's work), the
//! comparison with agreement and disagreements, the agreed coding, and every refusal.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use cocreate_core::analysis::{AnalystLink, Coder, CodingPhase, CodingView};
use cocreate_core::catalog::{AuditEntry, CreatedWorkshop};
use cocreate_core::model::board::Board;
use cocreate_core::model::export::BoardExport;
use cocreate_core::model::{Prompt, Role};
use common::{http, run_tool, TestClient, TestServer};
use server::config::Limits;
use yrs::Transact;

async fn created(srv: &TestServer, title: &str) -> CreatedWorkshop {
    let body = format!(r#"{{"title":"{title}","area":"Cancer Care","date":""}}"#);
    let url = srv.http(&format!("/api/workshops?token={}", srv.links.organiser));
    let (status, answer) = http("POST", &url, Some(&body)).await;
    assert_eq!(status, 201, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

async fn add_cards(srv: &TestServer, board: &str, token: &str, cards: &[(&str, Prompt, &str)]) {
    add_cards_by(srv, board, token, "pseudonym-of-someone", cards).await
}

async fn add_cards_by(
    srv: &TestServer,
    board: &str,
    token: &str,
    author: &str,
    cards: &[(&str, Prompt, &str)],
) {
    let mut c = TestClient::join(&srv.url_with(board, token)).await;
    let b = Board::of(&c.doc);
    let cards: Vec<(String, Prompt, String)> = cards
        .iter()
        .map(|(id, p, t)| (id.to_string(), *p, t.to_string()))
        .collect();
    c.change(|txn| {
        for (id, p, t) in &cards {
            b.add_card(txn, id, *p, t, author, Role::Patient, 1.0)
                .unwrap();
        }
    })
    .await;
    let mut check = TestClient::join(&srv.url_with(board, token)).await;
    let last = cards.last().unwrap().0.clone();
    assert!(
        check
            .wait_for(Duration::from_secs(10), |d| {
                Board::of(d).card(&d.transact(), &last).is_some()
            })
            .await
    );
}

struct Api<'a> {
    srv: &'a TestServer,
    workshop: String,
}

impl Api<'_> {
    fn url(&self, path: &str, token: &str) -> String {
        self.srv.http(&format!(
            "/api/workshops/{}/coding{path}?token={token}",
            self.workshop
        ))
    }

    async fn view(&self, token: &str) -> CodingView {
        let (status, body) = http("GET", &self.url("", token), None).await;
        assert_eq!(status, 200, "{body}");
        serde_json::from_str(&body).unwrap()
    }

    async fn code(&self, token: &str, card: &str, codes: &[&str]) -> (u16, String) {
        let body = serde_json::json!({ "card": card, "codes": codes }).to_string();
        http("PUT", &self.url("/cards", token), Some(&body)).await
    }

    async fn phase(&self, token: &str, phase: &str) -> u16 {
        let body = format!(r#"{{"phase":"{phase}"}}"#);
        http("PUT", &self.url("/phase", token), Some(&body)).await.0
    }
}

fn set(codes: &[&str]) -> BTreeSet<String> {
    codes.iter().map(|c| c.to_string()).collect()
}

#[tokio::test]
async fn analysts_code_blind_then_compare_and_the_lead_records_the_agreed_coding() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("c.db"), Limits::default()).await;
    let w = created(&srv, "Cancer Care workshop").await;
    let other = created(&srv, "Another workshop").await;
    let lead = w.facilitator_token.clone();
    let board = w.workshop.boards[0].id.clone();
    add_cards(
        &srv,
        &board,
        &lead,
        &[
            ("k1", Prompt::Purpose, "Patients trust staff who listen"),
            ("k2", Prompt::How, "Waiting <b>lists</b> are too long"),
            ("k3", Prompt::Enablers, "Time to learn"),
            ("k4", Prompt::Values, "Kindness"),
        ],
    )
    .await;
    let before = {
        let url = srv.http(&format!("/api/boards/{board}/export.json?token={lead}"));
        http("GET", &url, None).await.1
    };
    let api = Api {
        srv: &srv,
        workshop: w.workshop.id.clone(),
    };

    // Who may open the analysis: its lead; not participants, other workshops'
    // facilitators, or nobody.
    assert_eq!(http("GET", &api.url("", ""), None).await.0, 401);
    assert_eq!(http("GET", &api.url("", "forged"), None).await.0, 401);
    assert_eq!(
        http("GET", &api.url("", &other.facilitator_token), None)
            .await
            .0,
        403
    );
    let empty = api.view(&lead).await;
    assert_eq!(empty.phase, CodingPhase::Blind);
    assert_eq!(empty.me, Coder::Lead);
    assert!(empty.codebook.codes.is_empty());
    assert_eq!(empty.cards.len(), 4);
    assert_eq!(empty.cards[1].text, "Waiting <b>lists</b> are too long");
    assert_eq!(empty.cards[1].question, "How");

    // The codebook: a bad one is refused whole, a good one kept.
    let book_url = api.url("/codebook", &lead);
    for (bad, why) in [
        (
            r#"{"codes":[{"id":"c1","name":"Trust"},{"id":"c1","name":"Again"}]}"#,
            "appears twice",
        ),
        (
            r#"{"codes":[{"id":"c1","name":"Trust","parent":"nope"}]}"#,
            "not in the codebook",
        ),
        (r#"{"codes":[{"id":"c1","name":""}]}"#, "needs a name"),
        (r#"{"codes":"#, ""),
    ] {
        let (status, body) = http("PUT", &book_url, Some(bad)).await;
        assert!(status == 400 || status == 422, "{status} {body}");
        assert!(body.contains(why), "{body}");
    }
    assert!(api.view(&lead).await.codebook.codes.is_empty());
    let book = r#"{"codes":[
        {"id":"trust","name":"Trust","definition":"Being believed and listened to"},
        {"id":"access","name":"Access to care"},
        {"id":"wait","name":"Waiting","parent":"access"}]}"#;
    assert_eq!(http("PUT", &book_url, Some(book)).await.0, 204);
    assert_eq!(api.view(&lead).await.codebook.codes.len(), 3);

    // Analysts: each gets a link of their own, once.
    let add = |name: &str| {
        let body = serde_json::json!({ "name": name }).to_string();
        let url = api.url("/analysts", &lead);
        async move { http("POST", &url, Some(&body)).await }
    };
    assert_eq!(add("   ").await.0, 400);
    let (status, a) = add("Asha (lead reviewer)").await;
    assert_eq!(status, 201, "{a}");
    let asha: AnalystLink = serde_json::from_str(&a).unwrap();
    let ben: AnalystLink = serde_json::from_str(&add("Ben").await.1).unwrap();
    let (a, b) = (asha.token.as_str(), ben.token.as_str());
    // A participant link, or an analyst, may not add analysts.
    let url = api.url("/analysts", &srv.links.participant);
    assert_eq!(http("POST", &url, Some(r#"{"name":"x"}"#)).await.0, 403);
    let url = api.url("/analysts", a);
    assert_eq!(http("POST", &url, Some(r#"{"name":"x"}"#)).await.0, 403);

    // An analyst's link opens this analysis and nothing else: no board, no console, no
    // other workshop's analysis.
    for path in [
        format!("/api/boards/{board}/export.json?token={a}"),
        format!("/api/workshops/{}/console?token={a}", w.workshop.id),
    ] {
        let status = http("GET", &srv.http(&path), None).await.0;
        assert!(status == 401 || status == 404, "{path}: {status}");
    }
    let other_api = Api {
        srv: &srv,
        workshop: other.workshop.id.clone(),
    };
    assert_eq!(http("GET", &other_api.url("", a), None).await.0, 403);

    // What an analyst sees: cards without names or pseudonyms, their own coding only.
    let (status, body) = http("GET", &api.url("", a), None).await;
    assert_eq!(status, 200);
    assert!(!body.contains("pseudonym-of-someone"), "{body}");
    let seen: CodingView = serde_json::from_str(&body).unwrap();
    assert!(matches!(&seen.me, Coder::Analyst(me) if me.name == "Asha (lead reviewer)"));
    assert_eq!(seen.cards[0].role.as_deref(), Some("patient"));
    assert_eq!(seen.analysts.len(), 1, "not even who else codes");

    // Blind coding, with its refusals.
    let card = |id: &str| format!("{board}/{id}");
    for (token, id, codes) in [
        (a, "k1", &["trust"][..]),
        (a, "k2", &["access", "wait"][..]),
        (a, "k3", &[][..]),
        (b, "k1", &["trust"][..]),
        (b, "k2", &["access"][..]),
        (b, "k3", &["wait"][..]),
    ] {
        let (status, body) = api.code(token, &card(id), codes).await;
        assert_eq!(status, 204, "{body}");
    }
    let (status, body) = api.code(a, &card("k1"), &["nope"]).await;
    assert_eq!(status, 400);
    assert!(body.contains("not in the codebook"), "{body}");
    let (status, body) = api.code(a, &card("zz"), &["trust"]).await;
    assert_eq!(status, 400);
    assert!(body.contains("no card"), "{body}");
    let (status, _) = api
        .code(a, &format!("{}/k1", other.workshop.boards[0].id), &[])
        .await;
    assert_eq!(
        status, 400,
        "another workshop's board is not this analysis's"
    );
    assert_eq!(api.code(&lead, &card("k1"), &[]).await.0, 400);
    assert_eq!(
        api.code(&srv.links.participant, &card("k1"), &[]).await.0,
        403
    );
    assert_eq!(api.phase(a, "compare").await, 403);
    assert_eq!(
        http("PUT", &api.url("/codebook", a), Some(book)).await.0,
        403
    );

    let mine = api.view(a).await;
    assert_eq!(mine.mine.len(), 3);
    assert_eq!(mine.mine[&card("k2")], set(&["access", "wait"]));
    assert!(mine.codings.is_empty() && mine.agreement.is_none());
    let bens = api.view(b).await;
    assert_eq!(bens.mine[&card("k3")], set(&["wait"]));
    assert_eq!(bens.analysts.len(), 1);

    // The lead follows progress and agreement at any time.
    let v = api.view(&lead).await;
    assert_eq!(
        v.analysts.iter().map(|x| x.coded).collect::<Vec<_>>(),
        vec![3, 3]
    );
    let agreement = v.agreement.expect("two analysts coded");
    assert_eq!(agreement.cards_compared, 3);
    // 9 decisions (3 cards x 3 codes), 7 alike: k2/wait and k3/wait differ.
    let wrong: Vec<(String, String)> = agreement
        .disagreements
        .iter()
        .map(|d| (d.card.clone(), d.code.clone()))
        .collect();
    assert_eq!(
        wrong,
        vec![(card("k2"), "wait".into()), (card("k3"), "wait".into())]
    );
    assert_eq!(
        agreement.disagreements[0].applied_by,
        vec![asha.analyst.id.clone()]
    );
    let trust = &agreement.per_code[0];
    assert_eq!(trust.code, "trust");
    assert_eq!(trust.kappa, Some(1.0));
    assert_eq!(trust.percent_agreement, Some(1.0));
    assert!(agreement.kappa.is_some() && agreement.alpha.is_some());

    // Compare: codings frozen, visible to every analyst; the agreed coding recorded.
    assert_eq!(api.phase(&lead, "compare").await, 204);
    assert_eq!(api.code(a, &card("k4"), &["trust"]).await.0, 400);
    let (status, body) = http("PUT", &book_url, Some(book)).await;
    assert_eq!(status, 400, "no codebook change while comparing: {body}");
    let compared = api.view(b).await;
    assert_eq!(compared.phase, CodingPhase::Compare);
    assert_eq!(compared.analysts.len(), 2);
    assert_eq!(compared.codings.len(), 2);
    assert!(compared.agreement.is_some());
    let (status, body) = api.code(&lead, &card("k2"), &["access"]).await;
    assert_eq!(status, 204, "{body}");
    assert_eq!(api.code(&lead, &card("k3"), &[]).await.0, 204);
    let agreed = api.view(a).await.agreed;
    assert_eq!(agreed[&card("k2")], set(&["access"]));
    assert_eq!(agreed.len(), 2);
    // The analysts' own codings are unchanged by the agreed one.
    assert_eq!(
        api.view(&lead).await.codings[&asha.analyst.id][&card("k2")],
        set(&["access", "wait"])
    );

    // The lead revokes Ben's link: it opens nothing more; his coding is kept.
    let revoke = |token: &str, who: &str| api.url(&format!("/analysts/{who}"), token);
    assert_eq!(
        http("DELETE", &revoke(a, &ben.analyst.id), None).await.0,
        403
    );
    assert_eq!(http("DELETE", &revoke(&lead, "nobody"), None).await.0, 404);
    assert_eq!(
        http("DELETE", &revoke(&lead, &ben.analyst.id), None)
            .await
            .0,
        204
    );
    assert_eq!(http("GET", &api.url("", b), None).await.0, 401);
    assert_eq!(api.code(b, &card("k1"), &[]).await.0, 401);
    let kept = api.view(&lead).await;
    assert!(kept.analysts[1].revoked_ms.is_some());
    assert_eq!(kept.codings[&ben.analyst.id].len(), 3);

    // Coding never changed the board.
    let after = {
        let url = srv.http(&format!("/api/boards/{board}/export.json?token={lead}"));
        http("GET", &url, None).await.1
    };
    assert_eq!(
        BoardExport::from_json(&before).unwrap().cards,
        BoardExport::from_json(&after).unwrap().cards
    );

    // Every step of the lead's is audited, analysts by name, never their links.
    let url = srv.http(&format!(
        "/api/workshops/{}/audit?token={lead}",
        w.workshop.id
    ));
    let (status, body) = http("GET", &url, None).await;
    assert_eq!(status, 200);
    assert!(!body.contains(a) && !body.contains(b));
    let log: Vec<AuditEntry> = serde_json::from_str(&body).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    for action in [
        "save codebook",
        "add analyst",
        "compare codings",
        "agree coding",
        "revoke analyst",
    ] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
    srv.stop().await;
}

/// Run a real tool; its exit status must be success.
#[tokio::test]
async fn the_analysis_exports_as_refi_qda_valid_against_the_published_schema() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("q.db"), Limits::default()).await;
    let w = created(&srv, "Exports «workshop» & more").await;
    let lead = w.facilitator_token.clone();
    let board = w.workshop.boards[0].id.clone();
    let tricky = "<b>Bold</b> & \"quoted\" \u{1F9E0} مرحبا ]]> end";
    add_cards_by(
        &srv,
        &board,
        &lead,
        "author-one",
        &[("k1", Prompt::Purpose, tricky)],
    )
    .await;
    add_cards_by(
        &srv,
        &board,
        &lead,
        "author-two",
        &[
            ("k2", Prompt::How, "Plain words"),
            ("k3", Prompt::Values, "Kindness"),
        ],
    )
    .await;
    let api = Api {
        srv: &srv,
        workshop: w.workshop.id.clone(),
    };
    let book = r#"{"codes":[
        {"id":"trust","name":"Trust & <respect>","definition":"Being \"believed\" \u00e9"},
        {"id":"access","name":"Access"},
        {"id":"wait","name":"Waiting","parent":"access","definition":"Queues"}]}"#;
    assert_eq!(
        http("PUT", &api.url("/codebook", &lead), Some(book))
            .await
            .0,
        204
    );
    let add = |name: &str| {
        let body = serde_json::json!({ "name": name }).to_string();
        let url = api.url("/analysts", &lead);
        async move {
            let (status, body) = http("POST", &url, Some(&body)).await;
            assert_eq!(status, 201);
            serde_json::from_str::<AnalystLink>(&body).unwrap()
        }
    };
    let (asha, ben) = (add("Asha").await, add("Ben <b>").await);
    let card = |id: &str| format!("{board}/{id}");
    for (token, id, codes) in [
        (&asha.token, "k1", &["trust", "wait"][..]),
        (&asha.token, "k2", &["access"][..]),
        (&ben.token, "k1", &["trust"][..]),
        (&ben.token, "k3", &[][..]),
    ] {
        assert_eq!(api.code(token, &card(id), codes).await.0, 204);
    }
    assert_eq!(api.phase(&lead, "compare").await, 204);
    assert_eq!(api.code(&lead, &card("k1"), &["trust"]).await.0, 204);

    // Who may export: the project is the lead's; the codebook is everyone's in the analysis.
    let qdpx = |token: &str| api.url("/project.qdpx", token);
    assert_eq!(http("GET", &qdpx(""), None).await.0, 401);
    assert_eq!(
        http("GET", &qdpx(&srv.links.participant), None).await.0,
        403
    );
    assert_eq!(http("GET", &qdpx(&asha.token), None).await.0, 403);
    let (status, head, bytes) = common::http_raw("GET", &qdpx(&lead), b"").await;
    assert_eq!(status, 200, "{head}");
    assert!(head.to_lowercase().contains("application/zip"), "{head}");

    // Unzipped by unzip, project.qde is valid against REFI-QDA's published schema.
    let out = dir.path().join("qdpx");
    let file = dir.path().join("analysis.qdpx");
    std::fs::write(&file, &bytes).unwrap();
    run_tool(
        "unzip",
        &["-q", file.to_str().unwrap(), "-d", out.to_str().unwrap()],
    );
    let schema = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/schemas/refi-qda/Project.xsd"
    );
    let qde = out.join("project.qde");
    let said = run_tool(
        "xmllint",
        &["--noout", "--schema", schema, qde.to_str().unwrap()],
    );
    assert!(said.contains("validates"), "{said}");

    // What it holds: users, nested codes, cases with variables, sources and codings.
    let xml = std::fs::read_to_string(&qde).unwrap();
    assert!(
        xml.contains(r#"name="Ben &lt;b&gt;""#),
        "attributes escaped"
    );
    assert!(xml.contains(r#"name="Agreed coding""#));
    assert!(xml.contains(r#"name="Trust &amp; &lt;respect&gt;""#));
    assert_eq!(xml.matches("<Case ").count(), 2, "one case per author");
    assert!(xml.contains(r#"name="Participant 1""#) && !xml.contains("author-one"));
    assert!(xml.contains("<TextValue>patient</TextValue>"));
    assert_eq!(xml.matches("<TextSource ").count(), 3);
    // Asha 2 + 1, Ben 1 (k3 looked at, none), agreed 1.
    assert_eq!(xml.matches("<Coding ").count(), 5);
    let waiting = xml.find(r#"name="Waiting""#).unwrap();
    let access = xml.find(r#"name="Access""#).unwrap();
    assert!(access < waiting, "Waiting nested under Access");
    // Each source's text is the card's, whole, in Sources/.
    let mut texts: Vec<String> = std::fs::read_dir(out.join("Sources"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    texts.sort();
    assert_eq!(
        texts,
        vec![tricky.to_string(), "Kindness".into(), "Plain words".into()]
    );
    let tricky_len = tricky.chars().count().to_string();
    assert!(xml.contains(&format!(r#"endPosition="{tricky_len}""#)));
    // A second export names everything the same way (GUIDs are stable).
    let (_, _, again) = common::http_raw("GET", &qdpx(&lead), b"").await;
    let file2 = dir.path().join("again.qdpx");
    std::fs::write(&file2, &again).unwrap();
    let again = run_tool("unzip", &["-p", file2.to_str().unwrap(), "project.qde"]);
    let guids = |x: &str| -> Vec<String> {
        x.split("guid=\"")
            .skip(1)
            .map(|s| s[..36].to_string())
            .collect()
    };
    assert_eq!(guids(&xml), guids(&again));

    // The codebook alone, for an analyst too.
    let (status, _, qdc) =
        common::http_raw("GET", &api.url("/codebook.qdc", &asha.token), b"").await;
    assert_eq!(status, 200);
    let qdc_file = dir.path().join("codebook.qdc");
    std::fs::write(&qdc_file, &qdc).unwrap();
    run_tool("xmllint", &["--noout", qdc_file.to_str().unwrap()]);
    let qdc = String::from_utf8(qdc).unwrap();
    assert!(qdc.contains(r#"<CodeBook xmlns="urn:QDA-XML:codebook:1.0""#));
    assert!(
        qdc.contains("<Description>Being &quot;believed&quot; é</Description>"),
        "{qdc}"
    );
    // Its codes are the project schema's CodeBook: validated there too.
    let wrapped = dir.path().join("wrapped.qde");
    let body = qdc.split_once("?>").unwrap().1.replace(
        r#"<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="cocreate">"#,
        "<CodeBook>",
    );
    std::fs::write(
        &wrapped,
        format!(r#"<Project xmlns="urn:QDA-XML:project:1.0" name="codebook">{body}</Project>"#),
    )
    .unwrap();
    run_tool(
        "xmllint",
        &["--noout", "--schema", schema, wrapped.to_str().unwrap()],
    );

    let url = srv.http(&format!(
        "/api/workshops/{}/audit?token={lead}",
        w.workshop.id
    ));
    let log: Vec<AuditEntry> = serde_json::from_str(&http("GET", &url, None).await.1).unwrap();
    let exports: Vec<&AuditEntry> = log
        .iter()
        .filter(|e| e.action == "export analysis")
        .collect();
    assert_eq!(exports.len(), 3);
    assert!(exports.iter().any(|e| e.actor.starts_with("analyst Asha")));
    srv.stop().await;
}

#[tokio::test]
async fn codebooks_come_from_refi_qda_files_and_boards_themes_and_bad_ones_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("i.db"), Limits::default()).await;
    let w = created(&srv, "Import workshop").await;
    let lead = w.facilitator_token.clone();
    let board = w.workshop.boards[0].id.clone();
    add_cards(
        &srv,
        &board,
        &lead,
        &[("k1", Prompt::How, "Queues at the clinic")],
    )
    .await;
    // Two themes on the board (as a facilitator grouping cards would make them).
    {
        let mut c = TestClient::join(&srv.url_with(&board, &lead)).await;
        let b = Board::of(&c.doc);
        c.change(|txn| {
            b.add_theme(txn, "t1", Prompt::How, "Waiting «lists»")
                .unwrap();
            b.add_theme(txn, "t2", Prompt::Values, "Trust").unwrap();
        })
        .await;
        let mut check = TestClient::join(&srv.url_with(&board, &lead)).await;
        assert!(
            check
                .wait_for(Duration::from_secs(10), |d| Board::of(d)
                    .themes(&d.transact())
                    .len()
                    == 2)
                .await
        );
    }
    let api = Api {
        srv: &srv,
        workshop: w.workshop.id.clone(),
    };
    let book = r#"{"codes":[{"id":"access","name":"Access"},
        {"id":"wait","name":"Waiting","parent":"access","definition":"Queues & <delays>"}]}"#;
    assert_eq!(
        http("PUT", &api.url("/codebook", &lead), Some(book))
            .await
            .0,
        204
    );
    let body = serde_json::json!({ "name": "Asha" }).to_string();
    let (_, a) = http("POST", &api.url("/analysts", &lead), Some(&body)).await;
    let asha: AnalystLink = serde_json::from_str(&a).unwrap();
    let card = format!("{board}/k1");
    assert_eq!(api.code(&asha.token, &card, &["wait"]).await.0, 204);

    // An exported codebook imported again keeps its codes' ids, so codings stay.
    let (_, _, qdc) = common::http_raw("GET", &api.url("/codebook.qdc", &lead), b"").await;
    let import = api.url("/codebook.qdc", &lead);
    let (status, body) = common::http_raw("POST", &import, &qdc)
        .await
        .into_status_body();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""codes":2"#), "{body}");
    let v = api.view(&lead).await;
    assert_eq!(v.codebook.codes[1].id, "wait");
    assert_eq!(v.codebook.codes[1].parent.as_deref(), Some("access"));
    assert_eq!(v.codebook.codes[1].definition, "Queues & <delays>");
    assert_eq!(api.view(&asha.token).await.mine[&card], set(&["wait"]));

    // Bad files are refused with a reason, and the codebook stays as it was.
    let g = |n: u8| format!("{n:08x}-0000-4000-8000-000000000000");
    let deep = (1..=5).fold(String::new(), |inner, n| {
        format!(
            r#"<Code guid="{}" name="Level {n}" isCodable="true">{inner}</Code>"#,
            g(n)
        )
    });
    for (bad, why) in [
        (String::new(), "it is empty"),
        (
            "<Project name=\"x\"/>".to_string(),
            "not a REFI-QDA codebook",
        ),
        (
            format!(r#"<CodeBook><Codes><Code guid="{}" name="Cut"#, g(1)),
            "not well-formed",
        ),
        (
            format!(
                r#"<CodeBook><Codes><Code guid="{}" isCodable="true"/></Codes></CodeBook>"#,
                g(1)
            ),
            "has no name",
        ),
        (
            format!("<CodeBook><Codes>{deep}</Codes></CodeBook>"),
            "deeper than",
        ),
        (
            format!(
                r#"<CodeBook><Codes><Code guid="{0}" name="Twin" isCodable="true"/><Code guid="{0}" name="Other" isCodable="true"/></Codes></CodeBook>"#,
                g(1)
            ),
            "appears twice",
        ),
    ] {
        let (status, body) = common::http_raw("POST", &import, bad.as_bytes())
            .await
            .into_status_body();
        assert_eq!(status, 400, "{bad}: {body}");
        assert!(body.contains(why), "{why}: {body}");
        assert_eq!(api.view(&lead).await.codebook.codes.len(), 2);
    }
    // Nobody but the lead imports.
    let url = api.url("/codebook.qdc", &asha.token);
    assert_eq!(common::http_raw("POST", &url, &qdc).await.0, 403);

    // Another tool's codebook: its nesting and entities kept, its GUIDs the new ids.
    let foreign = format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
        <CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo">
          <Codes>
            <Code guid="{}" name="Hope" isCodable="true">
              <Description>Looking forward &amp; &#x1F331; &lt;growth&gt;</Description>
              <Code guid="{}" name="Fear" isCodable="true"/>
            </Code>
          </Codes>
        </CodeBook>"#,
        g(7),
        g(8)
    );
    let (status, body) = common::http_raw("POST", &import, foreign.as_bytes())
        .await
        .into_status_body();
    assert_eq!(status, 200, "{body}");
    let v = api.view(&lead).await;
    assert_eq!(v.codebook.codes.len(), 2);
    assert_eq!(v.codebook.codes[0].name, "Hope");
    assert_eq!(
        v.codebook.codes[0].definition,
        "Looking forward & \u{1F331} <growth>"
    );
    assert_eq!(v.codebook.codes[1].parent.as_deref(), Some(g(7).as_str()));

    // A board's themes become codes (once each).
    let themes = api.url("/codebook/themes", &lead);
    let from = serde_json::json!({ "board": board }).to_string();
    let (status, body) = http("POST", &themes, Some(&from)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""added":2"#), "{body}");
    let names: Vec<String> = api
        .view(&lead)
        .await
        .codebook
        .codes
        .iter()
        .map(|c| c.name.clone())
        .collect();
    assert_eq!(names, vec!["Hope", "Fear", "Waiting «lists»", "Trust"]);
    assert!(http("POST", &themes, Some(&from))
        .await
        .1
        .contains(r#""added":0"#));
    let other = serde_json::json!({ "board": "nope" }).to_string();
    assert_eq!(http("POST", &themes, Some(&other)).await.0, 400);
    srv.stop().await;
}

trait StatusBody {
    fn into_status_body(self) -> (u16, String);
}

impl StatusBody for (u16, String, Vec<u8>) {
    fn into_status_body(self) -> (u16, String) {
        (self.0, String::from_utf8_lossy(&self.2).into_owned())
    }
}
