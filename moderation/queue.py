"""The review queue: held posts, flagged posts and open appeals on one page, and the decisions
on held posts (publish or refuse, one at a time or many at once)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from forum.extensions import db
from forum.models import Post, PostState, User
from forum.paging import clamp_page, offset
from forum.permissions import Role
from forum.services import notifications
from moderation.audit import audit
from moderation.gate import match_reasons
from moderation.models import Appeal, AuditEntry, Flag

PAGE_SIZE = 50
DECIDERS = ("post.reject", "post.hide")


@dataclass
class QueuePage:
    """One page of the queue with everything its template shows, loaded in a fixed number of
    queries whatever the number of items (the page never asks the database per item)."""

    held: list[Post]
    held_total: int
    page: int
    pages: int
    flagged: list[Post]
    flagged_total: int
    appeals: list[Appeal]
    appeal_posts: dict[int, Post] = field(default_factory=dict)
    may_decide: dict[int, bool] = field(default_factory=dict)
    reasons: dict[int, list[str]] = field(default_factory=dict)
    flags: dict[int, list[Flag]] = field(default_factory=dict)
    history: dict[int, dict[str, int]] = field(default_factory=dict)


def _with_places(stmt):
    return stmt.options(joinedload(Post.thread), joinedload(Post.author), joinedload(Post.reply_to))


def _flagged(limit: int) -> tuple[list[Post], int]:
    first_flag = (
        select(Flag.post_id, func.min(Flag.created_at).label("first"))
        .where(Flag.resolved_at.is_(None))
        .group_by(Flag.post_id)
        .subquery()
    )
    total = db.session.scalar(select(func.count()).select_from(first_flag)) or 0
    posts = (
        db.session.scalars(
            _with_places(select(Post))
            .join(first_flag, first_flag.c.post_id == Post.id)
            .order_by(first_flag.c.first)
            .limit(limit)
        )
        .unique()
        .all()
    )
    return list(posts), total


def load_page(moderator: User, page: int = 1) -> QueuePage:
    """The queue page for ``moderator``: held posts ``PAGE_SIZE`` at a time, the oldest flagged
    posts and open appeals, with reasons, flags, authors' histories and who may decide each appeal."""
    pending = Post.state == PostState.PENDING.value
    held_total = db.session.scalar(select(func.count()).select_from(Post).where(pending)) or 0
    pages = max(1, -(-held_total // PAGE_SIZE))
    page = clamp_page(page, pages)
    held = list(
        db.session.scalars(
            _with_places(select(Post))
            .where(pending)
            .order_by(Post.created_at, Post.id)
            .limit(PAGE_SIZE)
            .offset(offset(page, PAGE_SIZE))
        ).unique()
    )
    flagged, flagged_total = _flagged(PAGE_SIZE)
    rows = db.session.execute(
        select(Appeal, Post)
        .join(Post, Post.id == Appeal.post_id)
        .options(joinedload(Post.thread))
        .where(Appeal.decided_at.is_(None))
        .order_by(Appeal.id)
        .limit(PAGE_SIZE)
    ).all()
    result = QueuePage(
        held=held,
        held_total=held_total,
        page=page,
        pages=pages,
        flagged=flagged,
        flagged_total=flagged_total,
        appeals=[a for a, _p in rows],
        appeal_posts={a.id: p for a, p in rows},
    )
    result.reasons = _reasons([p.id for p in held])
    result.flags = _open_flags([p.id for p in flagged])
    result.history = _histories([*held, *flagged])
    result.may_decide = _may_decide(moderator, result.appeals)
    return result


def _reasons(post_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {i: [] for i in post_ids}
    if post_ids:
        entries = db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.target_type == "post", AuditEntry.target_id.in_(post_ids), AuditEntry.action.like("rule.%")
            )
            .order_by(AuditEntry.id)
        )
        for entry in entries:
            found[entry.target_id].extend(match_reasons(entry.details))
    return {i: list(dict.fromkeys(reasons)) for i, reasons in found.items()}


def _open_flags(post_ids: list[int]) -> dict[int, list[Flag]]:
    found: dict[int, list[Flag]] = {i: [] for i in post_ids}
    if post_ids:
        for flag in db.session.scalars(
            select(Flag).where(Flag.post_id.in_(post_ids), Flag.resolved_at.is_(None)).order_by(Flag.id)
        ):
            found[flag.post_id].append(flag)
    return found


def _histories(posts: list[Post]) -> dict[int, dict[str, int]]:
    """Each item's author's posts by state (published, held, refused, hidden…), keyed by post id."""
    author_ids = {p.author_id for p in posts if p.author_id}
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    if author_ids:
        for author_id, state, n in db.session.execute(
            select(Post.author_id, Post.state, func.count())
            .where(Post.author_id.in_(author_ids))
            .group_by(Post.author_id, Post.state)
        ):
            counts[author_id][state] = n
    return {
        p.id: ({s.value: counts[p.author_id].get(s.value, 0) for s in PostState} if p.author_id else {}) for p in posts
    }


def author_history(user: User | None) -> dict[str, int]:
    """A member's posts by state (for the member page)."""
    if user is None:
        return {}
    counts = dict(
        db.session.execute(select(Post.state, func.count()).where(Post.author_id == user.id).group_by(Post.state)).all()
    )
    return {state.value: counts.get(state.value, 0) for state in PostState}


def deciders(post_ids: list[int]) -> dict[int, int | None]:
    """Who made the decision each post's appeal is about (the last to refuse or hide it)."""
    found: dict[int, int | None] = {}
    if post_ids:
        for entry in db.session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.target_type == "post", AuditEntry.target_id.in_(post_ids), AuditEntry.action.in_(DECIDERS)
            )
            .order_by(AuditEntry.id)
        ):
            found[entry.target_id] = entry.actor_id
    return found


def other_moderators(moderator: User) -> int:
    return (
        db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.role.in_((Role.MODERATOR.value, Role.ADMIN.value)), User.id != moderator.id)
        )
        or 0
    )


def _may_decide(moderator: User, appeals: list[Appeal]) -> dict[int, bool]:
    """A different moderator decides an appeal than the one who made the decision, when there is one."""
    if not appeals:
        return {}
    first = deciders([a.post_id for a in appeals])
    alone = other_moderators(moderator) == 0
    return {a.id: first.get(a.post_id) != moderator.id or alone for a in appeals}


# ---------------------------------------------------------------- decisions on held posts


def _publish(moderator: User, post: Post) -> None:
    post.change_state(PostState.PUBLISHED)
    audit(moderator, "post.approve", post)
    if post.number == 1:
        notifications.new_thread(post.thread)
    else:
        notifications.new_reply(post)


def _refuse(moderator: User, post: Post, reason: str) -> None:
    post.change_state(PostState.REJECTED)
    audit(moderator, "post.reject", post, reason=reason)


def _published(post: Post):
    return lambda: _("Your post in “%(title)s” has been published.", title=post.thread.title)


def _refused(post: Post, reason: str):
    return lambda: _("Your post in “%(title)s” was not published: %(reason)s", title=post.thread.title, reason=reason)


def approve(moderator: User, post: Post) -> None:
    """Publish a held post; its author and the watchers are told. One transaction."""
    if post.state != PostState.PENDING:
        return
    _publish(moderator, post)
    notifications.notify([post.author] if post.author else [], _published(post), f"/posts/{post.id}")
    db.session.commit()


def reject(moderator: User, post: Post, reason: str) -> None:
    """Refuse a held post and tell its author why. One transaction."""
    if post.state != PostState.PENDING:
        return
    _refuse(moderator, post, reason)
    notifications.notify([post.author] if post.author else [], _refused(post, reason), "/me/#posts")
    db.session.commit()


def decide_many(moderator: User, post_ids: list[int], publish: bool, reason: str = "") -> int:
    """Publish or refuse several held posts in one transaction; each author gets one notice that
    sums up their posts. Posts decided meanwhile by someone else are skipped. Returns how many."""
    posts = (
        db.session.scalars(
            _with_places(select(Post))
            .where(Post.id.in_(post_ids), Post.state == PostState.PENDING.value)
            .order_by(Post.id)
        )
        .unique()
        .all()
    )
    by_author: dict[int, list[Post]] = defaultdict(list)
    for post in posts:
        if publish:
            _publish(moderator, post)
        else:
            _refuse(moderator, post, reason)
        if post.author is not None:
            by_author[post.author_id].append(post)
    for mine in by_author.values():
        if len(mine) == 1:
            message = _published(mine[0]) if publish else _refused(mine[0], reason)
        else:
            message = _summary(mine, publish, reason)
        notifications.notify(
            [mine[0].author], message, f"/posts/{mine[0].id}" if publish and len(mine) == 1 else "/me/#posts"
        )
    db.session.commit()
    return len(posts)


def _summary(posts: list[Post], publish: bool, reason: str):
    titles = "、".join(dict.fromkeys(f"“{p.thread.title}”" for p in posts))
    if publish:
        return lambda: _("%(num)d of your posts have been published: %(titles)s.", num=len(posts), titles=titles)
    return lambda: _(
        "%(num)d of your posts were not published (%(titles)s): %(reason)s",
        num=len(posts),
        titles=titles,
        reason=reason,
    )
