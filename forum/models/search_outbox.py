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

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(Integer, index=True)  # no FK: a deleted post must leave the index too
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
