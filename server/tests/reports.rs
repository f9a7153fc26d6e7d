//! Findings reports over real HTTP on a real SQLite file, opened with real tools: DOCX
//! unzipped by unzip and its XML checked by xmllint, PDF read by pdfinfo and pdftotext.
//! One board (and a snapshot of it), a whole workshop, one pillar, and the refusals.

mod common;

use std::time::Duration;

use cocreate_core::model::board::Board;
use cocreate_core::model::schema::PILLARS;
use cocreate_core::model::{Prompt, Role};
use common::{docx_text, http, http_raw, pdf_text, squash, TestClient, TestServer, DEMO};
use server::config::Limits;
use yrs::Transact;

/// Text that must stay text: markup, entities, quotes, Welsh, an emoji.
const TRICKY: &str = "<b>Not bold</b> & \"quoted\" — Gwasanaeth ŵ ŷ for all 🎉";
/// Right-to-left words (Hebrew), on the same card's second line.
const RTL: &str = "שלום עולם";

async fn get(url: &str) -> (u16, String, Vec<u8>) {
    http_raw("GET", url, b"").await
}

#[tokio::test]
async fn board_workshop_and_pillar_findings_open_in_real_tools() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("r.db"), Limits::default()).await;
    let f = srv.links.facilitator.clone();

    // A theme with a starter card, and a card whose text looks like markup.
    let mut client = TestClient::join(&srv.url(DEMO)).await;
    let b = Board::of(&client.doc);
    client
        .change(|txn| {
            b.add_theme(txn, "t-care", Prompt::Purpose, "Care that fits")
                .unwrap();
            b.set_card_theme(txn, "seed-0", Some("t-care")).unwrap();
            b.add_card(
                txn,
                "tricky",
                Prompt::Values,
                &format!("{TRICKY}\n{RTL}"),
                "someone",
                Role::Patient,
                2.0,
            )
            .unwrap();
        })
        .await;
    let mut check = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        check
            .wait_for(Duration::from_secs(10), |d| {
                Board::of(d).card(&d.transact(), "tricky").is_some()
            })
            .await
    );

    // One board as PDF: tagged, titled, every question, the theme, the cards.
    let url = |ext: &str, token: &str| {
        srv.http(&format!("/api/boards/{DEMO}/export.{ext}?token={token}"))
    };
    let (status, head, pdf) = get(&url("pdf", &f)).await;
    assert_eq!(status, 200, "{head}");
    assert!(head.contains("content-type: application/pdf"), "{head}");
    assert!(head.contains(&format!("filename=\"{DEMO}.pdf\"")), "{head}");
    let (text, info) = pdf_text(&pdf);
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(
        info.contains(&format!("Title:           {}", PILLARS[0])),
        "{info}"
    );
    let text = squash(&text);
    for want in [
        PILLARS[0],
        "Workshop: Demo workshop: Learning Disabilities & Autism",
        "Cards and votes by question and theme",
        Prompt::Purpose.title(),
        "Care that fits (1 card)",
        "People with a learning disability get care that fits their life",
        "Nothing about us without us",
        "Not in a theme",
        TRICKY,
        "Patient / citizen",
    ] {
        assert!(text.contains(want), "{want:?} not in the PDF: {text}");
    }
    // The Hebrew words are there (pdftotext marks their direction around each word), and
    // the emoji, which the embedded font cannot draw, is in the text as written.
    for word in RTL.split(' ') {
        assert!(text.contains(word), "{word} not in the PDF: {text}");
    }

    // The same as DOCX: headings in Word's heading styles, the text as text.
    let (status, head, docx) = get(&url("docx", &f)).await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains("application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        "{head}"
    );
    let (text, xml) = docx_text(&docx);
    for want in [
        PILLARS[0],
        "Care that fits (1 card)",
        "People with a learning disability get care that fits their life",
        TRICKY,
        RTL,
    ] {
        assert!(text.contains(want), "{want:?} not in the DOCX: {text}");
    }
    assert!(
        xml.contains(r#"<w:pStyle w:val="Heading1" />"#)
            || xml.contains(r#"<w:pStyle w:val="Heading1"/>"#),
        "headings use Word's styles"
    );
    assert!(
        xml.contains("&lt;b&gt;Not bold&lt;/b&gt;"),
        "markup in a card is escaped text"
    );
    assert!(!xml.contains("<b>Not bold"), "never markup");

    // A participant may read the board, and so its report; a bad link may not.
    assert_eq!(get(&url("pdf", &srv.links.participant)).await.0, 200);
    assert_eq!(get(&url("pdf", "nope")).await.0, 401);
    assert_eq!(
        get(&srv.http(&format!("/api/boards/no-such-board/export.pdf?token={f}")))
            .await
            .0,
        404
    );

    // A snapshot's report says which snapshot, and holds what the board held then.
    let (status, body) = http(
        "POST",
        &srv.http(&format!("/api/boards/{DEMO}/snapshots?token={f}")),
        Some(r#"{"name":"End of day one"}"#),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let snap: serde_json::Value = serde_json::from_str(&body).unwrap();
    let at = snap["id"].as_i64().unwrap();
    client
        .change(|txn| {
            b.add_card(
                txn,
                "later",
                Prompt::How,
                "Written after the snapshot",
                "someone",
                Role::Clinician,
                3.0,
            )
            .unwrap();
        })
        .await;
    assert!(
        check
            .wait_for(Duration::from_secs(10), |d| {
                Board::of(d).card(&d.transact(), "later").is_some()
            })
            .await
    );
    let (status, _, pdf) =
        get(&srv.http(&format!("/api/boards/{DEMO}/export.pdf?token={f}&at={at}"))).await;
    assert_eq!(status, 200);
    let text = squash(&pdf_text(&pdf).0);
    assert!(text.contains("Snapshot: End of day one"), "{text}");
    assert!(!text.contains("Written after the snapshot"), "{text}");

    // The whole workshop: an overview of its five boards, then each board.
    let wurl = |ext: &str, token: &str, pillar: &str| {
        srv.http(&format!(
            "/api/workshops/demo/report.{ext}?token={token}{pillar}"
        ))
    };
    let (status, head, pdf) = get(&wurl("pdf", &f, "")).await;
    assert_eq!(status, 200, "{head}");
    let (text, info) = pdf_text(&pdf);
    let text = squash(&text);
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(text.contains("The boards in this report"), "{text}");
    for pillar in PILLARS {
        assert!(text.contains(pillar), "{pillar} not in the workshop report");
    }
    assert!(
        text.contains("Written after the snapshot"),
        "the live boards"
    );
    let (text, _) = docx_text(&get(&wurl("docx", &f, "")).await.2);
    assert!(text.contains("Boards: 5"), "{text}");

    // One pillar's findings, for the partner organisation it goes to.
    let pillar = "&pillar=Strategic%20and%20enabling%20leadership";
    let (status, head, pdf) = get(&wurl("pdf", &f, pillar)).await;
    assert_eq!(status, 200, "{head}");
    assert!(
        head.contains("demo-strategic-and-enabling-leadership-findings.pdf"),
        "{head}"
    );
    let text = squash(&pdf_text(&pdf).0);
    assert!(
        text.contains("findings of the pillar Strategic and enabling leadership"),
        "{text}"
    );
    assert!(text.contains("Nothing about us without us"), "{text}");
    assert!(!text.contains(PILLARS[2]), "another pillar's board: {text}");
    let (text, _) = docx_text(&get(&wurl("docx", &f, pillar)).await.2);
    assert!(text.contains("Boards: 1"), "{text}");

    // Refusals: an unknown pillar (with the ones there are), a participant, a bad link.
    let (status, _, body) = get(&wurl("pdf", &f, "&pillar=Astrology")).await;
    let body = String::from_utf8_lossy(&body);
    assert_eq!(status, 404, "{body}");
    assert!(
        body.contains("Astrology") && body.contains("Research and innovation"),
        "{body}"
    );
    assert_eq!(get(&wurl("pdf", &srv.links.participant, "")).await.0, 403);
    assert_eq!(get(&wurl("docx", "nope", "")).await.0, 401);
    assert_eq!(
        get(&srv.http(&format!("/api/workshops/nope/report.pdf?token={f}")))
            .await
            .0,
        404
    );
    srv.stop().await;
}

/// A board far longer than a page: every card of it is in the PDF, over many pages.
#[tokio::test]
async fn a_long_board_flows_over_pages_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let srv = TestServer::start(&dir.path().join("l.db"), Limits::default()).await;
    let f = srv.links.facilitator.clone();
    let mut client = TestClient::join(&srv.url(DEMO)).await;
    let b = Board::of(&client.doc);
    let long = "word ".repeat(60);
    client
        .change(|txn| {
            for i in 0..150 {
                let p = Prompt::ALL[i % 4];
                b.add_card(
                    txn,
                    &format!("c{i}"),
                    p,
                    &format!("Card {i:03} {long}end{i:03}"),
                    "someone",
                    Role::Educator,
                    i as f64,
                )
                .unwrap();
            }
            // One unbroken run of letters wider than the page.
            b.add_card(
                txn,
                "wide",
                Prompt::How,
                &"x".repeat(400),
                "someone",
                Role::Educator,
                999.0,
            )
            .unwrap();
        })
        .await;
    let mut check = TestClient::join(&srv.url(DEMO)).await;
    assert!(
        check
            .wait_for(Duration::from_secs(20), |d| {
                Board::of(d).card(&d.transact(), "wide").is_some()
            })
            .await
    );
    let (status, _, pdf) =
        get(&srv.http(&format!("/api/boards/{DEMO}/export.pdf?token={f}"))).await;
    assert_eq!(status, 200);
    let (text, info) = pdf_text(&pdf);
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(pages >= 10, "{info}");
    let text = squash(&text);
    for i in 0..150 {
        assert!(text.contains(&format!("Card {i:03}")), "card {i} start");
        assert!(text.contains(&format!("end{i:03}")), "card {i} end");
    }
    let xs: usize = text
        .split_whitespace()
        .filter(|w| w.chars().all(|c| c == 'x'))
        .map(str::len)
        .sum();
    assert_eq!(xs, 400, "the wide word is broken across lines, not cut");
    assert!(
        text.contains(&format!("Page {pages} of {pages}")),
        "page numbers"
    );
    srv.stop().await;
}
