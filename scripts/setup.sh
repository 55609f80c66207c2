#!/usr/bin/env bash
# Brings this checkout to a working install: .venv with the pinned packages (constraints.txt).
# Options for the tests, each installing Debian packages when missing: --browser (chromium and
# chromedriver, and axe-core from the npm registry), --postgresql (a PostgreSQL server's binaries), --redis (redis-server), --bench (wrk).
# Safe to run again: it reinstalls only when setup.cfg or constraints.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_updated=
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

for option in "$@"; do
  case "$option" in
  --browser)
    if ! { command -v chromium && command -v chromedriver; } >/dev/null; then
      echo "setup: installing chromium, chromedriver and Japanese fonts (Debian)" >&2
      apt_install chromium chromium-driver fonts-noto-cjk
    fi
    want_axe=1 ;;
  --postgresql)
    if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
      echo "setup: installing postgresql (Debian)" >&2
      apt_install postgresql
    fi ;;
  --redis)
    if ! command -v redis-server >/dev/null; then
      echo "setup: installing redis-server (Debian)" >&2
      apt_install redis-server
    fi ;;
  --bench)
    if ! command -v wrk >/dev/null; then
      echo "setup: installing wrk (Debian), the load tool of bench/pages.py" >&2
      apt_install wrk
    fi ;;
  *) echo "setup: unknown option $option" >&2; exit 2 ;;
  esac
done

if [ ! -x .venv/bin/python ]; then
  if ! "$PY" -m venv .venv >/dev/null 2>&1; then
    # Debian ships venv/ensurepip as a separate package
    rm -rf .venv
    echo "setup: installing python3-venv (Debian)" >&2
    apt_install python3-venv
    "$PY" -m venv .venv
  fi
fi

stamp=.venv/.hiroba-installed
if [ ! -f "$stamp" ] || [ setup.cfg -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ]; then
  echo "setup: installing Python packages into .venv" >&2
  .venv/bin/python -m pip install -q --disable-pip-version-check -c constraints.txt -e ".[test]"
  touch "$stamp"
fi
# axe-core for the accessibility tests: pinned, integrity-checked, from the npm registry
if [ -n "${want_axe:-}" ]; then
  .venv/bin/python scripts/fetch_axe.py >/dev/null
fi
