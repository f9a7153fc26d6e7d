//! Any bytes a client sends: decoding must return Ok or Err, never panic or hang.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = app::wire::decode_frame(data);
});
