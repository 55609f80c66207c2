"""Thread tools: lock, pin, slow mode, lock/unlock times, moving a thread, and redacting part of a
post. Each change leaves an audit entry."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forum import clock
from forum.extensions import db
from forum.models import Board, Post, PostRevision, Thread, User
from forum.services.errors import ServiceError
from forum.services.notifications import tell_author
from forum.services.posts import check_body
from moderation.audit import audit


def update_thread(
    moderator: User,
    thread: Thread,
    *,
    locked: bool,
    pinned: bool,
    slow_mode: int | None,
    lock_at: datetime | None,
    unlock_at: datetime | None,
    destination: Any = None,
) -> list[str]:
    """Apply the thread tools; each change is an audit entry. Returns the actions taken."""
    done = []
    if locked != thread.locked:
        thread.locked = locked
        done.append("thread.lock" if locked else "thread.unlock")
    if pinned != thread.pinned:
        thread.pinned = pinned
        done.append("thread.pin" if pinned else "thread.unpin")
    if (slow_mode or None) != thread.slow_mode_minutes:
        thread.slow_mode_minutes = slow_mode or None
        done.append("thread.slow_mode")
    if (lock_at, unlock_at) != (thread.lock_at, thread.unlock_at):
        thread.lock_at, thread.unlock_at = lock_at, unlock_at
        done.append("thread.timer")
    if destination is not None and destination is not (thread.room or thread.board):
        if isinstance(destination, Board):
            thread.board, thread.room = destination, None
        else:
            thread.room, thread.board = destination, None
        done.append("thread.move")
    for action in done:
        audit(
            moderator,
            action,
            thread,
            details={
                "locked": thread.locked,
                "pinned": thread.pinned,
                "slow_mode_minutes": thread.slow_mode_minutes,
                "lock_at": thread.lock_at.isoformat() if thread.lock_at else None,
                "unlock_at": thread.unlock_at.isoformat() if thread.unlock_at else None,
                "room_id": thread.room_id,
                "board_id": thread.board_id,
            },
        )
    db.session.commit()
    return done


def redact(moderator: User, post: Post, body: str, reason: str) -> None:
    """Edit part of a post: the earlier text is kept as a revision and the post says so."""
    body = check_body(body)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Tell the author why part of the post was edited."), "reason")
    if body == post.body:
        return
    db.session.add(
        PostRevision(
            post=post,
            body=post.body,
            written_at=post.edited_at or post.created_at,
            editor_id=moderator.id,
            by_moderator=True,
        )
    )
    post.body = body
    post.redacted_at = post.edited_at = clock.now()
    audit(moderator, "post.redact", post, reason=reason)
    tell_author(
        post,
        lambda: _(
            "A moderator edited part of your post in “%(title)s”: %(reason)s", title=post.thread.title, reason=reason
        ),
    )
    db.session.commit()
