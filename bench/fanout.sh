#!/usr/bin/env bash
# Fan-out: one publisher, 1,000 and 10,000 subscribers. asiohttp's topics
# (bench/fanout_server.cpp) beside Node's `ws` looping over its clients
# (bench/peers/node_fanout.js), each on core 0; the load client
# (bench/ws_load.cpp fanout, raw frame reads) on core 1.
# Throughput: 32 messages in flight; latency: one broadcast at a time.
#   bench/fanout.sh [seconds per run = 8] [bytes = 64]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-8}
BYTES=${2:-64}
docker/install-deps.sh build bench >/dev/null
npm ci --prefix bench/peers --no-audit --no-fund --silent
source bench/lib.sh
build_release fanout_server ws_load
ulimit -n 30000 2>/dev/null || true
[[ $(ulimit -n) -ge 10500 ]] || { echo "fanout: needs 10,500 open files (ulimit -n is $(ulimit -n))" >&2; exit 1; }

pid=
stop() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; pid=; }
trap stop EXIT
start() {  # name port
  case $1 in
    asiohttp) taskset -c 0 build/bench/fanout_server --host 127.0.0.1 --port "$2" --threads 1 --access-log false >/dev/null 2>&1 & ;;
    node) taskset -c 0 node bench/peers/node_fanout.js "$2" >/dev/null 2>&1 & ;;
  esac
  pid=$!
  wait_port "$2"
}
field() { awk -v k="$1" '$1 == k {print $2}'; }

printf '%-12s %-9s %14s %12s %12s\n' subscribers server "deliveries/s" "p50 (1 msg)" "p99 (1 msg)"
declare -A rate
port=18110
for subs in 1000 10000; do
  for name in asiohttp node; do
    port=$((port + 1))
    start "$name" "$port"
    out=$(taskset -c 1 build/bench/ws_load fanout 127.0.0.1 "$port" "$subs" "$BYTES" "$DURATION" 32)
    rate[$name/$subs]=$(field deliveries/s <<<"$out")
    one=$(taskset -c 1 build/bench/ws_load fanout 127.0.0.1 "$port" "$subs" "$BYTES" 4 1)
    printf '%-12s %-9s %14s %10s ms %9s ms\n' "$subs" "$name" "${rate[$name/$subs]}" \
      "$(field p50_ms <<<"$one")" "$(field p99_ms <<<"$one")"
    stop
  done
  echo "$subs subscribers: asiohttp is $(ratio "${rate[asiohttp/$subs]}" "${rate[node/$subs]}") Node's deliveries/s"
done

# Cross-instance: subscribers on one instance, the publisher on another, the
# topic shared through a throwaway PostgreSQL (both instances on core 0, where
# the in-process run had its one instance); one broadcast at a time.
source tests/pg/throwaway-postgres.sh
start_throwaway_postgres >/dev/null
trap 'stop; kill "${other:-}" "${alone:-}" 2>/dev/null || true; stop_throwaway_postgres' EXIT
taskset -c 0 build/bench/fanout_server --host 127.0.0.1 --port 18121 --threads 1 --access-log false \
  --database-url "$ASIOHTTP_TEST_DATABASE_URL" >/dev/null 2>&1 &
pid=$!
taskset -c 0 build/bench/fanout_server --host 127.0.0.1 --port 18122 --threads 1 --access-log false \
  --database-url "$ASIOHTTP_TEST_DATABASE_URL" >/dev/null 2>&1 &
other=$!
taskset -c 0 build/bench/fanout_server --host 127.0.0.1 --port 18123 --threads 1 --access-log false >/dev/null 2>&1 &
alone=$!
wait_port 18121
wait_port 18122
wait_port 18123
alone_run=$(taskset -c 1 build/bench/ws_load fanout 127.0.0.1 18123 100 "$BYTES" 4 1)
local_run=$(taskset -c 1 build/bench/ws_load fanout 127.0.0.1 18121 100 "$BYTES" 4 1 18121)
cross_run=$(taskset -c 1 build/bench/ws_load fanout 127.0.0.1 18121 100 "$BYTES" 4 1 18122)
printf '\n%-40s %10s %10s\n' "100 subscribers, one message at a time" p50 p99
printf '%-40s %7s ms %7s ms\n' "in process, no database" "$(field p50_ms <<<"$alone_run")" "$(field p99_ms <<<"$alone_run")"
printf '%-40s %7s ms %7s ms\n' "published on their instance (via PG)" "$(field p50_ms <<<"$local_run")" "$(field p99_ms <<<"$local_run")"
printf '%-40s %7s ms %7s ms\n' "published on the other instance" "$(field p50_ms <<<"$cross_run")" "$(field p99_ms <<<"$cross_run")"
echo "one core each; $(nproc) cores, $(uname -r)"
