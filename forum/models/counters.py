"""Counters the database moves: post numbers, a thread's public count, a room's thread numbers.

Reading a counter, adding one in Python and writing it back loses updates when two requests do it
at once (and on PostgreSQL a unique number is handed out twice). Here the database adds and hands
back the new value in one statement (``UPDATE … RETURNING``, SQLite and PostgreSQL alike).
"""

from __future__ import annotations

from sqlalchemy import inspect, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value


def increment(session: Session, obj: object, attribute: str, delta: int = 1, start: int = 0) -> int:
    """Add ``delta`` to ``obj.attribute`` and return the new value. An object not yet in the
    database is counted in memory (nobody else can see it); ``start`` stands for an unset counter.
    Runs on the session's connection, so it may be called inside a flush."""
    if not inspect(obj).persistent:
        current = getattr(obj, attribute)
        value = (start if current is None else current) + delta
        setattr(obj, attribute, value)
        return value
    table = type(obj).__table__
    column = table.c[attribute]
    value = (
        session.connection()
        .execute(update(table).where(table.c.id == obj.id).values({column: column + delta}).returning(column))
        .scalar_one()
    )
    set_committed_value(obj, attribute, value)
    return value
