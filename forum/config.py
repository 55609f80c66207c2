"""Settings: defaults in code, then ``instance/config.py``, then ``HIROBA_*`` environment
variables, then the mapping passed to ``create_app`` (tests). One place for every setting name."""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask

ENV_PREFIX = "HIROBA"

#: ``HIROBA_<alias>`` environment names that map to a differently named Flask/extension key.
ENV_ALIASES = {
    "DATABASE_URL": "SQLALCHEMY_DATABASE_URI",
}


class ConfigError(RuntimeError):
    """Raised at start-up when the settings cannot give a safe, working app."""


def defaults() -> dict[str, Any]:
    """Built-in defaults: a local, single-host app on SQLite under ``instance/``."""
    return {
        # "local" (a laptop or a demo) or "production" (a city's server)
        "MODE": "local",
        "SITE_NAME": "広場",
        # the site's public address, for links in mails sent from commands (digests)
        "BASE_URL": "http://127.0.0.1:5000",
        "SECRET_KEY": None,
        "PSEUDONYM_KEY": None,  # keys the authors' pseudonyms in exports; kept in instance/ when unset
        "EXPORT_DIR": None,  # instance/exports
        "EXPORT_KEEP_DAYS": 7,  # background export files are removed after this many days
        "EXPORT_BACKGROUND_FROM": 5000,  # selections of this many opinions or more run in the background
        "EXPORT_LEASE_SECONDS": 300,
        # `flask worker`: the daily digest and the deadline reminders at or after these hours (site time)
        "WORKER_DIGEST_HOUR": 7,
        "WORKER_DEADLINES_HOUR": 8,  # a running job untouched this long was lost with its worker: run it again
        "EXPORT_WORKER": "thread",  # "thread": run jobs in the app; "none": only `flask export run` runs them
        "SQLALCHEMY_DATABASE_URI": None,  # None: instance/hiroba.sqlite3
        "SQLALCHEMY_ENGINE_OPTIONS": {},  # passed to SQLAlchemy as they are; they win over the four below
        # server databases (PostgreSQL): connections per worker, and how long to wait for one
        "DATABASE_POOL_SIZE": 5,
        "DATABASE_MAX_OVERFLOW": 10,
        "DATABASE_POOL_TIMEOUT": 10,  # seconds a request waits for a free connection, then a 503
        "DATABASE_CONNECT_TIMEOUT": 5,  # seconds to reach the server, then a 503
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # sessions and cookies
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,  # production: True; local: Secure whenever the request is HTTPS
        "SESSION_COOKIE_NAME": "hiroba_session",
        "PERMANENT_SESSION_LIFETIME": timedelta(days=14),
        "REMEMBER_COOKIE_NAME": "hiroba_remember",
        "REMEMBER_COOKIE_DURATION": timedelta(days=30),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": False,
        "PREFERENCE_COOKIE_MAX_AGE": 365 * 24 * 3600,
        # behind a reverse proxy that sets X-Forwarded-*: number of proxies to trust
        "PROXY_FIX_HOPS": 0,
        # forms
        "WTF_CSRF_ENABLED": True,
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        # languages
        "LANGUAGES": ["ja", "en"],
        "BABEL_DEFAULT_LOCALE": "ja",
        "BABEL_DEFAULT_TIMEZONE": "Asia/Tokyo",
        # rate limits (Flask-Limiter); use a shared store such as redis:// with several app hosts
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_HEADERS_ENABLED": True,
        "RATELIMIT_LOGIN": "10 per minute;60 per hour",
        "RATELIMIT_REGISTER": "5 per minute;20 per hour",
        "RATELIMIT_MAIL": "5 per minute;20 per hour",
        "RATELIMIT_API": "120 per minute",
        # guest pages kept as sent until what they show changes: "memory://" (each worker its own),
        # "redis://host:6379/1" (shared by every worker and host) or "" (off)
        "PAGE_CACHE_STORAGE_URI": "memory://",
        "PAGE_CACHE_MAX_BYTES": 8 * 1024 * 1024,  # the memory store's budget, per worker
        "PAGE_CACHE_SECONDS": 600,  # the longest a page is kept
        # accounts
        "LOGIN_MAX_FAILURES": 5,
        "LOGIN_LOCK_MINUTES": 15,
        "PASSWORD_MIN_LENGTH": 8,
        # werkzeug's default: scrypt with n=2**15; tests lower the work factor only
        "PASSWORD_HASH_METHOD": "scrypt",
        "EMAIL_VERIFY_MAX_AGE": 3 * 24 * 3600,
        "PASSWORD_RESET_MAX_AGE": 3600,
        # demo: the corpus whose paragraphs become demo posts (None: forum/data/municipal_ja.txt)
        "DEMO_CORPUS": None,
        # rooms, threads and posts
        "TITLE_MAX": 100,
        "BODY_MAX": 8000,
        "EDIT_WINDOW_HOURS": 24,
        "POSTS_PER_PAGE": 30,
        "THREADS_PER_PAGE": 30,
        # search: the Whoosh index (None: instance/search/index); apply the outbox after each commit
        "SEARCH_INDEX_DIR": None,
        "SEARCH_AUTO_SYNC": True,
        "SEARCH_REBUILD_CHUNK": 10_000,  # posts a segment (and a worker's task) in `search rebuild`
        "SEARCH_PER_PAGE": 20,
        # moderation: flags from established residents weigh 1; this much hides a post for review
        "FLAG_HIDE_THRESHOLD": 3.0,
        # mail: SMTP when MAIL_SERVER is set, otherwise .eml files under instance/mail/
        "MAIL_SERVER": None,
        "MAIL_PORT": 587,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": True,
        "MAIL_USE_SSL": False,
        "MAIL_TIMEOUT": 20,
        "MAIL_FROM": "広場 <no-reply@localhost>",
        "MAIL_DIR": None,  # None: instance/mail
        # notification mail waits in the outbox table; sent after the response, and by `flask notify send`
        "MAIL_SEND_AFTER_COMMIT": True,
        "MAIL_MAX_ATTEMPTS": 20,  # then a mail waits for `flask notify send --retry-given-up`
    }


def load(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill ``app.config`` in precedence order and derive what depends on the instance folder."""
    app.config.from_mapping(defaults())
    app.config.from_pyfile("config.py", silent=True)
    app.config.from_prefixed_env(prefix=ENV_PREFIX)
    for alias, key in ENV_ALIASES.items():
        if alias in app.config:
            app.config[key] = app.config.pop(alias)
    if overrides:
        app.config.from_mapping(overrides)
    _finish(app)


def instance_folder(given: str | None = None) -> str:
    """The instance folder: the one given, else ``HIROBA_INSTANCE_PATH``, else ``instance/``."""
    from forum import ROOT

    return given or os.environ.get("HIROBA_INSTANCE_PATH") or str(ROOT / "instance")


def settings(instance_path: str | None = None) -> dict[str, Any]:
    """The settings as the app would read them, without building the app (gunicorn's master
    checks them before it forks workers, and stays small)."""
    probe = Flask("hiroba-settings", instance_path=instance_folder(instance_path), instance_relative_config=True)
    load(probe)
    return dict(probe.config)


def is_production(app: Flask) -> bool:
    return app.config["MODE"] == "production"


def database_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` addresses use psycopg (3), the driver the project
    installs (the ``postgresql`` extra); SQLAlchemy would otherwise look for psycopg2."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def engine_options(cfg: dict[str, Any]) -> dict[str, Any]:
    """Engine options for a server database: a pool that checks each connection before use (a
    restarted PostgreSQL leaves stale ones), bounded waits. SQLite needs none of it. The options
    given in SQLALCHEMY_ENGINE_OPTIONS win."""
    given = dict(cfg.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if cfg["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return given
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": int(cfg["DATABASE_POOL_SIZE"]),
        "max_overflow": int(cfg["DATABASE_MAX_OVERFLOW"]),
        "pool_timeout": float(cfg["DATABASE_POOL_TIMEOUT"]),
        "pool_recycle": 1800,
        "connect_args": {"connect_timeout": int(cfg["DATABASE_CONNECT_TIMEOUT"])},
    }
    return {**options, **given}


def _finish(app: Flask) -> None:
    cfg = app.config
    if cfg["MODE"] not in ("local", "production"):
        raise ConfigError(f"HIROBA_MODE must be 'local' or 'production', not {cfg['MODE']!r}")
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not cfg["SQLALCHEMY_DATABASE_URI"]:
        cfg["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'hiroba.sqlite3'}"
    cfg["SQLALCHEMY_DATABASE_URI"] = database_url(cfg["SQLALCHEMY_DATABASE_URI"])
    cfg["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(cfg)
    if not cfg["MAIL_DIR"]:
        cfg["MAIL_DIR"] = str(instance / "mail")
    if not cfg["SEARCH_INDEX_DIR"]:
        cfg["SEARCH_INDEX_DIR"] = str(instance / "search" / "index")
    if is_production(app):
        if not cfg["SECRET_KEY"]:
            raise ConfigError(
                "HIROBA_SECRET_KEY is not set. In production the secret key must come from the "
                "environment or instance/config.py (e.g. python -c 'import secrets; "
                "print(secrets.token_hex(32))')."
            )
        cfg["SESSION_COOKIE_SECURE"] = True
        cfg["REMEMBER_COOKIE_SECURE"] = True
    elif not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = _local_secret_key(instance / "secret_key")
    if not cfg["PSEUDONYM_KEY"]:
        cfg["PSEUDONYM_KEY"] = _local_secret_key(instance / "pseudonym_key")
    if not cfg["EXPORT_DIR"]:
        cfg["EXPORT_DIR"] = str(instance / "exports")


def _local_secret_key(path: Path) -> str:
    """Generate once and keep, so sessions survive restarts of a local app."""
    if path.exists():
        return path.read_text(encoding="ascii").strip()
    key = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key
