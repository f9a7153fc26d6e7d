//! Golden-file tests for every export format, and round trips through import.
//!
//! Regenerate the golden files after an intended format change with
//! `UPDATE_GOLDEN=1 cargo test -p cocreate-core --test exports`, and review the diff.

use cocreate_core::model::board::Board;
use cocreate_core::model::export::{BoardExport, ExportContext, SnapshotRef};
use cocreate_core::model::report::csv_document;
use cocreate_core::model::{new_doc, Prompt, Role};
use yrs::updates::decoder::Decode;
use yrs::{Doc, ReadTxn, StateVector, Transact, Update};

/// A board with everything exports must survive: themes, votes, and hostile text.
fn sample() -> Doc {
    let doc = new_doc();
    let b = Board::of(&doc);
    let mut txn = doc.transact_mut();
    b.init_meta(
        &mut txn,
        "Consultancy",
        "Musculoskeletal (MSK)",
        "Consultancy",
    );
    b.add_theme(&mut txn, "th-time", Prompt::Enablers, "Time & space")
        .unwrap();
    b.add_theme(&mut txn, "th-people", Prompt::Enablers, "People *who* help")
        .unwrap();
    let cards: [(&str, Prompt, &str, Role); 9] = [
        (
            "c1",
            Prompt::Purpose,
            "Better care, closer to home",
            Role::Patient,
        ),
        (
            "c2",
            Prompt::Purpose,
            "Say \"yes\" to people's own goals",
            Role::Clinician,
        ),
        (
            "c3",
            Prompt::How,
            "Line one\nLine two, with comma",
            Role::Educator,
        ),
        (
            "c4",
            Prompt::How,
            "=HYPERLINK(\"http://evil\",\"click\")",
            Role::Stakeholder,
        ),
        (
            "c5",
            Prompt::Enablers,
            "+44 protected time",
            Role::Clinician,
        ),
        (
            "c6",
            Prompt::Enablers,
            "-mentors- and @peers",
            Role::Educator,
        ),
        (
            "c7",
            Prompt::Enablers,
            "Ωμέγα · 日本語 · عربى · emoji 🙂",
            Role::Patient,
        ),
        (
            "c8",
            Prompt::Values,
            "<script>alert(1)</script> & <b>bold</b>",
            Role::Stakeholder,
        ),
        (
            "c9",
            Prompt::Values,
            "Nothing about us without us",
            Role::Patient,
        ),
    ];
    for (i, (id, p, text, role)) in cards.iter().enumerate() {
        b.add_card(
            &mut txn,
            id,
            *p,
            text,
            &format!("person-{}", i % 3),
            *role,
            1_764_000_000_000.0 + i as f64 * 61_000.0,
        )
        .unwrap();
    }
    b.set_card_theme(&mut txn, "c5", Some("th-time")).unwrap();
    b.set_card_theme(&mut txn, "c6", Some("th-people")).unwrap();
    b.set_votes(&mut txn, "c9", "person-0", 2);
    b.set_votes(&mut txn, "c9", "person-1", 1);
    b.set_votes(&mut txn, "c1", "person-2", 1);
    b.add_comment(
        &mut txn,
        "c9",
        "m1",
        "person-1",
        "Yes: and <i>with</i> us, =1+1",
        1_764_000_900_000.0,
    )
    .unwrap();
    b.add_comment(
        &mut txn,
        "c9",
        "m2",
        "person-2",
        "Agreed",
        1_764_000_960_000.0,
    )
    .unwrap();
    drop(txn);
    doc
}

fn context() -> ExportContext {
    ExportContext {
        board_id: "msk-consultancy".into(),
        workshop_id: "msk".into(),
        workshop_title: "MSK workshop, spring".into(),
        snapshot: Some(SnapshotRef {
            id: 7,
            name: "Before voting".into(),
            taken_ms: 1_764_003_600_000,
        }),
    }
}

fn golden(name: &str, actual: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() || !path.exists() {
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read_to_string(&path).unwrap();
    assert!(
        expected == actual,
        "{name} differs from its golden file; if intended, rerun with UPDATE_GOLDEN=1\n--- expected\n{expected}\n--- actual\n{actual}"
    );
}

#[test]
fn json_export_matches_golden() {
    golden(
        "board.json",
        &BoardExport::of_doc(&sample(), context()).to_json(),
    );
}

#[test]
fn csv_export_matches_golden() {
    let csv = BoardExport::of_doc(&sample(), context()).to_csv();
    assert!(
        csv.starts_with('\u{feff}'),
        "UTF-8 byte-order mark for spreadsheets"
    );
    // Formula-looking cells are defused; quoting keeps commas, quotes and newlines.
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://evil\"\",\"\"click\"\")\""));
    assert!(csv.contains(",'+44 protected time,"));
    assert!(csv.contains(",'-mentors- and @peers,"));
    assert!(csv.contains("\"Line one\nLine two, with comma\""));
    assert!(csv.contains("Ωμέγα · 日本語 · عربى · emoji 🙂"));
    assert_eq!(
        csv.matches("\r\n").count(),
        1 + 9,
        "header + one row per card"
    );
    golden("board.csv", &csv);
}

#[test]
fn markdown_export_matches_golden() {
    let md = BoardExport::of_doc(&sample(), context()).to_markdown();
    assert!(!md.contains("<script>"), "text is never HTML");
    assert!(
        md.contains("### Time & space (1 card)"),
        "no HTML entities in Markdown"
    );
    assert!(!md.contains("&amp;"));
    golden("board.md", &md);
}

#[test]
fn svg_export_matches_golden() {
    let svg = BoardExport::of_doc(&sample(), context()).to_svg();
    assert!(!svg.contains("<script>"), "text is never markup");
    assert!(svg.contains("&lt;script&gt;"));
    golden("board.svg", &svg);
}

#[test]
fn combined_csv_has_one_header_and_rows_of_every_board() {
    let a = BoardExport::of_doc(&sample(), context());
    let mut b = a.clone();
    b.meta.pillar = "Research and innovation".into();
    let csv = csv_document(&[a, b]);
    assert_eq!(csv.matches("workshop,area,pillar").count(), 1);
    assert_eq!(csv.matches("Research and innovation").count(), 9);
    golden("workshop.csv", &csv);
}

#[test]
fn json_round_trip_gives_identical_content() {
    let first = BoardExport::of_doc(&sample(), context());
    let parsed = BoardExport::from_json(&first.to_json()).unwrap();
    assert_eq!(parsed, first);
    let imported = new_doc();
    parsed.write_into(&imported).unwrap();
    let again = BoardExport::of_doc(&imported, ExportContext::default());
    assert_eq!(again.content(), first.content());
    assert_eq!(again.to_csv(), first.content().to_csv());
}

#[test]
fn a_plans_prompt_words_survive_export_and_import_and_stay_text() {
    use cocreate_core::model::schema::{PromptText, Symbol};
    let doc = sample();
    let mut words = PromptText::builtin_all();
    words[2].title = "What *helps*".into();
    words[2].question = "<img src=x onerror=alert(1)> What helps?".into();
    words[2].easy = "What helps you?".into();
    words[2].symbol = Symbol::Idea;
    Board::of(&doc).set_prompts(&mut doc.transact_mut(), &words);
    let first = BoardExport::of_doc(&doc, context());
    assert_eq!(first.prompts, words);
    let json = first.to_json();
    assert!(json.contains("\"prompts\""), "{json}");
    let parsed = BoardExport::from_json(&json).unwrap();
    let imported = new_doc();
    parsed.write_into(&imported).unwrap();
    assert_eq!(
        Board::of(&imported).prompts(&imported.transact()),
        words,
        "the imported board asks the same questions"
    );
    let md = first.to_markdown();
    assert!(
        md.contains("## What \\*helps\\*: &lt;img src=x onerror=alert\\(1\\)&gt; What helps?"),
        "{md}"
    );
    assert!(first.to_svg().contains("What *helps*"));
    assert!(!first.to_svg().contains("<img"));
    // A board with the built-in words exports no `prompts` (older readers see no change).
    assert!(!BoardExport::of_doc(&sample(), context())
        .to_json()
        .contains("\"prompts\""));
    // An export whose prompts are not the four, in order, is refused, and nothing written.
    let mut bad = first.clone();
    bad.prompts.swap(0, 1);
    let target = new_doc();
    assert!(bad.write_into(&target).is_err());
    assert!(Board::of(&target).cards(&target.transact()).is_empty());
}

#[test]
fn a_cards_picture_survives_export_and_import_and_is_said_in_words() {
    use cocreate_core::model::schema::Symbol;
    let doc = sample();
    Board::of(&doc)
        .set_card_symbol(&mut doc.transact_mut(), "c1", Some(Symbol::Heart))
        .unwrap();
    let first = BoardExport::of_doc(&doc, context());
    let c1 = first.cards.iter().find(|c| c.id == "c1").unwrap();
    assert_eq!(c1.symbol, Some(Symbol::Heart));
    let json = first.to_json();
    assert!(json.contains("\"symbol\": \"heart\""), "{json}");
    let imported = new_doc();
    BoardExport::from_json(&json)
        .unwrap()
        .write_into(&imported)
        .unwrap();
    let back = Board::of(&imported)
        .card(&imported.transact(), "c1")
        .unwrap();
    assert_eq!(back.symbol, Some(Symbol::Heart));
    // The Markdown says it in words; cards without one say nothing of it.
    let md = first.to_markdown();
    assert_eq!(md.matches("symbol: Heart").count(), 1, "{md}");
    // An export naming a picture this version does not have is refused.
    let bad = json.replace("\"symbol\": \"heart\"", "\"symbol\": \"skull\"");
    assert!(BoardExport::from_json(&bad).is_err());
}

#[test]
fn raw_update_round_trip_is_lossless() {
    let doc = sample();
    let raw = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let copy = new_doc();
    copy.transact_mut()
        .apply_update(Update::decode_v1(&raw).unwrap())
        .unwrap();
    assert_eq!(
        BoardExport::of_doc(&copy, context()),
        BoardExport::of_doc(&doc, context())
    );
    let raw_again = copy
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    assert_eq!(raw_again, raw, "byte-identical");
}

#[test]
fn imports_refuse_what_they_do_not_understand() {
    assert!(BoardExport::from_json("{}").is_err());
    assert!(BoardExport::from_json("not json").is_err());
    let mut e = BoardExport::of_doc(&sample(), context());
    e.version = 99;
    assert!(BoardExport::from_json(&serde_json::to_string(&e).unwrap()).is_err());
    e.version = 1;
    e.format = "something-else".into();
    assert!(BoardExport::from_json(&serde_json::to_string(&e).unwrap()).is_err());
}

/// A synthesis board: cards copied from two areas' boards (one at a snapshot), one theme
/// drawing on both.
fn synthesis() -> BoardExport {
    let source = |area: &str, board: &str, text: &str, snapshot: Option<SnapshotRef>| {
        let doc = new_doc();
        let b = Board::of(&doc);
        {
            let mut txn = doc.transact_mut();
            b.init_meta(&mut txn, "Consultancy", area, "Consultancy");
            b.add_card(
                &mut txn,
                "c1",
                Prompt::Purpose,
                text,
                "u",
                Role::Patient,
                1.0,
            )
            .unwrap();
            b.add_card(
                &mut txn,
                "c2",
                Prompt::How,
                "=1+1 mentors",
                "u",
                Role::Educator,
                2.0,
            )
            .unwrap();
        }
        BoardExport::of_doc(
            &doc,
            ExportContext {
                board_id: board.into(),
                workshop_id: "w".into(),
                workshop_title: format!("{area}, day 1"),
                snapshot,
            },
        )
    };
    let doc = new_doc();
    let b = Board::of(&doc);
    {
        let mut txn = doc.transact_mut();
        b.init_meta(
            &mut txn,
            "Consultancy synthesis",
            "Cross-area synthesis",
            "Consultancy",
        );
        let ld = source(
            "Learning Disabilities & Autism",
            "ld-c",
            "Care that fits a life",
            None,
        );
        let snap = SnapshotRef {
            id: 4,
            name: "End of workshop".into(),
            taken_ms: 10,
        };
        let cc = source(
            "Cancer Care",
            "cc-c",
            "Care that fits, close to home",
            Some(snap),
        );
        cocreate_core::model::synthesis::copy_cards(&b, &mut txn, &ld, 100.0).unwrap();
        cocreate_core::model::synthesis::copy_cards(&b, &mut txn, &cc, 100.0).unwrap();
        b.add_theme(&mut txn, "t-fit", Prompt::Purpose, "Care that fits")
            .unwrap();
        b.set_card_theme(&mut txn, "ld-c~c1", Some("t-fit"))
            .unwrap();
        b.set_card_theme(&mut txn, "cc-c@4~c1", Some("t-fit"))
            .unwrap();
    }
    BoardExport::of_doc(
        &doc,
        ExportContext {
            board_id: "syn".into(),
            workshop_id: "s".into(),
            workshop_title: "Synthesis".into(),
            snapshot: None,
        },
    )
}

#[test]
fn provenance_survives_every_export_and_import() {
    let e = synthesis();
    // JSON: provenance kept, and through import (JSON and raw) unchanged.
    let json = e.to_json();
    let back = BoardExport::from_json(&json).unwrap();
    assert_eq!(back, e);
    let card = back.cards.iter().find(|c| c.id == "cc-c@4~c1").unwrap();
    let src = card.source.as_ref().unwrap();
    assert_eq!(src.area, "Cancer Care");
    assert_eq!(src.board, "cc-c");
    assert_eq!(src.card, "c1");
    assert_eq!(src.snapshot, Some(4));
    assert_eq!(src.snapshot_name.as_deref(), Some("End of workshop"));
    let doc = new_doc();
    back.write_into(&doc).unwrap();
    let again = BoardExport::of_doc(&doc, e.context.clone());
    assert_eq!(again.content(), e.content());
    // CSV: the source columns.
    let csv = e.to_csv();
    let lines: Vec<&str> = csv.split("\r\n").collect();
    assert!(lines[0].ends_with(
        "card_id,source_workshop,source_area,source_pillar,source_board,source_snapshot,reactions,comments"
    ));
    assert!(
        csv.contains(",cc-c@4~c1,\"Cancer Care, day 1\",Cancer Care,Consultancy,Consultancy,End of workshop,,\r\n"),
        "{csv}"
    );
    assert!(csv.contains(",ld-c~c1,\"Learning Disabilities & Autism, day 1\",Learning Disabilities & Autism,Consultancy,Consultancy,,,\r\n"));
    // Markdown: where each card came from, and the commonality table.
    let md = e.to_markdown();
    assert!(
        md.contains("from Cancer Care · Consultancy · snapshot “End of workshop”"),
        "{md}"
    );
    assert!(md.contains("## Commonality across areas"));
    assert!(
        md.contains("| Care that fits | Purpose | 1 | 1 | Common to all areas |"),
        "{md}"
    );
    assert!(md.contains("| How: not yet in a theme | How | 1 | 1 | Not yet in a theme |"));
}

/// Text meant to do harm in each format: HTML, a Markdown link and image, a spreadsheet
/// formula, an SVG/XML break-out.
const HOSTILE: &str = "<img src=x onerror=alert(1)> [x](javascript:alert(1)) ![i](http://evil/) =cmd|'/C calc'!A0 ]]></text><script>alert(2)</script>";

/// A synthesis board whose every field (metadata, workshop, snapshot, theme, card text,
/// and every part of the copied cards' provenance) holds [`HOSTILE`].
fn hostile() -> BoardExport {
    let source_doc = new_doc();
    let sb = Board::of(&source_doc);
    {
        let mut txn = source_doc.transact_mut();
        sb.init_meta(&mut txn, HOSTILE, HOSTILE, HOSTILE);
        sb.add_theme(&mut txn, "t", Prompt::How, HOSTILE).unwrap();
        sb.add_card(&mut txn, "c", Prompt::How, HOSTILE, "u", Role::Patient, 1.0)
            .unwrap();
        sb.set_card_theme(&mut txn, "c", Some("t")).unwrap();
    }
    let hostile_context = || ExportContext {
        board_id: "b".into(),
        workshop_id: "w".into(),
        workshop_title: HOSTILE.into(),
        snapshot: Some(SnapshotRef {
            id: 1,
            name: HOSTILE.into(),
            taken_ms: 1,
        }),
    };
    let source = BoardExport::of_doc(&source_doc, hostile_context());
    let doc = new_doc();
    let b = Board::of(&doc);
    {
        let mut txn = doc.transact_mut();
        b.init_meta(&mut txn, HOSTILE, HOSTILE, HOSTILE);
        cocreate_core::model::synthesis::copy_cards(&b, &mut txn, &source, 5.0).unwrap();
        b.add_theme(&mut txn, "t2", Prompt::How, HOSTILE).unwrap();
    }
    BoardExport::of_doc(&doc, hostile_context())
}

#[test]
fn hostile_text_in_every_field_stays_text_in_every_format() {
    let e = hostile();
    assert!(e.cards.iter().all(|c| c.source.is_some()));
    let md = e.to_markdown();
    for raw in ["<img", "<script", "](javascript:", "![i](", "[x]("] {
        assert!(!md.contains(raw), "markdown keeps {raw:?}:\n{md}");
    }
    let svg = e.to_svg();
    for raw in ["<img", "<script", "]]></text>"] {
        assert!(!svg.contains(raw), "svg keeps {raw:?}");
    }
    // CSV: no field starts a formula, however it is quoted.
    let csv = e.to_csv();
    for field in csv.split([',', '\n']) {
        let field = field.trim_start_matches(['\u{feff}', '"']);
        assert!(
            !field.starts_with(['=', '+', '-', '@']),
            "csv field starts a formula: {field}"
        );
    }
    // JSON keeps the text exactly (it is data, escaped by the JSON encoder).
    assert_eq!(BoardExport::from_json(&e.to_json()).unwrap(), e);
}
