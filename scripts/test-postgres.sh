#!/usr/bin/env bash
# Start a private, throw-away PostgreSQL cluster for the tests and print its URL.
# The cluster runs as the 'postgres' system user on a loopback port; rerunning reuses it.
set -euo pipefail
PORT="${OPENCUSTOMS_TEST_PG_PORT:-54329}"
DIR="${OPENCUSTOMS_TEST_PG_DIR:-/tmp/opencustoms-pg-$PORT}"
BIN="$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")"
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [ ! -f "$DIR/PG_VERSION" ]; then
    mkdir -p "$DIR"
    [ "$(id -u)" -eq 0 ] && chown postgres:postgres "$DIR"
    as_pg "$BIN/initdb" -D "$DIR" -U postgres -A trust >/dev/null
fi
if ! as_pg "$BIN/pg_ctl" -D "$DIR" status >/dev/null 2>&1; then
    as_pg "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w \
        -o "-p $PORT -k /tmp -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200" \
        start >/dev/null
fi
as_pg "$BIN/psql" -h 127.0.0.1 -p "$PORT" -U postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname='opencustoms_test'" | grep -q 1 ||
    as_pg "$BIN/createdb" -h 127.0.0.1 -p "$PORT" -U postgres opencustoms_test
echo "postgresql+psycopg://postgres@127.0.0.1:$PORT/opencustoms_test"
