//! Any update applied to a board: integrating it and then reading the board through the
//! model, exports, commonality and consultation drafts (what the server and the pages
//! do) must not panic.
#![no_main]
use cocreate_core::sync::{ContentLimits, SyncDoc};
use cocreate_core::wire::UpdateIn;
use libfuzzer_sys::fuzz_target;
use yrs::Transact;

fuzz_target!(|data: &[u8]| {
    // As the server takes an import or a client's update: scanned once, then integrated
    // through the one function every update goes through (references, holes, panics,
    // content limits).
    let Ok(update) = UpdateIn::from_raw(data.to_vec()) else { return };
    let limits = ContentLimits { max_cards: 5_000, max_text: 2_000, max_doc_bytes: 16 << 20 };
    let doc = SyncDoc::new(cocreate_core::model::new_doc(), 0, Some(limits));
    if doc.integrate(update).is_ok() {
        let board = cocreate_core::model::board::Board::of(doc.doc());
        let txn = doc.doc().transact();
        let _ = board.cards(&txn);
        let _ = board.themes(&txn);
        let _ = board.meta(&txn);
        drop(txn);
        let export = cocreate_core::model::export::BoardExport::of_doc(doc.doc(), Default::default());
        let _ = export.to_csv();
        let _ = export.to_markdown();
        let _ = cocreate_core::model::synthesis::commonality(&export);
        let _ = cocreate_core::consult::draft_from(&export);
    }
});
