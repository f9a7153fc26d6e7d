//! Agreement between analysts at the scale: 20 boards of 200 cards (4,000 cards),
//! a codebook of 40 codes, 3 analysts who each code every card with one to three codes
//! and differ on about one card in five. Target (docs/PERFORMANCE.md): agreement, per
//! code and overall, with the list of disagreements, in under 100 ms. Beside it, a floor in
//! the same run: reading every analyst's coding once, which any way of computing agreement
//! must do.
//! Run with `cargo bench -p cocreate-core --bench coding`.

use std::collections::BTreeSet;
use std::hint::black_box;

use cocreate_core::coding::{agreement, Code, Codebook, Coding};
use criterion::{criterion_group, criterion_main, Criterion};

const CARDS: usize = 20 * 200;
const CODES: usize = 40;

fn codebook() -> Codebook {
    Codebook {
        codes: (0..CODES)
            .map(|k| Code {
                id: format!("code-{k:02}"),
                name: format!("Code {k}"),
                definition: "What the code means, in a sentence.".into(),
                parent: (k >= 10).then(|| format!("code-{:02}", k % 10)),
            })
            .collect(),
    }
}

/// A deterministic analyst: card i gets codes from i; analyst `a` differs on cards where
/// (i * 7 + a) is a multiple of 5.
fn analyst(a: usize) -> Coding {
    (0..CARDS)
        .map(|i| {
            let mut codes: BTreeSet<String> = (0..1 + i % 3)
                .map(|j| format!("code-{:02}", (i + j * 13) % CODES))
                .collect();
            if (i * 7 + a).is_multiple_of(5) {
                codes.insert(format!("code-{:02}", (i + a + 1) % CODES));
            }
            (format!("board-{:02}-card-{:03}", i / 200, i % 200), codes)
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let book = codebook();
    book.check().unwrap();
    let analysts: Vec<(String, Coding)> = (0..3)
        .map(|a| (format!("Analyst {a}"), analyst(a)))
        .collect();
    let got = agreement(&book, &analysts).unwrap();
    assert_eq!(got.cards_compared, CARDS);
    assert!(!got.disagreements.is_empty());
    c.bench_function("agreement: 4,000 cards x 40 codes x 3 analysts", |b| {
        b.iter(|| agreement(black_box(&book), black_box(&analysts)).unwrap())
    });
    c.bench_function("floor: read every analyst's coding once", |b| {
        b.iter(|| {
            let mut applied = 0usize;
            for (_, coding) in &analysts {
                for (card, codes) in coding {
                    applied += card.len() + codes.iter().map(String::len).sum::<usize>();
                }
            }
            black_box(applied)
        })
    });
}

criterion_group!(coding, benches);
criterion_main!(coding);
