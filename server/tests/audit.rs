//! The audit log: every facilitator action and every export leaves an entry with the
//! link's label (never its token); facilitators read it as JSON or CSV; the store refuses
//! to change or delete an entry. Real HTTP, a real SQLite file.

mod common;

use cocreate_core::catalog::AuditEntry;
use cocreate_core::identity::pseudonym;
use common::{http, http_raw, TestServer, DEMO};
use server::config::Limits;

#[tokio::test]
async fn every_facilitator_action_and_export_is_in_the_append_only_audit_log() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("a.db"), Limits::default()).await;
    let f = srv.links.facilitator.clone();
    let api = |path: &str| srv.http(&format!("{path}?token={f}"));
    let ok = |status: u16, body: &str| assert!((200..300).contains(&status), "{status} {body}");

    // A labelled facilitator link does the rest, so its label is in the entries.
    let (status, made) = http(
        "POST",
        &api("/api/workshops/demo/links"),
        Some(r#"{"role":"facilitator","label":"Sam's laptop"}"#),
    )
    .await;
    ok(status, &made);
    let sam = serde_json::from_str::<serde_json::Value>(&made).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let as_sam = |path: &str| srv.http(&format!("{path}?token={sam}"));
    let steps: Vec<(&str, String, Option<String>)> = vec![
        (
            "POST",
            as_sam(&format!("/api/boards/{DEMO}/control")),
            Some(r#"{"locked":true}"#.into()),
        ),
        (
            "POST",
            as_sam(&format!("/api/boards/{DEMO}/cards/seed-0/moderate")),
            Some(r#"{"action":"hide"}"#.into()),
        ),
        (
            "POST",
            as_sam(&format!("/api/boards/{DEMO}/cards/seed-0/moderate")),
            Some(r#"{"action":"show"}"#.into()),
        ),
        (
            "POST",
            as_sam(&format!("/api/boards/{DEMO}/snapshots")),
            Some(r#"{"name":"Midpoint"}"#.into()),
        ),
        (
            "GET",
            as_sam(&format!("/api/boards/{DEMO}/export.csv")),
            None,
        ),
        ("GET", as_sam("/api/workshops/demo/export.tar"), None),
        (
            "POST",
            as_sam(&format!("/api/boards/{DEMO}/moves")),
            Some(r#"{"person":"p-0123456789abcdef0123","to":"demo-research"}"#.into()),
        ),
        (
            "PUT",
            as_sam("/api/workshops/demo/notice"),
            Some(r#"{"plain":"New words.","easy_read":"New easy words."}"#.into()),
        ),
    ];
    for (method, url, body) in &steps {
        let (status, _, answer) =
            http_raw(method, url, body.as_deref().unwrap_or("").as_bytes()).await;
        ok(status, &String::from_utf8_lossy(&answer));
    }
    // Someone joins and is erased; someone else withdraws.
    let join = srv.http(&format!(
        "/api/boards/{DEMO}/join?token={}",
        srv.links.participant
    ));
    for seat in ["audit-test-seat-ana-012345", "audit-test-seat-ben-012345"] {
        let body = format!(r#"{{"seat":"{seat}","name":"N","role":"patient","consent":1}}"#);
        let (status, answer) = http("POST", &join, Some(&body)).await;
        ok(status, &answer);
    }
    let ana = pseudonym("demo", "audit-test-seat-ana-012345");
    let (status, answer) = http(
        "DELETE",
        &as_sam(&format!("/api/workshops/demo/people/{ana}")),
        None,
    )
    .await;
    ok(status, &answer);
    let withdraw = srv.http(&format!(
        "/api/boards/{DEMO}/withdraw?token={}",
        srv.links.participant
    ));
    let (status, answer) = http(
        "POST",
        &withdraw,
        Some(r#"{"seat":"audit-test-seat-ben-012345"}"#),
    )
    .await;
    ok(status, &answer);
    // A link revoked (Sam's own, last).
    let (_, links) = http("GET", &api("/api/workshops/demo/links"), None).await;
    let links: Vec<cocreate_core::catalog::LinkInfo> = serde_json::from_str(&links).unwrap();
    let sams = links
        .iter()
        .find(|l| l.label == "Sam's laptop")
        .unwrap()
        .id
        .clone();
    let (status, answer) = http(
        "DELETE",
        &api(&format!("/api/workshops/demo/links/{sams}")),
        None,
    )
    .await;
    ok(status, &answer);

    // Only the workshop's facilitators read the log.
    assert_eq!(
        http(
            "GET",
            &srv.http(&format!(
                "/api/workshops/demo/audit?token={}",
                srv.links.participant
            )),
            None
        )
        .await
        .0,
        403
    );
    let (status, log) = http("GET", &api("/api/workshops/demo/audit"), None).await;
    ok(status, &log);
    assert!(!log.contains(&sam), "no token in the log");
    let log: Vec<AuditEntry> = serde_json::from_str(&log).unwrap();
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "issue link",
            "change control",
            "hide card",
            "show card",
            "take snapshot",
            "export",
            "export",
            "move a person",
            "set privacy notice",
            "erase",
            "withdraw",
            "revoke link"
        ]
    );
    let by_sam = format!("Sam's laptop (facilitator link {sams})");
    assert!(log[1..10].iter().all(|e| e.actor == by_sam), "{log:#?}");
    assert!(
        log[0].detail.contains("labelled \"Sam's laptop\""),
        "{:?}",
        log[0]
    );
    assert_eq!(
        (log[2].target.as_str(), log[9].target.as_str()),
        ("seed-0", ana.as_str())
    );
    assert!(log[10].actor.starts_with("the person (p-"));
    assert!(log.windows(2).all(|w| w[0].at_ms <= w[1].at_ms));

    // As CSV.
    let (status, head, csv) = http_raw("GET", &api("/api/workshops/demo/audit.csv"), b"").await;
    assert_eq!(status, 200);
    assert!(head.contains("text/csv"));
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.starts_with("\u{feff}time (UTC),who,action,target,detail\r\n"),
        "{csv}"
    );
    assert_eq!(csv.lines().count(), 1 + log.len());

    // The store refuses to change or delete an entry.
    let conn = rusqlite::Connection::open(&srv.db).unwrap();
    for sql in ["UPDATE audit SET action = 'nothing'", "DELETE FROM audit"] {
        let e = conn.execute(sql, []).unwrap_err().to_string();
        assert!(e.contains("append-only"), "{e}");
    }
    srv.stop().await;
}
