//! Delphi rating rounds over real HTTP and a real SQLite file: a study with its rule fixed
//! before round 1, respondents by code with links of their own, round 1 on every item,
//! round 2 on the items without consensus with each respondent's feedback, results and
//! CSVs, and every refusal (a code used twice, ratings off the scale, a closed round).

mod common;

use cocreate_core::catalog::{AuditEntry, CreatedWorkshop};
use cocreate_core::delphi::{DelphiResults, RespondentLink, RespondentView, Study};
use common::{http, TestServer};
use server::config::Limits;

async fn created(srv: &TestServer) -> CreatedWorkshop {
    let url = srv.http(&format!("/api/workshops?token={}", srv.links.organiser));
    let body = r#"{"title":"Engagement group","area":"Cross-area synthesis","date":""}"#;
    let (status, answer) = http("POST", &url, Some(body)).await;
    assert_eq!(status, 201, "{answer}");
    serde_json::from_str(&answer).unwrap()
}

#[tokio::test]
async fn two_rounds_carry_forward_items_without_consensus_with_feedback() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("d.db"), Limits::default()).await;
    let w = created(&srv).await;
    let lead = w.facilitator_token.clone();
    let url = |path: &str, token: &str| srv.http(&format!("{path}?token={token}"));

    // A study: refused when malformed, nothing kept.
    let studies = format!("/api/workshops/{}/delphi", w.workshop.id);
    for (bad, why) in [
        (r#"{"title":"","items":["A"]}"#, "title"),
        (r#"{"title":"F","items":[]}"#, "1 to 200 items"),
        (
            r#"{"title":"F","items":["A"],"rule":{"high_at_least":0,"low_under":15}}"#,
            "percentages",
        ),
        (r#"{"title":"F","items":["A"],"scale":"ten-point"}"#, ""),
    ] {
        let (status, body) = http("POST", &url(&studies, &lead), Some(bad)).await;
        assert!(status == 400 || status == 422, "{bad}: {status} {body}");
        assert!(body.contains(why), "{body}");
    }
    let (status, _) = http(
        "POST",
        &url(&studies, &srv.links.participant),
        Some(r#"{"title":"F","items":["A"]}"#),
    )
    .await;
    assert_eq!(status, 403);
    let body = r#"{"title":"Draft framework «2026»","items":[
        "Consultant practitioners lead across services",
        "Protected time for development",
        "Research is part of every role"]}"#;
    let (status, s) = http("POST", &url(&studies, &lead), Some(body)).await;
    assert_eq!(status, 201, "{s}");
    let study: Study = serde_json::from_str(&s).unwrap();
    assert_eq!(study.rule.high_at_least, 70, "the default rule");
    assert_eq!(study.rule.low_under, 15);
    let (_, list) = http("GET", &url(&studies, &lead), None).await;
    assert_eq!(serde_json::from_str::<Vec<Study>>(&list).unwrap().len(), 1);
    let id = study.id.clone();

    // Ten respondents by code; a code used twice is refused.
    let respondents = format!("/api/delphi/{id}/respondents");
    let mut links: Vec<RespondentLink> = Vec::new();
    for n in 1..=10 {
        let body = format!(r#"{{"code":"P{n:02}"}}"#);
        let (status, l) = http("POST", &url(&respondents, &lead), Some(&body)).await;
        assert_eq!(status, 201, "{l}");
        links.push(serde_json::from_str(&l).unwrap());
    }
    let (status, body) = http("POST", &url(&respondents, &lead), Some(r#"{"code":"p01"}"#)).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("respondent code p01 is used already"),
        "{body}"
    );
    let (status, _) = http(
        "POST",
        &url(&respondents, &lead),
        Some(r#"{"code":"Ann Smith"}"#),
    )
    .await;
    assert_eq!(status, 400, "codes, not names");
    let p = |n: usize| links[n - 1].token.clone();
    // A respondent's link opens their study only: no results, no board, no console.
    let (status, _) = http(
        "GET",
        &url(&format!("/api/delphi/{id}/results"), &p(1)),
        None,
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = http(
        "GET",
        &url(
            &format!("/api/workshops/{}/export.csv", w.workshop.id),
            &p(1),
        ),
        None,
    )
    .await;
    assert_eq!(status, 401);

    // Nothing to rate before round 1.
    let ratings = format!("/api/delphi/{id}/ratings");
    let rate = |token: String, body: String| {
        let u = url(&ratings, &token);
        async move { http("PUT", &u, Some(&body)).await }
    };
    let one =
        |item: &str, value: u8| format!(r#"{{"ratings":[{{"item":"{item}","value":{value}}}]}}"#);
    let (status, body) = rate(p(1), one("i1", 9)).await;
    assert_eq!(status, 400);
    assert!(body.contains("no round is open"), "{body}");

    // Round 1: every item.
    let rounds = format!("/api/delphi/{id}/rounds");
    let (status, r) = http("POST", &url(&rounds, &lead), None).await;
    assert_eq!(status, 201, "{r}");
    assert!(
        r.contains(r#""number":1"#) && r.contains(r#""items":["i1","i2","i3"]"#),
        "{r}"
    );
    let (status, _) = http("POST", &url(&rounds, &lead), None).await;
    assert_eq!(status, 400, "one round open at a time");
    // i1: 8 of 10 high -> consensus. i2: 5 high, 1 low -> none. i3: 7 high, 2 low -> none.
    let plan: [(&str, [u8; 10]); 3] = [
        ("i1", [9, 8, 7, 9, 8, 7, 9, 8, 5, 9]),
        ("i2", [9, 8, 7, 9, 8, 5, 5, 5, 5, 2]),
        ("i3", [9, 8, 7, 9, 8, 7, 9, 5, 1, 2]),
    ];
    for n in 1..=10 {
        let body = serde_json::json!({ "ratings": plan.iter().map(|(item, v)| serde_json::json!({
            "item": item, "value": v[n - 1], "comment": if n == 1 { "Needs «funding» & time" } else { "" }
        })).collect::<Vec<_>>() })
        .to_string();
        let (status, b) = rate(p(n), body).await;
        assert_eq!(status, 200, "{b}");
    }
    // Off the scale, unknown items, an item twice: refused whole, nothing changed.
    for (bad, why) in [
        (one("i1", 10), "from 1 to 9"),
        (one("i1", 0), "from 1 to 9"),
        (one("i9", 5), "not rated in this round"),
        (
            r#"{"ratings":[{"item":"i1","value":2},{"item":"i1","value":3}]}"#.to_string(),
            "rated twice",
        ),
        (
            r#"{"ratings":[{"item":"i1","value":2},{"item":"i2","value":12}]}"#.to_string(),
            "from 1 to 9",
        ),
        (r#"{"ratings":[{"item":"i1","value":-1}]}"#.to_string(), ""),
    ] {
        let (status, body) = rate(p(1), bad.clone()).await;
        assert!(status == 400 || status == 422, "{bad}: {status} {body}");
        assert!(body.contains(why), "{body}");
    }
    // A respondent changes their mind within the round: the last rating counts.
    assert_eq!(rate(p(10), one("i1", 4)).await.0, 200);
    let mine: RespondentView = serde_json::from_str(
        &http("GET", &url(&format!("/api/delphi/{id}"), &p(10)), None)
            .await
            .1,
    )
    .unwrap();
    assert_eq!(mine.code, "P10");
    assert_eq!(mine.items[0].mine.as_ref().unwrap().value, 4);
    assert!(
        mine.items[0].group_before.is_none(),
        "no feedback in round 1"
    );

    let close = format!("/api/delphi/{id}/rounds/close");
    assert_eq!(http("POST", &url(&close, &p(1)), None).await.0, 403);
    assert_eq!(http("POST", &url(&close, &lead), None).await.0, 204);
    let (status, body) = rate(p(2), one("i2", 9)).await;
    assert_eq!(status, 400);
    assert!(body.contains("round 1 is closed"), "{body}");

    let results = |token: String| {
        let u = url(&format!("/api/delphi/{id}/results"), &token);
        async move {
            let (status, body) = http("GET", &u, None).await;
            assert_eq!(status, 200, "{body}");
            serde_json::from_str::<DelphiResults>(&body).unwrap()
        }
    };
    let r1 = results(lead.clone()).await;
    let items = &r1.rounds[0].items;
    assert_eq!(r1.rounds[0].respondents, 10);
    assert_eq!(
        items.iter().map(|i| i.consensus).collect::<Vec<_>>(),
        [true, false, false]
    );
    assert_eq!(items[0].high, 80.0);
    assert_eq!(items[0].median, Some(8.0));
    assert_eq!((items[1].high, items[1].low), (50.0, 10.0));
    assert_eq!((items[2].high, items[2].low), (70.0, 20.0));

    // Round 2: only i2 and i3, each respondent shown the group's median and spread and
    // their own last rating.
    let (status, r) = http("POST", &url(&rounds, &lead), None).await;
    assert_eq!(status, 201);
    assert!(r.contains(r#""items":["i2","i3"]"#), "{r}");
    let view: RespondentView = serde_json::from_str(
        &http("GET", &url(&format!("/api/delphi/{id}"), &p(9)), None)
            .await
            .1,
    )
    .unwrap();
    assert_eq!(view.round.as_ref().unwrap().number, 2);
    assert_eq!(view.items.len(), 2);
    assert_eq!(view.items[0].item.id, "i2");
    assert_eq!(view.items[0].mine_before, Some(5));
    let group = view.items[0].group_before.as_ref().unwrap();
    assert_eq!(group.median, Some(6.0));
    assert!(group.q1.is_some() && group.q3.is_some());
    assert_eq!(
        rate(p(1), one("i1", 9)).await.0,
        400,
        "i1 left the study with consensus"
    );
    // Everyone moves towards the group on i2; i3 stays split.
    for n in 1..=10 {
        let i2 = [9, 8, 7, 9, 8, 7, 7, 7, 5, 3][n - 1];
        let i3 = [9, 8, 7, 9, 8, 7, 9, 5, 1, 2][n - 1];
        let body =
            format!(r#"{{"ratings":[{{"item":"i2","value":{i2}}},{{"item":"i3","value":{i3}}}]}}"#);
        assert_eq!(rate(p(n), body).await.0, 200);
    }
    assert_eq!(http("POST", &url(&close, &lead), None).await.0, 204);
    let r2 = results(lead.clone()).await;
    let round2 = &r2.rounds[1].items;
    assert_eq!(round2.len(), 2);
    assert!(round2[0].consensus, "i2 reached 80 % high");
    assert!(!round2[1].consensus);
    // Stability: on i2, 7 of 10 kept their band (P06, P07 and P08 moved from the middle
    // to the top); on i3 everyone kept theirs.
    assert_eq!(round2[1].stability, Some(100.0));
    assert_eq!(round2[0].stability, Some(70.0));

    // CSVs: results per round and item; every rating with its comment.
    let (status, csv) = http(
        "GET",
        &url(&format!("/api/delphi/{id}/results.csv"), &lead),
        None,
    )
    .await;
    assert_eq!(status, 200);
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines[0],
        "round,item_id,item,rated_by,median,q1,q3,iqr,percent_low,percent_middle,percent_high,consensus,stability_percent"
    );
    assert_eq!(lines.len(), 1 + 3 + 2);
    assert!(
        lines[1].starts_with("1,i1,Consultant practitioners lead across services,10,8.00,"),
        "{}",
        lines[1]
    );
    assert!(lines[1].ends_with(",0.0,20.0,80.0,yes,"), "{}", lines[1]);
    assert!(lines[5].starts_with("2,i3,"), "{}", lines[5]);
    let (status, csv) = http(
        "GET",
        &url(&format!("/api/delphi/{id}/ratings.csv"), &lead),
        None,
    )
    .await;
    assert_eq!(status, 200);
    assert!(csv.contains(
        "1,P01,i1,Consultant practitioners lead across services,9,Needs «funding» & time,"
    ));
    assert!(!csv.contains("Ann"));
    assert_eq!(
        http(
            "GET",
            &url(&format!("/api/delphi/{id}/ratings.csv"), &p(1)),
            None
        )
        .await
        .0,
        403
    );

    // Round 3 carries only i3; once every item has consensus, no further round opens.
    let (status, r) = http("POST", &url(&rounds, &lead), None).await;
    assert_eq!(status, 201);
    assert!(r.contains(r#""items":["i3"]"#), "{r}");
    for n in 1..=10 {
        assert_eq!(rate(p(n), one("i3", 8)).await.0, 200);
    }
    assert_eq!(http("POST", &url(&close, &lead), None).await.0, 204);
    let (status, body) = http("POST", &url(&rounds, &lead), None).await;
    assert_eq!(status, 400);
    assert!(body.contains("every item has reached consensus"), "{body}");

    // The findings report: the rule, each round's consensus table, where items ended;
    // as PDF (read by pdftotext) and DOCX (unzipped, XML checked); the lead's only.
    let report = |ext: &str, token: &str| url(&format!("/api/delphi/{id}/report.{ext}"), token);
    let (status, head, pdf) = common::http_raw("GET", &report("pdf", &lead), b"").await;
    assert_eq!(status, 200, "{head}");
    let (text, info) = common::pdf_text(&pdf);
    assert!(info.contains("Tagged:          yes"), "{info}");
    let text = common::squash(&text);
    for want in [
        "Consensus: at least 70 % rate it 7-9 and under 15 % rate it 1-3",
        "Round 1",
        "Round 2",
        "Round 3",
        "Consultant practitioners lead across services",
        "reached in round 1",
        "reached in round 3",
        "Round 2 results by item",
        "Protected time for 10 7.0 1.2 10 10 80 yes 70.0",
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF: {text}");
    }
    assert!(!text.contains("Ann"), "codes, never names");
    let (_, _, docx) = common::http_raw("GET", &report("docx", &lead), b"").await;
    let (text, _) = common::docx_text(&docx);
    assert!(text.contains("Where each item ended"), "{text}");
    assert_eq!(
        common::http_raw("GET", &report("pdf", &p(1)), b"").await.0,
        403
    );

    // A revoked respondent's link opens nothing more; their ratings stay in the results.
    let revoke = url(&format!("/api/delphi/{id}/respondents/P10"), &lead);
    assert_eq!(
        http(
            "DELETE",
            &url(&format!("/api/delphi/{id}/respondents/P10"), &p(1)),
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(http("DELETE", &revoke, None).await.0, 204);
    assert_eq!(
        http("GET", &url(&format!("/api/delphi/{id}"), &p(10)), None)
            .await
            .0,
        401
    );
    let after = results(lead.clone()).await;
    assert_eq!(after.rounds[0].items[0].n, 10);
    assert!(after.respondents[9].revoked_ms.is_some());
    assert_eq!(
        http(
            "DELETE",
            &url(&format!("/api/delphi/{id}/respondents/P99"), &lead),
            None
        )
        .await
        .0,
        404
    );

    // The lead's steps are audited.
    let audit = url(&format!("/api/workshops/{}/audit", w.workshop.id), &lead);
    let log: Vec<AuditEntry> = serde_json::from_str(&http("GET", &audit, None).await.1).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "create Delphi study",
        "add Delphi respondent",
        "open Delphi round",
        "close Delphi round",
        "export Delphi results",
        "revoke Delphi respondent",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
    srv.stop().await;
}

#[tokio::test]
async fn a_studys_statements_come_from_a_published_draft_of_its_own_workshop() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("d.db"), Limits::default()).await;
    let f = srv.links.facilitator.clone();
    let (status, body) = http(
        "POST",
        &srv.http(&format!(
            "/api/boards/{}/consultations?token={f}",
            common::DEMO
        )),
        Some(r#"{"title":"Draft framework","kind":"consultation"}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let published: cocreate_core::consult::Published = serde_json::from_str(&body).unwrap();
    let draft = published.consultation;
    let new = |from: &str| {
        format!(r#"{{"title":"From the draft","items":["Typed first"],"from":{from}}}"#)
    };
    let (status, body) = http(
        "POST",
        &srv.http(&format!("/api/workshops/demo/delphi?token={f}")),
        Some(&new(&format!(r#"{{"draft":"{}"}}"#, draft.id))),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let study: Study = serde_json::from_str(&body).unwrap();
    let texts: Vec<&str> = study.items.iter().map(|i| i.text.as_str()).collect();
    let mut want = vec!["Typed first"];
    want.extend(draft.items.iter().map(|i| i.text.as_str()));
    assert_eq!(texts, want);
    assert_eq!(texts.len(), 5);

    // Another workshop's lead cannot take this workshop's draft; an unknown one is refused.
    let other = created(&srv).await;
    for from in [
        format!(r#"{{"draft":"{}"}}"#, draft.id),
        r#"{"draft":"nope"}"#.into(),
    ] {
        let (status, body) = http(
            "POST",
            &srv.http(&format!(
                "/api/workshops/{}/delphi?token={}",
                other.workshop.id, other.facilitator_token
            )),
            Some(&new(&from)),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("no draft"), "{body}");
    }
    srv.stop().await;
}
