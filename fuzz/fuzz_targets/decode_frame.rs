//! Any bytes a client sends, end to end as the server takes them: decoding returns Ok or
//! Err, never panics or hangs, and every update it accepts integrates into a board without
//! a panic or a memory error (so a message framed differently from what the checks expect
//! cannot carry an unsafe update past them).
#![no_main]
use app::wire::Inbound;
use libfuzzer_sys::fuzz_target;
use yrs::Transact;

fuzz_target!(|data: &[u8]| {
    let Ok(messages) = app::wire::decode_frame(data) else { return };
    let doc = app::model::new_doc();
    for message in messages {
        if let Inbound::Update { update, .. } = message {
            let _ = doc.transact_mut().apply_update(update);
        }
    }
});
