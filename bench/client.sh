#!/usr/bin/env bash
# The HTTP client: N GET /plaintext at LIMIT in flight against asiohttp's demo
# (one thread, core 1), driven by `fetch`, by Python aiohttp's ClientSession and
# by Node's fetch, each pinned to core 0. Then the seeds' demonstration in
# miniature: 10 requests to an endpoint answering after 200 ms, with
# `fetch --sequential` and without.
#   bench/client.sh [requests, default 10000] [in flight, default 100] [runs, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-10000}
LIMIT=${2:-100}
RUNS=${3:-3}
docker/install-deps.sh build bench >/dev/null
source bench/lib.sh
build_release asiohttp-demo fetch

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

taskset -c 1 build/apps/demo/asiohttp-demo --host 127.0.0.1 --port 18091 --threads 1 --access-log false \
  >"$tmp/server.log" 2>&1 &
pids+=($!)
taskset -c 1 /usr/bin/python3 bench/peers/aiohttp_http.py 18092 >"$tmp/slow.log" 2>&1 &
pids+=($!)
wait_port 18091
wait_port 18092
url=http://127.0.0.1:18091/plaintext

# Each client's best of RUNS, in ms.
best() {  # command...
  local best=""
  for _ in $(seq "$RUNS"); do
    ms=$("$@")
    best=$(awk -v a="$ms" -v b="$best" 'BEGIN { print (b == "" || a < b) ? a : b }')
  done
  echo "$best"
}
fetch_ms() { taskset -c 0 build/apps/fetch/fetch --json --limit "$LIMIT" --repeat "$1" "$2" | jq .total_ms; }

declare -A ms
ms[fetch]=$(best fetch_ms "$N" "$url")
ms[aiohttp]=$(best taskset -c 0 /usr/bin/python3 bench/peers/aiohttp_client.py "$url" "$N" "$LIMIT")
ms[node]=$(best taskset -c 0 node bench/peers/node_client.js "$url" "$N" "$LIMIT")

printf '\n%-10s %10s %12s %14s\n' client "ms" "req/s" "fetch is"
for name in fetch aiohttp node; do
  rps=$(awk -v n="$N" -v ms="${ms[$name]}" 'BEGIN { printf "%.0f", n * 1000 / ms }')
  printf '%-10s %10s %12s %14s\n' "$name" "${ms[$name]}" "$rps" "$(ratio "${ms[$name]}" "${ms[fetch]}")"
done

slow=http://127.0.0.1:18092/slow
seq_ms=$(taskset -c 0 build/apps/fetch/fetch --json --sequential --repeat 10 "$slow" | jq .total_ms)
con_ms=$(taskset -c 0 build/apps/fetch/fetch --json --repeat 10 "$slow" | jq .total_ms)
printf '\n10 x GET /slow (200 ms each): --sequential %.0f ms, concurrent %.0f ms\n' "$seq_ms" "$con_ms"
echo "$N requests, $LIMIT in flight, best of $RUNS; clients on core 0, server on core 1; $(nproc) cores, $(uname -r)"
