"""The Flask extensions, created once here and bound to the app in ``create_app``."""

from __future__ import annotations

from flask import current_app, request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine

# Named constraints so that Alembic batch migrations on SQLite can alter them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class _LoginManager(LoginManager):
    """The "remember me" cookie is Secure on any HTTPS request, like the session cookie."""

    def _set_cookie(self, response) -> None:
        super()._set_cookie(response)
        if not request.is_secure:
            return
        name = current_app.config["REMEMBER_COOKIE_NAME"]
        headers = response.headers.getlist("Set-Cookie")
        response.headers.remove("Set-Cookie")
        for header in headers:
            if header.startswith(f"{name}=") and "; Secure" not in header:
                header += "; Secure"
            response.headers.add("Set-Cookie", header)


db = SQLAlchemy(metadata=MetaData(naming_convention=NAMING_CONVENTION))
login = _LoginManager()
csrf = CSRFProtect()
babel = Babel()
limiter = Limiter(key_func=get_remote_address)


def init_migrations(app, directory: str) -> None:
    """Flask-Migrate for the ``flask db`` commands. Imported here and only for the commands: it
    brings Alembic (and Mako, Pygments), which a web worker never uses."""
    from flask_migrate import Migrate

    Migrate(render_as_batch=True, compare_type=True).init_app(app, db, directory=directory)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """WAL lets readers run beside the writer; SQLite leaves foreign keys off unless asked."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
