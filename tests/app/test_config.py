"""Settings precedence, secret keys, the SQLite defaults and the migrations."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from forum import create_app
from forum.config import ConfigError
from forum.extensions import db
from tests.helpers import empty_database_url, make_app


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("HIROBA_"):
            monkeypatch.delenv(name)


def test_precedence_defaults_file_env_mapping(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        'SITE_NAME = "ファイルの広場"\nMAIL_SERVER = "smtp.file.example"\nLOGIN_MAX_FAILURES = 7\n', encoding="utf-8"
    )
    app = create_app(instance_path=str(instance))
    assert app.config["SITE_NAME"] == "ファイルの広場"  # file over default
    assert app.config["PASSWORD_MIN_LENGTH"] == 8  # default kept

    monkeypatch.setenv("HIROBA_SITE_NAME", "環境変数の広場")
    monkeypatch.setenv("HIROBA_LOGIN_MAX_FAILURES", "9")  # JSON-parsed: an int
    monkeypatch.setenv("HIROBA_DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("HIROBA_MAIL_USE_TLS", "false")
    app = create_app(instance_path=str(instance))
    assert app.config["SITE_NAME"] == "環境変数の広場"  # env over file
    assert app.config["LOGIN_MAX_FAILURES"] == 9
    assert app.config["MAIL_USE_TLS"] is False
    assert app.config["MAIL_SERVER"] == "smtp.file.example"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")

    app = create_app({"SITE_NAME": "テストの広場"}, instance_path=str(instance))
    assert app.config["SITE_NAME"] == "テストの広場"  # create_app mapping over env


def test_defaults_put_everything_under_instance(tmp_path):
    instance = tmp_path / "inst"
    app = create_app(instance_path=str(instance))
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'hiroba.sqlite3'}"
    assert app.config["MAIL_DIR"] == str(instance / "mail")
    assert app.config["BABEL_DEFAULT_LOCALE"] == "ja"


def test_local_mode_generates_and_keeps_a_secret_key(tmp_path):
    instance = tmp_path / "inst"
    first = create_app(instance_path=str(instance)).config["SECRET_KEY"]
    key_file = instance / "secret_key"
    assert len(first) == 64
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert create_app(instance_path=str(instance)).config["SECRET_KEY"] == first


def test_production_without_secret_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("HIROBA_MODE", "production")
    with pytest.raises(ConfigError, match="HIROBA_SECRET_KEY is not set"):
        create_app(instance_path=str(tmp_path))
    assert not (tmp_path / "secret_key").exists()
    monkeypatch.setenv("HIROBA_SECRET_KEY", "s" * 64)
    app = create_app(instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True


def test_unknown_mode_is_a_clear_error(tmp_path):
    with pytest.raises(ConfigError, match="HIROBA_MODE must be"):
        create_app({"MODE": "staging"}, instance_path=str(tmp_path))


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    app = make_app(tmp_path / "instance", SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'own.sqlite3'}")
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        path = db.engine.url.database
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"  # persisted in the file
    raw.close()


def test_foreign_keys_are_enforced(app):
    from forum.models import Department
    from forum.services import accounts

    with app.app_context():
        dept = Department(name="企画政策課")
        db.session.add(dept)
        db.session.flush()
        from forum.permissions import Role

        accounts.create_user("職員", "staff@example.jp", "a good password", role=Role.STAFF, department=dept)
        db.session.commit()
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.delete(Department))
            db.session.commit()
        db.session.rollback()


def test_migrations_build_the_whole_schema_from_empty(tmp_path):
    """On SQLite, and on PostgreSQL too when the tests run there."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": empty_database_url(tmp_path)}, instance_path=str(tmp_path))
    with app.app_context():
        assert sa.inspect(db.engine).get_table_names() == []
        upgrade()
        tables = set(sa.inspect(db.engine).get_table_names())
        assert set(db.metadata.tables) <= tables
        assert "alembic_version" in tables
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], "models and migrations differ: run `flask --app forum db migrate`"
        downgrade(revision="base")
        assert set(sa.inspect(db.engine).get_table_names()) == {"alembic_version"}
        upgrade()


def test_flask_db_upgrade_cli_on_an_empty_database(tmp_path):
    app = create_app(instance_path=str(tmp_path))
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert {"user", "department"} <= set(sa.inspect(db.engine).get_table_names())


def test_passwords_are_hashed_with_full_strength_scrypt_by_default(tmp_path):
    from forum.services.accounts import hash_password

    app = create_app(instance_path=str(tmp_path))
    with app.app_context():
        assert hash_password("a long password").startswith("scrypt:32768:8:1$")


def test_upgrading_a_database_with_content_loses_nothing(tmp_path):
    """A database with rooms, threads, posts and reactions at revision 0002 keeps every row when
    0003 rebuilds the thread and post tables (SQLite batch mode)."""
    app = create_app(instance_path=str(tmp_path))
    rows = {
        "department": "INSERT INTO department (id, name, description, contact, created_at) "
        "VALUES (1, '課', '', '', '2026-01-01 00:00:00')",
        "user": "INSERT INTO user (id, handle, handle_key, email, password_hash, role, failed_logins, "
        "auth_version, created_at) VALUES (1, 'a', 'a', 'a@example.jp', 'x', 'resident', 0, 1, "
        "'2026-01-01 00:00:00')",
        "room": "INSERT INTO room (id, area, title, purpose, posting_rules, handling, opens_at, closes_at, "
        "state, decline_reason, created_at) VALUES (1, 'city', 't', 'p', 'r', 'h', "
        "'2026-01-01 00:00:00', '2026-02-01 00:00:00', 'open', '', '2026-01-01 00:00:00')",
        "thread": "INSERT INTO thread (id, room_id, title, author_id, created_at, last_posted_at, next_number, "
        "public_post_count, status, status_note, locked, pinned) VALUES (1, 1, 't', 1, "
        "'2026-01-01 00:00:00', '2026-01-01 00:00:00', 3, 2, 'unanswered', '', 0, 0)",
        "post": "INSERT INTO post (id, thread_id, number, author_id, body, reply_to_id, state, is_official, "
        "reaction_count, created_at) VALUES (1, 1, 1, 1, 'one', NULL, 'published', 0, 1, "
        "'2026-01-01 00:00:00'), (2, 1, 2, 1, 'two', 1, 'published', 0, 0, '2026-01-01 00:00:00')",
        "post_revision": "INSERT INTO post_revision (id, post_id, body, written_at, replaced_at, by_moderator) "
        "VALUES (1, 1, 'zero', '2026-01-01 00:00:00', '2026-01-01 00:00:00', 0)",
        "reaction": "INSERT INTO reaction (post_id, user_id, created_at) VALUES (2, 1, '2026-01-01 00:00:00')",
    }
    expected = {"department": 1, "user": 1, "room": 1, "thread": 1, "post": 2, "post_revision": 1, "reaction": 1}
    with app.app_context():
        upgrade(revision="0002")
        with db.engine.begin() as conn:
            for statement in rows.values():
                conn.exec_driver_sql(statement)
        upgrade()
        with db.engine.connect() as conn:
            counts = {t: conn.execute(sa.select(sa.func.count()).select_from(sa.table(t))).scalar() for t in expected}
            reply_to = conn.exec_driver_sql("SELECT reply_to_id FROM post WHERE id = 2").scalar()
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert counts == expected
    assert reply_to == 1
