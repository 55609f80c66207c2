"""Which opinions an export holds, and each as one row.

An opinion is a resident's public post in a room: built on ``public_posts()`` so that hidden,
withdrawn, held and staff-only posts can never be exported; the city's own (official) posts are
answers, not opinions, and are left out. Bodies are plain text with personal information masked,
authors a pseudonym that is stable within a room and says nothing about the person.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from forum import clock
from forum.exports.opinion import Opinion
from forum.extensions import db
from forum.models import OpinionTag, Post, Room, Thread
from forum.models.public import public_posts
from forum.text.masked import MASK_VERSION, masked_plain_text

BATCH = 2000


@dataclass(frozen=True)
class ExportFilter:
    """What staff picked. Empty tuples mean "all"; dates are aware UTC bounds (until exclusive)."""

    room_ids: tuple[int, ...]
    thread_ids: tuple[int, ...] = ()
    since: datetime | None = None
    until: datetime | None = None
    statuses: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def describe(self) -> dict:
        """For the audit log and the JSON header."""
        out = asdict(self)
        out["room_ids"], out["thread_ids"] = list(self.room_ids), list(self.thread_ids)
        out["statuses"], out["tags"] = list(self.statuses), list(self.tags)
        out["since"] = self.since.isoformat() if self.since else None
        out["until"] = self.until.isoformat() if self.until else None
        return out

    @classmethod
    def from_description(cls, data: dict) -> ExportFilter:
        """The filter back from ``describe()`` (a background job keeps it as JSON)."""
        return cls(
            room_ids=tuple(data["room_ids"]),
            thread_ids=tuple(data["thread_ids"]),
            since=datetime.fromisoformat(data["since"]) if data["since"] else None,
            until=datetime.fromisoformat(data["until"]) if data["until"] else None,
            statuses=tuple(data["statuses"]),
            tags=tuple(data["tags"]),
        )


def pseudonym(room_id: int, author_id: int | None, legacy_author: str | None = None, key: bytes | None = None) -> str:
    """A short id for one author in one room: the same person gets another id in another room, and
    nothing about them (e-mail, name, handle history, IP) goes into it. Keyed with the instance's
    PSEUDONYM_KEY, so ids stay the same from one export to the next."""
    subject = f"user:{author_id}" if author_id is not None else f"legacy:{legacy_author or '-'}"
    key = key or current_app.config["PSEUDONYM_KEY"].encode()
    digest = hmac.new(key, f"{room_id}:{subject}".encode(), hashlib.sha256).hexdigest()
    return f"P{room_id}-{digest[:10]}"


def _statement(flt: ExportFilter):
    stmt = (
        public_posts()
        .where(Thread.room_id.in_(flt.room_ids), Post.is_official.is_(False))
        .with_only_columns(
            Post.id,
            Post.thread_id,
            Post.author_id,
            Post.legacy_author,
            Post.masked_text,
            Post.masked_version,
            Post.reply_to_id,
            Post.reaction_count,
            Post.created_at,
            Thread.room_id,
            Thread.title,
            Thread.status,
            Room.title,
            Thread.room_number,
            Post.number,
        )
    )
    if flt.thread_ids:
        stmt = stmt.where(Post.thread_id.in_(flt.thread_ids))
    if flt.since:
        stmt = stmt.where(Post.created_at >= flt.since)
    if flt.until:
        stmt = stmt.where(Post.created_at < flt.until)
    if flt.statuses:
        stmt = stmt.where(Thread.status.in_(flt.statuses))
    if flt.tags:
        stmt = stmt.where(Post.id.in_(select(OpinionTag.post_id).where(OpinionTag.label.in_(flt.tags))))
    return stmt


def count(flt: ExportFilter) -> int:
    return db.session.scalar(select(func.count()).select_from(_statement(flt).order_by(None).subquery())) or 0


def _reply_counts(room_ids: tuple[int, ...]) -> dict[int, int]:
    """Public replies to each post of the rooms, in one grouped query (replies stay in their room)."""
    stmt = (
        public_posts()
        .where(Thread.room_id.in_(room_ids), Post.reply_to_id.is_not(None))
        .with_only_columns(Post.reply_to_id, func.count())
        .group_by(Post.reply_to_id)
        .order_by(None)
    )
    return dict(db.session.execute(stmt).all())


def _tags(ids: list[int]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for post_id, label in db.session.execute(
        select(OpinionTag.post_id, OpinionTag.label)
        .where(OpinionTag.post_id.in_(ids))
        .order_by(OpinionTag.post_id, OpinionTag.label)
    ):
        out.setdefault(post_id, []).append(label)
    return out


def _stale_bodies(rows) -> dict[int, str]:
    """Masked text for posts whose stored copy is missing or older than the rules (read again)."""
    stale = [row[0] for row in rows if row[5] != MASK_VERSION or row[4] is None]
    if not stale:
        return {}
    return {
        post_id: masked_plain_text(body)
        for post_id, body in db.session.execute(select(Post.id, Post.body).where(Post.id.in_(stale)))
    }


def post_url_pattern() -> str:
    """The permalink of a post with ``{}`` for its id, absolute (also from the CLI): the same
    ``/posts/<id>`` address notifications and mails link to."""
    return current_app.config["BASE_URL"].rstrip("/") + "/posts/{}"


def opinions(flt: ExportFilter) -> Iterator[Opinion]:
    """Every selected opinion, oldest first, read in batches (memory stays flat at 100,000)."""
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    url = post_url_pattern()
    key = current_app.config["PSEUDONYM_KEY"].encode()
    authors: dict[tuple[int, int | None, str | None], str] = {}
    replies = _reply_counts(flt.room_ids)
    stmt = _statement(flt).order_by(None).order_by(Post.created_at, Post.id)
    # one query, streamed in partitions (keyset pages cost a scan each on SQLite: quadratic)
    for rows in db.session.execute(stmt.execution_options(yield_per=BATCH)).partitions():
        ids = [row[0] for row in rows]
        tags, bodies = _tags(ids), _stale_bodies(rows)
        for (
            post_id,
            thread_id,
            author_id,
            legacy_author,
            masked,
            version,
            reply_to,
            reactions,
            created_at,
            room_id,
            thread_title,
            status,
            room_title,
            room_number,
            number,
        ) in rows:
            yield Opinion(
                id=post_id,
                room_id=room_id,
                room=room_title,
                thread_id=thread_id,
                thread=thread_title,
                posted_at=clock.to_local(created_at, tz).replace(microsecond=0),
                author=authors.get((room_id, author_id, legacy_author))
                or authors.setdefault(
                    (room_id, author_id, legacy_author), pseudonym(room_id, author_id, legacy_author, key)
                ),
                body=masked if version == MASK_VERSION and masked is not None else bodies[post_id],
                reply_to=reply_to,
                reactions=reactions or 0,
                replies=replies.get(post_id, 0),
                status=status,
                url=url.format(post_id),
                tags=tuple(tags.get(post_id, ())),
                ref=f"{room_number}-{number}" if room_number else "",
            )
