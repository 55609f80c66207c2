"""Residents replying at once, through a live threaded server and the real forms: no 500, every
acknowledged reply stored once under the number its redirect named, numbers 1..N without gaps, and
every reply found by search. (bench/concurrency.py measures the same with gunicorn processes.)

Lifted for these tests, and nothing else: the moderation rules ``rate`` and ``new_resident`` are
switched off (as a moderator can on the rules page; ``relax_rules``), and the per-IP login limit
is raised (every resident logs in from 127.0.0.1). The ``duplicate`` rule stays on (each body is unique).
The live app runs with ``PROPAGATE_EXCEPTIONS`` off, as in production: a 500 is the app's own, and
the exceptions it logs are named in the failure message.
"""

from __future__ import annotations

import logging
import re
import secrets
import string
import threading
import time
from collections import Counter
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from forum.extensions import db
from forum.models import Post, PostState, Thread
from forum.search import sync
from forum.search.backend import SearchQuery
from tests.helpers import PASSWORD, add_user
from tests.helpers.live import CSRF_RE
from tests.helpers.live import Browser as BaseBrowser
from tests.helpers.rooms import create_city_room, last_thread, people, relax_rules, start_thread

ACK_RE = re.compile(r"/threads/(\d+)(?:\?page=\d+)?#p(\d+)$")
MARKER_RE = re.compile(r"負荷試験-(\d+)-(\d+)-([a-z]{12})")
EXCEPTION_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)\b")


class Browser(BaseBrowser):
    """One resident's browser on the live server, with the form steps the tests take."""

    def form(self, path: str) -> tuple[str, bool]:
        """The CSRF token of the form at ``path``, and whether it asks for the rules tick."""
        status, _headers, page = self.request(path)
        match = CSRF_RE.search(page)
        assert status == 200 and match, f"GET {path}: HTTP {status}, no form"
        return match.group(1), 'name="accept_rules"' in page

    def log_in(self, email: str) -> Browser:
        token, _rules = self.form("/login")
        status, _headers, _page = self.request(
            "/login", {"csrf_token": token, "email": email, "password": PASSWORD, "next": ""}
        )
        assert status == 303, f"login of {email} through the live server: HTTP {status}"
        return self


@dataclass
class Reply:
    token: str
    status: int | str  # "ERR <exception>" when no answer came
    thread_id: int | None = None  # from the 303's Location, when acknowledged
    number: int | None = None


def marker_body(who: int, n: int) -> tuple[str, str]:
    """A unique body; the token (letters only: no digit run the personal-information rule could
    take for a phone number) is one word to search for."""
    token = "".join(secrets.choice(string.ascii_lowercase) for _ in range(12))
    return token, f"負荷試験-{who}-{n}-{token}\n\n同時に書き込む試験の返信です。"


def send_reply(browser: Browser, thread_id: int, who: int, n: int, form: tuple[str, bool] | None = None) -> Reply:
    path = f"/threads/{thread_id}/reply"
    csrf, needs_rules = form or browser.form(path)
    token, body = marker_body(who, n)
    data = {"csrf_token": csrf, "body": body, "reply_to": "", "submit": "1"}
    if needs_rules:
        data["accept_rules"] = "y"
    try:
        status, headers, _page = browser.request(path, data)
    except OSError as error:  # reset, timeout: no answer at all
        return Reply(token, f"ERR {type(error).__name__}")
    reply = Reply(token, status)
    found = ACK_RE.search(headers.get("Location", ""))
    if status == 303 and found:
        reply.thread_id, reply.number = int(found.group(1)), int(found.group(2))
    return reply


class ServerErrors(logging.Handler):
    """The exceptions the app logs while serving: a failing test names the cause of its 500s."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.seen: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            self.seen[f"{type(error).__name__}: {str(error).splitlines()[0][:160]}"] += 1
        else:  # werkzeug's "Error on request" carries the traceback as text: its last exception line
            lines = [line for line in record.getMessage().splitlines() if EXCEPTION_LINE.match(line)]
            self.seen[lines[-1][:160] if lines else record.getMessage()[:160]] += 1

    def __str__(self) -> str:
        return "; ".join(f"{n} x {what}" for what, n in self.seen.most_common(3)) or "none logged"


@pytest.fixture
def live(app):
    """The suite's app (real SQLite file, migrations) behind a threaded werkzeug server on
    127.0.0.1, with an open city room, one thread (post 1 by ひまわり) and 6 more residents."""
    app.config["SERVER_NAME"] = None  # requests come to 127.0.0.1:<port>
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: logged, and the app's own error page
    app.config["RATELIMIT_LOGIN"] = "1000 per minute"  # every resident logs in from 127.0.0.1
    relax_rules(app, "rate", "new_resident")
    clients = people(app, strict=True)  # strict: people() lifts nothing more (it would also lift duplicate)
    room_id = create_city_room(app, clients["staff"])
    assert start_thread(clients["himawari"], room_id).status_code == 303
    thread_id = last_thread(app).id
    emails = [f"resident{i}@example.jp" for i in range(1, 7)]
    for i, email in enumerate(emails, start=1):
        add_user(app, f"同時住民{i}", email)
    errors = ServerErrors()
    loggers = {logger: logger.disabled for logger in (app.logger, logging.getLogger("werkzeug"))}
    for logger in loggers:  # the migrations' fileConfig() disables the loggers that existed before it
        logger.disabled = False
        logger.addHandler(errors)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    yield SimpleNamespace(
        app=app, url=f"http://127.0.0.1:{server.server_port}", thread_id=thread_id, emails=emails, errors=errors
    )
    server.shutdown()
    serving.join(timeout=5)
    server.server_close()
    for logger, disabled in loggers.items():
        logger.removeHandler(errors)
        logger.disabled = disabled


def assert_stored_numbered_and_found(live, replies: list[Reply]) -> None:
    """The invariants, read with the app's own models and search backend."""
    app, thread_id = live.app, live.thread_id
    server_errors = Counter(r.status for r in replies if not isinstance(r.status, int) or r.status >= 500)
    assert not server_errors, (
        f"5xx or no answer: {dict(server_errors)} of {len(replies)} replies; the server logged: {live.errors}"
    )
    unacknowledged = [r.status for r in replies if r.number is None]
    assert not unacknowledged, f"replies not acknowledged with 303 …#p<number>: {unacknowledged}"
    with app.app_context():
        stored: dict[str, list[tuple[int, int, int]]] = {}
        for post_id, post_thread, number, body in db.session.execute(
            select(Post.id, Post.thread_id, Post.number, Post.body).where(Post.body.contains("負荷試験-"))
        ):
            stored.setdefault(MARKER_RE.search(body).group(3), []).append((post_id, post_thread, number))
        sent = {r.token: r for r in replies}
        assert set(stored) == set(sent), (
            f"acknowledged but not stored: {len(set(sent) - set(stored))}; "
            f"stored but not acknowledged: {len(set(stored) - set(sent))}"
        )
        twice = {token: rows for token, rows in stored.items() if len(rows) > 1}
        assert not twice, f"stored more than once: {twice}"
        moved = {
            token: (stored[token][0][1:], (r.thread_id, r.number))
            for token, r in sent.items()
            if stored[token][0][1:] != (r.thread_id, r.number)
        }
        assert not moved, f"stored under another thread/number than acknowledged: {moved}"

        numbers = sorted(db.session.scalars(select(Post.number).where(Post.thread_id == thread_id)))
        assert numbers == list(range(1, len(numbers) + 1)), f"numbers not 1..N: {numbers}"
        thread = db.session.get(Thread, thread_id)
        published = db.session.scalar(
            select(func.count())
            .select_from(Post)
            .where(Post.thread_id == thread_id, Post.state == PostState.PUBLISHED.value)
        )
        assert (thread.next_number, thread.public_post_count) == (len(numbers) + 1, published)

        # work left for after a response may still be finishing: give the outbox a moment
        deadline = time.monotonic() + 5
        while sync.pending() and time.monotonic() < deadline:
            time.sleep(0.05)
        missing, extra = sync.check()
        assert (missing, extra, sync.pending()) == (set(), set(), 0), "search index drift"
        result = app.test_cli_runner().invoke(args=["search", "check"])
        assert result.exit_code == 0, result.output
        not_found = [
            token
            for token, rows in stored.items()
            if rows[0][0] not in sync.backend().search(SearchQuery(token, per_page=5)).ids
        ]
        assert not not_found, f"{len(not_found)} of {len(stored)} replies not found by search"
        db.session.remove()


def test_a_single_reply_through_the_live_server_works(live):
    """The plumbing: a login, the reply form and a reply through the live server."""
    browser = Browser(live.url).log_in(live.emails[0])
    reply = send_reply(browser, live.thread_id, 1, 1)
    assert (reply.status, reply.thread_id, reply.number) == (303, live.thread_id, 2), live.errors
    assert_stored_numbered_and_found(live, [reply])


def test_two_replies_at_the_same_moment_both_succeed(live):
    """Two residents with their forms open press 投稿 at once, ten times over."""
    browsers = [Browser(live.url).log_in(email) for email in live.emails[:2]]
    replies: list[Reply] = []
    path = f"/threads/{live.thread_id}/reply"
    for n in range(1, 11):
        forms = [b.form(path) for b in browsers]
        together = threading.Barrier(2)
        pair: list[Reply] = []

        def press(who: int, n: int = n, forms=forms, together=together, pair=pair) -> None:
            together.wait(timeout=10)
            pair.append(send_reply(browsers[who], live.thread_id, who + 1, n, forms[who]))

        workers = [threading.Thread(target=press, args=(who,)) for who in range(2)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join(timeout=60)
        assert len(pair) == 2, "a reply got no answer in 60 s"
        assert sorted(r.status for r in pair) == [303, 303], (
            f"round {n}: {[r.status for r in pair]}; the server logged: {live.errors}"
        )
        replies.extend(pair)
    assert sorted(r.number for r in replies) == list(range(2, 22))
    assert_stored_numbered_and_found(live, replies)


def test_six_residents_replying_for_three_seconds_lose_nothing(live):
    """Six residents reply to one thread as fast as the server lets them for about 3 s."""
    browsers = [Browser(live.url).log_in(email) for email in live.emails]
    replies: list[Reply] = []
    lock = threading.Lock()
    start = threading.Event()
    until = [0.0]

    def keep_replying(who: int) -> None:
        start.wait()
        n = 0
        while time.monotonic() < until[0] and n < 500:
            n += 1
            reply = send_reply(browsers[who], live.thread_id, who + 1, n)
            with lock:
                replies.append(reply)

    workers = [threading.Thread(target=keep_replying, args=(who,)) for who in range(len(browsers))]
    for worker in workers:
        worker.start()
    until[0] = time.monotonic() + 3
    start.set()
    for worker in workers:
        worker.join(timeout=90)
    assert not any(worker.is_alive() for worker in workers), "a resident still waits for an answer"
    assert len(replies) >= len(browsers), f"only {len(replies)} replies were sent"
    assert_stored_numbered_and_found(live, replies)
