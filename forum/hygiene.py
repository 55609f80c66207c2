"""Input hygiene at the edge: what a request carries is cleaned, or refused, before any view sees it.

PostgreSQL refuses NUL in text and no other C0 control character belongs in what residents write,
so the rule lives here once: text fields and query parameters lose them (``strip_controls``), the
legacy import applies the same function, and secrets and addresses, which must never be altered
behind the user's back, are kept as sent and refused by a form validator instead.
"""

from __future__ import annotations

from flask import Flask, Request, abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.utils import cached_property

from forum.text.controls import CONTROL_CHARACTERS, strip_controls

_NOT_IN_PATHS = CONTROL_CHARACTERS | {"\t", "\n", "\r"}

# fields kept exactly as sent: a changed password or address would silently be another one
RAW_FIELDS = frozenset({"password", "password2", "current_password", "new_password", "email"})

FILES_REFUSED = _l("Files cannot be sent on this site. Please send the form again without a file.")


def _clean_fields(fields: MultiDict) -> ImmutableMultiDict:
    cleaned = []
    for key, value in fields.items(multi=True):
        key = strip_controls(key)
        if isinstance(value, str) and key not in RAW_FIELDS:
            value = strip_controls(value)
        cleaned.append((key, value))
    return ImmutableMultiDict(cleaned)


class CleanRequest(Request):
    """``request.args`` and ``request.form`` as views, forms and CSRF checks see them: cleaned."""

    @cached_property
    def args(self) -> ImmutableMultiDict[str, str]:  # type: ignore[override]
        return _clean_fields(super().args)  # the parent caches the raw dict under this name; ours replaces it

    def _load_form_data(self) -> None:
        if "form" in self.__dict__:
            return
        super()._load_form_data()
        self.__dict__["form"] = _clean_fields(self.__dict__["form"])


def _refuse_at_the_edge():
    """No route has a control character in its path, and none accepts files: a file part would
    reach a text field as an object the form cannot measure."""
    if not _NOT_IN_PATHS.isdisjoint(request.path):
        abort(404)
    if request.mimetype == "multipart/form-data" and request.files:
        from forum.errors import render_error  # not at the top: forms and the import use this module

        return render_error(400, str(FILES_REFUSED))
    return None


def init_app(app: Flask) -> None:
    """Install the request class and the check; call before the other extensions so the check runs
    before their own request hooks (CSRF, rate limits)."""
    app.request_class = CleanRequest
    app.before_request(_refuse_at_the_edge)
