"""Insert a row unless a unique constraint already holds one: the database decides, not a prior read.

A check-then-insert races with a second request doing the same (two tabs, a double click, two
workers); ``ON CONFLICT DO NOTHING`` is atomic on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from forum.extensions import db


def dialect_insert(session: Session | None = None) -> Callable:
    """The INSERT of the session's database with its ON CONFLICT clauses (SQLite, PostgreSQL)."""
    dialect = (session or db.session).get_bind().dialect.name
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def insert_or_ignore(model: type, page_scopes: list | None = None, **values: Any) -> bool:
    """Insert ``values`` into ``model``'s table; False when a unique constraint says it exists.
    ``page_scopes``: the pages the row shows on (``forum.models.page_version``)."""
    insert = dialect_insert()
    table = model.__table__  # a plain table insert: the ORM's bulk path hides the row count
    statement = insert(table).values(**values).on_conflict_do_nothing().returning(*table.primary_key.columns)
    if page_scopes is not None:
        statement = statement.execution_options(page_scopes=page_scopes)
    return db.session.execute(statement).first() is not None
