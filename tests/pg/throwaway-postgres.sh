# Sourced by tests/run-all.sh: a PostgreSQL server for the tests alone, on
# 127.0.0.1 and a free port, with its data in a temporary directory. It is
# stopped and removed on exit, whether the tests pass or fail.
#   start_throwaway_postgres   exports ASIOHTTP_TEST_DATABASE_URL

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }

# Runs a command as the unprivileged owner of the cluster (initdb refuses root).
as_pg_owner() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

stop_throwaway_postgres() {
  [[ -n "${PG_TMP:-}" && -d "$PG_TMP" ]] || return 0
  as_pg_owner "$(pg_bin)/pg_ctl" -D "$PG_TMP/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP"
  PG_TMP=
}

start_throwaway_postgres() {
  local bin; bin=$(pg_bin)
  [[ -x "$bin/initdb" ]] || { echo "throwaway-postgres: no PostgreSQL server installed" >&2; return 1; }
  PG_TMP=$(mktemp -d /tmp/asiohttp-pg.XXXXXX)
  chmod 755 "$PG_TMP"
  [[ $(id -u) -eq 0 ]] && chown postgres: "$PG_TMP"
  trap stop_throwaway_postgres EXIT
  as_pg_owner "$bin/initdb" -D "$PG_TMP/data" -U postgres -A trust -E UTF8 >"$PG_TMP/initdb.log" 2>&1 \
    || { cat "$PG_TMP/initdb.log" >&2; return 1; }
  local port tries
  for tries in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 20000))
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue  # taken
    if as_pg_owner "$bin/pg_ctl" -D "$PG_TMP/data" -l "$PG_TMP/server.log" -w -t 30 \
         -o "-p $port -k $PG_TMP -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300" start >/dev/null; then
      export ASIOHTTP_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$port/asiohttp_test"
      # For tests/pg/throwaway-postgres-ctl.sh: a test may stop and start this server.
      export ASIOHTTP_TEST_PG_BIN="$bin" ASIOHTTP_TEST_PG_DIR="$PG_TMP" ASIOHTTP_TEST_PG_PORT="$port"
      as_pg_owner "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres asiohttp_test
      echo "throwaway-postgres: $ASIOHTTP_TEST_DATABASE_URL"
      return 0
    fi
  done
  cat "$PG_TMP/server.log" >&2
  return 1
}
