"""Fixtures for the app and browser tests: a real app on a real SQLite file in a temp folder,
its test client, its mailbox, and the COMMIT guard on every request (``tests.helpers``)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from forum import clock
from forum.extensions import db
from tests.helpers import Mailbox, commit_problems, exercised, make_app, release, take_watched


@pytest.fixture(autouse=True)
def _one_commit_per_request():
    take_watched()
    yield
    apps = take_watched()
    _seen.update(exercised(apps))
    problems = [p for app in apps for p in commit_problems(app)]
    for app in apps:
        release(app)
    assert problems == []


_seen: set[tuple[str, str]] = set()


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """How much of the URL map the COMMIT guard saw: every POST route should be among them."""
    if not _seen:
        return
    app = make_app(Path(tempfile.mkdtemp(prefix="hiroba-routes-")) / "instance")
    take_watched()
    release(app)
    posts = {(m, r.endpoint) for r in app.url_map.iter_rules() for m in r.methods if m == "POST"}
    gets = {(m, r.endpoint) for r in app.url_map.iter_rules() for m in r.methods if m == "GET"} - {("GET", "static")}
    terminalreporter.write_line(
        f"COMMIT guard: {len(posts & _seen)} of {len(posts)} POST routes and {len(gets & _seen)} of {len(gets)} "
        f"GET routes were requested and checked"
        + (f"; POST routes no test sent: {sorted(e for _m, e in posts - _seen)}" if posts - _seen else "")
    )


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Flask:
    for name in list(__import__("os").environ):
        if name.startswith("HIROBA_"):
            monkeypatch.delenv(name)
    app = make_app(tmp_path / "instance")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    clock.reset()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def mailbox(app: Flask) -> Mailbox:
    return Mailbox(app)
