"""What every page shares: display preferences, template helpers and security headers."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, has_request_context, request, url_for
from flask_babel import get_locale, get_translations, gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from forum import clock
from forum.labels import (
    ANSWER_TABLE_STATE_NAMES,
    AREA_NAMES,
    BOARD_KIND_NAMES,
    JOB_STATE_NAMES,
    LETTER_STATUS_NAMES,
    NOTIFY_MODE_NAMES,
    REFLECTION_NAMES,
    ROLE_NAMES,
    ROOM_STATE_NAMES,
    RULE_ACTION_NAMES,
    RULE_KIND_NAMES,
    THREAD_STATUS_NAMES,
    action_explanation,
    action_label,
    rule_title,
    target_label,
)
from forum.permissions import Permission, Role, can
from forum.services import notifications
from forum.text import markup
from forum.text.furigana import ruby_known

TEXT_SIZE_COOKIE = "hiroba_text"
CONTRAST_COOKIE = "hiroba_contrast"
TEXT_SIZES = {"standard": _l("Standard"), "large": _l("Large"), "xlarge": _l("Extra large")}
CONTRASTS = {"normal": _l("Normal"), "high": _l("High contrast"), "blue": _l("White on blue")}
FURIGANA_COOKIE = "hiroba_furigana"
FURIGANA = {"off": _l("Without readings"), "on": _l("With readings")}
# The one table of display settings: form field → (cookie, choices, the first being the default).
# The page context, the settings form (in this order) and the guest page cache's key all read it.
DISPLAY_SETTINGS = {
    "text_size": (TEXT_SIZE_COOKIE, TEXT_SIZES),
    "contrast": (CONTRAST_COOKIE, CONTRASTS),
    "furigana": (FURIGANA_COOKIE, FURIGANA),
}
DISPLAY_LEGENDS = {"text_size": _l("Text size"), "contrast": _l("Colours"), "furigana": _l("Furigana (readings)")}
LANGUAGE_NAMES = {"ja": "日本語", "en": "English"}
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def preference(cookie: str, allowed: dict) -> str:
    value = request.cookies.get(cookie, "")
    return value if value in allowed else next(iter(allowed))


def display_choices() -> dict[str, str]:
    """The visitor's display settings, each a valid choice (an unknown cookie reads as the default)."""
    return {name: preference(cookie, choices) for name, (cookie, choices) in DISPLAY_SETTINGS.items()}


URL_SLOT = 918273645546372819  # stands for the one number a url_maker link changes


def url_maker(endpoint: str, name: str, **values) -> Callable[[int], str]:
    """A link maker for one endpoint whose links differ by one number (a post's id in each of 30
    posts): ``url_for`` once for the page, then joining strings, the same links for less."""
    head, _slot, tail = url_for(endpoint, **values, **{name: URL_SLOT}).partition(str(URL_SLOT))
    return lambda number: f"{head}{int(number)}{tail}"


def author(user, name: str | None = None) -> Markup:
    """An author as pages show one: the handle linking to the profile, an imported author's name,
    or 「退会した会員」. A function, not a macro: a thread page shows thirty."""
    if user is not None:
        profile = g.get("profile_url")
        if profile is None:
            profile = g.profile_url = url_maker("main.profile", "user_id")
        return Markup('<a href="{}">{}</a>').format(profile(user.id), user.handle)
    return Markup("{}").format(name or gettext("Former member"))


def _translations():
    """The request's translations, looked up once for the request's locale: flask_babel looks them
    up again for every string a page shows (some forty on each). Tied to the locale object, so a
    ``force_locale`` block (a mail in its reader's language) gets its own."""
    state = g.get("_flask_babel")
    locale = getattr(state, "babel_locale", None)
    if locale is None:
        return get_translations()
    found = getattr(state, "hiroba_translations", None)
    if found is None or found[0] is not locale:
        found = state.hiroba_translations = (locale, get_translations())
    return found[1]


RUBY_CATALOG = Path(__file__).parent / "translations" / "ja" / "LC_MESSAGES" / "ruby.json"


@lru_cache(maxsize=1)
def interface_ruby() -> dict[str, str]:
    """Each Japanese message with ふりがな, as ``scripts/i18n.py compile`` read it."""
    try:
        return json.loads(RUBY_CATALOG.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def page_gettext(string: str) -> str:
    return _translations().ugettext(string)


def page_ngettext(singular: str, plural: str, n: int) -> str:
    return _translations().ungettext(singular, plural, n)


def with_readings(text: str) -> Markup | str:
    """A line of the interface with its compiled ふりがな (the やさしい日本語 guide shows them always)."""
    found = interface_ruby().get(text)
    return Markup(found) if found is not None else text  # noqa: S704  (the catalog's text, read and escaped)


def furigana_wanted() -> bool:
    """Readings over kanji: asked for, and the page in Japanese."""
    return preference(FURIGANA_COOKIE, FURIGANA) == "on" and str(get_locale()) == "ja"


def add_interface_readings(response: Response) -> Response:
    """ふりがな over the interface's messages (menus, headings, labels, buttons) of an HTML page,
    when the visitor asked for them: from the catalog's readings, compiled once; posts and room
    texts bring their own. Done once per page (before the guest cache keeps it)."""
    if getattr(response, "hiroba_readings_done", False):
        return response
    response.hiroba_readings_done = True  # type: ignore[attr-defined]
    if (
        response.mimetype != "text/html"
        or response.direct_passthrough
        or response.status_code != 200
        or not furigana_wanted()
    ):
        return response
    response.set_data(ruby_known(response.get_data(as_text=True), interface_ruby()))
    return response


_LINKS: dict[tuple[str, str], str] = {}


def link(endpoint: str) -> str:
    """The address of a page that takes no arguments (home, rooms, login …), made once: every page
    links a dozen of them in its header and footer."""
    key = (endpoint, request.script_root)
    found = _LINKS.get(key)
    if found is None:
        found = _LINKS[key] = url_for(endpoint)
    return found


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
    if not has_request_context():  # mails rendered by commands and background work
        return {"site_name": current_app.config["SITE_NAME"], "current_locale": str(get_locale())}
    chosen = display_choices()
    return {
        "can": lambda perm, target=None: can(current_user, perm, target),
        "area_names": AREA_NAMES,
        "room_state_names": ROOM_STATE_NAMES,
        "thread_status_names": THREAD_STATUS_NAMES,
        "reflection_names": REFLECTION_NAMES,
        "answer_table_state_names": ANSWER_TABLE_STATE_NAMES,
        "job_state_names": JOB_STATE_NAMES,
        "board_kind_names": BOARD_KIND_NAMES,
        "role_names": ROLE_NAMES,
        "current_locale": str(get_locale()),
        "language_names": LANGUAGE_NAMES,
        "display_settings": DISPLAY_SETTINGS,
        "display_legends": DISPLAY_LEGENDS,
        **chosen,
        "display_choices": chosen,
        "furigana_on": furigana_wanted(),
        "site_name": current_app.config["SITE_NAME"],
        "unread_notifications": notifications.unread_count(current_user),
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


CONDITIONAL_TYPES = frozenset({"text/html", "application/json", "application/atom+xml"})


def whole_page(response: Response) -> bool:
    """A complete page, API answer or feed (not an error, a redirect or a streamed file): what a
    guest's browser may revalidate and the guest page cache may keep."""
    return response.status_code == 200 and not response.direct_passthrough and response.mimetype in CONDITIONAL_TYPES


def _conditional(response: Response) -> Response:
    """A guest's page gets an ETag (a hash of what was sent): a browser that asks again with it is
    answered 304 with no body. The tag is the content's own, so a changed page is never missed."""
    if request.method == "GET" and whole_page(response) and not (current_user and current_user.is_authenticated):
        response.add_etag()
        response.headers.setdefault("Cache-Control", "no-cache")  # keep it, but ask each time
        return response.make_conditional(request)
    return response


def register(app: Flask) -> None:
    app.context_processor(_context)
    app.jinja_env.globals.update(
        field_attrs=field_attrs,
        url_maker=url_maker,
        link=link,
        with_readings=with_readings,
        author=author,
        role_names=ROLE_NAMES,
        area_names=AREA_NAMES,
        room_state_names=ROOM_STATE_NAMES,
        thread_status_names=THREAD_STATUS_NAMES,
        board_kind_names=BOARD_KIND_NAMES,
        letter_status_names=LETTER_STATUS_NAMES,
        notify_mode_names=NOTIFY_MODE_NAMES,
        Role=Role,
        Permission=Permission,
        rule_kind_names=RULE_KIND_NAMES,
        rule_action_names=RULE_ACTION_NAMES,
        action_label=action_label,
        action_explanation=action_explanation,
        target_label=target_label,
        rule_title=rule_title,
    )
    app.jinja_env.install_gettext_callables(page_gettext, page_ngettext, newstyle=True)
    app.jinja_env.globals["now"] = clock.now
    # safe: markup.render sanitizes with an allow-list (bleach)
    app.jinja_env.filters["markup"] = lambda source: Markup(markup.render(source))  # noqa: S704
    app.jinja_env.filters["excerpt"] = markup.excerpt
    app.after_request(_security_headers)
    app.after_request(_conditional)
    app.after_request(add_interface_readings)  # runs first: the ETag is of the page as sent
