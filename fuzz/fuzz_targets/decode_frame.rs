//! Any bytes a client sends, end to end as the server takes them: the peer returns
//! messages or a close, never panics or hangs, and every update it passes on is
//! integrated through the same function the hub uses, without a panic or a memory error.
//! So a message framed differently from what the checks expect cannot carry an unsafe
//! update past them.
#![no_main]
use std::time::Duration;

use cocreate_core::sync::{ContentLimits, Peer, PeerLimits, SyncDoc};
use cocreate_core::wire::Inbound;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = PeerLimits { max_message_bytes: 1 << 20, rate_per_sec: 200, rate_burst: 1_000_000 };
    let mut peer = Peer::new(limits, Duration::ZERO);
    let Ok(messages) = peer.receive(data, Duration::ZERO) else { return };
    let content = ContentLimits { max_cards: 5_000, max_text: 2_000, max_doc_bytes: 16 << 20 };
    let doc = SyncDoc::new(cocreate_core::model::new_doc(), 0, Some(content));
    for message in messages {
        if let Inbound::Update(update) = message {
            let _ = doc.integrate(update);
        }
    }
});
