"""Fixtures for the app and browser tests: a real app on a real SQLite file in a temp folder,
its test client, its mailbox, and the COMMIT guard on every request (``tests.helpers``)."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from forum import clock
from forum.extensions import db
from tests.helpers import Mailbox, commit_problems, make_app, take_watched


@pytest.fixture(autouse=True)
def _one_commit_per_request():
    take_watched()
    yield
    assert [p for app in take_watched() for p in commit_problems(app)] == []


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
