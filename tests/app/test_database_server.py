"""A server database (PostgreSQL) as a city runs it: the driver and pool settings, a clear 503
when the database cannot be reached, and no failed request after its connections were cut."""

from __future__ import annotations

import socket

import pytest
from sqlalchemy import text

from forum import create_app
from forum.extensions import db
from tests.helpers import TEST_DATABASE_URL, make_app


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nobody listens once the probe is closed


def test_a_postgresql_address_gets_psycopg_and_a_checked_pool(tmp_path):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "postgresql://hiroba@db.example/hiroba", "DATABASE_POOL_SIZE": 3},
        instance_path=str(tmp_path),
    )
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://hiroba@db.example/hiroba"
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True and options["pool_size"] == 3
    assert options["connect_args"] == {"connect_timeout": 5}
    with app.app_context():
        assert db.engine.pool.size() == 3 and db.engine.pool._pre_ping
    sqlite = create_app(instance_path=str(tmp_path / "local"))
    assert sqlite.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}  # SQLite needs no pool settings


def test_an_unreachable_database_gives_a_503_page_not_a_traceback(tmp_path):
    url = f"postgresql://hiroba@127.0.0.1:{_closed_port()}/hiroba"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "DATABASE_CONNECT_TIMEOUT": 2}, instance_path=str(tmp_path))
    client = app.test_client()
    for path in ("/", "/rooms/1", "/search?q=防災"):
        page = client.get(path, headers={"Accept-Language": "ja"})
        assert page.status_code == 503, path
        assert page.headers["Retry-After"] == "30"
        assert "ただいま" in page.get_data(as_text=True) or "一時的" in page.get_data(as_text=True)
    api = client.get("/api/v1/posts")
    assert api.status_code == 503 and api.get_json()["error"]["status"] == 503


@pytest.mark.skipif(not TEST_DATABASE_URL, reason="needs PostgreSQL: scripts/test.sh runs it in its PostgreSQL run")
def test_cut_connections_are_replaced_without_a_failed_request(tmp_path):
    """What a PostgreSQL restart does to the pool: every connection it holds is dead. Each request
    after that must still succeed (the pool checks a connection before handing it out)."""
    app = make_app(tmp_path / "instance")
    client = app.test_client()
    assert [client.get("/").status_code for _ in range(5)] == [200] * 5  # the pool holds connections now
    with app.app_context():
        name = db.engine.url.database
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    import psycopg

    with psycopg.connect(TEST_DATABASE_URL.replace("+psycopg", ""), autocommit=True) as admin:
        cut = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()[0]
    assert cut >= 1
    assert [client.get("/").status_code for _ in range(20)] == [200] * 20


def test_starting_without_the_database_says_so_in_one_line(tmp_path):
    """``wsgi.py`` as gunicorn loads it, with the database down: one clear line, no traceback, and
    the app still loads (its pages answer 503 until the database is back)."""
    import os
    import subprocess
    import sys

    from forum.app import database_problem
    from tests.helpers.live import ROOT

    env = {k: v for k, v in os.environ.items() if not k.startswith("HIROBA_")}
    env.update(
        HIROBA_INSTANCE_PATH=str(tmp_path / "instance"),
        HIROBA_DATABASE_URL=f"postgresql://hiroba@127.0.0.1:{_closed_port()}/hiroba",
        HIROBA_DATABASE_CONNECT_TIMEOUT="2",
    )
    done = subprocess.run(
        [sys.executable, "-c", "import wsgi; print(type(wsgi.app).__name__)"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout.strip() == "Flask", done.stderr
    assert "the database cannot be reached" in done.stderr and "Traceback" not in done.stderr
    app = make_app(tmp_path / "working")
    assert database_problem(app) is None
