#!/usr/bin/env bash
# Static files under wrk: the demo's /static (FileResponse: sendfile(2) on plain
# TCP) beside nginx serving the same directory with `sendfile on`, a 4 KiB and
# a 1 MiB file, each server pinned to core 0 and wrk to core 1, in one pass.
#   bench/static.sh [seconds per run, default 10] [connections, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${1:-10}
CONNS=${2:-64}
docker/install-deps.sh build bench >/dev/null
source bench/lib.sh
build_release asiohttp-demo

tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

chmod 755 "$tmp"  # nginx's worker runs as nobody
mkdir -m 755 "$tmp/files"
head -c 4096 /dev/urandom >"$tmp/files/4k.bin"
head -c 1048576 /dev/urandom >"$tmp/files/1m.bin"
chmod 644 "$tmp"/files/*

start() {  # port command...
  local port=$1; shift
  taskset -c 0 "$@" >/dev/null 2>&1 &
  pids+=($!)
  wait_port "$port"
}
start 18091 build/apps/demo/asiohttp-demo --host 127.0.0.1 --port 18091 --threads 1 --access-log false \
  --static-dir "$tmp/files"
sed -e "s/PORT/18092/" -e "s|ROOT|$tmp/files|" bench/peers/nginx_static.conf >"$tmp/nginx.conf"
start 18092 nginx -p "$tmp" -c "$tmp/nginx.conf"

for f in 4k 1m; do  # the same bytes from both
  cmp <(curl -s "http://127.0.0.1:18091/static/$f.bin") "$tmp/files/$f.bin"
  cmp <(curl -s "http://127.0.0.1:18092/static/$f.bin") "$tmp/files/$f.bin"
done

declare -A rps p99
for f in 4k 1m; do
  for peer in asiohttp:18091 nginx:18092; do
    name=${peer%%:*} port=${peer##*:}
    read -r "rps[$name/$f]" "p99[$name/$f]" < <(wrk_run "http://127.0.0.1:$port/static/$f.bin")
  done
done

printf '\n%-18s %-10s %12s %10s %12s\n' file server "req/s" "p99" "asiohttp is"
for f in 4k 1m; do
  for name in asiohttp nginx; do
    printf '%-18s %-10s %12s %10s %12s\n' "/static/$f.bin" "$name" "${rps[$name/$f]}" "${p99[$name/$f]}" \
      "$(ratio "${rps[asiohttp/$f]}" "${rps[$name/$f]}")"
  done
done
echo
echo "wrk -t1 -c$CONNS -d${DURATION}s; servers on core 0, wrk on core 1; nginx $(nginx -v 2>&1 | grep -o '[0-9.]*$') with sendfile on"
