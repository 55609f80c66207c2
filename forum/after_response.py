"""Work an action leaves for after its commit: mail to send, the search index to bring up to date.

In a request it runs once the response has left, so the resident does not wait and the action
stays one transaction; in commands and worker threads it runs at once. A failure is logged, never
raised: the outbox rows stay for the cron command (``flask notify send``, ``flask search sync``).
"""

from __future__ import annotations

import ctypes
import logging
import threading
from collections.abc import Callable

from flask import Flask, current_app, g, has_request_context

from forum.extensions import db

log = logging.getLogger(__name__)
_jobs: dict[str, Callable[[], object]] = {}


def job(name: str, work: Callable[[], object]) -> None:
    """Make ``work`` runnable by ``soon(name)`` (each outbox registers its delivery once)."""
    _jobs[name] = work


def soon(name: str) -> None:
    """Run the job after the response has left, or now (in its own app context) outside a request."""
    if has_request_context():
        g.hiroba_after_response = {*g.get("hiroba_after_response", ()), name}
    else:
        _run(current_app._get_current_object(), [name])


def _run(app: Flask, names: list[str]) -> None:
    with app.app_context():
        try:
            for name in names:
                _coalesced(app, name)
        finally:
            db.session.remove()
            _give_back_memory()


def _libc_trim() -> Callable[[int], int] | None:
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        return None


_trim = _libc_trim()


def _give_back_memory() -> None:
    """An index writer or a batch of mail frees many small objects, and glibc keeps the freed heap
    for later; handing it back after the work keeps a long-lived worker at its usual size."""
    if _trim is not None:
        _trim(0)


_lock = threading.Lock()
_running: set[tuple[Flask, str]] = set()
_again: set[tuple[Flask, str]] = set()


def _coalesced(app: Flask, name: str) -> None:
    """At most one run of a job at a time per app in this process: a request that finds it running
    asks for one more round and returns. Without this, busy minutes would pile up one waiting thread
    (and one database connection) per response behind the index lock."""
    key = (app, name)
    with _lock:
        if key in _running:
            _again.add(key)
            return
        _running.add(key)
    finished = False
    try:
        while not finished:
            _attempt(name)
            with _lock:  # the check and the release together: no request asks in between
                finished = key not in _again
                _again.discard(key)
                if finished:
                    _running.discard(key)
    finally:
        if not finished:  # interrupted: let the next request run it
            with _lock:
                _running.discard(key)


def _attempt(name: str) -> None:
    try:
        _jobs[name]()
    except Exception:  # never the resident's problem: the outbox keeps its rows
        log.exception("%s after the commit failed; its cron command will retry", name)
        db.session.rollback()


def init_app(app: Flask) -> None:
    @app.after_request
    def _after_response(response):
        names = g.pop("hiroba_after_response", None)
        if names:
            response.call_on_close(lambda: _run(app, sorted(names)))
        return response
