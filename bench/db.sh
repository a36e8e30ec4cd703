#!/usr/bin/env bash
# /db and /queries?n=20 under wrk: the demo (DATABASE_URL set) beside Python
# aiohttp + asyncpg, against one throwaway PostgreSQL on 127.0.0.1. Each server
# is pinned to core 0, wrk to core 1; PostgreSQL runs where the kernel puts it.
#   bench/db.sh [seconds per run = 10] [connections = 64]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-64}
docker/install-deps.sh build test bench >/dev/null
source bench/lib.sh
build_release asiohttp-demo

source tests/pg/throwaway-postgres.sh
start_throwaway_postgres >/dev/null
export DATABASE_URL=$ASIOHTTP_TEST_DATABASE_URL

pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; stop_throwaway_postgres; }
trap cleanup EXIT

# The demo creates and fills `world` at startup; the peer starts after it.
taskset -c 0 build/apps/demo/asiohttp-demo --host 127.0.0.1 --port 18301 --threads 1 --access-log false >/dev/null 2>&1 &
pids+=($!)
wait_port 18301
taskset -c 0 /usr/bin/python3 bench/peers/aiohttp_db.py 18302 >/dev/null 2>&1 &  # Debian's python3
pids+=($!)
wait_port 18302

declare -A rps p99
for path in "db" "queries?n=20"; do
  for peer in asiohttp:18301 aiohttp:18302; do
    name=${peer%%:*} port=${peer##*:}
    read -r "rps[$name/$path]" "p99[$name/$path]" < <(wrk_run "http://127.0.0.1:$port/$path")
  done
done

printf '\n%-16s %-10s %12s %10s %12s\n' endpoint server "req/s" "p99" "asiohttp is"
for path in "db" "queries?n=20"; do
  for name in asiohttp aiohttp; do
    ratio=$(ratio "${rps[asiohttp/$path]}" "${rps[$name/$path]}")
    printf '%-16s %-10s %12s %10s %12s\n' "/$path" "$name" "${rps[$name/$path]}" "${p99[$name/$path]}" "$ratio"
  done
done
echo
echo "wrk -t1 -c$CONNS -d${DURATION}s; servers on core 0, wrk on core 1; PostgreSQL $(pg_bin | grep -o '[0-9]*' | head -1), pools of 8"
