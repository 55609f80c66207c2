"""The moderation gate: what posting asks before it writes. The rules' decision on a draft, the
sentence that explains a refusal, and the sanctions, slow mode and thread timers in force.

It reads and adds audit entries only; it never commits and calls no use case, so the posting
services can depend on it without depending on the moderators' workflow.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm.attributes import set_committed_value

from forum import clock, page_cache
from forum.extensions import db
from forum.models import Post, PostState, Room, Thread, User
from forum.permissions import Role
from moderation import rules as engine
from moderation.audit import audit
from moderation.models import Flag, FlagReason, ModerationRule, Sanction, SanctionKind

EDIT_SKIP = frozenset({engine.Kind.RATE, engine.Kind.DUPLICATE, engine.Kind.NEW_RESIDENT})
TRUSTED_ROLES = {Role.STAFF.value, Role.MODERATOR.value, Role.ADMIN.value}

REASONS = {
    "word": _l("the word “%(detail)s” is not allowed here"),
    "election": _l("election campaigning (“%(detail)s”) is not allowed"),
    "phone": _l("it contains a phone number"),
    "email": _l("it contains an e-mail address"),
    "postal": _l("it contains a postal code"),
    "my_number": _l("it contains a number that looks like a My Number"),
    "address": _l("it contains a street address"),
    "links_for_new_residents": _l("links are checked for residents with few posts"),
    "rate_post": _l("posts must be at least %(detail)s apart"),
    "rate_thread": _l("new threads must be at least %(detail)s apart"),
    "first_day_threads": _l("in your first day you can start up to %(detail)s threads"),
    "first_day_replies": _l("in your first day you can post up to %(detail)s replies"),
    "duplicate": _l("you posted the same text a moment ago"),
    "new_resident": _l("the first posts of a new resident are checked before they appear"),
    "title_too_long": _l("the title is longer than %(detail)s characters"),
    "body_too_long": _l("the text is longer than %(detail)s characters"),
    "body_too_short": _l("the text is empty"),
}


def explain(match: engine.Match) -> str:
    """The reason for a match, in the user's language."""
    detail = match.detail
    if match.reason in ("rate_post", "rate_thread"):
        detail = _("%(n)s seconds", n=detail.removesuffix("s"))
    text = REASONS.get(match.reason)
    return str(text % {"detail": detail}) if text is not None else match.reason


def match_reasons(details: dict) -> list[str]:
    """The rules' reasons kept in an audit entry, as sentences (the stored codes are for machines)."""
    return [
        explain(
            engine.Match(
                m["rule_id"], engine.Kind(m["kind"]), engine.Action(m["action"]), m["reason"], m.get("detail", "")
            )
        )
        for m in (details or {}).get("matches", [])
    ]


def refusal_message(decision: engine.Decision) -> str:
    """Why a post was refused, in the user's language, with the time to wait when there is one."""
    reasons = "、".join(dict.fromkeys(explain(m) for m in decision.matches if m.action is engine.Action.BLOCK))
    message = _("This post cannot be published: %(reasons)s.", reasons=reasons)
    if decision.retry_after:
        message += " " + _("Please try again in %(seconds)d seconds.", seconds=decision.retry_after)
    return message


# ---------------------------------------------------------------- screening


def active_rules(room_id: int | None) -> list[engine.Rule]:
    stmt = (
        select(ModerationRule)
        .where(ModerationRule.enabled.is_(True))
        .where(or_(ModerationRule.room_id.is_(None), ModerationRule.room_id == room_id))
    )
    return [row.to_rule() for row in db.session.scalars(stmt.order_by(ModerationRule.id))]


def published_count(user: User) -> int:
    """How many of ``user``'s posts are published: the standing that rules and flags weigh."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Post)
            .where(Post.author_id == user.id, Post.state == PostState.PUBLISHED.value)
        )
        or 0
    )


def author_context(user: User, now: datetime) -> engine.AuthorContext:
    day = now - timedelta(days=1)
    post_times = tuple(
        db.session.scalars(select(Post.created_at).where(Post.author_id == user.id, Post.created_at > day))
    )
    thread_times = tuple(
        db.session.scalars(select(Thread.created_at).where(Thread.author_id == user.id, Thread.created_at > day))
    )
    recent = tuple(
        db.session.execute(
            select(Post.created_at, Post.body).where(
                Post.author_id == user.id, Post.created_at > now - timedelta(hours=1)
            )
        ).all()
    )
    approved = published_count(user)
    return engine.AuthorContext(
        user_id=user.id,
        joined_at=user.created_at,
        approved_posts=approved,
        trusted=user.role in TRUSTED_ROLES,
        post_times=post_times,
        thread_times=thread_times,
        recent_bodies=recent,
    )


def screen_post(
    author: User, place: Any, title: str, body: str, new_thread: bool, editing: bool = False
) -> engine.Decision:
    """What the rules say about a new post (or an edit) by ``author`` in ``place``."""
    now = clock.now()
    room_id = place.id if isinstance(place, Room) else None
    rules = active_rules(room_id)
    if editing:
        rules = [r for r in rules if r.kind not in EDIT_SKIP]
    draft = engine.Draft(body=body, title=title, room_id=room_id, new_thread=new_thread)
    return engine.evaluate(draft, author_context(author, now), rules, now)


def record_decision(decision: engine.Decision, author: User, post: Post | None) -> None:
    """An audit entry for every decision that was not a plain allow (not committed)."""
    if decision.action is engine.Action.ALLOW:
        return
    audit(
        None,
        f"rule.{decision.action.value}",
        post,
        reason="",
        details={
            "author_id": author.id,
            "matches": [
                {
                    "rule_id": m.rule_id,
                    "kind": m.kind.value,
                    "action": m.action.value,
                    "reason": m.reason,
                    "detail": m.detail,
                }
                for m in decision.matches
            ],
        },
    )
    if decision.action is engine.Action.FLAG and post is not None:  # published, and in the queue
        db.session.add(
            Flag(
                post_id=post.id,
                user_id=None,
                reason=FlagReason.RULES.value,
                weight=0.0,
                note="、".join(dict.fromkeys(explain(m) for m in decision.matches if m.action is engine.Action.FLAG)),
                created_at=clock.now(),
            )
        )


# ---------------------------------------------------------------- sanctions in force


def active_sanction(
    user: Any, kinds: tuple[str, ...] = (SanctionKind.SILENCE.value, SanctionKind.SUSPEND.value)
) -> Sanction | None:
    """The sanction in force on ``user`` now (the longest), or None."""
    if user is None or not getattr(user, "id", None):
        return None
    now = clock.now()
    found = [
        s
        for s in db.session.scalars(
            select(Sanction).where(
                Sanction.user_id == user.id,
                Sanction.kind.in_(kinds),
                Sanction.lifted_at.is_(None),
                Sanction.ends_at > now,
            )
        )
        if s.in_force(now)
    ]
    return max(found, key=lambda s: s.ends_at, default=None)


def suspension(user: Any) -> Sanction | None:
    """The suspension in force on ``user`` (they may not log in), or None."""
    return active_sanction(user, kinds=(SanctionKind.SUSPEND.value,))


def sanction_text(record: Sanction) -> str:
    """The sanction as the member reads it: what it is, until when, and why."""
    if record.kind == SanctionKind.WARN:
        return _("A warning from the moderators: %(reason)s", reason=record.reason)
    until = format_datetime(record.ends_at, "short")
    if record.kind == SanctionKind.SILENCE:
        return _("You cannot post until %(until)s: %(reason)s", until=until, reason=record.reason)
    return _("Your account is suspended until %(until)s: %(reason)s", until=until, reason=record.reason)


def sanction_refusal(user: Any) -> str | None:
    """Why a silenced or suspended user may not post now (with the date), or None."""
    record = active_sanction(user)
    return sanction_text(record) if record is not None else None


# ---------------------------------------------------------------- threads: timers and slow mode


def apply_timers(thread: Thread) -> None:
    """A thread whose lock or unlock time has come reads as locked or unlocked. Only in memory:
    reading a page never writes; ``flask rooms tick`` stores it with its audit entry."""
    now = clock.now()
    locked = thread.locked
    page_cache.expires_by(thread.lock_at)
    page_cache.expires_by(thread.unlock_at)
    if thread.lock_at is not None and thread.lock_at <= now:
        locked = True
    if thread.unlock_at is not None and thread.unlock_at <= now:
        locked = False
    if locked != thread.locked:
        set_committed_value(thread, "locked", locked)


def store_timers() -> int:
    """Store every due lock/unlock timer, each with its audit entry (``flask rooms tick``); not
    committed. Returns how many threads changed."""
    now = clock.now()
    due = db.session.scalars(select(Thread).where(or_(Thread.lock_at <= now, Thread.unlock_at <= now))).all()
    for thread in due:
        if thread.lock_at is not None and thread.lock_at <= now:
            thread.locked, thread.lock_at = True, None
            audit(None, "thread.lock", thread, reason="timer")
        if thread.unlock_at is not None and thread.unlock_at <= now:
            thread.locked, thread.unlock_at = False, None
            audit(None, "thread.unlock", thread, reason="timer")
    return len(due)


def slow_mode_refusal(user: User, thread: Thread) -> str | None:
    if not thread.slow_mode_minutes or user.role in TRUSTED_ROLES:
        return None
    last = db.session.scalar(
        select(func.max(Post.created_at)).where(Post.thread_id == thread.id, Post.author_id == user.id)
    )
    if last is None:
        return None
    wait = last + timedelta(minutes=thread.slow_mode_minutes) - clock.now()
    if wait.total_seconds() <= 0:
        return None
    return _(
        "This thread is in slow mode: one post every %(m)d minutes. Please try again in %(s)d seconds.",
        m=thread.slow_mode_minutes,
        s=int(wait.total_seconds()) + 1,
    )


def thread_refusal(user: Any, thread: Thread) -> str | None:
    """Apply the thread's timers; then why ``user`` may not post in it now (slow mode), or None."""
    apply_timers(thread)
    return slow_mode_refusal(user, thread) if getattr(user, "is_authenticated", False) else None
