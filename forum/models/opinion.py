"""Tags on opinions (意見の分類), set by coordinators and moderators to help departments sort."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum import clock
from forum.extensions import db
from forum.models.types import UTCDateTime

#: The fixed tags every room has; rooms add their own (``Room.tag_choices``).
STANDARD_TAGS = ("賛成", "反対", "提案", "質問", "要望", "その他")
TAG_MAX_LENGTH = 30


class OpinionTag(db.Model):
    __tablename__ = "opinion_tag"
    __table_args__ = (UniqueConstraint("post_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(TAG_MAX_LENGTH), index=True)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
