"""Conference rooms (会議室): a theme, its rules, its department, its period and its state."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.ruby import RubyTexts
from forum.models.types import UTCDateTime


class Area(StrEnum):
    CITY = "city"  # 市役所エリア: themes set by departments
    CITIZEN = "citizen"  # 市民エリア: themes proposed by residents


class RoomState(StrEnum):
    PROPOSED = "proposed"
    DECLINED = "declined"
    OPEN = "open"
    CLOSED = "closed"
    REPORTED = "reported"
    ANSWERED = "answered"


room_coordinator = Table(
    "room_coordinator",
    db.metadata,
    Column("room_id", ForeignKey("room.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
)


class Room(RubyTexts, db.Model):
    __tablename__ = "room"

    id: Mapped[int] = mapped_column(primary_key=True)
    area: Mapped[str] = mapped_column(String(10), index=True)
    title: Mapped[str] = mapped_column(String(120))
    purpose: Mapped[str] = mapped_column(Text)  # 参加目的
    posting_rules: Mapped[str] = mapped_column(Text)  # 発言ルール
    handling: Mapped[str] = mapped_column(Text)  # 意見の取扱い
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(12), index=True, default=RoomState.PROPOSED.value)
    proposer_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    decline_reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tag_choices: Mapped[str] = mapped_column(Text, default="", server_default="")  # the room's own tags, a line each
    answer_days: Mapped[int] = mapped_column(Integer, default=30, server_default="30")  # to answer the report
    next_thread_number: Mapped[int] = mapped_column(Integer, default=1, server_default="1")  # see Thread.room_number
    easy_summary: Mapped[str] = mapped_column(Text, default="", server_default="")  # やさしい日本語 (optional)
    RUBY_FIELDS = ("purpose", "posting_rules", "handling", "easy_summary")  # kept with ふりがな

    department: Mapped[Department | None] = relationship()  # noqa: F821
    proposer: Mapped[User | None] = relationship(foreign_keys=[proposer_id])  # noqa: F821
    coordinators: Mapped[list[User]] = relationship(secondary=room_coordinator)  # noqa: F821
    report: Mapped[RoomReport | None] = relationship(back_populates="room")
    answer: Mapped[DepartmentAnswer | None] = relationship(back_populates="room")

    @property
    def coordinator_ids(self) -> set[int]:
        return {u.id for u in self.coordinators}

    def accepts_posts_at(self, moment: datetime) -> bool:
        return self.state == RoomState.OPEN and self.opens_at <= moment < self.closes_at

    def __repr__(self) -> str:
        return f"<Room {self.id} {self.state} {self.title}>"


class RulesAcceptance(db.Model):
    """A resident ticked "I have read the rules" for a room (asked once per room)."""

    __tablename__ = "rules_acceptance"

    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), primary_key=True)
    accepted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


class RoomReport(db.Model):
    """会議室報告: the coordinator's summary for the department when the room has closed."""

    __tablename__ = "room_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the department's answer is due
    reminders: Mapped[str] = mapped_column(String(40), default="", server_default="")  # sent: "7,1,overdue"

    room: Mapped[Room] = relationship(back_populates="report")
    author: Mapped[User | None] = relationship()  # noqa: F821


class DepartmentAnswer(RubyTexts, db.Model):
    """所管課の回答: the department's public reply to a room report; closes the loop."""

    __tablename__ = "department_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), unique=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    RUBY_FIELDS = ("body",)  # kept with ふりがな

    room: Mapped[Room] = relationship(back_populates="answer")
    author: Mapped[User | None] = relationship()  # noqa: F821
