"""Sorting opinions with tags (賛成 / 反対 / 提案 / 質問 / 要望 / その他 and a room's own)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from forum.extensions import db
from forum.models import STANDARD_TAGS, OpinionTag, Post, PostState, Room, Thread
from forum.models.opinion import TAG_MAX_LENGTH
from forum.models.upsert import insert_or_ignore
from forum.permissions import Permission, can
from forum.services.errors import ServiceError
from forum.text.normalize import clean_line
from moderation.audit import audit

MAX_ROOM_TAGS = 20


def choices(room: Room) -> list[str]:
    """The tags offered in ``room``: the standard ones, then the room's own."""
    own = [t for t in room.tag_choices.splitlines() if t and t not in STANDARD_TAGS]
    return list(STANDARD_TAGS) + own


def _room_of(post: Post) -> Room:
    room = post.thread.room
    if room is None or post.state != PostState.PUBLISHED or post.is_official:
        raise ServiceError(_l("Only residents' public opinions in a room can be tagged."), status=404)
    return room


def opinions(room: Room, page: int, per_page: int = 50) -> tuple[list[Post], int]:
    stmt = (
        select(Post)
        .join(Thread)
        .where(Thread.room_id == room.id, Post.state == PostState.PUBLISHED.value, Post.is_official.is_(False))
    )
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(Post.created_at, Post.id).limit(per_page).offset((page - 1) * per_page))
    return list(rows), total


def tags_of(posts: list[Post]) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for tag in db.session.scalars(
        select(OpinionTag).where(OpinionTag.post_id.in_([p.id for p in posts])).order_by(OpinionTag.label)
    ):
        out.setdefault(tag.post_id, []).append(tag.label)
    return out


def set_tags(user, post: Post, labels: list[str]) -> list[str]:
    """Replace the tags of ``post``; a label may be one of the room's choices or a new free tag."""
    room = _room_of(post)
    if not can(user, Permission.TAG_OPINIONS, room):
        raise ServiceError(_l("You may tag opinions only in rooms you coordinate."), status=403)
    wanted = sorted({clean_line(label)[:TAG_MAX_LENGTH] for label in labels if clean_line(label)})
    if len(wanted) > 10:
        raise ServiceError(_l("An opinion can have at most 10 tags."), field="tag")
    pages = [("post", post.id)]
    db.session.execute(
        delete(OpinionTag)
        .where(OpinionTag.post_id == post.id, OpinionTag.label.not_in(wanted))
        .execution_options(page_scopes=pages)
    )
    for label in wanted:  # a coordinator and a moderator tagging at once keep one row per label
        insert_or_ignore(OpinionTag, page_scopes=pages, post_id=post.id, label=label, created_by=user.id)
    audit(user, "opinion.tag", post, details={"tags": wanted})
    db.session.commit()
    return wanted


def set_choices(user, room: Room, text: str) -> list[str]:
    """The room's own tags, one a line (the standard ones are always offered)."""
    if not can(user, Permission.TAG_OPINIONS, room):
        raise ServiceError(_l("You may tag opinions only in rooms you coordinate."), status=403)
    own: list[str] = []
    for line in text.splitlines():
        label = clean_line(line)[:TAG_MAX_LENGTH]
        if label and label not in STANDARD_TAGS and label not in own:
            own.append(label)
    if len(own) > MAX_ROOM_TAGS:
        raise ServiceError(_l("A room can have at most 20 tags of its own."), field="choices")
    room.tag_choices = "\n".join(own)
    db.session.commit()
    return own
