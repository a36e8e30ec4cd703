#!/usr/bin/env bash
# The Docker path as a user takes it: builds the image, runs it alone and checks
# it, brings up the compose stack (PostgreSQL, 3 demo replicas, nginx), checks
# login, notes and WebSockets through nginx, times `docker stop`, tears down.
#   docker/smoke-test.sh        (as root, or a user in the docker group)
# Base images are pulled, or built from Debian's packages where no registry is
# reachable (docker/standin-images.sh). Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
say() { echo "smoke-test: $*"; }
fail() { echo "smoke-test: FAILED: $*" >&2; exit 1; }

command -v npm >/dev/null || fail "npm is missing (docker/install-deps.sh docker installs it)"
docker info >/dev/null 2>&1 || fail "no Docker engine (apt-get install docker.io, then start dockerd)"
if docker compose version >/dev/null 2>&1; then compose_cmd=(docker compose); else compose_cmd=(docker-compose); fi
command -v "${compose_cmd[0]}" >/dev/null || fail "neither 'docker compose' nor docker-compose is installed"
project=asiohttp-smoke
alone=asiohttp-smoke-alone
port_alone=18480 port_stack=18580
compose() { ASIOHTTP_PUBLISH=127.0.0.1:$port_stack "${compose_cmd[@]}" -f docker/compose.yaml -p "$project" "$@"; }
cleanup() {
  docker rm -f "$alone" >/dev/null 2>&1 || true
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  [[ -n ${hold_pid:-} ]] && kill "$hold_pid" 2>/dev/null || true
}
trap cleanup EXIT
cleanup

# Waits up to $2 seconds for a URL to answer 200.
wait_for() {
  for _ in $(seq "$(( $2 * 5 ))"); do
    curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}
# A WebSocket peer that never answers the close frame: the upgrade, then silence.
hold_websocket() {
  exec 3<>"/dev/tcp/127.0.0.1/$1"
  printf 'GET /ws/echo HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n' >&3
  sleep 60
}
# Seconds `docker stop` took for a container, and fails if it needed SIGKILL.
timed_stop() {
  local start end code
  start=$(date +%s.%N)
  docker stop "$1" >/dev/null
  end=$(date +%s.%N)
  code=$(docker inspect -f '{{.State.ExitCode}}' "$1")
  stop_seconds=$(awk "BEGIN { printf \"%.1f\", $end - $start }")
  [[ $code == 0 ]] || fail "$1 exited with status $code after docker stop (137 is SIGKILL)"
}

docker/standin-images.sh
npm ci --prefix docker/smoke --no-audit --no-fund --silent  # its WebSocket client
say "building the image"
docker build -q -f docker/Dockerfile -t asiohttp-demo . >/dev/null

say "the image alone: docker run asiohttp-demo, no flags"
docker run -d --name "$alone" -p "127.0.0.1:$port_alone:8080" asiohttp-demo >/dev/null
base=http://127.0.0.1:$port_alone
wait_for "$base/healthz" 20 || { docker logs "$alone"; fail "the image did not answer /healthz"; }
curl -fsS "$base/" | grep -qi "<html" || fail "GET / is not the index page"
curl -fsS "$base/chat" | grep -q "chat.js" || fail "GET /chat is not the chat page"
curl -fsS -o /dev/null "$base/static/chat.js" || fail "the chat page's script is not served"
[[ $(curl -fsS "$base/readyz") == '{"ready":true}' ]] || fail "/readyz is not ready"
node docker/smoke/ws-check.mjs "ws://127.0.0.1:$port_alone"
[[ $(docker exec "$alone" id -u) != 0 ]] || fail "the image runs as root"
for _ in $(seq 50); do
  [[ $(docker inspect -f '{{.State.Health.Status}}' "$alone") == healthy ]] && break
  sleep 0.2
done
[[ $(docker inspect -f '{{.State.Health.Status}}' "$alone") == healthy ]] || fail "HEALTHCHECK did not report healthy"
docker exec "$alone" sh -c 'ls /usr/lib/x86_64-linux-gnu | grep -E "^lib(gtest|boost_.*\.a$)"' && fail "build-only libraries in the runtime image"
hold_websocket "$port_alone" & hold_pid=$!
sleep 0.5
timed_stop "$alone"
say "docker stop with an unanswered WebSocket close: ${stop_seconds}s, exit status 0"
awk "BEGIN { exit !($stop_seconds < 10) }" || fail "docker stop took ${stop_seconds}s: Docker's grace period is 10 s"
docker logs "$alone" 2>&1 | grep -q "shutting down gracefully" || fail "no graceful shutdown in the log"
kill "$hold_pid" 2>/dev/null || true
docker rm -f "$alone" >/dev/null

say "the compose stack: postgres, demo x3, nginx"
compose up -d --scale demo=3 >/dev/null 2>&1 || { compose logs; fail "compose up failed"; }
base=http://127.0.0.1:$port_stack
wait_for "$base/healthz" 60 || { compose logs; fail "nginx did not answer /healthz"; }
jar=$(mktemp)
[[ $(curl -fsS -c "$jar" -H 'Content-Type: application/json' -d '{"name":"ann"}' "$base/login") == '{"name":"ann"}' ]] ||
  fail "login through nginx"
for i in $(seq 12); do  # round robin: every replica answers some of these
  [[ $(curl -fsS -b "$jar" "$base/me") == '{"name":"ann"}' ]] || fail "request $i: the session was not known to every replica"
done
note=$(curl -fsS -b "$jar" -H 'Content-Type: application/json' -d '{"title":"from smoke","body":"x"}' "$base/api/notes")
id=$(echo "$note" | jq -r .id)
for i in $(seq 6); do
  curl -fsS "$base/api/notes/$id" | jq -e '.title == "from smoke"' >/dev/null || fail "note $id missing on some replica"
done
node docker/smoke/ws-check.mjs "ws://127.0.0.1:$port_stack"
served=0
for c in $(compose ps -q demo); do
  docker logs "$c" 2>&1 | grep -q '"GET /me ' && served=$((served + 1))
done
(( served >= 2 )) || fail "only $served replica(s) served /me: nginx did not spread the load"
# Behind the trusted proxy the access log shows the client (the Docker gateway),
# not nginx's address.
compose logs demo 2>&1 | grep '"GET /me ' | grep -q '172.28.0.10 ' && fail "the access log shows nginx's address"
compose logs demo 2>&1 | grep '"GET /me ' | grep -q '172.28.0.1 ' || fail "the access log does not show the client's address"
say "login, notes, sessions and WebSockets work through nginx; $served replicas served"

start=$(date +%s.%N)
compose stop >/dev/null 2>&1
stop_seconds=$(awk "BEGIN { printf \"%.1f\", $(date +%s.%N) - $start }")
for c in $(compose ps -aq demo); do
  code=$(docker inspect -f '{{.State.ExitCode}}' "$c")
  [[ $code == 0 ]] || { docker logs --tail 40 "$c" 2>&1; fail "a replica exited with status $code at stop"; }
done
say "compose stop: ${stop_seconds}s, every replica exited 0"
say "passed"
