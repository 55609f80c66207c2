"""Threads (話題) in a room or a board, their posts (発言), revisions and reactions (共感)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from markupsafe import Markup
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    or_,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, object_session, relationship

from forum import clock
from forum.extensions import db
from forum.models.counters import increment
from forum.models.types import UTCDateTime
from forum.text.furigana import FURIGANA_VERSION, ruby_html
from forum.text.markup import RENDER_VERSION, render
from forum.text.masked import MASK_VERSION, masked_plain_text


class ThreadStatus(StrEnum):
    """The department's answer state of a thread, set by its staff."""

    UNANSWERED = "unanswered"  # 未回答
    CONSIDERING = "considering"  # 検討中
    ANSWERED = "answered"  # 回答済み
    REFLECTED = "reflected"  # 反映済み
    DIFFICULT = "difficult"  # 対応困難


class PostState(StrEnum):
    PUBLISHED = "published"
    PENDING = "pending"  # held for review (moderation)
    REJECTED = "rejected"  # refused in review
    HIDDEN = "hidden"  # hidden by a moderator or by flags
    WITHDRAWN = "withdrawn"  # taken back by its author


class HiddenBy(StrEnum):
    """Why a hidden post is hidden (``Post.hidden_reason``)."""

    FLAGS = "flags"  # residents' flags reached the threshold; waiting for a moderator
    MODERATOR = "moderator"


class Thread(db.Model):
    __tablename__ = "thread"
    __table_args__ = (
        CheckConstraint("(room_id IS NULL) <> (board_id IS NULL)", name="one_place"),
        UniqueConstraint("room_id", "room_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    room_id: Mapped[int | None] = mapped_column(ForeignKey("room.id", ondelete="CASCADE"), index=True)
    board_id: Mapped[int | None] = mapped_column(ForeignKey("board.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_posted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    # the number the next post gets: numbers stay stable whatever happens to earlier posts
    next_number: Mapped[int] = mapped_column(Integer, default=1)
    public_post_count: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default=ThreadStatus.UNANSWERED.value)
    status_note: Mapped[str] = mapped_column(Text, default="")
    status_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    pinned: Mapped[bool] = mapped_column(Boolean, default=False)
    slow_mode_minutes: Mapped[int | None] = mapped_column(Integer)  # one post per user per N minutes
    lock_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # timers, applied on the next look
    unlock_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    legacy_id: Mapped[str | None] = mapped_column(String(100), unique=True)  # from an imported room
    # the thread's number in its room (話題1, 2 …): with a post's #n it makes the reference people
    # read and type, 「2-5」; given when the thread is written or moved into a room, never reused
    room_number: Mapped[int | None] = mapped_column(Integer)

    room: Mapped[Room | None] = relationship()  # noqa: F821
    board: Mapped[Board | None] = relationship()  # noqa: F821
    author: Mapped[User | None] = relationship()  # noqa: F821


class Post(db.Model):
    __tablename__ = "post"
    __table_args__ = (
        UniqueConstraint("thread_id", "number"),
        Index("ix_post_thread_state_number", "thread_id", "state", "number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    thread_id: Mapped[int] = mapped_column(ForeignKey("thread.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"), index=True)
    body: Mapped[str] = mapped_column(Text)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("post.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(12), default=PostState.PUBLISHED.value, index=True)
    is_official: Mapped[bool] = mapped_column(Boolean, default=False)
    reaction_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    edited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # why a hidden post is hidden: "flags" (waiting for review) or "moderator"
    hidden_reason: Mapped[str | None] = mapped_column(String(12))
    redacted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # a moderator edited part of it
    legacy_id: Mapped[str | None] = mapped_column(String(100), unique=True)  # from an imported room
    legacy_author: Mapped[str | None] = mapped_column(String(60))  # imported author's name
    # the body as plain text with personal information masked (what exports show), kept in step
    # with the body on every write; NULL or an older version means "work it out when read"
    masked_text: Mapped[str | None] = mapped_column(Text)
    masked_version: Mapped[int | None] = mapped_column(Integer)
    # the body rendered and sanitized once, when written (markup.RENDER_VERSION): pages show it
    # without running Markdown and bleach on every view; NULL or older means "render when read"
    body_html: Mapped[str | None] = mapped_column(Text)
    html_version: Mapped[int | None] = mapped_column(Integer)
    # the same HTML with ふりがな over its kanji (furigana.FURIGANA_VERSION), read once when written
    body_ruby_html: Mapped[str | None] = mapped_column(Text)
    ruby_version: Mapped[int | None] = mapped_column(Integer)

    thread: Mapped[Thread] = relationship()
    author: Mapped[User | None] = relationship()  # noqa: F821
    reply_to: Mapped[Post | None] = relationship(remote_side=[id])
    revisions: Mapped[list[PostRevision]] = relationship(
        back_populates="post", order_by="PostRevision.id", cascade="all, delete-orphan"
    )

    @property
    def is_public(self) -> bool:
        return self.state == PostState.PUBLISHED

    @property
    def author_name(self) -> str | None:
        """The handle, or an imported author's name; None once the author left."""
        return self.author.handle if self.author else self.legacy_author

    @property
    def ref(self) -> str:
        """The opinion's reference in its room, 「2-5」 (thread 2, post #5); ``#5`` outside rooms."""
        number = self.thread.room_number if self.thread is not None else None
        return f"{number}-{self.number}" if number else f"#{self.number}"

    @property
    def html(self) -> Markup:
        """The body as safe HTML: the stored copy, or a fresh render when it is missing or older
        than the renderer (reading never writes; ``flask export refresh-text`` stores it)."""
        if self.html_version == RENDER_VERSION and self.body_html is not None:
            return Markup(self.body_html)  # noqa: S704  (sanitized by markup.render when stored)
        return Markup(render(self.body or ""))  # noqa: S704  (markup.render sanitizes)

    @property
    def ruby(self) -> Markup:
        """The body with ふりがな: the stored copy; without readings while it is missing or older
        (a page never runs the dictionary; ``flask export refresh-text`` stores it)."""
        if self.ruby_version == FURIGANA_VERSION and self.html_version == RENDER_VERSION and self.body_ruby_html:
            return Markup(self.body_ruby_html)  # noqa: S704  (the stored sanitized HTML, with ruby added to its text)
        return self.html

    def change_state(self, state: PostState) -> None:
        """Move to ``state``, keeping the thread's public count right in the database (not committed).
        Publishing, holding, hiding and withdrawing all pass here, whoever does it."""
        was_public = self.is_public
        self.state = state.value
        self.state_changed_at = clock.now()
        if was_public != self.is_public:
            increment(object_session(self) or db.session, self.thread, "public_post_count", 1 if self.is_public else -1)


class PostRevision(db.Model):
    """The text a post had before an edit; the history shows every one."""

    __tablename__ = "post_revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when this text was written
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)
    editor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    by_moderator: Mapped[bool] = mapped_column(Boolean, default=False)

    post: Mapped[Post] = relationship(back_populates="revisions")


class Reaction(db.Model):
    """共感: one per resident per post."""

    __tablename__ = "reaction"

    post_id: Mapped[int] = mapped_column(ForeignKey("post.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)


def stored_copies(body: str) -> dict[str, object]:
    """The body's derived copies as they are stored: masked plain text for exports and rendered
    HTML for pages, each with the version of the rules that made it."""
    html = render(body)
    return {
        "masked_text": masked_plain_text(body),
        "masked_version": MASK_VERSION,
        "body_html": html,
        "html_version": RENDER_VERSION,
        "body_ruby_html": ruby_html(html),
        "ruby_version": FURIGANA_VERSION,
    }


def stale_copies():
    """SQL: posts whose stored copies are missing or older than the rules (after an upgrade)."""
    return or_(
        Post.masked_text.is_(None),
        Post.masked_version.is_distinct_from(MASK_VERSION),
        Post.body_html.is_(None),
        Post.html_version.is_distinct_from(RENDER_VERSION),
        Post.body_ruby_html.is_(None),
        Post.ruby_version.is_distinct_from(FURIGANA_VERSION),
    )


@event.listens_for(Post, "before_insert")
@event.listens_for(Post, "before_update")
def _keep_stored_text(_mapper, _connection, post: Post) -> None:
    """The body's derived copies follow every write of the body, whichever path wrote it."""
    current = (
        post.masked_text is not None
        and post.masked_version == MASK_VERSION
        and post.body_html is not None
        and post.html_version == RENDER_VERSION
        and post.body_ruby_html is not None
        and post.ruby_version == FURIGANA_VERSION
    )
    if not current or _body_changed(post):
        for column, value in stored_copies(post.body or "").items():
            setattr(post, column, value)


def _body_changed(post: Post) -> bool:
    from sqlalchemy import inspect

    return inspect(post).attrs.body.history.has_changes()


@event.listens_for(Session, "before_flush")
def _number_room_threads(session: Session, _context, _instances) -> None:
    """Give each thread written into a room (new, imported, or moved there) the room's next number,
    taken atomically like a post's number, whichever path wrote it."""
    for thread in [*session.new, *session.dirty]:
        if not isinstance(thread, Thread):
            continue
        state = inspect(thread)
        moved = state.attrs.room.history.has_changes() or state.attrs.room_id.history.has_changes()
        if thread in session.new or moved:
            thread.room_number = _take_thread_number(session, thread.room) if thread.room is not None else None


def _take_thread_number(session: Session, room) -> int:
    return increment(session, room, "next_thread_number", start=1) - 1
