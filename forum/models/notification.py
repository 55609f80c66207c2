"""Watching rooms and threads, and the notifications that watching brings."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from forum import clock
from forum.extensions import db
from forum.models.types import UTCDateTime


class NotifyMode(StrEnum):
    IMMEDIATE = "immediate"  # a mail for each notification
    DAILY = "daily"  # one digest mail a day
    OFF = "off"  # in-site list only


class Watch(db.Model):
    __tablename__ = "watch"
    # One watch per user and target. A unique constraint over (user, room, thread) would never
    # fire, since one of the two targets is always NULL: one partial unique index per target.
    __table_args__ = (
        Index(
            "uq_watch_user_room",
            "user_id",
            "room_id",
            unique=True,
            sqlite_where=text("room_id IS NOT NULL"),
            postgresql_where=text("room_id IS NOT NULL"),
        ),
        Index(
            "uq_watch_user_thread",
            "user_id",
            "thread_id",
            unique=True,
            sqlite_where=text("thread_id IS NOT NULL"),
            postgresql_where=text("thread_id IS NOT NULL"),
        ),
        CheckConstraint("(room_id IS NULL) <> (thread_id IS NULL)", name="one_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("thread.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class Notification(db.Model):
    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
