#!/usr/bin/env bash
# A throwaway PostgreSQL server for the tests: Debian's postgresql binaries, a cluster in a temp
# folder owned by the postgres user (initdb refuses root), 127.0.0.1 on a free port, fsync off.
#   bash scripts/postgres.sh start DIR   prints the database URL (postgresql+psycopg://…)
#   bash scripts/postgres.sh stop DIR    stops it and removes DIR
set -euo pipefail
action=${1:?start or stop}
dir=${2:?a folder for the cluster}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin" ] || { echo "postgres.sh: Debian's postgresql is not installed (scripts/setup.sh --postgresql)" >&2; exit 1; }
as_postgres() { if [ "$(id -un)" = postgres ]; then "$@"; elif [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else sudo -u postgres "$@"; fi; }

case "$action" in
start)
  mkdir -p "$dir"
  as_postgres test -x "$(dirname "$dir")" || { echo "postgres.sh: the postgres user cannot enter $(dirname "$dir")" >&2; exit 1; }
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; else sudo chown postgres: "$dir"; fi
  chmod 700 "$dir"
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as_postgres "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
  as_postgres "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start -o \
    "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  echo "postgresql+psycopg://postgres@127.0.0.1:$port/postgres"
  ;;
stop)
  if [ -d "$dir/data" ]; then as_postgres "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null || true; fi
  rm -rf "$dir"
  ;;
*) echo "postgres.sh: start or stop" >&2; exit 2 ;;
esac
