"""PostgreSQL restarted under load: how many requests fail while it is down, and (the point) that
none fails once it is back, with gunicorn's workers holding pooled connections the restart killed.

    .venv/bin/python bench/database_restart.py                # 4 workers, 8 readers, 30 s, restart at 10 s
    .venv/bin/python bench/database_restart.py --seconds 60 --restart-at 20

It starts its own throwaway PostgreSQL (scripts/postgres.sh: Debian's postgresql, run as root or
with sudo), loads the demo content, serves the app with gunicorn (gunicorn.conf.py, wsgi.py) and
has readers walk the home, room, thread and API pages. Prints one table; exits 1 when any request
failed after the database was back.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.live import flask_cli, gunicorn_server  # noqa: E402  (the tests' own helpers)

PAGES = ["/", "/rooms/1", "/threads/1", "/api/v1/posts?per_page=10", "/search?q=防災"]


def _postgres(action: str, folder: Path) -> str:
    done = subprocess.run(
        ["/bin/bash", str(ROOT / "scripts/postgres.sh"), action, str(folder)],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def _restart(folder: Path) -> None:
    data = folder / "data"
    pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
    command = [str(pg_ctl), "-D", str(data), "-m", "fast", "-w", "restart", "-l", str(folder / "server.log")]
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else ["sudo", "-u", "postgres"]
    subprocess.run(as_postgres + command, check=True, capture_output=True)


def _reader(base: str, stop: threading.Event, log: list[tuple[float, int]]) -> None:
    n = 0
    while not stop.is_set():
        path = PAGES[n % len(PAGES)]
        n += 1
        try:
            with urllib.request.urlopen(base + urllib.parse.quote(path, safe="/?=&"), timeout=30) as response:  # noqa: S310
                response.read()
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
        except OSError:
            status = 0
        log.append((time.monotonic(), status))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--restart-at", type=float, default=10)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="hiroba-restart-"))
    work.chmod(0o755)  # the postgres user owns the cluster inside
    cluster = work / "cluster"
    url = _postgres("start", cluster)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("HIROBA_")}
        env.update(
            HIROBA_INSTANCE_PATH=str(work / "instance"),
            HIROBA_DATABASE_URL=url,
            HIROBA_RATELIMIT_API="100000 per minute",
        )
        for command in (["db", "upgrade"], ["demo"], ["search", "rebuild"]):
            flask_cli(env, *command)
        log: list[tuple[float, int]] = []
        stop = threading.Event()
        with gunicorn_server(env, args.workers, work / "gunicorn.log") as base:
            readers = [threading.Thread(target=_reader, args=(base, stop, log)) for _ in range(args.readers)]
            started = time.monotonic()
            for reader in readers:
                reader.start()
            time.sleep(args.restart_at)
            down = time.monotonic()
            _restart(cluster)
            back = time.monotonic()
            time.sleep(max(0.0, args.seconds - (back - started)))
            stop.set()
            for reader in readers:
                reader.join(60)
    finally:
        _postgres("stop", cluster)

    def counts(rows: list[tuple[float, int]]) -> str:
        failed = sum(1 for _t, status in rows if status != 200)
        return f"{len(rows):>7} requests, {failed:>5} not 200"

    before = [r for r in log if r[0] < down]
    during = [r for r in log if down <= r[0] < back]
    after = [r for r in log if r[0] >= back]
    print(
        f"gunicorn {args.workers} workers, {args.readers} readers, {args.seconds:.0f} s; PostgreSQL restarted "
        f"at {down - started:.1f} s, back after {back - down:.2f} s"
    )
    print(f"before the restart     {counts(before)}")
    print(f"while it restarted     {counts(during)}  (503 pages while the database is down)")
    print(f"after it was back      {counts(after)}")
    statuses = sorted({status for _t, status in during + after})
    print(f"statuses seen during and after: {statuses}")
    failed_after = sum(1 for _t, status in after if status != 200)
    print(
        "ok: no request failed after the database was back"
        if not failed_after
        else f"FAILED: {failed_after} requests failed after the database was back"
    )
    return 1 if failed_after else 0


if __name__ == "__main__":
    sys.exit(main())
