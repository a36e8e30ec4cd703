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
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DASIOHTTP_BUILD_BENCH=ON >/dev/null
source bench/lib.sh
cmake --build build --target fanout_server ws_load >/dev/null
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
echo "one core each; $(nproc) cores, $(uname -r)"
