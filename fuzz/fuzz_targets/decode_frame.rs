//! Any bytes a client sends, end to end as the server takes them: decoding returns Ok or
//! Err, never panics or hangs, and every update it accepts that the hub would accept too
//! (everything it refers to is on the board) integrates without a panic or a memory error.
//! So a message framed differently from what the checks expect cannot carry an unsafe
//! update past them.
#![no_main]
use app::wire::Inbound;
use libfuzzer_sys::fuzz_target;
use yrs::{ReadTxn, Transact};

fuzz_target!(|data: &[u8]| {
    let Ok(messages) = app::wire::decode_frame(data) else { return };
    let doc = app::model::new_doc();
    for message in messages {
        if let Inbound::Update { raw, update } = message {
            let needs = app::wire::needs(&raw);
            if needs.is_some_and(|n| !n.met_by(&doc.transact().state_vector())) {
                continue; // the hub refuses it
            }
            let _ = doc.transact_mut().apply_update(update);
        }
    }
});
