"""Serving guest pages from the page cache (``forum.page_cache``).

Only a request that carries nothing of its own is served from the cache or fills it: a GET by a
guest with no session (no flash message waiting, no form half-done). A page is kept only when it
holds nothing of one visitor: no cookie set, no session touched, no CSRF token made.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request, session
from flask_babel import get_locale
from flask_login import current_user
from werkzeug.wrappers import Response

from forum import page_cache
from forum.models import page_version
from forum.ui import add_interface_readings, display_choices, whole_page

Versions = Callable[..., str]


def _servable() -> bool:
    return request.method == "GET" and not current_user.is_authenticated and not session


def _keepable(response: Response) -> bool:
    return (
        whole_page(response)
        and "Set-Cookie" not in response.headers
        and not session.modified
        and "csrf_token" not in g
        and b'name="csrf_token"' not in response.get_data()
    )


def cached(versions: Versions) -> Callable:
    """Serve the view's page to guests from the cache. ``versions(**view_args)`` reads the versions
    of what the page shows, before the page is made: a write committed meanwhile gives a newer
    page under the older key, never an older page under the newer one."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**kwargs):
            store = page_cache.cache()
            if not store.enabled or not _servable():
                return view(**kwargs)
            choices = ",".join(f"{k}={v}" for k, v in sorted(display_choices().items()))
            key = store.key(request.host_url, request.full_path, str(get_locale()), choices, versions(**kwargs))
            page = store.get(key)
            if page is not None:
                response = current_app.response_class(page.body, mimetype=page.mimetype)
                response.set_etag(page.etag)
                response.headers["X-Page-Cache"] = "hit"
                response.hiroba_readings_done = True  # type: ignore[attr-defined]  # kept with its readings
                return response
            response = add_interface_readings(current_app.make_response(view(**kwargs)))
            if _keepable(response):
                response.add_etag()
                store.put(key, response.get_data(), response.mimetype, response.get_etag()[0])
                response.headers["X-Page-Cache"] = "miss"
            return response

        return wrapper

    return decorate


def site(**_kwargs) -> str:
    """Pages that show no content of rooms or boards (the guide): only the site version."""
    return page_version.of_scopes([])


def everything(**_kwargs) -> str:
    return page_version.of_everything()


def room(room_id: int, **_kwargs) -> str:
    return page_version.of_scopes([("room", room_id), ("rlist", room_id)])


def board(board_id: int, **_kwargs) -> str:
    return page_version.of_scopes([("board", board_id), ("blist", board_id)])


def thread(thread_id: int, **_kwargs) -> str:
    return page_version.of_thread(thread_id)
