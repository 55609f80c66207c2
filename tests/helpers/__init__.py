"""What the app tests share: a real app on a real SQLite file (a copy of one database the Alembic
migrations built for the session), signed-in clients, forms sent with their CSRF token, the mailbox,
and the guard that counts the COMMITs of every request."""

from __future__ import annotations

import atexit
import email
import email.policy
import itertools
import os
import re
import shutil
import sqlite3
import tempfile
from contextlib import closing
from pathlib import Path

from flask import Flask, g, has_request_context, request
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import event

from forum import create_app
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


#: A PostgreSQL server (postgresql+psycopg://…/postgres) to run the app tests on instead of SQLite;
#: scripts/test.sh starts a throwaway one and sets it. Read once: the fixtures clear HIROBA_*.
TEST_DATABASE_URL = os.environ.get("HIROBA_TEST_DATABASE_URL", "")


def make_app(instance: Path, **overrides) -> Flask:
    """The app on its own database: a copy of the session's migrated template (the migrations run
    once per session, not once per test): a SQLite file under ``instance``, or a PostgreSQL
    database made with ``CREATE DATABASE … TEMPLATE`` when ``HIROBA_TEST_DATABASE_URL`` is set.
    A test that names its own database gets it as named, migrated."""
    # a lower scrypt work factor: the same code path, a fraction of the CPU
    config = {"TESTING": True, "SERVER_NAME": "hiroba.test", "PASSWORD_HASH_METHOD": "scrypt:4096:8:1", **overrides}
    copied = "SQLALCHEMY_DATABASE_URI" not in overrides and not os.environ.get("HIROBA_DATABASE_URL")
    if copied and TEST_DATABASE_URL:
        config["SQLALCHEMY_DATABASE_URI"] = postgresql_copy()
    elif copied:
        instance.mkdir(parents=True, exist_ok=True)
        copy_database(migrated_template(), instance / "hiroba.sqlite3")
    app = create_app(config, instance_path=str(instance))
    app.test_client_class = ServerLikeClient
    if not copied:
        with app.app_context():
            upgrade()
    watch_commits(app)
    return app


_template: Path | None = None


def migrated_template() -> Path:
    """One SQLite database built by the Alembic migrations, made on first use in the session."""
    global _template
    if _template is None:
        folder = Path(tempfile.mkdtemp(prefix="hiroba-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _migrate({"TESTING": True}, folder)
        _template = folder / "hiroba.sqlite3"
    return _template


def _migrate(config: dict, instance: Path) -> None:
    app = create_app(config, instance_path=str(instance))
    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


PG_TEMPLATE = "hiroba_template"
_pg_ready = False
_pg_count = itertools.count(1)


def _pg_admin():
    import psycopg

    return psycopg.connect(TEST_DATABASE_URL.replace("+psycopg", ""), autocommit=True)


def _pg_url(name: str) -> str:
    return TEST_DATABASE_URL.rsplit("/", 1)[0] + "/" + name


def postgresql_copy() -> str:
    """A new database on the test server, copied from the migrated template (made once)."""
    global _pg_ready
    if not _pg_ready:
        with _pg_admin() as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {PG_TEMPLATE} WITH (FORCE)")
            admin.execute(f"CREATE DATABASE {PG_TEMPLATE}")
        folder = Path(tempfile.mkdtemp(prefix="hiroba-template-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        _migrate({"TESTING": True, "SQLALCHEMY_DATABASE_URI": _pg_url(PG_TEMPLATE)}, folder)
        _pg_ready = True
    name = f"hiroba_test_{os.getpid()}_{next(_pg_count)}"
    with _pg_admin() as admin:
        admin.execute(f"CREATE DATABASE {name} TEMPLATE {PG_TEMPLATE}")
    return _pg_url(name)


def empty_database_url(tmp_path: Path) -> str:
    """An empty database for a migration test: a new SQLite file, or a new PostgreSQL database
    (dropped when the session ends) when the tests run on PostgreSQL."""
    if not TEST_DATABASE_URL:
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    name = f"hiroba_test_{os.getpid()}_{next(_pg_count)}"
    with _pg_admin() as admin:
        admin.execute(f"CREATE DATABASE {name}")
    atexit.register(_drop, name)
    return _pg_url(name)


def _drop(name: str) -> None:
    with _pg_admin() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def release(app: Flask) -> None:
    """Close the app's connections; drop its PostgreSQL copy (SQLite copies go with tmp_path)."""
    with app.app_context():
        db.session.remove()
        url = db.engine.url
        db.engine.dispose()
    if TEST_DATABASE_URL and url.get_backend_name() == "postgresql" and url.database.startswith("hiroba_test_"):
        _drop(url.database)


def copy_database(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API (safe with WAL files beside the source)."""
    with closing(sqlite3.connect(source)) as src, closing(sqlite3.connect(target)) as dst:
        src.backup(dst)


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


def take_watched() -> list[Flask]:
    """The apps made since the last call: each test's, for the guard."""
    apps = list(_watched)
    _watched.clear()
    return apps


def exercised(apps: list[Flask]) -> set[tuple[str, str]]:
    """(method, endpoint) of every request the apps answered."""
    return {(method, endpoint) for app in apps for method, endpoint, _path, _n in app.extensions["hiroba_commits"]}


def commit_problems(app: Flask) -> list[str]:
    """Requests that committed more than their method allows."""
    problems = []
    for method, endpoint, path, commits in app.extensions.get("hiroba_commits", []):
        allowed = 0 if method in ("GET", "HEAD") and endpoint not in MAIL_LINKS else 1
        if commits > allowed:
            problems.append(f"{method} {path} ({endpoint}) committed {commits} times")
    return problems


def token_on(client: FlaskClient, url: str) -> str | None:
    """The CSRF token a page holds, as a browser would send it; None when it holds none."""
    match = CSRF_RE.search(client.get(url).get_data(as_text=True))
    return match.group(1) if match else None


def csrf_token(client: FlaskClient, url: str = "/") -> str:
    """Read the token from a page that must hold one."""
    token = token_on(client, url)
    assert token, f"no CSRF token on {url}"
    return token


def submit(client: FlaskClient, url: str, data: dict | None = None, page: str | None = None, **kwargs):
    """Fill in and send the form at ``url`` (token taken from ``page`` or ``url``, as a browser
    sends what the page holds: a guest's display settings form has none)."""
    data = dict(data or {})
    token = token_on(client, page or url)
    if token:
        data["csrf_token"] = token
    return client.post(url, data=data, **kwargs)


def add_user(
    app: Flask,
    handle: str,
    email: str,
    role: Role = Role.RESIDENT,
    department: str | None = None,
    verified: bool = True,
) -> int:
    with app.app_context():
        dept = None
        if department:
            dept = db.session.scalar(db.select(Department).filter_by(name=department))
            if dept is None:
                dept = Department(name=department)
                db.session.add(dept)
        user = accounts.create_user(
            handle, email, PASSWORD, role=role, department=dept, verified=verified, allow_reserved=True
        )
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
        return [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(self.folder.glob("*.eml"))
        ]

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


def statements_of_get(app: Flask, client: FlaskClient, url: str) -> tuple[int, str]:
    """(SQL statements the GET of ``url`` ran, its page); the page must answer 200."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, url
    return len(seen), response.get_data(as_text=True)
