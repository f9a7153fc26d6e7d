#!/usr/bin/env bash
# Two cocreate server binaries under the same load, one after the other, on one machine:
# for checking that a change costs nothing (CPU per delivered update, p99 fan-out, RSS).
#   bash bench/compare.sh BEFORE_BINARY AFTER_BINARY [BOARDS] [CLIENTS_PER_BOARD] [SECONDS] [EDITS_PER_SEC] [ROUNDS]
# Build the "before" binary from another checkout with its own target dir, e.g.
#   git worktree add /tmp/before REV && (cd /tmp/before && CARGO_TARGET_DIR=/tmp/before-target cargo build --release -p server)
# Prints one JSON line per run (the load generator's), alternating before and after.
# AS=participant: the clients write as participants of the demo workshop (each with its
# own seat, editing its own card), the path the server's per-key rules check.
set -euo pipefail
cd "$(dirname "$0")/.."
BEFORE=$1
AFTER=$2
BOARDS=${3:-10}
CLIENTS=${4:-20}
SECONDS_=${5:-10}
RATE=${6:-1}
ROUNDS=${7:-2}
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p bench >/dev/null

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "server on port $1 did not start" >&2; return 1; }

run() {
  local label=$1 binary=$2 data port pid token ids list
  data=$(mktemp -d)
  port=$(port)
  # Every load client shares one link and one address: lift those caps for the bench.
  COCREATE_MAX_CONNS_PER_LINK=1000000 COCREATE_MAX_CONNS_PER_ADDRESS=1000000 RUST_LOG=warn "$binary" --bind 127.0.0.1:"$port" --data-dir "$data" \
    --rate-per-sec 1000 --rate-burst 5000 >/dev/null 2>&1 &
  pid=$!
  wait_port "$port"
  token=$(sed -n 's/^facilitator.*token=\([0-9a-f]*\).*/\1/p' "$data/demo-links.txt")
  local writer=$token as=()
  if [ "${AS:-}" = participant ]; then
    writer=$(sed -n 's/^participant.*token=\([0-9a-f]*\).*/\1/p' "$data/demo-links.txt")
    as=(--as-participant-in demo)
  fi
  ids=()
  for i in $(seq "$BOARDS"); do
    ids+=("$(curl -sf -X POST -H 'content-type: application/json' \
      -d "{\"title\":\"Bench $i\"}" "http://127.0.0.1:$port/api/workshops/demo/boards?token=$token" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')")
  done
  list=$(IFS=,; echo "${ids[*]}")
  target/release/cocreate-load --label "$label" --url "ws://127.0.0.1:$port/ws/board" --token "$writer" \
    --boards "$list" --clients "$CLIENTS" --seconds "$SECONDS_" --rate "$RATE" --pid "$pid" "${as[@]}"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  rm -rf "$data"
}

for _ in $(seq "$ROUNDS"); do
  run before "$BEFORE"
  run after "$AFTER"
done
