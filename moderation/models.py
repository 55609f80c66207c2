"""Moderation data: the rules moderators edit, and the append-only audit log."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from forum import clock
from forum.extensions import db
from forum.models.types import UTCDateTime
from moderation import rules as engine


class ModerationRule(db.Model):
    """運営ルール: one row per rule; site-wide, or for one room."""

    __tablename__ = "moderation_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    action: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(100), default="")
    patterns: Mapped[str] = mapped_column(Text, default="")  # one per line (words, election)
    regex: Mapped[bool] = mapped_column(Boolean, default=False)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    def to_rule(self) -> engine.Rule:
        return engine.Rule(
            id=self.id,
            kind=engine.Kind(self.kind),
            action=engine.Action(self.action),
            name=self.name,
            patterns=tuple(line.strip() for line in (self.patterns or "").splitlines() if line.strip()),
            regex=self.regex,
            room_id=self.room_id,
            params=dict(self.params or {}),
        )


class AuditEntry(db.Model):
    """操作記録: every moderation action, rule change and sanction. Never updated or deleted."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer, index=True)  # no FK: the record outlives accounts
    actor_handle: Mapped[str] = mapped_column(String(30), default="")  # "" for the rules engine
    action: Mapped[str] = mapped_column(String(40), index=True)
    target_type: Mapped[str] = mapped_column(String(20), default="")
    target_id: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _append_only(mapper, connection, target) -> None:
    raise PermissionError("the audit log is append-only")


class FlagReason(StrEnum):
    ABUSE = "abuse"  # 誹謗中傷・差別
    PERSONAL_INFO = "personal_info"  # 個人情報
    SPAM = "spam"  # 宣伝・スパム
    ELECTION = "election"  # 選挙運動
    OFF_TOPIC = "off_topic"  # 議題と無関係
    ILLEGAL = "illegal"  # 違法
    OTHER = "other"  # その他（理由を書く）
    RULES = "rules"  # a posting rule asked a moderator to look (never chosen by a resident)


class FlagResolution(StrEnum):
    UPHELD = "upheld"  # the moderator hid the post
    DISMISSED = "dismissed"  # the moderator kept or restored it


class FlagOutcome(StrEnum):
    """What a new flag did (``flags.flag_post``)."""

    FLAGGED = "flagged"  # counted; the post stays until a moderator looks
    HIDDEN = "hidden"  # the flags reached the threshold: hidden until reviewed
    HIDDEN_BY_MODERATOR = "hidden_by_moderator"  # a moderator's flag hides at once


class AppealOutcome(StrEnum):
    GRANTED = "granted"
    DENIED = "denied"


class Flag(db.Model):
    """通報: one per resident per post, weighted by the flagger's standing."""

    __tablename__ = "flag"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution: Mapped[str | None] = mapped_column(String(12))  # upheld | dismissed


class SanctionKind(StrEnum):
    WARN = "warn"  # a message only
    SILENCE = "silence"  # read-only: can log in, cannot post, react, flag or propose
    SUSPEND = "suspend"  # cannot log in


class Sanction(db.Model):
    __tablename__ = "sanction"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    reason: Mapped[str] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None for a warning
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    lift_reason: Mapped[str] = mapped_column(Text, default="")

    def in_force(self, now: datetime) -> bool:
        return (
            self.kind != SanctionKind.WARN
            and self.lifted_at is None
            and self.ends_at is not None
            and self.starts_at <= now < self.ends_at
        )


class Appeal(db.Model):
    """異議申し立て: the author of a rejected or hidden post asks once for another look."""

    __tablename__ = "appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), unique=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    outcome: Mapped[str | None] = mapped_column(String(10))  # granted | denied
    note: Mapped[str] = mapped_column(Text, default="")
