"""Letters to the city (市への手紙): a private opinion from a resident to one department."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.types import UTCDateTime


class LetterStatus(StrEnum):
    RECEIVED = "received"  # 受付
    IN_PROGRESS = "in_progress"  # 対応中
    REPLIED = "replied"  # 回答済み


class Letter(db.Model):
    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    subject: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12), default=LetterStatus.RECEIVED.value)
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    author: Mapped[User] = relationship(foreign_keys=[author_id])  # noqa: F821
    department: Mapped[Department] = relationship()  # noqa: F821
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])  # noqa: F821
