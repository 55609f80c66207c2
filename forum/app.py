"""The Flask application itself: the factory, its extensions, blueprints and hooks.

``forum.create_app`` imports this module only when called, so that importing a pure part of the
package (``forum.text``, ``forum.dates``, ``forum.exports.summary``) never loads Flask.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

from forum import ROOT


class _SessionInterface(SecureCookieSessionInterface):
    """Session cookie is Secure in production, and in any mode whenever the request is HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (has_request_context() and request.is_secure))


def create_app(config: dict[str, Any] | None = None, instance_path: str | None = None, commands: bool = True) -> Flask:
    """Build the app. ``config`` overrides every other source (tests use it). ``commands=False``
    (``wsgi.py``) leaves out the ``flask`` commands and the migrations: a web worker stays small."""
    from forum import cli, errors, hygiene, i18n, ui
    from forum import config as settings
    from forum.extensions import babel, csrf, db, init_migrations, limiter, login
    from forum.services.accounts import load_session_user
    from forum.views.common import BoundedIntConverter

    app = Flask(
        __name__,
        instance_path=settings.instance_folder(instance_path),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_relative_config=True,
    )
    settings.load(app, config)
    hygiene.init_app(app)  # first: its request hook runs before those of the extensions
    app.url_map.converters["int"] = BoundedIntConverter
    app.session_interface = _SessionInterface()
    if app.config["PROXY_FIX_HOPS"]:
        hops = int(app.config["PROXY_FIX_HOPS"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    db.init_app(app)
    app.teardown_appcontext(_end_session)  # runs before Flask-SQLAlchemy's own (reverse order)
    if commands:
        init_migrations(app, str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(Path(__file__).parent / "translations"),
    )
    login.init_app(app)
    login.user_loader(load_session_user)
    login.login_view = "auth.login"
    login.login_message = None  # the login page itself says why
    login.session_protection = "basic"

    import forum.search.sync
    import forum.services.mailing  # noqa: F401  (the mail outbox's hooks)
    from forum import after_response, page_cache, static_files

    after_response.init_app(app)
    static_files.init_app(app)
    page_cache.init_app(app)

    _register_blueprints(app)
    errors.register(app)
    ui.register(app)
    from forum.dates import filters as date_filters

    app.jinja_env.filters.update(date_filters())
    if commands:
        cli.register(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from forum.views import (
        account,
        admin,
        answer_tables,
        api,
        auth,
        boards,
        department,
        exports,
        feeds,
        letters,
        main,
        mypage,
        opinions,
        rooms,
        search,
        threads,
    )

    for module in (
        main,
        auth,
        account,
        mypage,
        admin,
        answer_tables,
        department,
        exports,
        opinions,
        rooms,
        threads,
        boards,
        letters,
        feeds,
        search,
        api,
    ):
        app.register_blueprint(module.bp)
    from moderation import models  # noqa: F401  (the moderation tables join the metadata)
    from moderation import views as moderation_views

    app.register_blueprint(moderation_views.bp)
    app.register_blueprint(moderation_views.public_bp)


def database_problem(app: Flask) -> str | None:
    """Why the database cannot be reached now (one line), or None when it answers."""
    from sqlalchemy import text

    from forum.extensions import db

    try:
        with app.app_context(), db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure to connect is told the same way
        return f"{type(error).__name__}: {str(error).splitlines()[0][:300]}"
    return None


def _end_session(_error: BaseException | None) -> None:
    """End the request's session. When the database went away meanwhile (a restart), ending it
    fails on the dead connection; the page is already made, so drop the connection and carry on
    rather than turn the finished answer into a 500."""
    from forum.extensions import db

    try:
        db.session.remove()
    except Exception:
        logging.getLogger(__name__).warning("ending a session failed: its connection is dropped", exc_info=True)
        try:
            db.session.remove()
        except Exception:  # the registry is cleared either way
            logging.getLogger(__name__).debug("the second try failed too", exc_info=True)
