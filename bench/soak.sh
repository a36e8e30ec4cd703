#!/usr/bin/env bash
# Soak and scale on the demo (release build, one thread, pinned to core 0; the
# load on core 1). Not a test: it prints figures for bench/README.md.
#   bench/soak.sh [soak minutes = 10] [hold seconds = 30]
# 1. Scale: 10,000 keep-alive connections held, 1,000 slow-header clients and
#    1,000 idle WebSockets at once, while a probe's GET /plaintext every 10 ms
#    gives p50/p99 (aim: p99 under 50 ms).
# 2. Soak: mixed load for the given minutes (wrk keep-alive on /json, wrk with
#    Connection: close on /plaintext, a 50-member chat room at 10 messages/s,
#    /db on the throwaway PostgreSQL, the fetch client every 5 s), sampling the
#    server's RSS, open descriptors and threads every 5 s. Flat means the last
#    sample within 5% of the first one after a minute of warm-up.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${1:-10}
HOLD=${2:-30}
docker/install-deps.sh build test bench >/dev/null
source bench/lib.sh
build_release asiohttp-demo fetch
ulimit -n "$(ulimit -Hn)"
[[ $(ulimit -n) -ge 13000 ]] || { echo "soak: needs 13,000 open files (ulimit -Hn is $(ulimit -Hn))" >&2; exit 1; }
source tests/pg/throwaway-postgres.sh
start_throwaway_postgres >/dev/null
PORT=18190
pid=
loads=()
stop_all() {
  for p in "${loads[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
}
trap stop_all EXIT
taskset -c 0 build/apps/demo/asiohttp-demo --host 127.0.0.1 --port $PORT --threads 1 --access-log false \
  --backlog 4096 --database-url "$ASIOHTTP_TEST_DATABASE_URL" >/dev/null 2>&1 &
pid=$!
wait_port $PORT
sample() {  # rss_kib fds threads
  echo "$(awk '/VmRSS/ {print $2}' /proc/$pid/status) $(ls /proc/$pid/fd | wc -l) $(awk '/Threads/ {print $2}' /proc/$pid/status)"
}

echo "== scale: 10000 keep-alive, 1000 slow-header clients, 1000 idle WebSockets, ${HOLD}s of probing"
echo "before: rss/fds/threads $(sample)"
taskset -c 1 bench/soak_clients.py hold $PORT "$HOLD" 10000 1000 1000 &
hold=$!
sleep $((HOLD / 2 + 5))
echo "during: rss/fds/threads $(sample)"
wait $hold
sleep 2
echo "after:  rss/fds/threads $(sample)"

echo "== soak: ${MINUTES} min of mixed load"
seconds=$((MINUTES * 60))
taskset -c 1 wrk -t1 -c64 -d"${seconds}s" http://127.0.0.1:$PORT/json >/tmp/soak-wrk-json.txt &
loads+=($!)
taskset -c 1 wrk -t1 -c16 -d"${seconds}s" -H 'Connection: close' http://127.0.0.1:$PORT/plaintext >/tmp/soak-wrk-close.txt &
loads+=($!)
taskset -c 1 wrk -t1 -c8 -d"${seconds}s" http://127.0.0.1:$PORT/db >/tmp/soak-wrk-db.txt &
loads+=($!)
taskset -c 1 bench/soak_clients.py chat $PORT "$seconds" 50 >/tmp/soak-chat.json &
loads+=($!)
fetch_errors=0
printf '%8s %10s %6s %8s\n' seconds rss_kib fds threads
samples=()
for ((t = 0; t <= seconds; t += 5)); do
  s=$(sample)
  samples+=("$s")
  printf '%8d %10s %6s %8s\n' "$t" $s
  taskset -c 1 build/apps/fetch/fetch --repeat 20 --limit 4 "http://127.0.0.1:$PORT/hello/soak" >/dev/null 2>&1 ||
    fetch_errors=$((fetch_errors + 1))
  sleep 5
done
for p in "${loads[@]}"; do wait "$p" || true; done
loads=()
warm=${samples[12]:-${samples[0]}}  # one minute in
last=${samples[-3]}  # ten seconds before the end, the load still on
echo "== results"
for f in json close db; do
  echo "wrk /$f: $(awk '/Requests\/sec/ {r=$2} /Non-2xx/ {e=$5} /Socket errors/ {s=$0} END {print r " req/s, non-2xx " (e ? e : 0) (s ? ", " s : "")}' /tmp/soak-wrk-$f.txt)"
done
echo "chat: $(cat /tmp/soak-chat.json)"
echo "fetch runs failed: $fetch_errors"
awk -v w="$warm" -v l="$last" 'BEGIN {
  split(w, a, " "); split(l, b, " ");
  printf "after warm-up -> end: rss %d -> %d KiB (%+.1f%%), fds %d -> %d, threads %d -> %d\n",
    a[1], b[1], (b[1] - a[1]) * 100 / a[1], a[2], b[2], a[3], b[3] }'
