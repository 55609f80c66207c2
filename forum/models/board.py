"""Bulletin boards (掲示板): lighter than rooms, for community groups and announcements."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.types import UTCDateTime


class BoardKind(StrEnum):
    COMMUNITY = "community"  # 地域・サークル
    VOLUNTEER = "volunteer"  # ボランティア
    ANNOUNCEMENT = "announcement"  # お知らせ
    STAFF = "staff"  # 庁内掲示板: department staff and admins only


class Board(db.Model):
    __tablename__ = "board"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    kind: Mapped[str] = mapped_column(String(20), default=BoardKind.COMMUNITY.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    memberships: Mapped[list[BoardMember]] = relationship(back_populates="board", cascade="all, delete-orphan")

    @property
    def is_staff_only(self) -> bool:
        return self.kind == BoardKind.STAFF

    @property
    def member_ids(self) -> set[int]:
        return {m.user_id for m in self.memberships}

    @property
    def owner_ids(self) -> set[int]:
        return {m.user_id for m in self.memberships if m.is_owner}


class BoardMember(db.Model):
    __tablename__ = "board_member"

    board_id: Mapped[int] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    is_owner: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    board: Mapped[Board] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()  # noqa: F821
