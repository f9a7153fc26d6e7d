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
# Every target runs; the script fails if any found something (see fuzz/artifacts/).
# Known: yrs reserves room for each later client's claimed block count before reading
# the blocks (virtual memory, never touched, freed with the decode error); libFuzzer
# reports a reservation over its malloc limit as out-of-memory. wire::decode_frame refuses
# implausible leading counts before yrs sees them.
status=0
for t in decode_frame apply_update; do
  # -O: release build without debug assertions, as the server runs (yrs debug-asserts
  # some decoded values; decode_frame turns such panics into errors in debug builds).
  cargo +nightly fuzz run -O "$t" -- -max_total_time="$SECS" -max_len=65536 || status=1
done
exit $status
