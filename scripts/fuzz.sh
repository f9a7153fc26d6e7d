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
# does in production (max_allocation_size_mb: over 4 GiB returns null, and try_reserve turns
# that into a decode error) instead of AddressSanitizer aborting on it.
export ASAN_OPTIONS="allocator_may_return_null=1:max_allocation_size_mb=4096${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# libFuzzer would report a single reservation over its malloc limit (by default its 2 GiB
# RSS limit) as out-of-memory, so that limit is raised to the same 4 GiB; the RSS limit
# stays at 2 GiB and still catches memory really used.
# What the targets found (a subdocument leak, a use-after-free and the shapes that reach
# it) is refused before yrs sees it: core/src/wire/scan.rs, fuzz/known/README.md.
status=0
for t in decode_frame apply_update; do
  # -O: release build without debug assertions, as the server runs (yrs debug-asserts
  # some decoded values; decode_frame turns such panics into errors in debug builds).
  cargo +nightly fuzz run -O "$t" -- -max_total_time="$SECS" -max_len=65536 -malloc_limit_mb=4096 || status=1
done
exit $status
