"""What every page shares: display preferences, template helpers and security headers."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, current_app, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from forum import clock
from forum.permissions import Permission, Role, can

TEXT_SIZE_COOKIE = "hiroba_text"
CONTRAST_COOKIE = "hiroba_contrast"
TEXT_SIZES = {"standard": _l("Standard"), "large": _l("Large"), "xlarge": _l("Extra large")}
CONTRASTS = {"normal": _l("Normal"), "high": _l("High contrast")}
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}
ROLE_NAMES = {
    Role.GUEST: _l("Guest"),
    Role.RESIDENT: _l("Resident"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.MODERATOR: _l("Moderator"),
    Role.STAFF: _l("Department staff"),
    Role.ADMIN: _l("Administrator"),
}

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def preference(cookie: str, allowed: dict) -> str:
    value = request.cookies.get(cookie, "")
    return value if value in allowed else next(iter(allowed))


def safe_next(target: str | None, fallback: str = "/") -> str:
    """Only same-site paths: never let a link send a resident off to another host."""
    if not target:
        return fallback
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return fallback
    if "\\" in target:
        return fallback
    return target


def field_attrs(field, autocomplete: str | None = None, hint: str | None = None) -> dict:
    """ARIA attributes tying an input to its hint and error messages."""
    described = [f"{field.id}-hint"] if hint else []
    described += [f"{field.id}-error-{i}" for i in range(1, len(field.errors) + 1)]
    attrs: dict[str, str] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors:
        attrs["aria-invalid"] = "true"
    if autocomplete:
        attrs["autocomplete"] = autocomplete
    return attrs


def _context() -> dict:
    return {
        "can": lambda perm: can(current_user, perm),
        "Permission": Permission,
        "Role": Role,
        "role_names": ROLE_NAMES,
        "current_locale": str(get_locale()),
        "language_names": LANGUAGE_NAMES,
        "text_sizes": TEXT_SIZES,
        "contrasts": CONTRASTS,
        "text_size": preference(TEXT_SIZE_COOKIE, TEXT_SIZES),
        "contrast": preference(CONTRAST_COOKIE, CONTRASTS),
        "site_name": current_app.config["SITE_NAME"],
    }


def _security_headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if current_user and current_user.is_authenticated:
        headers.setdefault("Cache-Control", "private, no-store")
    return response


def register(app: Flask) -> None:
    app.context_processor(_context)
    app.jinja_env.globals["field_attrs"] = field_attrs
    app.jinja_env.globals["now"] = clock.now
    app.after_request(_security_headers)
