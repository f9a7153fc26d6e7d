//! Any update applied to a board: integrating it and then reading the board through the
//! model, exports, commonality and consultation drafts (what the server and the pages
//! do) must not panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use yrs::updates::decoder::Decode;
use yrs::{ReadTxn, Transact, Update};

fuzz_target!(|data: &[u8]| {
    // As the server does (imports and frames): implausible counts are refused first.
    if app::wire::check_update(data).is_err() {
        return;
    }
    let Ok(update) = Update::decode_v1(data) else { return };
    let doc = app::model::new_doc();
    let board = app::model::board::Board::of(&doc);
    // As the hub does: what refers to items the board lacks is refused.
    if app::wire::needs(data).is_some_and(|n| !n.met_by(&doc.transact().state_vector())) {
        return;
    }
    if doc.transact_mut().apply_update(update).is_ok() {
        let txn = doc.transact();
        let _ = board.cards(&txn);
        let _ = board.themes(&txn);
        let _ = board.meta(&txn);
        drop(txn);
        let export = app::model::export::BoardExport::of_doc(&doc, Default::default());
        let _ = export.to_csv();
        let _ = export.to_markdown();
        let _ = app::model::synthesis::commonality(&export);
        let _ = app::consult::draft_from(&export);
    }
});
