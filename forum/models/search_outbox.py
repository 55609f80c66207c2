"""Posts whose index entry must be brought up to date (written in the same transaction)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from forum import clock
from forum.extensions import db
from forum.models.types import UTCDateTime


class SearchOutbox(db.Model):
    __tablename__ = "search_outbox"
    # Ids are never reused (SQLite AUTOINCREMENT; a sequence on PostgreSQL): a sync deletes the rows
    # it applied by id, and a reused id would delete a newer row it never saw.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: a deleted post must leave the index too
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
