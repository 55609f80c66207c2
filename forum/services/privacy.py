"""A resident's own data: read all of it (a printable page and a JSON download), or delete the account.

``my_data`` gathers everything the site holds about one user; the page and the JSON are two views
of that one result, so they cannot drift apart. Deleting an account removes the row; the
database's foreign keys do the rest in one statement: posts stay public but anonymous
(退会したユーザー), letters, reactions, watches and notifications go with the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload
from werkzeug.security import check_password_hash

from forum import clock
from forum.extensions import db
from forum.models import Letter, Notification, Post, Reaction, Room, Thread, User, Watch
from forum.permissions import Role
from forum.services.errors import ServiceError


@dataclass(frozen=True)
class Account:
    id: int
    handle: str
    email: str
    role: str
    department: str | None
    email_verified_at: datetime | None
    created_at: datetime
    last_login_at: datetime | None
    locale: str | None
    notify_mode: str


@dataclass(frozen=True)
class MyPost:
    id: int
    place: str  # the room's title or the board's name
    thread_id: int
    thread: str
    number: int
    body: str
    state: str
    created_at: datetime
    edited_at: datetime | None
    revisions: tuple[str, ...]  # earlier texts, oldest first


@dataclass(frozen=True)
class MyReaction:
    post_id: int
    place: str
    thread_id: int
    thread: str
    number: int
    reacted_at: datetime


@dataclass(frozen=True)
class MyWatch:
    room_id: int | None
    room: str | None
    thread_id: int | None
    thread: str | None
    created_at: datetime


@dataclass(frozen=True)
class MyLetter:
    id: int
    department: str
    subject: str
    body: str
    status: str
    reply: str
    created_at: datetime
    replied_at: datetime | None


@dataclass(frozen=True)
class MyProposal:
    id: int
    title: str
    state: str


@dataclass(frozen=True)
class MyNotification:
    text: str
    url: str
    created_at: datetime


@dataclass(frozen=True)
class MyData:
    exported_at: datetime
    account: Account
    posts: list[MyPost]
    reactions: list[MyReaction]
    watches: list[MyWatch]
    letters: list[MyLetter]
    room_proposals: list[MyProposal]
    notifications: list[MyNotification]


def _place(thread: Thread) -> str:
    return thread.room.title if thread.room is not None else thread.board.name if thread.board is not None else ""


def my_data(user: User) -> MyData:
    """Everything the site holds about ``user`` — and nothing about anyone else."""
    in_thread = selectinload(Post.thread).options(selectinload(Thread.room), selectinload(Thread.board))
    posts = db.session.scalars(
        select(Post).where(Post.author_id == user.id).options(in_thread, selectinload(Post.revisions)).order_by(Post.id)
    )
    reactions = db.session.execute(
        select(Reaction.created_at, Post)
        .join(Post, Reaction.post_id == Post.id)
        .where(Reaction.user_id == user.id)
        .options(in_thread)
        .order_by(Reaction.created_at, Post.id)
    )
    watches = db.session.execute(
        select(Watch, Room.title, Thread.title)
        .outerjoin(Room, Watch.room_id == Room.id)
        .outerjoin(Thread, Watch.thread_id == Thread.id)
        .where(Watch.user_id == user.id)
        .order_by(Watch.id)
    )
    letters = db.session.scalars(
        select(Letter).where(Letter.author_id == user.id).options(selectinload(Letter.department)).order_by(Letter.id)
    )
    return MyData(
        exported_at=clock.now(),
        account=Account(
            id=user.id,
            handle=user.handle,
            email=user.email,
            role=user.role,
            department=user.department.name if user.department else None,
            email_verified_at=user.email_verified_at,
            created_at=user.created_at,
            last_login_at=user.last_login_at,
            locale=user.locale,
            notify_mode=user.notify_mode,
        ),
        posts=[
            MyPost(
                id=p.id,
                place=_place(p.thread),
                thread_id=p.thread_id,
                thread=p.thread.title,
                number=p.number,
                body=p.body,
                state=p.state,
                created_at=p.created_at,
                edited_at=p.edited_at,
                revisions=tuple(r.body for r in p.revisions),
            )
            for p in posts
        ],
        reactions=[
            MyReaction(
                post_id=p.id,
                place=_place(p.thread),
                thread_id=p.thread_id,
                thread=p.thread.title,
                number=p.number,
                reacted_at=at,
            )
            for at, p in reactions
        ],
        watches=[
            MyWatch(room_id=w.room_id, room=room, thread_id=w.thread_id, thread=thread, created_at=w.created_at)
            for w, room, thread in watches
        ],
        letters=[
            MyLetter(
                id=m.id,
                department=m.department.name,
                subject=m.subject,
                body=m.body,
                status=m.status,
                reply=m.reply,
                created_at=m.created_at,
                replied_at=m.replied_at,
            )
            for m in letters
        ],
        room_proposals=[
            MyProposal(id=r.id, title=r.title, state=r.state)
            for r in db.session.scalars(select(Room).where(Room.proposer_id == user.id).order_by(Room.id))
        ],
        notifications=[
            MyNotification(text=n.text, url=n.url, created_at=n.created_at)
            for n in db.session.scalars(
                select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
            )
        ],
    )


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def as_json(data: MyData) -> dict[str, Any]:
    """``data`` as the JSON download (format hiroba-user-data/1; ISO 8601 times, for machines)."""
    a = data.account
    return {
        "format": "hiroba-user-data/1",
        "exported_at": _iso(data.exported_at),
        "account": {
            "id": a.id,
            "handle": a.handle,
            "email": a.email,
            "role": a.role,
            "department": a.department,
            "email_verified_at": _iso(a.email_verified_at),
            "created_at": _iso(a.created_at),
            "last_login_at": _iso(a.last_login_at),
            "locale": a.locale,
            "notify_mode": a.notify_mode,
        },
        "posts": [
            {
                "id": p.id,
                "place": p.place,
                "thread_id": p.thread_id,
                "thread": p.thread,
                "number": p.number,
                "body": p.body,
                "state": p.state,
                "created_at": _iso(p.created_at),
                "edited_at": _iso(p.edited_at),
                "revisions": list(p.revisions),
            }
            for p in data.posts
        ],
        "reactions": [r.post_id for r in data.reactions],
        "watches": [
            {
                "room_id": w.room_id,
                "room": w.room,
                "thread_id": w.thread_id,
                "thread": w.thread,
                "created_at": _iso(w.created_at),
            }
            for w in data.watches
        ],
        "letters": [
            {
                "id": m.id,
                "department": m.department,
                "subject": m.subject,
                "body": m.body,
                "status": m.status,
                "reply": m.reply,
                "created_at": _iso(m.created_at),
                "replied_at": _iso(m.replied_at),
            }
            for m in data.letters
        ],
        "room_proposals": [{"id": r.id, "title": r.title, "state": r.state} for r in data.room_proposals],
        "notifications": [{"text": n.text, "url": n.url, "created_at": _iso(n.created_at)} for n in data.notifications],
    }


def delete_account(user: User, password: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        raise ServiceError(_l("The current password is not correct."), "current_password")
    if (
        user.role == Role.ADMIN
        and db.session.scalar(select(func.count()).select_from(User).where(User.role == Role.ADMIN.value)) <= 1
    ):
        raise ServiceError(_l("This is the last administrator. Make someone else an administrator first."))
    user_id = user.id
    reacted = list(db.session.scalars(select(Reaction.post_id).where(Reaction.user_id == user_id)))
    db.session.expunge(user)
    db.session.execute(delete(User).where(User.id == user_id))
    counts = dict(
        db.session.execute(
            select(Reaction.post_id, func.count()).where(Reaction.post_id.in_(reacted)).group_by(Reaction.post_id)
        ).all()
    )
    for post in db.session.scalars(select(Post).where(Post.id.in_(reacted))):
        post.reaction_count = counts.get(post.id, 0)
    db.session.commit()
