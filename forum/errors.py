"""Error pages in the user's language, for every status a request can end in."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from flask import Flask, Response, current_app, jsonify, make_response, render_template, request
from flask_babel import force_locale, get_locale, ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import HTTPException, InternalServerError

from forum.extensions import db, limiter
from forum.mail import MailError
from forum.search.backend import IndexOutdated
from forum.services.transactions import is_busy, is_unreachable

log = logging.getLogger(__name__)

MESSAGES = {
    400: (_l("Bad request"), _l("The request could not be understood. Please check what you entered and try again.")),
    403: (_l("Not allowed"), _l("You do not have permission to see this page.")),
    404: (_l("Page not found"), _l("The page you are looking for does not exist or has been moved.")),
    405: (_l("Method not allowed"), _l("This page cannot be used in that way.")),
    410: (_l("No longer here"), _l("This file was removed after its keeping time. Please export again.")),
    413: (_l("Too large"), _l("What you sent is too large. Please make it smaller and try again.")),
    429: (
        _l("Too many requests"),
        _l("You have made too many requests in a short time. Please wait a moment and try again."),
    ),
    503: (
        _l("Temporarily unavailable"),
        _l("This part of the site cannot be used just now. Nothing was lost; please try again in a little while."),
    ),
    500: (
        _l("Server error"),
        _l("Something went wrong on our side. Nothing you entered is your fault; please try again later."),
    ),
}


SPECIFIC = {
    MailError: (
        _l("Mail could not be sent"),
        _l("We could not send the e-mail just now. Nothing was lost; please try again in a little while."),
    ),
    IndexOutdated: (
        _l("Search is being prepared"),
        _l("The search index is being rebuilt. Please try again in a few minutes."),
    ),
}


def _rollback() -> None:
    """A failed statement leaves the session unusable; the error page itself reads the database
    (the signed-in user, the unread count), so it starts from a clean session."""
    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the page must still be shown
        log.exception("rolling back before the error page failed")


def render_error(code: int, detail: str | None = None, title=None, message=None):
    default_title, default_message = MESSAGES.get(code, MESSAGES[500] if code >= 500 else MESSAGES[400])
    title, message = title or default_title, message or default_message
    _rollback()
    if request.path.startswith("/api/"):
        return jsonify({"error": {"status": code, "message": str(detail or message)}}), code
    try:
        return render_template("error.html", code=code, title=title, message=message, detail=detail), code
    except Exception:
        log.exception("the error page for %s could not be rendered; sending the plain one", code)
    headers = {"Content-Type": "text/html; charset=utf-8"}
    try:
        return _plain_page(code, str(title), str(message)), code, headers
    except Exception:  # even the visitor's language needs the database (a signed-in user's setting)
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            return _plain_page(code, str(title), str(message)), code, headers


def _plain_page(code: int, title: str, message: str) -> str:
    """The last resort: no template, no database, still in the visitor's language."""
    home = str(_l("Back to the home page"))
    return (
        f'<!doctype html><html lang="{escape(str(get_locale() or "ja"))}"><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} ({code})</title><main><h1>{escape(title)}</h1>"
        f'<p>{escape(message)}</p><p><a href="/">{escape(home)}</a></p></main></html>'
    )


def retry_after() -> int:
    """Seconds until the limit this request hit lets the visitor send again (at least one)."""
    try:
        hit = limiter.current_limit
        return max(1, int(hit.reset_at - time.time())) if hit is not None else 60
    except Exception:  # the limit store is gone: a minute is an honest guess
        log.warning("the rate-limit store could not say when the limit resets", exc_info=True)
        return 60


def wait_message(seconds: int) -> str:
    """Seconds as the visitor counts them; an hourly limit's wait in minutes."""
    if seconds > 120:
        return ngettext(
            "Please wait about %(num)d minute, then send it again.",
            "Please wait about %(num)d minutes, then send it again.",
            -(-seconds // 60),
        )
    return ngettext(
        "Please wait about %(num)d second, then send it again.",
        "Please wait about %(num)d seconds, then send it again.",
        seconds,
    )


def too_many_requests(form_page: Callable[[str], str] | None = None) -> Response:
    """The 429 answer says how long to wait, in words and in Retry-After. With ``form_page``
    (renders the form again from what was sent, given the wait message) nothing typed is lost."""
    seconds = retry_after()
    message = wait_message(seconds)
    if form_page is not None and not request.path.startswith("/api/"):
        _rollback()
        response = make_response(form_page(message), 429)
    else:
        response = make_response(render_error(429, detail=message))
    response.headers["Retry-After"] = str(seconds)
    return response


def register(app: Flask) -> None:
    @app.errorhandler(429)
    def rate_limited(error: HTTPException):
        return too_many_requests()

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return render_error(
            400,
            str(
                _l(
                    "The form has expired or was sent from another page. "
                    "Please go back, reload the page and send it again."
                )
            ),
        )

    @app.errorhandler(MailError)
    @app.errorhandler(IndexOutdated)
    def unavailable(error: Exception):
        if isinstance(error, IndexOutdated):
            app.logger.error("the search index needs `flask --app forum search rebuild` (%s)", error)
        title, message = SPECIFIC[type(error)]
        return render_error(503, title=title, message=message)

    @app.errorhandler(OperationalError)
    @app.errorhandler(PoolTimeout)
    def database_unavailable(error: Exception):
        if is_unreachable(error):
            app.logger.error("the database cannot be reached: %s", error)
            response = make_response(render_error(503))
            response.headers["Retry-After"] = "30"
            return response
        if not isinstance(error, OperationalError) or not is_busy(error):
            raise error  # a real fault: the 500 page below
        app.logger.warning("the database stayed busy: %s", error)
        return render_error(503)

    @app.errorhandler(InternalServerError)
    def server_error(error: InternalServerError):
        return render_error(500)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code is None or error.code < 400:
            return error
        response = render_error(error.code)
        if error.code == 405 and getattr(error, "valid_methods", None):
            return (*response, {"Allow": ", ".join(error.valid_methods)})
        return response
