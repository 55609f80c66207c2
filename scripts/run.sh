#!/usr/bin/env bash
# One step from a fresh clone to the app at http://127.0.0.1:5000 (SQLite + Whoosh in instance/).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export FLASK_APP=forum
.venv/bin/flask db upgrade
.venv/bin/flask demo
.venv/bin/flask search sync
exec .venv/bin/flask run --host 127.0.0.1 --port "${PORT:-5000}"
