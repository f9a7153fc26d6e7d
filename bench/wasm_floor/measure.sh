#!/usr/bin/env bash
# The floor of a participant's board page in the browser: Leptos (hydrate), yrs,
# cocreate-core's board model and a websocket, built as the app's wasm is (opt-level z, LTO,
# wasm-bindgen, wasm-opt -Oz), and its size raw and after brotli (quality 11), beside the
# app's main module from the last release build. Run from the repository root after
# `bash scripts/setup.sh`:  bash bench/wasm_floor/measure.sh
set -euo pipefail
cd "$(dirname "$0")"
cargo build --release --target wasm32-unknown-unknown --target-dir ../../target/wasm-floor
rm -rf out
wasm-bindgen --target web --out-dir out ../../target/wasm-floor/wasm32-unknown-unknown/release/wasm_floor.wasm
../../node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals out/wasm_floor_bg.wasm -o out/floor.wasm
node -e '
const z = require("zlib"), fs = require("fs");
const br = (b) => z.brotliCompressSync(b, { params: { [z.constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const show = (what, f) => { const b = fs.readFileSync(f); console.log(`${what}: ${b.length} bytes, ${br(b)} after brotli`); };
show("floor", "out/floor.wasm");
const pkg = "../../target/site/pkg";
const main = fs.existsSync(pkg) && fs.readdirSync(pkg).find((f) => /^cocreate\..*\.wasm$/.test(f));
if (main) show("cocreate main module", `${pkg}/${main}`);
'
