"""Page speed, measured against a bound in the same run on the same machine.

    bash scripts/setup.sh --bench                # wrk, Debian's load tool
    .venv/bin/python bench/pages.py              # 10 s a row
    .venv/bin/python bench/pages.py --seconds 15 --keep

It builds a bench site through the app's own import: the demo content, then 10,000 posts in
50-post threads and one 1,000-post thread, Japanese text from the corpus, all in room 1. It serves
the site with gunicorn (``gunicorn.conf.py``, 4 workers) and, in the same run, the bound
(``bench/bound_app.py``: bare Flask + Jinja, no database, 30 posts of the same text) with 4
workers too. Each page is driven with wrk (2 threads, 16 connections, a 2 s warm-up, then
``--seconds``), as a guest and as a signed-in resident, with the guest page cache off and on. Then a
mixed run (``bench/mixed.lua``, ``--mixed-seconds``, cache on): 70 % guest reads, 20 % signed-in
reads, 10 % replies by 8 residents, reporting the cache hit ratio, the replies published, stored
and lost, and each worker's memory at the end. It prints one table: req/s, p50 and p99, the share
of the bound, non-2xx answers.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forum.data import corpus_paragraphs  # noqa: E402
from tests.helpers.live import (  # noqa: E402
    CSRF_RE,
    Browser,
    app_in,
    flask_cli,
    free_port,
    gunicorn_server,
    stop_gunicorn,
    wait_ready,
)

POSTS_IN_THREADS = 10_000
THREAD_SIZE = 50
BIG_THREAD = 1_000


def write_import(path: Path) -> None:
    """The legacy-import CSV of the bench site (the app's own import path loads it)."""
    paragraphs = corpus_paragraphs()
    start = datetime(2025, 4, 1, 9, 0)
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["post_id", "thread_id", "thread_title", "author", "posted_at", "body", "reply_to"])
        n = 0
        threads = [(f"t{t}", f"意見交換 {t}", THREAD_SIZE) for t in range(POSTS_IN_THREADS // THREAD_SIZE)]
        for thread_id, title, size in [*threads, ("big", "大きな話題", BIG_THREAD)]:
            for i in range(size):
                n += 1
                body = paragraphs[n % len(paragraphs)][:400]
                reply_to = f"p{n - 1}" if i and i % 5 == 0 else ""
                at = (start + timedelta(minutes=7 * n)).isoformat()
                writer.writerow([f"p{n}", thread_id, title, f"住民{n % 40}", at, body, reply_to])


def thread_ids(env: dict[str, str]) -> tuple[int, int]:
    """(a 50-post thread, the 1,000-post thread) of the bench site."""
    code = (
        "from forum import create_app; from forum.extensions import db; from forum.models import Thread;"
        "from sqlalchemy import select; app = create_app();\n"
        "with app.app_context():\n"
        "  small = db.session.scalar(select(Thread.id).where(Thread.title == '意見交換 7'))\n"
        "  big = db.session.scalar(select(Thread.id).where(Thread.title == '大きな話題'))\n"
        "  print(small, big)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    small, big = done.stdout.split()[-2:]
    return int(small), int(big)


def session_cookie(base: str, email: str, password: str) -> str:
    browser = Browser(base)
    token = CSRF_RE.search(browser.request("/login")[2]).group(1)
    status = browser.request("/login", {"email": email, "password": password, "csrf_token": token})[0]
    if status != 303:
        raise RuntimeError(f"could not log in as {email}: {status}")
    return "; ".join(f"{c.name}={c.value}" for c in browser.jar if c.name.startswith("hiroba"))


def wrk(url: str, seconds: float, cookie: str | None = None) -> dict[str, float]:
    headers = ["-H", f"Cookie: {cookie}"] if cookie else []
    base = ["wrk", "-t2", "-c16", "--latency", *headers]
    subprocess.run([*base, "-d2s", url], capture_output=True, check=True)  # warm-up
    out = subprocess.run([*base, f"-d{seconds:.0f}s", url], capture_output=True, text=True, check=True).stdout

    def latency(percent: str) -> float:
        value, unit = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s)\s*$", out, re.MULTILINE).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency("50"),
        "p99": latency("99"),
        "bad": int(non_2xx.group(1)) if non_2xx else 0,
        "socket": sum(int(n) for n in errors.groups()) if errors else 0,
    }


def worker_rss(log: Path) -> list[str]:
    """Each gunicorn worker's memory (from the pids its log names), as "RSS (private)" in MiB: the
    private part leaves out the shared libraries and the search index and database files the
    worker has read."""
    pids = set(re.findall(r"Booting worker with pid: (\d+)", log.read_text(errors="replace")))
    sizes = []
    for pid in sorted(pids):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue  # recycled
        rss, anon = (int(re.search(rf"{name}:\s+(\d+) kB", status).group(1)) // 1024 for name in ("VmRSS", "RssAnon"))
        sizes.append(f"{rss} ({anon})")
    return sizes


def mixed_run(base: str, env: dict[str, str], work: Path, log: Path, seconds: float, small: int) -> dict:
    """70 % guest reads, 20 % signed-in reads, 10 % replies (``bench/mixed.lua``), for ``seconds``.
    The replies are counted where they end: the server's access log (303 = published) and the
    database (each reply's unique marker, stored once)."""
    from bench.concurrency import MARKER, log_in, prepare

    app = app_in(env)
    emails, targets = prepare(app, 8, False)
    residents = []
    for email in emails:
        browser = log_in(base, email)
        token = CSRF_RE.search(browser.request(f"/threads/{targets[0]}")[2]).group(1)
        cookie = "; ".join(f"{c.name}={c.value}" for c in browser.jar if c.name.startswith("hiroba"))
        residents.append((cookie, token))
    reads = ["/", "/rooms/1", *(f"/threads/{t}" for t in sorted(set(targets)))]
    reads += [f"/threads/{small + i}" for i in range(40)]  # imported 50-post threads
    marker = urllib.parse.quote(MARKER + "混合")
    config = work / "mixed-config.lua"
    config.write_text(
        "read_paths = {" + ",".join(f'"{p}"' for p in reads) + "}\n"
        "residents = {" + ",".join(f'{{cookie="{c}", token="{t}"}}' for c, t in residents) + "}\n"
        "reply_threads = {" + ",".join(str(t) for t in sorted(set(targets))) + "}\n"
        f'marker = "{marker}"\n',
        encoding="utf-8",
    )
    log_start = log.stat().st_size
    command = ["wrk", "-t2", "-c16", "--latency", "-s", str(ROOT / "bench" / "mixed.lua"), f"-d{seconds:.0f}s"]
    out = subprocess.run([*command, base, "--", str(config)], capture_output=True, text=True, check=True).stdout
    time.sleep(1)  # the last answers reach the log
    counts = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", re.search(r"^MIXED .*$", out, re.M).group(0)))
    with log.open("rb") as fh:
        fh.seek(log_start)
        lines = fh.read().decode("utf-8", "replace").splitlines()
    answered = (re.search(r'"(GET|POST) (\S+) HTTP/[\d.]+" (\d{3}) ', line) for line in lines)
    statuses = [m.groups() for m in answered if m]
    reply_statuses = [int(s) for method, path, s in statuses if method == "POST" and path.endswith("/reply")]
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Post

    with app.app_context():
        stored_rows = db.session.execute(
            select(Post.body, func.count()).where(Post.body.like(MARKER + "混合-%")).group_by(Post.body)
        ).all()
        db.session.remove()
        db.engine.dispose()
    return {
        **counts,
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": len(statuses),
        "server_5xx": sum(1 for *_x, s in statuses if s.startswith("5")),
        "published": reply_statuses.count(303),
        "refused": sum(1 for s in reply_statuses if s != 303),
        "stored": sum(n for _body, n in stored_rows),
        "stored_twice": sum(1 for _body, n in stored_rows if n > 1),
    }


def page_rows(base: str, seconds: float, cookie: str, pages: list[tuple[str, str]], cache: str) -> list:
    rows = [(label, "guest", cache, wrk(base + path, seconds)) for label, path in pages]
    rows += [(label, "resident", cache, wrk(base + path, seconds, cookie)) for label, path in pages[:2]]
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--mixed-seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the bench site's folder")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: bash scripts/setup.sh --bench")
        return 2

    work = Path(tempfile.mkdtemp(prefix="hiroba-pages-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIROBA_")}
    env.update(HIROBA_INSTANCE_PATH=str(work / "instance"), HIROBA_RATELIMIT_ENABLED="false")
    started = time.perf_counter()
    flask_cli(env, "db", "upgrade")
    flask_cli(env, "demo")
    write_import(work / "bench.csv")
    flask_cli(env, "import", str(work / "bench.csv"), "--room", "1")
    flask_cli(env, "search", "rebuild")
    small, big = thread_ids(env)
    built = time.perf_counter() - started
    print(f"bench site: demo + {POSTS_IN_THREADS + BIG_THREAD:,} imported posts in {built:.0f} s")

    pages = [
        ("thread page (30 posts)", f"/threads/{small}"),
        ("room page", "/rooms/1"),
        ("home page", "/"),
        ("1,000-post thread, first page", f"/threads/{big}"),
        ("1,000-post thread, last page", f"/threads/{big}?page=34"),
        ("search 人材育成", "/search?q=%E4%BA%BA%E6%9D%90%E8%82%B2%E6%88%90"),
        ("/api/v1/posts?per_page=30", "/api/v1/posts?per_page=30"),
    ]
    rows: list[tuple[str, str, str, dict[str, float]]] = []
    off = {**env, "HIROBA_PAGE_CACHE_STORAGE_URI": ""}
    with gunicorn_server(off, args.workers, work / "off.log") as base:
        cookie = session_cookie(base, "himawari@example.jp", "shimin-2026-demo")
        rows += page_rows(base, args.seconds, cookie, pages, "off")
    log = work / "on.log"
    with gunicorn_server(env, args.workers, log) as base:
        rows += page_rows(base, args.seconds, cookie, pages, "on")
        rss_before = worker_rss(log)
        mixed = mixed_run(base, env, work, log, args.mixed_seconds, small)
        rss = worker_rss(log)
    bound_log = work / "bound.log"
    port = free_port()
    with bound_log.open("wb") as out:
        bound = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "--chdir",
                str(ROOT / "bench"),
                "-w",
                str(args.workers),
                "-b",
                f"127.0.0.1:{port}",
                "--access-logfile",
                "-",
                "bound_app:app",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_ready(bound, f"http://127.0.0.1:{port}", bound_log)
        bound_result = wrk(f"http://127.0.0.1:{port}/", args.seconds)
    finally:
        stop_gunicorn(bound)

    print(
        f"\nwrk -t2 -c16, {args.seconds:.0f} s a row after a 2 s warm-up; gunicorn {args.workers} sync workers; "
        f"{os.cpu_count()} cores"
    )
    print("| page | who | page cache | req/s | p50 ms | p99 ms | share of the bound | non-2xx / socket errors |")
    print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
    b = bound_result
    print(
        f"| bare Flask + Jinja, 30 posts, no database (the bound) | — | — | {b['rps']:,.0f} | {b['p50']:.1f} | "
        f"{b['p99']:.1f} | 100 % | {b['bad']} / {b['socket']} |"
    )
    for label, who, cache, r in rows:
        print(
            f"| {label} | {who} | {cache} | {r['rps']:,.0f} | {r['p50']:.1f} | {r['p99']:.1f} | "
            f"{100 * r['rps'] / b['rps']:.1f} % | {r['bad']} / {r['socket']} |"
        )
    m = mixed
    guest_answers = m["hits"] + m["misses"]
    print(
        f"\nmixed run, {args.mixed_seconds:.0f} s, page cache on (70 % guest reads, 20 % signed-in reads, 10 % replies "
        f"by 8 residents): {m['requests']:,} requests ({m['rps']:,.0f} req/s), {m['server_5xx']} answered 5xx; "
        f"guest cache hits {m['hits']:,} of {guest_answers:,} ({100 * m['hits'] / max(guest_answers, 1):.1f} %); "
        f"replies: {m['published']:,} published ({m['published'] / args.mixed_seconds:.1f}/s), "
        f"{m['refused']} refused, {m['stored']:,} stored, {m['published'] - m['stored']} lost, "
        f"{m['stored_twice']} stored twice"
    )
    before, after = ", ".join(map(str, rss_before)), ", ".join(map(str, rss))
    print(f"worker RSS (private) in MiB before the mixed run: {before}; at its end: {after}")
    if args.keep:
        print(f"bench site kept in {work}")
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
