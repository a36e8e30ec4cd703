#!/usr/bin/env bash
# Instructions per request, asiohttp's demo beside nginx's `return 200`, each
# under callgrind while wrk keeps CONNS connections busy: counters are zeroed
# after a warm-up, then dumped after a timed run and divided by the requests it
# served. Timed runs on a shared machine drift by several percent; instruction
# counts do not, so this is what steers work on the request path. Both counts
# include libc; neither includes the kernel.
#   bench/instructions.sh [path, default /plaintext] [connections, default 64]
set -euo pipefail
cd "$(dirname "$0")/.."
path=${1:-/plaintext}
CONNS=${2:-64}
docker/install-deps.sh build bench >/dev/null
source bench/lib.sh
build_release asiohttp-demo

tmp=$(mktemp -d)
pid=
cleanup() {
  [[ -n $pid ]] && kill "$pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# Runs "$@" under callgrind, serving on `port`, and prints its instructions per request.
count() {  # port command...
  local port=$1 requests total
  shift
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" >"$tmp/server.log" 2>&1 &
  pid=$!
  wait_port "$port" 60  # a server starts slowly under callgrind
  taskset -c 1 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$port$path" >/dev/null
  callgrind_control -z "$pid" >/dev/null 2>&1
  requests=$(taskset -c 1 wrk -t1 -c"$CONNS" -d5s "http://127.0.0.1:$port$path" | awk '/requests in/ {print $1}')
  callgrind_control -d "$pid" >/dev/null 2>&1
  total=$(awk '/^(summary|totals):/ {print $2; exit}' "$tmp/cg.out.1")
  kill -INT "$pid" 2>/dev/null || true  # both stop on SIGINT
  wait "$pid" 2>/dev/null || true
  pid=
  rm -f "$tmp"/cg.out*
  echo $((total / requests))
}

sed -e "s/PORT/18089/" -e 's/^daemon off;/daemon off;\nmaster_process off;/' bench/peers/nginx.conf >"$tmp/nginx.conf"
ours=$(count 18088 build/apps/demo/asiohttp-demo --host 127.0.0.1 --port 18088 --threads 1 --access-log false)
theirs=$(count 18089 nginx -p "$tmp" -c "$tmp/nginx.conf")
printf '%-10s %22s %22s %12s\n' endpoint "asiohttp instr/req" "nginx instr/req" "asiohttp is"
printf '%-10s %22s %22s %12s\n' "$path" "$ours" "$theirs" "$(ratio "$ours" "$theirs")"
echo "(callgrind, wrk -t1 -c$CONNS -d5s after a 2 s warm-up; user space and libc, not the kernel)"
