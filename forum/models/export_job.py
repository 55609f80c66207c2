"""An export that runs in the background (large selections), with its progress and its file."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.types import UTCDateTime


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    EXPIRED = "expired"  # the file was removed after EXPORT_KEEP_DAYS


class ExportJob(db.Model):
    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    filter: Mapped[dict[str, Any]] = mapped_column(JSON)
    format: Mapped[str] = mapped_column(String(20))
    state: Mapped[str] = mapped_column(String(10), default=JobState.QUEUED.value, index=True)
    total: Mapped[int] = mapped_column(Integer, default=0)  # opinions selected when queued
    progress: Mapped[int] = mapped_column(Integer, default=0)  # opinions read so far
    rows: Mapped[int | None] = mapped_column(Integer)
    file_name: Mapped[str | None] = mapped_column(String(100))  # under EXPORT_DIR
    download_name: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # a running job belongs to its worker until then; the worker renews it while it works, so a
    # job whose worker died (a recycled web worker, a restart) is taken up again within minutes
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    user: Mapped[User | None] = relationship()  # noqa: F821

    @property
    def percent(self) -> int:
        if self.state == JobState.DONE:
            return 100
        return min(99, round(100 * self.progress / self.total)) if self.total else 0
