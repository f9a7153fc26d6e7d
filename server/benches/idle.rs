//! Memory of idle live boards: load N boards (each with a few cards, as after a
//! workshop) into the hub with nobody connected, and report the resident-memory growth
//! per board from /proc. Target (issue 8): an idle board under 100 KB.
//! Run with `cargo bench -p server --bench idle [-- BOARDS]`.

use cocreate_core::catalog::{DocKey, PILLARS};
use cocreate_core::model::{Prompt, Role};
use server::config::Limits;
use server::hub::Hub;
use server::store::Store;

fn rss_kb() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4
}

fn main() {
    let n: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("idle.db")).unwrap();
    store.create_workshop("w", "W", "MSK", "").unwrap();
    let cards: Vec<(Prompt, String, Role)> = (0..12)
        .map(|i| {
            (
                Prompt::ALL[i % 4],
                format!("Card {i}: protected time, mentoring and shared learning across services"),
                Role::Clinician,
            )
        })
        .collect();
    let refs: Vec<(Prompt, &str, Role)> =
        cards.iter().map(|(p, t, r)| (*p, t.as_str(), *r)).collect();
    let state = cocreate_core::model::board::initial_state(
        "Board",
        "MSK",
        PILLARS[0],
        &cocreate_core::model::schema::PromptText::builtin_all(),
        &refs,
    );
    for i in 0..n {
        store
            .create_board(&format!("b{i}"), "w", "Board", PILLARS[0], &state)
            .unwrap();
    }
    let hub = Hub::new(store.clone(), Limits::default());
    // Warm up allocator and code paths with a few boards first.
    for i in 0..10.min(n) {
        drop(hub.join(&DocKey::board(format!("b{i}"))).unwrap());
    }
    let before = rss_kb();
    for i in 10.min(n)..n {
        drop(hub.join(&DocKey::board(format!("b{i}"))).unwrap());
    }
    let after = rss_kb();
    let boards = (n - 10.min(n)).max(1) as u64;
    println!(
        "{boards} idle live boards of 12 cards: RSS grew {} KB, {:.1} KB per board (target < 100 KB)",
        after.saturating_sub(before),
        after.saturating_sub(before) as f64 / boards as f64
    );
    println!("update bytes per board state: {}", state.len());
    store.close();
}
