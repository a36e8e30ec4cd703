#!/usr/bin/env bash
# Stops or starts the throwaway PostgreSQL that tests/run-all.sh started, for
# the test that checks the pool across a server restart.
#   tests/pg/throwaway-postgres-ctl.sh stop|start
set -euo pipefail
: "${ASIOHTTP_TEST_PG_BIN:?not under tests/run-all.sh}" "${ASIOHTTP_TEST_PG_DIR:?}" "${ASIOHTTP_TEST_PG_PORT:?}"
run=()
[[ $(id -u) -eq 0 ]] && run=(runuser -u postgres --)
ctl=("${run[@]}" "$ASIOHTTP_TEST_PG_BIN/pg_ctl" -D "$ASIOHTTP_TEST_PG_DIR/data" -w -t 30)
case ${1:-} in
  stop) "${ctl[@]}" -m fast stop >/dev/null ;;
  start) "${ctl[@]}" -l "$ASIOHTTP_TEST_PG_DIR/server.log" \
           -o "-p $ASIOHTTP_TEST_PG_PORT -k $ASIOHTTP_TEST_PG_DIR -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" \
           start >/dev/null ;;
  *) echo "usage: $0 stop|start" >&2; exit 2 ;;
esac
