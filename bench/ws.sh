#!/usr/bin/env bash
# WebSocket echo: asiohttp's demo /ws/echo beside Python aiohttp and Node's `ws`,
# each server pinned to core 0 and the load client (bench/ws_load.cpp) to core 1.
# Then memory: RSS per idle WebSocket connection with 5,000 of them open.
#   bench/ws.sh [seconds per run = 10] [connections = 64] [bytes = 32] [idle connections = 5000]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-64}
BYTES=${3:-32}
IDLE=${4:-5000}
docker/install-deps.sh build bench >/dev/null
npm ci --prefix bench/peers --no-audit --no-fund --silent
source bench/lib.sh
build_release asiohttp-demo ws_load
ulimit -n $((IDLE * 2 + 1000))

tmp=$(mktemp -d)
pid=
stop() { [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; pid=; }
trap 'stop; rm -rf "$tmp"' EXIT

start() {  # port command...
  local port=$1; shift
  taskset -c 0 "$@" >"$tmp/server.log" 2>&1 &
  pid=$!
  wait_port "$port"
}
server_cmd() {  # name port
  case $1 in
    asiohttp) echo build/apps/demo/asiohttp-demo --host 127.0.0.1 --port "$2" --threads 1 --access-log false ;;
    aiohttp) echo /usr/bin/python3 bench/peers/aiohttp_ws.py "$2" ;;  # Debian's python3, where python3-aiohttp is
    node) echo node bench/peers/node_ws.js "$2" ;;
  esac
}
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }

declare -A rate p99 per_conn
port=18090
for name in asiohttp aiohttp node; do
  port=$((port + 1))
  # shellcheck disable=SC2046
  start "$port" $(server_cmd "$name" "$port")
  taskset -c 1 build/bench/ws_load echo 127.0.0.1 "$port" /ws/echo "$CONNS" "$BYTES" 2 >/dev/null  # warm-up
  out=$(taskset -c 1 build/bench/ws_load echo 127.0.0.1 "$port" /ws/echo "$CONNS" "$BYTES" "$DURATION")
  rate[$name]=$(awk '$1 == "messages/s" {print $2}' <<<"$out")
  p99[$name]=$(awk '$1 == "p99_ms" {print $2}' <<<"$out")
  stop

  start "$port" $(server_cmd "$name" "$port")
  sleep 0.5
  before=$(rss_kib)
  taskset -c 1 build/bench/ws_load idle 127.0.0.1 "$port" /ws/echo "$IDLE" 6 >"$tmp/idle.out" &
  loader=$!
  for _ in $(seq 600); do grep -q ready "$tmp/idle.out" 2>/dev/null && break; sleep 0.1; done
  sleep 2
  after=$(rss_kib)
  per_conn[$name]=$(awk -v a="$after" -v b="$before" -v n="$IDLE" 'BEGIN { printf "%.2f", (a - b) / n }')
  wait "$loader" || true
  stop
done

printf '\n%-10s %14s %10s %12s %22s\n' server "messages/s" "p99 RTT" "asiohttp is" "idle KiB per socket"
for name in asiohttp aiohttp node; do
  ratio=$(ratio "${rate[asiohttp]}" "${rate[$name]}")
  printf '%-10s %14s %8sms %12s %22s\n' "$name" "${rate[$name]}" "${p99[$name]}" "$ratio" "${per_conn[$name]}"
done
echo
echo "echo: $CONNS connections x ${BYTES}-byte messages, ${DURATION}s; idle: $IDLE connections; servers on core 0, load on core 1"
