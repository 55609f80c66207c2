"""Small helpers every blueprint uses: show a service error on a form, limits, paging."""

from __future__ import annotations

import io
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import abort, current_app, flash, render_template, request, send_file
from werkzeug.routing import IntegerConverter

from forum.extensions import limiter
from forum.paging import clamp_page
from forum.services.errors import ServiceError

MAX_ID = 2**63 - 1  # the largest id a database column holds


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in routes: a number too large for the database is simply not found (404)."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def db_id(value: object) -> int | None:
    """An id from a form or query string, or None when it cannot be one."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


def rate_limit(key: str):
    """A Flask-Limiter limit on POST, read from the setting ``key`` at request time."""
    return limiter.limit(lambda: current_app.config[key], methods=["POST"])


def show_error(form, error: ServiceError) -> None:
    """Put the message on its field, or flash it when it belongs to no field."""
    field = getattr(form, error.field or "", None) if form is not None else None
    if field is not None:
        field.errors = [*field.errors, str(error.message)]
    else:
        flash(str(error.message), "error")


def member_form():
    """The token form for a signed-in member's buttons; None for a guest, whose page then carries
    no CSRF token and so writes no session cookie (the same page for every guest)."""
    from flask_login import current_user

    from forum.forms import ActionForm

    return ActionForm() if current_user.is_authenticated else None


def page_arg() -> int:
    return clamp_page(request.args.get("page", 1, type=int))


def send_written(write: Callable[[Path], object], suffix: str, mimetype: str, download_name: str):
    """Let ``write`` make a file under EXPORT_DIR, send it as a download, and leave nothing on disk
    (exports hold residents' words)."""
    folder = Path(current_app.config["EXPORT_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"download-{secrets.token_hex(8)}{suffix}"
    try:
        write(path)
        data = io.BytesIO(path.read_bytes())
    finally:
        path.unlink(missing_ok=True)
    return send_file(data, mimetype=mimetype, as_attachment=True, download_name=download_name)


def found(obj):
    """The object, or a 404 page."""
    if obj is None:
        abort(404)
    return obj


def confirm_page(
    heading: str,
    consequences: list[str],
    action: str,
    confirm_label: str,
    back_url: str,
    preview: str = "",
    fields: dict | None = None,
    back_label: str = "",
):
    """The page that asks before an action that cannot be undone (no JavaScript needed): what
    happens, who is told, and exactly what will be published; its form repeats the request with
    ``confirmed=1``. Without ``back_url`` the way back is the same form with ``back=1``, so the
    view can show what was typed again."""
    return render_template(
        "confirm.html",
        heading=heading,
        consequences=consequences,
        action=action,
        confirm_label=confirm_label,
        back_url=back_url,
        preview=preview,
        fields=fields or {},
        back_label=back_label,
    )


def confirmed() -> bool:
    return request.method == "POST" and request.form.get("confirmed") == "1" and request.form.get("back") != "1"
