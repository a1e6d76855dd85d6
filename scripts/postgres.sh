#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests.
#   scripts/postgres.sh start   start it (installing PostgreSQL if needed); prints its URL
#   scripts/postgres.sh url     print the URL of the running cluster
#   scripts/postgres.sh stop    stop it and delete its directory
# The cluster lives in ${DBOS_PG_DIR:-/tmp/dbos-test-pg}, listens on 127.0.0.1 on a free port and trusts
# every local connection (user postgres, no password). fsync stays on: benchmarks measure real commits.
set -euo pipefail

PG_DIR="${DBOS_PG_DIR:-/tmp/dbos-test-pg}"
DATA_DIR="$PG_DIR/data"
URL_FILE="$PG_DIR/url"

die() { echo "postgres.sh: $*" >&2; exit 1; }

# Runs a command as the postgres OS user (initdb and postgres refuse to run as root).
as_postgres() {
  if [ "$(id -u)" -eq 0 ]; then
    (cd / && su postgres -s /bin/bash -c "$(printf '%q ' "$@")")
  else
    "$@"
  fi
}

find_bin_dir() {
  local initdb
  initdb=$(ls -1 /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1 || true)
  [ -n "$initdb" ] && dirname "$initdb"
}

ensure_installed() {
  if [ -z "$(find_bin_dir)" ]; then
    [ "$(id -u)" -eq 0 ] || die "PostgreSQL is not installed; run as root or install the 'postgresql' package"
    echo "postgres.sh: installing PostgreSQL..." >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >&2
    apt-get install -y -q postgresql >&2
    # The Debian package starts a default cluster; the tests use their own.
    if command -v pg_ctlcluster >/dev/null 2>&1; then
      for conf in /etc/postgresql/*/main; do
        [ -d "$conf" ] || continue
        ver=$(basename "$(dirname "$conf")")
        pg_ctlcluster "$ver" main stop >/dev/null 2>&1 || true
      done
    fi
  fi
  id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
  BIN_DIR=$(find_bin_dir)
  [ -n "$BIN_DIR" ] || die "initdb not found under /usr/lib/postgresql/*/bin after installing"
}

is_running() {
  [ -f "$DATA_DIR/postmaster.pid" ] || return 1
  local bin_dir
  bin_dir=$(find_bin_dir) || return 1
  [ -n "$bin_dir" ] || return 1
  as_postgres "$bin_dir/pg_ctl" -D "$DATA_DIR" status >/dev/null 2>&1
}

free_port() {
  # Ask the kernel for a free port; fall back to probing from 54320 up.
  if command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
    return
  fi
  local port=54320
  while (echo >"/dev/tcp/127.0.0.1/$port") >/dev/null 2>&1; do port=$((port + 1)); done
  echo "$port"
}

start() {
  if is_running && [ -f "$URL_FILE" ]; then
    cat "$URL_FILE"
    return
  fi
  ensure_installed
  if [ -d "$DATA_DIR" ] && [ -f "$DATA_DIR/PG_VERSION" ]; then
    # A cluster from an earlier start that is not running (e.g. after a reboot): start it again.
    :
  else
    rm -rf "$PG_DIR"
    mkdir -p "$PG_DIR"
    chown postgres: "$PG_DIR" 2>/dev/null || true
    as_postgres "$BIN_DIR/initdb" -D "$DATA_DIR" -U postgres --auth-local=trust --auth-host=trust -E UTF8 >"$PG_DIR/initdb.log" 2>&1 \
      || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
  fi
  local port
  port=$(free_port)
  # Written last in postgresql.conf, so these win over the defaults above them; rewritten on each start.
  sed -i '/^# dbos-test-settings$/,$d' "$DATA_DIR/postgresql.conf"
  cat >>"$DATA_DIR/postgresql.conf" <<EOF
# dbos-test-settings
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$PG_DIR'
max_connections = 300
fsync = on
EOF
  as_postgres "$BIN_DIR/pg_ctl" -D "$DATA_DIR" -l "$PG_DIR/log" -w -t 60 start >/dev/null \
    || { tail -n 30 "$PG_DIR/log" >&2 || true; die "PostgreSQL did not start (log: $PG_DIR/log)"; }
  local url="postgresql://postgres@127.0.0.1:$port/postgres"
  echo "$url" >"$URL_FILE"
  echo "$url"
}

stop() {
  local bin_dir
  bin_dir=$(find_bin_dir || true)
  if [ -n "$bin_dir" ] && [ -f "$DATA_DIR/postmaster.pid" ]; then
    as_postgres "$bin_dir/pg_ctl" -D "$DATA_DIR" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$PG_DIR"
}

url() {
  is_running && [ -f "$URL_FILE" ] || die "no test PostgreSQL is running; run: scripts/postgres.sh start"
  cat "$URL_FILE"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  url) url ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
