//! Board model benchmarks: a board of 1,000 cards (the "stays fast" size).
//! Run with `cargo bench -p cocreate-core`. Targets (docs/PERFORMANCE.md): loading a 1,000-card
//! board under 10 ms; reading it for the page (what the browser does after each change)
//! well under a frame.

use cocreate_core::model::board::Board;
use cocreate_core::model::export::{BoardExport, ExportContext};
use cocreate_core::model::{new_doc, Prompt, Role};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use std::hint::black_box;
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, StateVector, Transact, Update};

fn board_with(cards: usize) -> yrs::Doc {
    let doc = new_doc();
    let board = Board::of(&doc);
    let mut txn = doc.transact_mut();
    board.init_meta(&mut txn, "Bench", "MSK", "Consultancy");
    for i in 0..cards {
        let prompt = Prompt::ALL[i % 4];
        board
            .add_card(
                &mut txn,
                &format!("card-{i:04}"),
                prompt,
                &format!("Idea number {i}: protected time, mentoring and shared learning"),
                &format!("person-{}", i % 50),
                Role::Clinician,
                1_764_000_000_000.0 + i as f64,
            )
            .unwrap();
    }
    drop(txn);
    doc
}

fn benches(c: &mut Criterion) {
    let doc = board_with(1000);
    let state = doc
        .transact()
        .encode_state_as_update_v1(&StateVector::default());

    c.bench_function("load a 1000-card board from its stored state", |b| {
        b.iter(|| {
            let d = new_doc();
            d.transact_mut()
                .apply_update(Update::decode_v1(black_box(&state)).unwrap())
                .unwrap();
            d
        })
    });

    let board = Board::of(&doc);
    c.bench_function("read all cards of a 1000-card board (page refresh)", |b| {
        b.iter(|| board.cards(&doc.transact()).len())
    });

    c.bench_function("type one character into a card of a 1000-card board", |b| {
        b.iter_batched(
            || board_with(1000),
            |d| {
                let bd = Board::of(&d);
                bd.set_card_text(
                    &mut d.transact_mut(),
                    "card-0500",
                    "Idea number 500!",
                    Some(16),
                )
                .unwrap();
                d
            },
            BatchSize::LargeInput,
        )
    });

    c.bench_function("move a card in a 1000-card board", |b| {
        b.iter(|| {
            board
                .move_card(
                    &mut doc.transact_mut(),
                    "card-0001",
                    Prompt::Values,
                    None,
                    Some("card-0003"),
                )
                .unwrap()
        })
    });

    c.bench_function("export a 1000-card board as CSV", |b| {
        b.iter(|| {
            BoardExport::of_doc(&doc, ExportContext::default())
                .to_csv()
                .len()
        })
    });

    let export = BoardExport::of_doc(&doc, ExportContext::default());
    c.bench_function("render a 1000-card board export as JSON", |b| {
        b.iter(|| black_box(&export).to_json().len())
    });
    c.bench_function("render a 1000-card board export as Markdown", |b| {
        b.iter(|| black_box(&export).to_markdown().len())
    });
    c.bench_function("render a 1000-card board export as SVG", |b| {
        b.iter(|| black_box(&export).to_svg().len())
    });

    // A synthesis board: three areas' 1,000-card boards copied in, then its commonality.
    let sources: Vec<BoardExport> = [
        "Learning Disabilities & Autism",
        "Cancer Care",
        "Musculoskeletal (MSK)",
    ]
    .iter()
    .enumerate()
    .map(|(i, area)| {
        let mut e = export.clone();
        e.meta.area = area.to_string();
        e.context.board_id = format!("src-{i}");
        e
    })
    .collect();
    c.bench_function("copy three 1000-card boards onto a synthesis board", |b| {
        b.iter(|| {
            let d = new_doc();
            let bd = Board::of(&d);
            let mut txn = d.transact_mut();
            for s in &sources {
                cocreate_core::model::synthesis::copy_cards(&bd, &mut txn, s, 0.0).unwrap();
            }
        })
    });
    let synth = {
        let d = new_doc();
        let bd = Board::of(&d);
        {
            let mut txn = d.transact_mut();
            for s in &sources {
                cocreate_core::model::synthesis::copy_cards(&bd, &mut txn, s, 0.0).unwrap();
            }
        }
        BoardExport::of_doc(&d, ExportContext::default())
    };
    c.bench_function("commonality of a 3000-card synthesis board", |b| {
        b.iter(|| {
            cocreate_core::model::synthesis::commonality(black_box(&synth))
                .themes
                .len()
        })
    });
}

criterion_group!(model, benches);
criterion_main!(model);
