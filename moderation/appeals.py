"""Appeals: the author of a refused or hidden post asks for another look; a different moderator
decides when there is one, and the author is told the outcome."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Post, PostState, User
from forum.services.errors import ServiceError
from forum.services.notifications import tell_author
from moderation.audit import audit
from moderation.flags import resolve_flags, set_hidden
from moderation.models import Appeal, AppealOutcome, FlagResolution
from moderation.queue import deciders, other_moderators


def appeal_of(post: Post) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.post_id == post.id))


def can_appeal(user: Any, post: Post) -> bool:
    return (
        getattr(user, "is_authenticated", False)
        and post.author_id == user.id
        and post.state in (PostState.REJECTED.value, PostState.HIDDEN.value)
        and appeal_of(post) is None
    )


def appeal(user: User, post: Post, text: str) -> Appeal:
    if post.author_id != user.id:
        raise ServiceError(_l("Only the author can appeal."), status=403)
    if appeal_of(post) is not None:
        raise ServiceError(_l("You have already appealed this decision."))
    if post.state not in (PostState.REJECTED.value, PostState.HIDDEN.value):
        raise ServiceError(_l("Only a post that was not published or was hidden can be appealed."))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_l("Explain why the decision should change."), "text")
    record = Appeal(post_id=post.id, user_id=user.id, text=text[:4000], created_at=clock.now())
    db.session.add(record)
    db.session.flush()
    audit(user, "appeal.create", post, reason=record.text)
    db.session.commit()
    return record


def may_decide(moderator: User, record: Appeal) -> bool:
    """A different moderator decides, when there is one."""
    first = deciders([record.post_id]).get(record.post_id)
    return first != moderator.id or other_moderators(moderator) == 0


def decide_appeal(moderator: User, record: Appeal, grant: bool, note: str) -> None:
    if record.decided_at is not None:
        raise ServiceError(_l("This appeal was already decided."))
    if not may_decide(moderator, record):
        raise ServiceError(_l("Another moderator decides this appeal, since you made the first decision."), status=403)
    note = (note or "").strip()
    if not grant and not note:
        raise ServiceError(_l("Tell the author why the decision stays."), "note")
    post = db.session.get(Post, record.post_id)
    record.decided_at, record.decided_by_id = clock.now(), moderator.id
    record.outcome, record.note = (AppealOutcome.GRANTED if grant else AppealOutcome.DENIED).value, note
    if grant:
        set_hidden(post, None)
        resolve_flags(post, FlagResolution.DISMISSED)
    audit(moderator, "appeal.grant" if grant else "appeal.deny", post, reason=note)
    if grant:
        tell_author(
            post, lambda: _("Your appeal was granted; your post in “%(title)s” is published.", title=post.thread.title)
        )
    else:
        tell_author(
            post,
            lambda: _("Your appeal about “%(title)s” was not granted: %(note)s", title=post.thread.title, note=note),
        )
    db.session.commit()
