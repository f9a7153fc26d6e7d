#!/usr/bin/env bash
# Builds and starts cocreate on an embedded SQLite file (data/cocreate.db) with a demo workshop.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
cargo leptos build --release --precompress --split
LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=cocreate exec ./target/release/cocreate "$@"
