"""Which language a request is shown in: the user's choice, then the cookie, then Japanese."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_login import current_user

LANG_COOKIE = "hiroba_lang"


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI and mail jobs: the site default
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in languages:
        return chosen
    return current_app.config["BABEL_DEFAULT_LOCALE"]
