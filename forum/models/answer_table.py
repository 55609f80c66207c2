"""The answer table (意見の概要と市の考え方): the department's row-by-row reply to a room's opinions,
in the layout Japanese governments publish after a public comment. Each row names the opinions it
answers, so every line of the city's answer can be traced back to what residents wrote."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum import clock
from forum.extensions import db
from forum.models.ruby import RubyTexts
from forum.models.types import UTCDateTime


class AnswerTableState(StrEnum):
    DRAFT = "draft"  # 作成中
    AWAITING = "awaiting"  # 承認待ち
    APPROVED = "approved"  # 承認済み
    PUBLISHED = "published"  # 公表済み


class Reflection(StrEnum):
    """反映状況: how far the opinion shaped the city's decision."""

    REFLECTED = "reflected"  # 反映
    PARTLY = "partly"  # 一部反映
    NOT_REFLECTED = "not_reflected"  # 反映なし
    OTHER = "other"  # その他


answer_row_opinion = Table(
    "answer_row_opinion",
    db.metadata,
    Column("row_id", ForeignKey("answer_row.id", ondelete="CASCADE"), primary_key=True),
    Column("post_id", ForeignKey("post.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class AnswerTable(db.Model):
    __tablename__ = "answer_table"

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), unique=True)
    state: Mapped[str] = mapped_column(String(12), default=AnswerTableState.DRAFT.value)
    intro: Mapped[str] = mapped_column(Text, default="")  # the words above the table
    drafted_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    approved_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    return_note: Mapped[str] = mapped_column(Text, default="")  # why the approver sent it back
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    room: Mapped[Room] = relationship()  # noqa: F821
    drafter: Mapped[User | None] = relationship(foreign_keys=[drafted_by])  # noqa: F821
    approver: Mapped[User | None] = relationship(foreign_keys=[approved_by])  # noqa: F821
    rows: Mapped[list[AnswerRow]] = relationship(
        back_populates="table", order_by="AnswerRow.number", cascade="all, delete-orphan"
    )


class AnswerRow(RubyTexts, db.Model):
    __tablename__ = "answer_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("answer_table.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # No.
    summary: Mapped[str] = mapped_column(Text, default="")  # 意見の概要
    response: Mapped[str] = mapped_column(Text, default="")  # 市の考え方
    reflection: Mapped[str] = mapped_column(String(16), default=Reflection.OTHER.value)  # 反映状況
    RUBY_FIELDS = ("summary", "response")  # kept with ふりがな

    table: Mapped[AnswerTable] = relationship(back_populates="rows")
    opinions: Mapped[list[Post]] = relationship(  # noqa: F821
        secondary=answer_row_opinion,
        order_by="Post.id",
    )

    @property
    def opinion_ids(self) -> list[int]:
        return [post.id for post in self.opinions]

    @property
    def ordered_opinions(self) -> list[Post]:  # noqa: F821
        """The opinions in reading order (thread, #n); a thread moved out of its room sorts first."""
        return sorted(self.opinions, key=lambda post: (post.thread.room_number or 0, post.number))

    @property
    def refs(self) -> str:
        """「1-1, 1-3」: the references of the opinions this row answers, in reading order."""
        return ", ".join(post.ref for post in self.ordered_opinions)
