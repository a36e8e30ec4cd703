#!/usr/bin/env bash
# Where an idle WebSocket's heap goes: the demo under heaptrack with N idle
# /ws/echo sockets open (bench/ws_load idle), killed there (SIGKILL), so that
# what heaptrack reports as leaked is what was alive while they idled: its
# largest consumers, in bytes per socket. (heaptrack's peak would be the
# upgrade storm instead, with every HTTP read buffer still there.)
#   bench/ws_heap.sh [idle sockets = 2000] [consumers shown = 12]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-2000}
SHOWN=${2:-12}
docker/install-deps.sh build bench >/dev/null
source bench/lib.sh
build_release asiohttp-demo ws_load

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
heaptrack -o "$tmp/heap" build/apps/demo/asiohttp-demo --host 127.0.0.1 --port 18121 --threads 1 \
  --access-log false --metrics false --request-ids false >"$tmp/demo.log" 2>&1 &
tracer=$!
wait_port 18121
build/bench/ws_load idle 127.0.0.1 18121 /ws/echo "$N" 8 >"$tmp/idle.out" &
loader=$!
for _ in $(seq 600); do grep -q ready "$tmp/idle.out" 2>/dev/null && break; sleep 0.1; done
sleep 2
pkill -KILL -f "^build/apps/demo/asiohttp-demo --host 127.0.0.1 --port 18121"  # every socket open, idle
wait "$loader" 2>/dev/null || true
wait "$tracer" 2>/dev/null || true
heaptrack_print -f "$(ls "$tmp"/heap*)" --print-peaks 0 --print-allocators 0 --print-temporary 0 --print-leaks 1 \
  --peak-limit "$SHOWN" 2>/dev/null |
  awk -v n="$N" -v shown="$SHOWN" '
    function bytes(s) { m = 1; if (s ~ /K$/) m = 1024; else if (s ~ /M$/) m = 1048576; sub(/[KMB]$/, "", s); return s * m }
    / leaked over / && count < shown { want = 1; size = $1; next }
    want && NF { sub(/^ +/, ""); printf "%8.0f B/socket  %s\n", bytes(size) / n, substr($0, 1, 110); want = 0; count++ }
    /total memory leaked/ { printf "alive with %d idle sockets: %s, %.0f B per socket\n", n, $4, bytes($4) / n }'
