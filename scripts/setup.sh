#!/usr/bin/env bash
# Installs what a fresh machine lacks to build and test cocreate.
# Idempotent: every step checks first. Versions are pinned (see docs/BUILD notes in README).
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }

SUDO=""
if [ "$(id -u)" != "0" ] && command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi

# 1. wasm target
if ! rustup target list --installed | grep -q '^wasm32-unknown-unknown$'; then
  log "adding wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

# 1b. clippy and rustfmt (the test command lints)
for c in clippy rustfmt; do
  if ! rustup component list --installed | grep -q "^$c"; then
    log "adding rustup component $c"
    rustup component add "$c"
  fi
done

# 2. cargo-leptos 0.3.10 (0.3.11 needs a newer rustc)
if ! cargo leptos --version 2>/dev/null | grep -q '0.3.10'; then
  log "installing cargo-leptos 0.3.10 (takes ~13 min)"
  cargo install cargo-leptos --version 0.3.10 --locked
fi

# 3. wasm-bindgen-cli pinned to the wasm-bindgen crate version
if ! wasm-bindgen --version 2>/dev/null | grep -q '0.2.129'; then
  log "installing wasm-bindgen-cli 0.2.129 (takes ~4 min)"
  cargo install wasm-bindgen-cli --version 0.2.129 --locked
fi

# 4. wasm-opt from npm binaryen (Debian's binaryen breaks release wasm)
if [ ! -x node_modules/.bin/wasm-opt ] || [ ! -d node_modules/playwright-core ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  log "installing npm packages: binaryen@132 (wasm-opt), playwright-core, yjs, y-websocket"
  (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)
fi

# 5. chromium + chromedriver for browser tests
if ! command -v chromium >/dev/null 2>&1 || ! command -v chromedriver >/dev/null 2>&1; then
  log "installing chromium and chromium-driver"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# 6. PostgreSQL's server binaries: the PostgreSQL backend's tests start their own server
#    (initdb into a temporary folder, their own port); nothing is started here.
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  log "installing postgresql (server binaries for the PostgreSQL backend's tests)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
fi

# 7. Redis: the cluster tests start their own servers (their own ports, no persistence).
if ! command -v redis-server >/dev/null 2>&1; then
  log "installing redis-server (for the cluster tests)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
fi

# 8. Real tools the export tests open files with: xmllint (REFI-QDA XML against the
#    published schema, the XML inside DOCX reports), unzip (the .qdpx archive, .docx)
#    and pdftotext and pdfinfo from poppler (PDF reports).
if ! command -v xmllint >/dev/null 2>&1 || ! command -v unzip >/dev/null 2>&1 \
  || ! command -v pdftotext >/dev/null 2>&1; then
  log "installing libxml2-utils, unzip and poppler-utils (for the export tests)"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq libxml2-utils unzip poppler-utils >/dev/null
fi

log "done"
