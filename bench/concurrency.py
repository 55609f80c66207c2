"""Concurrency bench: residents reply at once through the real forms of a gunicorn-served app, then
every acknowledged reply is checked in the database and in the search index.

    .venv/bin/python bench/concurrency.py                   # 4 workers, 8 sessions, 30 s
                                                            # (gunicorn is one of the dependencies)
    .venv/bin/python bench/concurrency.py --seconds 10 --same-thread-only --keep

A checking bench: it prints one table of figures and exits 1 when an invariant fails (2 when the
run itself could not be set up). Never part of the test run's pass/fail.

What it does:

1. A fresh instance folder in a temp dir (``HIROBA_INSTANCE_PATH``; SQLite and the Whoosh index
   under it; every other ``HIROBA_*`` variable of the caller's shell is dropped), built with
   ``flask --app forum db upgrade`` and ``flask --app forum demo``; ``--sessions`` verified residents
   ``負荷試験住民NN`` are added with the app's own ``accounts.create_user``.
2. gunicorn, ``--workers`` sync workers, on 127.0.0.1 (a free port with ``--port 0``).
3. Each session logs in through the real login form (CSRF token read from the page; stdlib
   urllib, one cookie jar each), then until ``--seconds`` have passed (or ``--max-replies`` each):
   GET the reply form, POST a reply (ticking ``accept_rules`` when the room's form asks for it).
   Half the sessions reply to one hot thread, the other half each to a thread of its own (cycling
   over the open rooms' threads); ``--same-thread-only`` sends everyone to the hot thread.
   Each body starts ``負荷試験-<session>-<n>-<token>``: the token is 12 random lowercase letters (no
   digits, so the personal-information rule never sees a phone number in it), one word to search for.
4. A reply is *acknowledged* when the POST answers 303 to ``/threads/<id>…#p<number>`` (what
   ``compose_reply`` sends for a published reply).
5. While the server still runs, each stored marker is searched for through the server's own
   ``/api/v1/search`` as a guest (so every worker's index reader is exercised); no manual
   ``search sync`` is run. Then gunicorn is stopped (SIGTERM to the master, wait, SIGKILL to its
   process group if anything is left), the database is read with the app's models, the index is read
   with a fresh reader, and ``flask --app forum search check`` is run and its output printed.

What is lifted for the run, and nothing else:

- moderation rules ``rate`` (1 post / 5 s; new residents 1 / 30 s and 10 replies on their first
  day) and ``new_resident`` (first post held for review) are switched off (``enabled = False``)
  with ``moderation.rules_admin.save_rule`` as the demo admin, as a moderator would on 運営 → 運営ルール
  (audited as ``rule.update``). Every other rule stays on: ``duplicate`` (never hit: every body is
  unique), ``pii``, ``links``, ``length``, ``election``.
- Flask-Limiter stays enabled; only ``HIROBA_RATELIMIT_LOGIN`` (default 10 / minute per IP: every
  session logs in from 127.0.0.1) and ``HIROBA_RATELIMIT_API`` (default 120 / minute per IP: the
  search check) are raised to ``100000 per minute``. The reply form has no Flask-Limiter limit.

Invariants (any failing one gives exit status 1): no 5xx and no transport error; at least one reply
acknowledged; every acknowledged marker stored exactly once, in its thread under the number the
redirect named; no stored marker that was not acknowledged; in each thread replied to, the post
numbers are exactly 1..N, ``next_number`` is N + 1 and ``public_post_count`` is the number of
published posts; every stored published marker found by the server's search and in the index;
``search check`` exits 0.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.helpers.live import CSRF_RE, HTTP_TIMEOUT, Browser, app_in, flask_cli, free_port, stop_gunicorn, wait_ready  # noqa: E402

PASSWORD = "bench-concurrency-2026"  # noqa: S105  (throwaway residents of a temp instance)
MARKER = "負荷試験"
MARKER_RE = re.compile(MARKER + r"-(\d+)-(\d+)-([a-z]{12})")
ACK_RE = re.compile(r"/threads/(\d+)(?:\?page=\d+)?#p(\d+)$")
LIFTED_RULES = ("rate", "new_resident")
RAISED_LIMIT = "100000 per minute"


# ---------------------------------------------------------------- HTTP, stdlib only


def csrf_of(page: str) -> str | None:
    match = CSRF_RE.search(page)
    return match.group(1) if match else None


def new_token() -> str:
    return "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))


# ---------------------------------------------------------------- records


@dataclass
class Call:
    kind: str  # "form" (GET the reply form) or "reply" (POST it)
    status: int | str  # HTTP status, or "ERR <exception>" when no answer came
    ms: float


@dataclass
class Reply:
    session: int
    thread_id: int
    token: str
    status: int | str
    location: str = ""
    acked_thread: int | None = None
    acked_number: int | None = None


@dataclass
class Session:
    index: int
    email: str
    thread_id: int
    calls: list[Call] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    problem: str = ""


def timed(session: Session, kind: str, browser: Browser, path: str, data: dict | None = None):
    started = time.perf_counter()
    try:
        status, headers, body = browser.request(path, data)
    except (OSError, urllib.error.URLError) as error:  # reset, refused, timeout
        session.calls.append(Call(kind, f"ERR {type(error).__name__}", (time.perf_counter() - started) * 1000))
        return None
    session.calls.append(Call(kind, status, (time.perf_counter() - started) * 1000))
    return status, headers, body


def log_in(base: str, email: str) -> Browser:
    browser = Browser(base)
    status, _headers, page = browser.request("/login")
    token = csrf_of(page)
    if status != 200 or not token:
        raise RuntimeError(f"login page of {email}: HTTP {status}, token {'found' if token else 'missing'}")
    status, _headers, _page = browser.request(
        "/login", {"csrf_token": token, "email": email, "password": PASSWORD, "next": ""}
    )
    if status != 303:
        raise RuntimeError(f"login of {email}: HTTP {status} (expected the 303 of a good login)")
    return browser


def run_session(
    session: Session, browser: Browser, start: threading.Event, deadline: list[float], max_replies: int
) -> None:
    start.wait()
    path = f"/threads/{session.thread_id}/reply"
    n = 0
    while time.monotonic() < deadline[0] and n < max_replies:
        n += 1
        got = timed(session, "form", browser, path)
        if got is None:
            continue
        status, _headers, page = got
        token = csrf_of(page)
        if status != 200 or not token:
            session.problem = session.problem or f"reply form answered {status} without a form"
            continue
        marker = new_token()
        body = f"{MARKER}-{session.index}-{n}-{marker}\n\n同時に書き込む計測用の返信です。"
        data = {"csrf_token": token, "body": body, "reply_to": "", "submit": "1"}
        if 'name="accept_rules"' in page:
            data["accept_rules"] = "y"
        got = timed(session, "reply", browser, path, data)
        reply = Reply(session.index, session.thread_id, marker, session.calls[-1].status)
        session.replies.append(reply)
        if got is None:
            continue
        status, headers, _page = got
        reply.location = headers.get("Location", "")
        found = ACK_RE.search(reply.location)
        if status == 303 and found and int(found.group(1)) == session.thread_id:
            reply.acked_thread, reply.acked_number = int(found.group(1)), int(found.group(2))


# ---------------------------------------------------------------- the instance and the server


def clean_env(instance: Path, database_url: str | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("HIROBA_")}
    env.update(
        {
            "HIROBA_INSTANCE_PATH": str(instance),
            "HIROBA_RATELIMIT_LOGIN": RAISED_LIMIT,
            "HIROBA_RATELIMIT_API": RAISED_LIMIT,
            "PYTHONUNBUFFERED": "1",
        }
    )
    if database_url:
        env["HIROBA_DATABASE_URL"] = database_url
    return env


def prepare(app, sessions: int, same_thread_only: bool) -> tuple[list[str], list[int]]:
    """Residents, lifted rules and the threads to reply to, with the app's own code."""
    from sqlalchemy import select

    from forum.extensions import db
    from forum.models import Room, RoomState, Thread, User
    from forum.permissions import Role
    from forum.services import accounts, posts
    from moderation import rules_admin
    from moderation.models import ModerationRule

    with app.app_context():
        emails = []
        for i in range(1, sessions + 1):
            email = f"bench{i:02d}@example.jp"
            if accounts.user_by_email(email) is None:
                accounts.create_user(f"負荷試験住民{i:02d}", email, PASSWORD, role=Role.RESIDENT, verified=True)
            emails.append(email)
        db.session.commit()
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN.value).order_by(User.id).limit(1))
        for rule in db.session.scalars(select(ModerationRule).where(ModerationRule.kind.in_(LIFTED_RULES))).all():
            rules_admin.save_rule(
                admin,
                rule,
                kind=rule.kind,
                action=rule.action,
                name=rule.name,
                patterns=rule.patterns or "",
                regex=rule.regex,
                room_id=rule.room_id,
                params="\n".join(f"{k} = {v}" for k, v in (rule.params or {}).items()),
                enabled=False,
            )
        someone = accounts.user_by_email(emails[0])
        open_threads = [
            t.id
            for t in db.session.scalars(
                select(Thread)
                .join(Room, Thread.room_id == Room.id)
                .where(Room.state == RoomState.OPEN.value)
                .order_by(Thread.id)
            )
            if posts.refusal(someone, posts.place_of(t), t) is None
        ]
        db.session.remove()
        db.engine.dispose()
    if len(open_threads) < 2 and not same_thread_only:
        raise RuntimeError(f"the demo has {len(open_threads)} open threads; 2 or more are needed")
    hot, others = open_threads[0], open_threads[1:]
    targets = []
    for i in range(sessions):
        if same_thread_only or i < (sessions + 1) // 2:
            targets.append(hot)
        else:
            targets.append(others[(i - (sessions + 1) // 2) % len(others)])
    return emails, targets


def start_gunicorn(env: dict[str, str], port: int, workers: int, log: Path) -> subprocess.Popen:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "--bind",
        f"127.0.0.1:{port}",
        "--chdir",
        str(ROOT),
        "--timeout",
        "60",
        "--graceful-timeout",
        "10",
        "forum:create_app()",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(
            command,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


# ---------------------------------------------------------------- checks


def search_through_server(base: str, tokens: list[str], threads: int) -> dict[str, set[int]]:
    """Each token through the server's /api/v1/search as a guest: the ids it answers."""
    found: dict[str, set[int]] = {}
    errors: list[str] = []
    lock = threading.Lock()
    todo = list(tokens)

    def work() -> None:
        browser = Browser(base)
        while True:
            with lock:
                if not todo:
                    return
                token = todo.pop()
            try:
                status, _h, body = browser.request(f"/api/v1/search?q={token}&per_page=5")
                ids = {item["id"] for item in json.loads(body)["items"]} if status == 200 else set()
                if status != 200:
                    errors.append(f"{token}: HTTP {status}")
            except (OSError, ValueError, KeyError) as error:
                ids = set()
                errors.append(f"{token}: {type(error).__name__}")
            with lock:
                found[token] = ids

    workers = [threading.Thread(target=work) for _ in range(max(1, threads))]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if errors:
        print(f"search requests that failed: {len(errors)} (first: {errors[0]})")
    return found


def read_database(app, thread_ids: set[int]) -> tuple[dict[str, list[tuple[int, int, int, str]]], dict[int, dict]]:
    """Stored markers (token -> [(post id, thread id, number, state)]) and each thread's numbering."""
    from sqlalchemy import func, select

    from forum.extensions import db
    from forum.models import Post, PostState, Thread

    stored: dict[str, list[tuple[int, int, int, str]]] = {}
    numbering: dict[int, dict] = {}
    with app.app_context():
        rows = db.session.execute(
            select(Post.id, Post.thread_id, Post.number, Post.state, Post.body).where(Post.body.contains(MARKER + "-"))
        ).all()
        for post_id, thread_id, number, state, body in rows:
            match = MARKER_RE.search(body or "")
            if match:
                stored.setdefault(match.group(3), []).append((post_id, thread_id, number, state))
                thread_ids.add(thread_id)
        for thread_id in sorted(thread_ids):
            thread = db.session.get(Thread, thread_id)
            numbers = list(db.session.scalars(select(Post.number).where(Post.thread_id == thread_id)))
            published = (
                db.session.scalar(
                    select(func.count())
                    .select_from(Post)
                    .where(Post.thread_id == thread_id, Post.state == PostState.PUBLISHED.value)
                )
                or 0
            )
            top = max(numbers, default=0)
            numbering[thread_id] = {
                "posts": len(numbers),
                "gaps": len(set(range(1, top + 1)) - set(numbers)),
                "duplicates": len(numbers) - len(set(numbers)),
                "next_number_off": thread.next_number != top + 1,
                "public_count_off": thread.public_post_count != published,
                "detail": f"numbers 1..{top} in {len(numbers)} posts, next_number {thread.next_number}, "
                f"public_post_count {thread.public_post_count} for {published} published",
            }
        db.session.remove()
    return stored, numbering


def in_fresh_index(app, stored: dict[str, list[tuple[int, int, int, str]]]) -> int:
    from forum.search.backend import SearchQuery, WhooshBackend

    backend = WhooshBackend(app.config["SEARCH_INDEX_DIR"])  # a reader of its own: not a worker's
    found = 0
    for token, rows in stored.items():
        ids = set(backend.search(SearchQuery(token, per_page=5)).ids)
        found += sum(1 for post_id, *_rest in rows if post_id in ids)
    return found


def pct(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=4, help="gunicorn sync workers")
    parser.add_argument("--sessions", type=int, default=8, help="residents replying at once")
    parser.add_argument("--seconds", type=float, default=30, help="how long they reply")
    parser.add_argument("--max-replies", type=int, default=5000, help="at most this many replies a session")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--same-thread-only", action="store_true", help="every session replies to one thread")
    parser.add_argument("--keep", action="store_true", help="keep the instance folder")
    parser.add_argument(
        "--database-url",
        help="an empty database instead of SQLite in the instance (e.g. postgresql+psycopg://…; the bench migrates it)",
    )
    args = parser.parse_args()
    if args.sessions < 1 or args.workers < 1 or args.seconds <= 0:
        parser.error("--sessions, --workers and --seconds must be positive")
    work = Path(tempfile.mkdtemp(prefix="hiroba-concurrency-"))
    instance = work / "instance"
    env = clean_env(instance, args.database_url)
    server = None
    try:
        t = time.perf_counter()
        flask_cli(env, "db", "upgrade")
        flask_cli(env, "demo")
        app = app_in(env)
        emails, targets = prepare(app, args.sessions, args.same_thread_only)
        print(
            f"instance {instance} ready in {time.perf_counter() - t:.1f} s; threads replied to: "
            f"{dict(Counter(targets))} (thread: sessions)"
        )

        port = args.port or free_port()
        base = f"http://127.0.0.1:{port}"
        log = work / "gunicorn.log"
        server = start_gunicorn(env, port, args.workers, log)
        wait_ready(server, base, log)
        print(f"gunicorn {args.workers} sync workers on {base} (pid {server.pid}); log {log}")

        sessions = [
            Session(i + 1, email, thread_id) for i, (email, thread_id) in enumerate(zip(emails, targets, strict=True))
        ]
        browsers = [log_in(base, s.email) for s in sessions]
        start, deadline = threading.Event(), [0.0]
        runners = [
            threading.Thread(target=run_session, args=(s, b, start, deadline, args.max_replies))
            for s, b in zip(sessions, browsers, strict=True)
        ]
        for runner in runners:
            runner.start()
        began = time.monotonic()
        deadline[0] = began + args.seconds
        start.set()
        for runner in runners:
            runner.join(timeout=max(0.0, deadline[0] + 2 * HTTP_TIMEOUT + 5 - time.monotonic()))
        elapsed = time.monotonic() - began
        stuck = sum(runner.is_alive() for runner in runners)

        replies = [r for s in sessions for r in s.replies]
        calls = [c for s in sessions for c in s.calls]
        acked = [r for r in replies if r.acked_number is not None]
        # the server's own search, before anything else touches the index (no manual sync)
        tokens_sent = [r.token for r in replies]
        by_server = search_through_server(base, tokens_sent, args.sessions)
    except RuntimeError as error:
        print(f"set-up failed: {error}")
        if server is not None:
            print(f"stopped gunicorn: {stop_gunicorn(server)}")
        return 2
    finally:
        if server is not None and server.poll() is None:
            how = stop_gunicorn(server)
            print(f"stopped gunicorn: {how}; exit {server.returncode}")

    thread_ids = set(targets)
    stored, numbering = read_database(app, thread_ids)
    stored_published = {tok: rows for tok, rows in stored.items() if any(state == "published" for *_r, state in rows)}
    found_server = sum(
        1
        for tok, rows in stored_published.items()
        if any(post_id in by_server.get(tok, set()) for post_id, *_r in rows)
    )
    found_index = in_fresh_index(app, stored_published)
    check = flask_cli(env, "search", "check", check=False)

    acked_tokens = {r.token: r for r in acked}
    duplicates = sum(1 for rows in stored.values() if len(rows) > 1)
    missing = sum(1 for tok in acked_tokens if tok not in stored)
    wrong_place = sum(
        1
        for tok, r in acked_tokens.items()
        if tok in stored and len(stored[tok]) == 1 and stored[tok][0][1:3] != (r.acked_thread, r.acked_number)
    )
    unacked_stored = sum(1 for tok in stored if tok not in acked_tokens)
    statuses = Counter(c.status for c in calls)
    reply_statuses = Counter(r.status for r in replies)
    server_errors = sum(n for code, n in statuses.items() if isinstance(code, int) and code >= 500)
    transport = sum(n for code, n in statuses.items() if isinstance(code, str))
    other_redirects = Counter(
        r.location.split("?")[0].split("#")[0] for r in replies if r.status == 303 and r.acked_number is None
    )
    gaps = sum(v["gaps"] for v in numbering.values())
    number_dups = sum(v["duplicates"] for v in numbering.values())
    counters_off = sum(v["next_number_off"] + v["public_count_off"] for v in numbering.values())
    reply_ms = [c.ms for c in calls if c.kind == "reply"]
    form_ms = [c.ms for c in calls if c.kind == "form"]

    rows: list[tuple[str, object, bool | None]] = [
        (
            "workers / sessions / seconds",
            f"{args.workers} / {args.sessions} / {elapsed:.1f}{' (same thread only)' if args.same_thread_only else ''}",
            None,
        ),
        ("requests (form GET + reply POST)", f"{len(calls)} ({len(form_ms)} + {len(reply_ms)})", None),
        ("statuses, all requests", ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items(), key=str)), None),
        ("statuses, reply POSTs", ", ".join(f"{k}: {v}" for k, v in sorted(reply_statuses.items(), key=str)), None),
        ("5xx", server_errors, server_errors == 0),
        ("transport errors (no answer)", transport, transport == 0),
        ("acknowledged (303 to #p<number>)", len(acked), len(acked) > 0),
        ("303 elsewhere (not acknowledged)", dict(other_redirects) or 0, None),
        ("stored (markers in the database)", len(stored), None),
        ("stored more than once", duplicates, duplicates == 0),
        ("acknowledged but missing", missing, missing == 0),
        ("acknowledged, other thread/number", wrong_place, wrong_place == 0),
        ("stored but not acknowledged", unacked_stored, unacked_stored == 0),
        (
            "found by the server's search",
            f"{found_server} of {len(stored_published)} published",
            found_server == len(stored_published),
        ),
        (
            "in the index (fresh reader)",
            f"{found_index} of {len(stored_published)}",
            found_index == len(stored_published),
        ),
        ("`search check` (no manual sync)", f"exit {check.returncode}: {check.stdout.strip()}", check.returncode == 0),
        ("threads checked", len(numbering), None),
        ("number gaps / duplicate numbers", f"{gaps} / {number_dups}", gaps == 0 and number_dups == 0),
        ("thread counters off", counters_off, counters_off == 0),
        (
            "reply POST latency p50/p95/p99 ms",
            f"{pct(reply_ms, 50):.0f} / {pct(reply_ms, 95):.0f} / {pct(reply_ms, 99):.0f}",
            None,
        ),
        (
            "form GET latency p50/p95/p99 ms",
            f"{pct(form_ms, 50):.0f} / {pct(form_ms, 95):.0f} / {pct(form_ms, 99):.0f}",
            None,
        ),
        ("req/s (all) / acknowledged replies/s", f"{len(calls) / elapsed:.1f} / {len(acked) / elapsed:.1f}", None),
    ]
    if stuck:
        rows.append(("sessions still waiting at the end", stuck, False))
    width = max(len(name) for name, *_ in rows)
    print()
    for name, value, ok in rows:
        mark = "" if ok is None else ("ok" if ok else "FAIL")
        print(f"{name:<{width}}  {value!s:<44} {mark}")
    for thread_id, info in numbering.items():
        bad = info["gaps"] or info["duplicates"] or info["next_number_off"] or info["public_count_off"]
        print(f"  thread {thread_id}: {info['detail']}{'  <- FAIL' if bad else ''}")
    problems = {s.problem for s in sessions if s.problem}
    if problems:
        print("session problems:", "; ".join(sorted(problems)))
    if check.stderr.strip():
        print("search check stderr:", check.stderr.strip()[-1500:])
    server_log = log.read_text(errors="replace")
    errors = Counter(
        line.strip() for line in server_log.splitlines() if re.match(r"^\s*\w+(\.\w+)*(Error|Exception)\b", line)
    )
    print(
        f"server log: {server_log.count('Traceback')} tracebacks"
        + "".join(f"\n  {n} x {line[:200]}" for line, n in errors.most_common(5))
    )
    failed = [name for name, _v, ok in rows if ok is False]
    print("\nINVARIANTS FAILED: " + "; ".join(failed) if failed else "\nall invariants hold")
    if args.keep:
        print(f"kept {work}")
    else:
        import shutil

        shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
