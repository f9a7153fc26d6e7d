#!/usr/bin/env bash
# Side-by-side load benchmark: cocreate vs the stock Node y-websocket server (y-websocket
# 1.5.4's bin/server.js, installed here with npm), same load generator, same machine; then
# cocreate-relay, the least any server could do under the same load (a bound, not a server).
#   bash bench/run.sh [BOARDS] [CLIENTS_PER_BOARD] [SECONDS] [EDITS_PER_SEC]
# Prints one JSON line per server. Not part of the test command (numbers, not pass/fail).
set -euo pipefail
cd "$(dirname "$0")/.."
BOARDS=${1:-20}
CLIENTS=${2:-25}
SECONDS_=${3:-15}
RATE=${4:-1}
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p server -p bench >/dev/null

# The stock Node server, in its own folder, installed exactly as its committed lockfile
# says (the root package.json pins the newer client).
if [ ! -f bench/node/node_modules/y-websocket/bin/server.js ] ||
   [ bench/node/package-lock.json -nt bench/node/node_modules/.package-lock.json ]; then
  (cd bench/node && npm ci --no-audit --no-fund >/dev/null)
fi

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() {
  for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "bench: the $2 server did not start on port $1; nothing was measured" >&2
  return 1
}

DATA=$(mktemp -d)
P1=$(port)
# Every load client shares one link and one address: lift those caps for the bench.
COCREATE_MAX_CONNS_PER_LINK=1000000 COCREATE_MAX_CONNS_PER_ADDRESS=1000000 RUST_LOG=warn target/release/cocreate --bind 127.0.0.1:"$P1" --data-dir "$DATA" \
  --rate-per-sec 1000 --rate-burst 5000 >/dev/null 2>&1 &
RS=$!
P2=$(port)
(cd bench/node && HOST=127.0.0.1 PORT="$P2" exec node node_modules/y-websocket/bin/server.js >/dev/null 2>&1) &
NS=$!
P3=$(port)
target/release/cocreate-relay --bind 127.0.0.1:"$P3" &
BS=$!
trap 'kill $RS $NS $BS 2>/dev/null || true; rm -rf "$DATA"' EXIT
wait_port "$P1" cocreate; wait_port "$P2" "Node y-websocket"; wait_port "$P3" relay
TOKEN=$(sed -n 's/^facilitator.*token=\([0-9a-f]*\).*/\1/p' "$DATA/demo-links.txt")

# BOARDS boards on cocreate (created through the API), the same names on Node.
IDS=()
for i in $(seq "$BOARDS"); do
  ID=$(curl -sf -X POST -H 'content-type: application/json' \
    -d "{\"title\":\"Bench $i\"}" "http://127.0.0.1:$P1/api/workshops/demo/boards?token=$TOKEN" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  IDS+=("$ID")
done
LIST=$(IFS=,; echo "${IDS[*]}")
NODEPID=$(pgrep -f "node node_modules/y-websocket/bin/server.js" | head -1)

target/release/cocreate-load --label cocreate --url "ws://127.0.0.1:$P1/ws/board" --token "$TOKEN" \
  --boards "$LIST" --clients "$CLIENTS" --seconds "$SECONDS_" --rate "$RATE" --pid "$RS"
target/release/cocreate-load --label node-y-websocket --url "ws://127.0.0.1:$P2" \
  --boards "$LIST" --clients "$CLIENTS" --seconds "$SECONDS_" --rate "$RATE" --pid "$NODEPID"
target/release/cocreate-load --label relay-bound --url "ws://127.0.0.1:$P3" \
  --boards "$LIST" --clients "$CLIENTS" --seconds "$SECONDS_" --rate "$RATE" --pid "$BS"

# The kernel's floor for the same fan-out (one frame per write to CLIENTS peers), with no
# server around it: Node's CPU per delivered update divided by this is the best ratio any
# server that writes each delivery on its own could reach on this machine.
target/release/cocreate-floor --peers "$CLIENTS"
