"""A resident's own data: download all of it, or delete the account.

Deleting an account removes the row; the database's foreign keys do the rest in one
statement: posts stay public but anonymous (退会したユーザー), letters, reactions, watches and
notifications go with the account.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash

from forum import clock
from forum.extensions import db
from forum.models import Letter, Notification, Post, Reaction, Room, User, Watch
from forum.permissions import Role
from forum.services.errors import ServiceError


def _iso(moment) -> str | None:
    return moment.isoformat() if moment else None


def export(user: User) -> dict[str, Any]:
    """Everything the site holds about ``user``, as JSON-ready data."""
    posts = db.session.scalars(select(Post).where(Post.author_id == user.id).order_by(Post.id))
    letters = db.session.scalars(select(Letter).where(Letter.author_id == user.id).order_by(Letter.id))
    return {
        "format": "hiroba-user-data/1",
        "exported_at": _iso(clock.now()),
        "account": {
            "id": user.id, "handle": user.handle, "email": user.email, "role": user.role,
            "department": user.department.name if user.department else None,
            "email_verified_at": _iso(user.email_verified_at), "created_at": _iso(user.created_at),
            "last_login_at": _iso(user.last_login_at), "locale": user.locale, "notify_mode": user.notify_mode,
        },
        "posts": [{"id": p.id, "thread_id": p.thread_id, "thread": p.thread.title, "number": p.number,
                   "body": p.body, "state": p.state, "created_at": _iso(p.created_at),
                   "edited_at": _iso(p.edited_at), "revisions": [r.body for r in p.revisions]}
                  for p in posts],
        "reactions": list(db.session.scalars(select(Reaction.post_id).where(Reaction.user_id == user.id))),
        "watches": [{"room_id": w.room_id, "thread_id": w.thread_id}
                    for w in db.session.scalars(select(Watch).where(Watch.user_id == user.id))],
        "letters": [{"id": letter.id, "department": letter.department.name, "subject": letter.subject,
                     "body": letter.body, "status": letter.status, "reply": letter.reply,
                     "created_at": _iso(letter.created_at), "replied_at": _iso(letter.replied_at)}
                    for letter in letters],
        "room_proposals": [{"id": r.id, "title": r.title, "state": r.state}
                           for r in db.session.scalars(select(Room).where(Room.proposer_id == user.id))],
        "notifications": [{"text": n.text, "url": n.url, "created_at": _iso(n.created_at)}
                          for n in db.session.scalars(select(Notification).where(Notification.user_id == user.id))],
    }


def delete_account(user: User, password: str) -> None:
    if not check_password_hash(user.password_hash, password or ""):
        raise ServiceError(_l("The current password is not correct."), "current_password")
    if user.role == Role.ADMIN and db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.ADMIN.value)) <= 1:
        raise ServiceError(_l("This is the last administrator. Make someone else an "
                              "administrator first."))
    user_id = user.id
    reacted = list(db.session.scalars(select(Reaction.post_id).where(Reaction.user_id == user_id)))
    db.session.expunge(user)
    db.session.execute(delete(User).where(User.id == user_id))
    counts = dict(db.session.execute(select(Reaction.post_id, func.count()).where(
        Reaction.post_id.in_(reacted)).group_by(Reaction.post_id)).all())
    for post in db.session.scalars(select(Post).where(Post.id.in_(reacted))):
        post.reaction_count = counts.get(post.id, 0)
    db.session.commit()
