//! Store benchmarks on a real SQLite file (WAL, synchronous=FULL): appending updates with
//! group commit, compacting a board's log, and loading a board from base + log.
//! Run with `cargo bench -p server --bench store`; numbers in docs/PERFORMANCE.md.

use cocreate_core::catalog::DocKey;
use cocreate_core::model::board::Board;
use cocreate_core::model::{new_doc, Prompt, Role};
use criterion::{criterion_group, criterion_main, Criterion};
use server::store::Store;
use yrs::{ReadTxn, StateVector, Transact};

/// A 1,000-card board's state as one update.
fn state_of_1000() -> Vec<u8> {
    let doc = new_doc();
    let board = Board::of(&doc);
    {
        let mut txn = doc.transact_mut();
        board.init_meta(&mut txn, "Bench", "MSK", "Consultancy");
        for i in 0..1000 {
            board
                .add_card(
                    &mut txn,
                    &format!("card-{i:04}"),
                    Prompt::ALL[i % 4],
                    &format!("Idea number {i}: protected time and mentoring"),
                    "p",
                    Role::Clinician,
                    0.0,
                )
                .unwrap();
        }
    }
    let txn = doc.transact();
    txn.encode_state_as_update_v1(&StateVector::default())
}

fn benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("bench.db")).unwrap();
    let doc = DocKey::board("b");
    store.create_workshop("w", "W", "MSK", "").unwrap();
    store
        .create_board("b", "w", "B", "Consultancy", b"")
        .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let update = vec![7u8; 120];

    c.bench_function("append one 120-byte update and wait until durable", |b| {
        b.iter(|| rt.block_on(store.append(&doc, update.clone())).unwrap())
    });
    c.bench_function(
        "append 100 updates at once (one group commit) until durable",
        |b| {
            b.iter(|| {
                let all: Vec<_> = (0..100)
                    .map(|_| store.append(&doc, update.clone()))
                    .collect();
                rt.block_on(async {
                    for f in all {
                        f.await.unwrap();
                    }
                })
            })
        },
    );
    let state = state_of_1000();
    c.bench_function(
        "compact a 1000-card board (replace its log by one state)",
        |b| b.iter(|| rt.block_on(store.compact(&doc, state.clone())).unwrap()),
    );
    // A board with its base and 1,000 log rows.
    rt.block_on(store.compact(&doc, state.clone())).unwrap();
    rt.block_on(async {
        let all: Vec<_> = (0..1000)
            .map(|_| store.append(&doc, update.clone()))
            .collect();
        for f in all {
            f.await.unwrap();
        }
    });
    c.bench_function("read a board's base and 1000 log rows", |b| {
        b.iter(|| store.load(&doc).unwrap().unwrap().updates.len())
    });
    store.close();
}

criterion_group!(store, benches);
criterion_main!(store);
