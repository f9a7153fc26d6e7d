#!/usr/bin/env bash
# One node against three, same load, one run (issue 24's benchmark). Setups, each a JSON
# line from the same load generator:
#   sqlite-1node      the embedded default (one node, SQLite file);
#   postgres-1node    one cluster node on PostgreSQL + Redis;
#   postgres-3nodes   three cluster nodes on the same PostgreSQL + Redis, each board's
#                     clients spread over the three (so two in three are relayed to the
#                     board's owner): the worst case, no routing at all;
#   postgres-3nodes-routed  the same, each board's clients all sent to one node (as a
#                     load balancer routing by board sends them).
# CPU is the nodes' own (PostgreSQL's and Redis's are not counted); "lost" is expected
# deliveries that never arrived (must be 0).
#   bash bench/cluster.sh [BOARDS] [CLIENTS_PER_BOARD] [SECONDS] [EDITS_PER_SEC]
# Not part of the test command (numbers, not pass/fail).
set -euo pipefail
cd "$(dirname "$0")/.."
BOARDS=${1:-20}
CLIENTS=${2:-30}
SECONDS_=${3:-10}
RATE=${4:-1}
export PATH="$HOME/.cargo/bin:$PATH"
cargo build --release -p server -p bench >/dev/null
source scripts/cluster.sh
# Every load client shares one link and one address: lift those caps for the bench.
export COCREATE_MAX_CONNS_PER_LINK=1000000 COCREATE_MAX_CONNS_PER_ADDRESS=1000000
export COCREATE_RATE_PER_SEC=1000 COCREATE_RATE_BURST=5000 RUST_LOG=warn

# BOARDS new boards in the demo workshop, through the node at port $1; prints their ids.
make_boards() {
  local token=$2 ids=()
  for i in $(seq "$BOARDS"); do
    ids+=("$(curl -sf -X POST -H 'content-type: application/json' \
      -d "{\"title\":\"Bench $i\"}" "http://127.0.0.1:$1/api/workshops/demo/boards?token=$token" |
      python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')")
  done
  (IFS=,; echo "${ids[*]}")
}

load() { # LABEL URLS PIDS TOKEN BOARDS [SPREAD]
  target/release/cocreate-load --label "$1" --url "$2" --pid "$3" --token "$4" \
    --boards "$5" --clients "$CLIENTS" --seconds "$SECONDS_" --rate "$RATE" --spread "${6:-clients}"
}

# 1. One node on SQLite.
DATA=$(mktemp -d)
P=$(cluster_port)
target/release/cocreate --bind 127.0.0.1:"$P" --data-dir "$DATA" >/dev/null 2>&1 &
SOLO=$!
trap 'kill $SOLO 2>/dev/null || true; rm -rf "$DATA"' EXIT
cluster_wait_port "$P" "the SQLite node"
TOKEN=$(sed -n 's/^facilitator.*token=\([0-9a-f]*\).*/\1/p' "$DATA/demo-links.txt")
LIST=$(make_boards "$P" "$TOKEN")
load sqlite-1node "ws://127.0.0.1:$P/ws/board" "$SOLO" "$TOKEN" "$LIST"
kill $SOLO; wait $SOLO 2>/dev/null || true

# 2 and 3. PostgreSQL + Redis, one node then three (a fresh database each).
for N in 1 3; do
  cluster_start "$N"
  trap 'cluster_stop; rm -rf "$DATA"' EXIT
  TOKEN=$(sed -n 's/^facilitator.*token=\([0-9a-f]*\).*/\1/p' "$CLUSTER_DIR/node1/demo-links.txt")
  LIST=$(make_boards "${NODE_PORTS[0]}" "$TOKEN")
  URLS=$(for p in "${NODE_PORTS[@]}"; do printf 'ws://127.0.0.1:%s/ws/board,' "$p"; done)
  PIDS=$(IFS=,; echo "${NODE_PIDS[*]}")
  load "postgres-${N}node$([ "$N" = 1 ] || echo s)" "${URLS%,}" "$PIDS" "$TOKEN" "$LIST"
  if [ "$N" = 3 ]; then
    # Fresh boards, so that each one's owner is the node its clients are routed to.
    LIST=$(make_boards "${NODE_PORTS[0]}" "$TOKEN")
    load postgres-3nodes-routed "${URLS%,}" "$PIDS" "$TOKEN" "$LIST" boards
  fi
  cluster_stop
  trap 'rm -rf "$DATA"' EXIT
done
