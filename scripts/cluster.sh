#!/usr/bin/env bash
# Starts a cocreate cluster on this machine: PostgreSQL (Debian's package, initdb into a
# temporary folder, its own port), Redis (Debian's package, its own port, nothing kept on
# disk) and NODES cocreate nodes sharing them, each on its own port. Node 1 seeds the demo
# workshop; its links are printed. Ctrl-C stops everything and removes the folder.
#   bash scripts/cluster.sh [NODES]
# Sourced (bench/cluster.sh), it only defines the functions.
set -euo pipefail

cluster_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

cluster_wait_port() {
  for _ in $(seq 300); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done
  echo "cluster: $2 did not open port $1" >&2
  return 1
}

# Run a command as the postgres user when we are root (PostgreSQL refuses root); setpriv
# execs it, so its process id is the server's own.
cluster_as_pg() {
  if [ "$(id -u)" = "0" ]; then setpriv --reuid=postgres --regid=postgres --init-groups "$@"; else "$@"; fi
}

# cluster_start_db: sets CLUSTER_DIR, PG_URL, REDIS_URL, CLUSTER_PIDS.
cluster_start_db() {
  local bin
  bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
  [ -x "$bin/postgres" ] || { echo "cluster: PostgreSQL is not installed (bash scripts/setup.sh)" >&2; return 1; }
  command -v redis-server >/dev/null || { echo "cluster: redis-server is not installed (bash scripts/setup.sh)" >&2; return 1; }
  CLUSTER_DIR=$(mktemp -d /tmp/cocreate-cluster.XXXXXX)
  chmod 755 "$CLUSTER_DIR"
  mkdir -p "$CLUSTER_DIR/pg"
  [ "$(id -u)" = "0" ] && chown postgres "$CLUSTER_DIR/pg"
  cluster_as_pg "$bin/initdb" -D "$CLUSTER_DIR/pg/data" -U cocreate --auth=trust -E UTF8 --locale=C >/dev/null
  local pg_port redis_port
  pg_port=$(cluster_port)
  cluster_as_pg "$bin/postgres" -D "$CLUSTER_DIR/pg/data" -p "$pg_port" -k "$CLUSTER_DIR/pg" \
    -c listen_addresses=127.0.0.1 -c max_connections=300 >"$CLUSTER_DIR/postgres.log" 2>&1 &
  CLUSTER_PIDS=($!)
  cluster_wait_port "$pg_port" PostgreSQL
  until "$bin/pg_isready" -h 127.0.0.1 -p "$pg_port" -q; do sleep 0.1; done
  "$bin/createdb" -h 127.0.0.1 -p "$pg_port" -U cocreate cocreate
  PG_URL="postgres://cocreate@127.0.0.1:$pg_port/cocreate"
  redis_port=$(cluster_port)
  redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$CLUSTER_DIR/redis.log" 2>&1 &
  CLUSTER_PIDS+=($!)
  cluster_wait_port "$redis_port" Redis
  REDIS_URL="redis://127.0.0.1:$redis_port"
}

# cluster_start_node NAME [extra flags...]: appends to NODE_PORTS and NODE_PIDS.
cluster_start_node() {
  local name=$1; shift
  local port data
  port=$(cluster_port)
  data="$CLUSTER_DIR/$name"
  mkdir -p "$data"
  COCREATE_DATABASE="$PG_URL" COCREATE_CLUSTER="$REDIS_URL" COCREATE_CLUSTER_KEY="$CLUSTER_KEY" \
    COCREATE_NODE="$name" COCREATE_ADVERTISE="127.0.0.1:$port" \
    LEPTOS_SITE_ROOT=target/site LEPTOS_OUTPUT_NAME=cocreate \
    "$COCREATE_BIN" --bind "127.0.0.1:$port" --data-dir "$data" "$@" >"$data/node.log" 2>&1 &
  NODE_PIDS+=($!)
  NODE_PORTS+=("$port")
  cluster_wait_port "$port" "node $name"
}

# cluster_start NODES [extra flags...]: the database, Redis and NODES nodes.
cluster_start() {
  local nodes=$1; shift
  CLUSTER_KEY=${CLUSTER_KEY:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}
  COCREATE_BIN=${COCREATE_BIN:-target/release/cocreate}
  NODE_PIDS=(); NODE_PORTS=()
  cluster_start_db
  cluster_start_node node1 "$@"
  for i in $(seq 2 "$nodes"); do cluster_start_node "node$i" --no-demo "$@"; done
}

cluster_stop() {
  # Nodes first (a graceful stop hands their leases over), then Redis and PostgreSQL
  # (SIGINT: its fast shutdown).
  kill "${NODE_PIDS[@]}" 2>/dev/null || true
  wait "${NODE_PIDS[@]}" 2>/dev/null || true
  local postmaster
  postmaster=$(head -1 "$CLUSTER_DIR/pg/data/postmaster.pid" 2>/dev/null || true)
  kill -INT "${CLUSTER_PIDS[@]}" $postmaster 2>/dev/null || true
  wait "${CLUSTER_PIDS[@]}" 2>/dev/null || true
  while [ -n "$postmaster" ] && kill -0 "$postmaster" 2>/dev/null; do sleep 0.1; done
  rm -rf "$CLUSTER_DIR"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  cd "$(dirname "$0")/.."
  NODES=${1:-3}
  export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
  # Always build: a binary left from before the PostgreSQL backend would take the
  # database address for a SQLite file name and run each node on its own file.
  bash scripts/setup.sh
  cargo leptos build --release --precompress --split
  cluster_start "$NODES"
  trap cluster_stop EXIT
  trap 'exit 0' INT TERM
  echo "PostgreSQL: $PG_URL"
  echo "Redis:      $REDIS_URL"
  for i in "${!NODE_PORTS[@]}"; do echo "node$((i + 1)):      http://127.0.0.1:${NODE_PORTS[$i]}  (log: $CLUSTER_DIR/node$((i + 1))/node.log)"; done
  echo "Demo links (any node serves any of them; replace the port to use another node):"
  sed 's/^/  /' "$CLUSTER_DIR/node1/demo-links.txt"
  echo "Ctrl-C stops the cluster."
  wait "${NODE_PIDS[0]}"
fi
