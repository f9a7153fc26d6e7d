#!/usr/bin/env bash
# Runs every test: model + server tests (real websocket, real SQLite, kill -9), then the
# release build and headless-Chromium end-to-end tests. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# A clean clone gains nothing from incremental builds; they only fill the disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
# The disk this runs on may be small (a CI run once failed with "No space left on device"
# in the release build): say how much room there is, and free the debug build once its
# tests have passed, since the release build and the e2e tests never read it.
free_disk() { df -h . | awk 'NR==2 {print "[test] disk free: " $4 " of " $2}'; }
free_disk
# Style: rustfmt, and clippy per feature set (server side, and the browser side for wasm).
cargo fmt --all -- --check
cargo clippy -p cocreate-core -p app -p server -p bench --all-targets -- -D warnings
cargo clippy -p cocreate-core -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown -- -D warnings
cargo test -p cocreate-core -p app -p server
free_disk
if [ -n "${CI:-}" ] || [ -n "${COCREATE_FREE_DEBUG:-}" ]; then
  rm -rf target/debug target/wasm32-unknown-unknown/debug
  free_disk
fi
cargo leptos build --release --precompress --split
# Browser and interop tests: the release binary, headless Chromium, a stock Yjs client.
node --test --test-concurrency=1 --test-timeout=180000 tests/e2e/
