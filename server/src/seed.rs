//! The demo workshop created in an empty database.

use app::catalog::PILLARS;
use app::model::board::Board;
use app::model::{new_doc, Prompt, Role};
use yrs::{ReadTxn, StateVector, Transact};

use crate::store::{Store, StoreError};

/// Id of the demo workshop.
pub const DEMO_WORKSHOP: &str = "demo";

/// Board id of a demo pillar board (stable, so links in docs and tests keep working).
pub fn demo_board_id(pillar_index: usize) -> String {
    const SLUGS: [&str; 5] = [
        "leadership",
        "learning",
        "research",
        "consultancy",
        "expert-practice",
    ];
    format!("demo-{}", SLUGS[pillar_index])
}

/// The initial document of a board: its metadata and optional starter cards.
pub fn initial_state(
    title: &str,
    area: &str,
    pillar: &str,
    cards: &[(Prompt, &str, Role)],
) -> Vec<u8> {
    let doc = new_doc();
    let board = Board::of(&doc);
    {
        let mut txn = doc.transact_mut();
        board.init_meta(&mut txn, title, area, pillar);
        for (i, (prompt, text, role)) in cards.iter().enumerate() {
            // Starter cards have fixed ids and times so every seeded database is identical.
            let _ = board.add_card(
                &mut txn,
                &format!("seed-{i}"),
                *prompt,
                text,
                "facilitator",
                *role,
                1_764_000_000_000.0,
            );
        }
    }
    let txn = doc.transact();
    txn.encode_state_as_update_v1(&StateVector::default())
}

/// Create the demo workshop unless the database already has workshops. Returns whether it did.
pub fn seed_demo(store: &Store) -> Result<bool, StoreError> {
    if store.workshop_count()? > 0 {
        return Ok(false);
    }
    let area = "Learning Disabilities & Autism";
    store.create_workshop(
        DEMO_WORKSHOP,
        "Demo workshop: Learning Disabilities & Autism",
        area,
        "",
    )?;
    for (i, pillar) in PILLARS.iter().enumerate() {
        let starters: &[(Prompt, &str, Role)] = if i == 0 {
            &[
                (
                    Prompt::Purpose,
                    "People with a learning disability get care that fits their life",
                    Role::Patient,
                ),
                (
                    Prompt::How,
                    "Consultant practitioners lead change across services",
                    Role::Clinician,
                ),
                (
                    Prompt::Enablers,
                    "Protected time for development",
                    Role::Educator,
                ),
                (Prompt::Values, "Nothing about us without us", Role::Patient),
            ]
        } else {
            &[]
        };
        let state = initial_state(pillar, area, pillar, starters);
        store.create_board(&demo_board_id(i), DEMO_WORKSHOP, pillar, pillar, &state)?;
    }
    tracing::info!("created the demo workshop");
    Ok(true)
}
