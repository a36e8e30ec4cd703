#!/usr/bin/env bash
# /db and /queries?n=20 under wrk: the demo (DATABASE_URL set) beside Python
# aiohttp + asyncpg, against one throwaway PostgreSQL on 127.0.0.1. Each server
# is pinned to core 0, wrk to core 1; PostgreSQL runs where the kernel puts it.
# The ceiling: pgbench -M prepared running the same statement over as many
# connections as the pools have (8), pinned to core 0 like the servers; every
# server's statements per second are printed as a share of it.
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

# The ceiling first, while nothing else runs.
cat > "$PG_TMP/world.sql" <<'SQL'
\set id random(1, 10000)
select id, randomnumber from world where id = :id;
SQL
chmod a+r "$PG_TMP/world.sql"
ceiling=$(taskset -c 0 "$(pg_bin)/pgbench" -n -M prepared -c 8 -j 1 -T "$DURATION" -f "$PG_TMP/world.sql" \
  "$DATABASE_URL" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')

declare -A rps p99
for path in "db" "queries?n=20"; do
  for peer in asiohttp:18301 aiohttp:18302; do
    name=${peer%%:*} port=${peer##*:}
    read -r "rps[$name/$path]" "p99[$name/$path]" < <(wrk_run "http://127.0.0.1:$port/$path")
  done
done

printf '\n%-16s %-10s %12s %10s %12s %14s\n' endpoint server "req/s" "p99" "asiohttp is" "of pgbench"
printf '%-16s %-10s %12s %10s %12s %14s\n' "(statement)" pgbench "$ceiling" "" "" "1.00x"
for path in "db" "queries?n=20"; do
  per_request=1
  [[ $path == queries* ]] && per_request=20
  for name in asiohttp aiohttp; do
    ratio=$(ratio "${rps[asiohttp/$path]}" "${rps[$name/$path]}")
    share=$(ratio "$(awk -v r="${rps[$name/$path]}" -v n=$per_request 'BEGIN {print r * n}')" "$ceiling")
    printf '%-16s %-10s %12s %10s %12s %14s\n' "/$path" "$name" "${rps[$name/$path]}" "${p99[$name/$path]}" "$ratio" "$share"
  done
done
echo
echo "wrk -t1 -c$CONNS -d${DURATION}s; servers and pgbench (-M prepared -c 8 -j 1) on core 0, wrk on core 1;"
echo "PostgreSQL $(pg_bin | grep -o '[0-9]*' | head -1), pools of 8; 'of pgbench': statements/s over pgbench's"
