"""Fixtures: a real app on a real SQLite file built by the Alembic migrations, in a temp folder."""

from __future__ import annotations

import email
import email.policy
import re
from pathlib import Path

import pytest
from flask import Flask, g, has_request_context, request
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event

from forum import clock, create_app
from forum.extensions import db
from forum.models import Department, User
from forum.permissions import Role
from forum.services import accounts

PASSWORD = "correct horse battery"
CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


class ServerLikeClient(FlaskClient):
    """Closes each response once read, as a WSGI server does after sending it, so the work an app
    leaves for after the response (the mail outbox) runs as it does in production."""

    def open(self, *args, buffered: bool = True, **kwargs):
        return super().open(*args, buffered=buffered, **kwargs)


def make_app(instance: Path, **overrides) -> Flask:
    # a lower scrypt work factor: the same code path, a fraction of the CPU
    config = {"TESTING": True, "SERVER_NAME": "hiroba.test", "PASSWORD_HASH_METHOD": "scrypt:4096:8:1",
              **overrides}
    app = create_app(config, instance_path=str(instance))
    app.test_client_class = ServerLikeClient
    with app.app_context():
        upgrade()
    watch_commits(app)
    return app


# One action, one transaction; reading never writes. Every request of every test is counted: a GET
# commits nothing (but the one-time links from mail), a POST commits at most once. Work the app
# leaves for after the response (the mail outbox) runs outside the request and is not counted.
MAIL_LINKS = frozenset({"auth.verify", "account.confirm_email"})
_watched: list[Flask] = []


def watch_commits(app: Flask) -> None:
    log = app.extensions.setdefault("hiroba_commits", [])
    with app.app_context():
        engine = db.engine

    def count(_connection) -> None:
        if has_request_context():
            g.hiroba_commits = g.get("hiroba_commits", 0) + 1

    def record(response):
        log.append((request.method, request.endpoint, request.full_path, g.get("hiroba_commits", 0)))
        return response

    event.listen(engine, "commit", count)
    app.after_request(record)
    _watched.append(app)


def commit_problems(app: Flask) -> list[str]:
    """Requests that committed more than their method allows."""
    problems = []
    for method, endpoint, path, commits in app.extensions.get("hiroba_commits", []):
        allowed = 0 if method in ("GET", "HEAD") and endpoint not in MAIL_LINKS else 1
        if commits > allowed:
            problems.append(f"{method} {path} ({endpoint}) committed {commits} times")
    return problems


@pytest.fixture(autouse=True)
def _one_commit_per_request():
    start = len(_watched)
    yield
    apps, _watched[start:] = _watched[start:], []
    assert [p for app in apps for p in commit_problems(app)] == []


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


def csrf_token(client: FlaskClient, url: str = "/") -> str:
    """Read the token from a page, as a browser would get it."""
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def submit(client: FlaskClient, url: str, data: dict | None = None, page: str | None = None,
           **kwargs):
    """Fill in and send the form at ``url`` (token taken from ``page`` or ``url``)."""
    data = dict(data or {})
    data["csrf_token"] = csrf_token(client, page or url)
    return client.post(url, data=data, **kwargs)


def add_user(app: Flask, handle: str, email: str, role: Role = Role.RESIDENT,
             department: str | None = None, verified: bool = True) -> int:
    with app.app_context():
        dept = None
        if department:
            dept = db.session.scalar(db.select(Department).filter_by(name=department))
            if dept is None:
                dept = Department(name=department)
                db.session.add(dept)
        user = accounts.create_user(handle, email, PASSWORD, role=role, department=dept,
                                    verified=verified, allow_reserved=True)
        db.session.commit()
        return user.id


def login(client: FlaskClient, email: str, password: str = PASSWORD, **extra):
    return submit(client, "/login", {"email": email, "password": password, **extra})


def get_user(app: Flask, email: str) -> User:
    with app.app_context():
        user = accounts.user_by_email(email)
        db.session.expunge(user)
        return user


class Mailbox:
    """The .eml files the app wrote under instance/mail (no MAIL_SERVER in tests)."""

    def __init__(self, app: Flask) -> None:
        self.folder = Path(app.config["MAIL_DIR"])

    def messages(self) -> list[email.message.EmailMessage]:
        if not self.folder.exists():
            return []
        return [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(self.folder.glob("*.eml"))]

    def last(self, to: str) -> email.message.EmailMessage:
        found = [m for m in self.messages() if m["To"] == to]
        assert found, f"no mail to {to}"
        return found[-1]

    def link(self, to: str) -> str:
        """The path of the one link in the newest mail to ``to``."""
        body = self.last(to).get_content()
        urls = re.findall(r"https?://\S+", body)
        assert len(urls) == 1, body
        return re.sub(r"^https?://[^/]+", "", urls[0])


@pytest.fixture
def mailbox(app: Flask) -> Mailbox:
    return Mailbox(app)
