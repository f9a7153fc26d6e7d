#!/usr/bin/env bash
# Fuzz message decoding and update handling (not part of CI: needs nightly Rust and
# cargo-fuzz). Usage: bash scripts/fuzz.sh [SECONDS_PER_TARGET]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-60}
rustup toolchain list | grep -q nightly || rustup toolchain install nightly --profile minimal
cargo +nightly fuzz --version >/dev/null 2>&1 || cargo install cargo-fuzz --locked
cd fuzz
# Reservations from untrusted lengths are fallible (try_reserve): let a huge one fail as it
# does in production instead of AddressSanitizer aborting on it.
export ASAN_OPTIONS="allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
for t in decode_frame apply_update; do
  cargo +nightly fuzz run "$t" -- -max_total_time="$SECS" -max_len=65536
done
