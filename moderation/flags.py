"""Flags (通報): residents report a post; enough weight hides it until a moderator looks. And the
moderator's answers: hide (flags upheld), restore or keep (flags dismissed)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.labels import FLAG_REASON_NAMES
from forum.models import HiddenBy, Post, PostState, User
from forum.models.upsert import insert_or_ignore
from forum.permissions import Role
from forum.services.errors import ServiceError
from forum.services.notifications import tell_author
from moderation.audit import audit
from moderation.gate import published_count, sanction_refusal
from moderation.models import Flag, FlagOutcome, FlagReason, FlagResolution


def flag_weight(user: User) -> float | None:
    """How much a resident's flag counts; None for moderators, whose flag acts at once."""
    if user.role in (Role.MODERATOR.value, Role.ADMIN.value):
        return None
    now = clock.now()
    approved = published_count(user)
    age = now - user.created_at
    if age < timedelta(days=7) or approved < 3:
        return 0.5
    if age >= timedelta(days=90) and approved >= 20:
        return 1.5
    return 1.0


def open_flags(post: Post) -> list[Flag]:
    return list(
        db.session.scalars(select(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None)).order_by(Flag.id))
    )


def flag_post(user: User, post: Post, reason: str, note: str, threshold: float) -> FlagOutcome:
    """Record a flag; hide the post for review when the score reaches ``threshold``.
    Returns what the flag did."""
    if post.author_id == user.id:
        raise ServiceError(_l("You cannot flag your own post."), status=403)
    silenced = sanction_refusal(user)
    if silenced:
        raise ServiceError(silenced, status=403)
    if not post.is_public:
        raise ServiceError(_l("This post is not visible."), status=404)
    if reason not in {r.value for r in FlagReason} - {FlagReason.RULES.value}:
        raise ServiceError(_l("Choose a reason."), "reason")
    note = (note or "").strip()[:1000]
    if reason == FlagReason.OTHER and not note:
        raise ServiceError(_l("Please explain the reason."), "note")
    weight = flag_weight(user)
    if not insert_or_ignore(
        Flag,
        post_id=post.id,
        user_id=user.id,
        reason=reason,
        note=note,
        weight=weight if weight is not None else 0.0,
        created_at=clock.now(),
    ):
        raise ServiceError(_l("You have already flagged this post. Thank you."))
    if weight is None:
        hide(user, post, note or str(FLAG_REASON_NAMES[FlagReason(reason)]))
        return FlagOutcome.HIDDEN_BY_MODERATOR
    score = sum(f.weight for f in open_flags(post))
    if score >= threshold:
        set_hidden(post, HiddenBy.FLAGS)
        audit(
            None,
            "flags.hide",
            post,
            details={"score": score, "threshold": threshold, "reasons": [f.reason for f in open_flags(post)]},
        )
        tell_author(
            post,
            lambda: _(
                "Your post in “%(title)s” was flagged by several residents and is hidden until a moderator reviews it.",
                title=post.thread.title,
            ),
        )
        db.session.commit()
        return FlagOutcome.HIDDEN
    db.session.commit()
    return FlagOutcome.FLAGGED


def set_hidden(post: Post, why: HiddenBy | None) -> None:
    """Hide a post (``why``) or show it again (None). Not committed."""
    post.change_state(PostState.HIDDEN if why else PostState.PUBLISHED)
    post.hidden_reason = why.value if why else None


def resolve_flags(post: Post, resolution: FlagResolution) -> None:
    for flag in open_flags(post):
        flag.resolved_at = clock.now()
        flag.resolution = resolution.value


def hide(moderator: User, post: Post, reason: str) -> None:
    """A moderator hides a post (flags on it are upheld); the author is told why."""
    set_hidden(post, HiddenBy.MODERATOR)
    resolve_flags(post, FlagResolution.UPHELD)
    audit(moderator, "post.hide", post, reason=reason)
    tell_author(
        post,
        lambda: _(
            "Your post in “%(title)s” was hidden by a moderator: %(reason)s", title=post.thread.title, reason=reason
        ),
    )
    db.session.commit()


def restore(moderator: User, post: Post, reason: str = "") -> None:
    """Show a hidden post again; its flags are dismissed, so the same flaggers cannot hide it again."""
    set_hidden(post, None)
    resolve_flags(post, FlagResolution.DISMISSED)
    audit(moderator, "post.restore", post, reason=reason)
    tell_author(post, lambda: _("Your post in “%(title)s” is visible again.", title=post.thread.title))
    db.session.commit()


def dismiss_flags(moderator: User, post: Post) -> None:
    """Keep a flagged, still visible post as it is."""
    resolve_flags(post, FlagResolution.DISMISSED)
    audit(moderator, "flags.dismiss", post)
    db.session.commit()
