#!/usr/bin/env bash
# Runs every test: model + server tests (real websocket, real SQLite, kill -9), then the
# release build and headless-Chromium end-to-end tests. Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
# A clean clone gains nothing from incremental builds; they only fill the disk.
if [ -n "${CI:-}" ]; then export CARGO_INCREMENTAL=0; fi
# Style: rustfmt, and clippy per feature set (server side, and the browser side for wasm).
cargo fmt --all -- --check
cargo clippy -p cocreate-core -p app -p server -p bench --all-targets -- -D warnings
cargo clippy -p cocreate-core -p app -p frontend --features app/hydrate --target wasm32-unknown-unknown -- -D warnings
cargo test -p cocreate-core -p app -p server
cargo leptos build --release
# Browser and interop tests: the release binary, headless Chromium, a stock Yjs client.
node --test --test-concurrency=1 --test-timeout=180000 tests/e2e/
