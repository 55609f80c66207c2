#!/usr/bin/env bash
# One step from a fresh clone to the whole test suite: install, lint, then the tests twice: on
# SQLite (browser tests included) and on a throwaway PostgreSQL server this script starts and
# removes. Extra arguments go to both pytest runs; HIROBA_SKIP_POSTGRESQL=1 skips the second.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --browser --postgresql --redis
.venv/bin/ruff check .
.venv/bin/ruff format --check .

status=0
started=$SECONDS
.venv/bin/python -m pytest "$@" || status=$?
summary="SQLite: $((SECONDS - started)) s"

if [ "${HIROBA_SKIP_POSTGRESQL:-}" != 1 ]; then
  folder=$(mktemp -d /tmp/hiroba-postgresql-XXXXXX)
  chmod 755 "$folder"  # the postgres user owns the cluster inside
  trap 'bash scripts/postgres.sh stop "$folder/cluster"; rmdir "$folder" 2>/dev/null || true' EXIT
  url=$(bash scripts/postgres.sh start "$folder/cluster")
  started=$SECONDS
  HIROBA_TEST_DATABASE_URL=$url .venv/bin/python -m pytest -m "not browser" --ignore=tests/unit "$@" || status=$?
  summary="$summary; PostgreSQL: $((SECONDS - started)) s (browser and unit tests run once, on SQLite)"
fi
echo "test.sh: $summary; exit $status"
exit $status
