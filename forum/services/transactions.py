"""One use case, one transaction, tried again (a few times) when the database was only busy.

SQLite lets one writer in at a time and waits ``busy_timeout`` for the lock; under a burst the
wait can run out. PostgreSQL may end a transaction for a serialization failure or a deadlock.
Neither is the resident's fault: the whole use case runs again from a clean session, and when
it still cannot get through the resident is told to send again, with the text kept in the form.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import OperationalError, TimeoutError

from forum.extensions import db
from forum.services.errors import ServiceError

ATTEMPTS = 4
P = ParamSpec("P")
R = TypeVar("R")


def is_busy(error: OperationalError) -> bool:
    """SQLite's "database is locked" or PostgreSQL's serialization failure / deadlock."""
    code = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
    return code in {"40001", "40P01"} or "database is locked" in str(error.orig)


def is_unreachable(error: Exception) -> bool:
    """The database cannot be reached or has just gone away (a restart, a network cut): a
    connection error, the server shutting down, or no free connection in the pool in time."""
    if isinstance(error, TimeoutError):
        return True
    if not isinstance(error, OperationalError):
        return False
    code = getattr(error.orig, "sqlstate", None) or ""
    return (
        error.connection_invalidated
        or code.startswith("08")
        or code in {"57P01", "57P02", "57P03"}
        or (not code and "connect" in str(error.orig).lower())
    )


def retry_when_busy(work: Callable[[], R], session, attempts: int = ATTEMPTS, pause: float = 0.05) -> R:
    """Run ``work`` (one whole transaction on ``session``) again after a busy database, rolling
    back first; after ``attempts`` the last busy error is raised. Any other error rolls back and
    is raised at once."""
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except OperationalError as error:
            session.rollback()
            if attempt == attempts or not is_busy(error):
                raise
            time.sleep(pause * attempt)
    raise AssertionError("unreachable")


def retried(use_case: Callable[P, R]) -> Callable[P, R]:
    """Run ``use_case`` (which commits once) again after a busy database, at most ATTEMPTS times;
    then the resident is asked to send again, with the text kept in the form."""

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return retry_when_busy(lambda: use_case(*args, **kwargs), db.session)
        except ServiceError:
            db.session.rollback()  # a refused action leaves nothing half-written
            raise
        except OperationalError as error:
            if not is_busy(error):
                raise
            raise ServiceError(
                _l(
                    "Many people are writing just now and your post could not be saved. "
                    "Your text is kept below: please send it again."
                ),
                status=503,
            ) from error

    return run
