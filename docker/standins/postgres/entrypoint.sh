#!/bin/bash
# First start: a cluster with the user, password and database from the
# environment, reachable from other containers with that password.
set -euo pipefail
as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups "$@"; }
mkdir -p "$PGDATA" && chown postgres:postgres "$PGDATA" && chmod 700 "$PGDATA"
if [[ ! -s $PGDATA/PG_VERSION ]]; then
  : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD must be set}"
  user=${POSTGRES_USER:-postgres}
  pwfile=$(mktemp) && printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile" && chown postgres "$pwfile"
  as_postgres initdb -D "$PGDATA" -U "$user" --pwfile="$pwfile" --auth-local=trust --auth-host=scram-sha-256 >/dev/null
  rm -f "$pwfile"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  db=${POSTGRES_DB:-$user}
  if [[ $db != postgres ]]; then
    as_postgres postgres --single -D "$PGDATA" -c listen_addresses='' postgres <<< "CREATE DATABASE \"$db\" OWNER \"$user\";" >/dev/null
  fi
fi
[[ ${1:-} == postgres ]] && exec setpriv --reuid=postgres --regid=postgres --init-groups "$@"
exec "$@"
