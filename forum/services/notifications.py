"""Watching and notifications: in-site list, and mail now, in a daily digest, or never."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import delete, func, select

from forum import clock
from forum.dates import format_jp_date
from forum.extensions import db
from forum.models import Notification, NotifyMode, Room, Thread, User, Watch
from forum.models.upsert import insert_or_ignore
from forum.services import mailing


def is_watching(user, room: Room | None = None, thread: Thread | None = None) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return _watch(user, room, thread) is not None


def _watch(user: User, room: Room | None, thread: Thread | None) -> Watch | None:
    stmt = select(Watch).where(Watch.user_id == user.id)
    stmt = stmt.where(Watch.room_id == room.id) if room else stmt.where(Watch.thread_id == thread.id)
    return db.session.scalar(stmt)


def set_watch(user: User, on: bool, room: Room | None = None, thread: Thread | None = None) -> None:
    """Watch or stop watching (not committed). The unique index decides, so two tabs cannot
    add the same watch twice."""
    if on:
        insert_or_ignore(
            Watch,
            user_id=user.id,
            room_id=room.id if room else None,
            thread_id=thread.id if thread else None,
            created_at=clock.now(),
        )
    else:
        target = Watch.room_id == room.id if room else Watch.thread_id == thread.id
        db.session.execute(delete(Watch).where(Watch.user_id == user.id, target))


def toggle_watch(user: User, room: Room | None = None, thread: Thread | None = None) -> bool:
    """Watch if not watching, else stop; returns whether the user watches now."""
    on = _watch(user, room, thread) is None
    set_watch(user, on, room=room, thread=thread)
    db.session.commit()
    return on


def watchers(room: Room | None = None, thread: Thread | None = None) -> list[User]:
    stmt = select(User).join(Watch, Watch.user_id == User.id)
    stmt = stmt.where(Watch.room_id == room.id) if room else stmt.where(Watch.thread_id == thread.id)
    return list(db.session.scalars(stmt))


def notify(users: list[User], message, url: str, exclude: User | None = None) -> int:
    """Add a notification for each user (in their language) and queue a mail for those who want
    it now; returns how many mails were queued. Not committed: it is part of the caller's action,
    and the mails leave after that commits (``forum.services.mailing``).
    ``message`` is called with no arguments inside each user's locale and returns the text."""
    queued = 0
    for user in {u.id: u for u in users}.values():
        if exclude is not None and user.id == exclude.id:
            continue
        with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
            text = str(message())[:300]
        note = Notification(user_id=user.id, text=text, url=url, created_at=clock.now())
        db.session.add(note)
        if user.notify_mode == NotifyMode.IMMEDIATE and user.is_verified:
            _queue_mail(user, [note])
            queued += 1
    return queued


def set_mode(user: User, mode: NotifyMode) -> None:
    """How ``user`` wants to hear of what they watch: right away, once a day, or only on the site."""
    user.notify_mode = mode.value
    db.session.commit()


def tell_author(post, message) -> None:
    """Tell a post's author about a decision on it (moderation, review); a link to the post."""
    if post.author is not None:
        notify([post.author], message, f"/posts/{post.id}")


def _queue_mail(user: User, notes: list[Notification]) -> None:
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):
        text = render_template(
            "mail/notifications.txt",
            user=user,
            notes=notes,
            base=url_for("main.home", _external=True).rstrip("/"),
            settings=url_for("mypage.notifications", _external=True),
        )
    subject, _sep, body = text.partition("\n")
    mailing.queue(user.email, subject.strip(), body.lstrip("\n"))
    for note in notes:
        note.emailed_at = clock.now()  # handed to the outbox: never in a digest again


def send_digests() -> int:
    """One mail per daily-digest user with what arrived since their last digest (each user's
    digest and its notifications' mark are one transaction)."""
    users = db.session.scalars(select(User).where(User.notify_mode == NotifyMode.DAILY.value)).all()
    queued = 0
    for user in users:
        notes = list(
            db.session.scalars(
                select(Notification)
                .where(
                    Notification.user_id == user.id,
                    Notification.emailed_at.is_(None),
                    Notification.created_at >= clock.now() - timedelta(days=7),
                )
                .order_by(Notification.id)
            )
        )
        if not notes or not user.is_verified:
            continue
        _queue_mail(user, notes)
        db.session.commit()
        queued += 1
    return queued


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        )
        or 0
    )


def recent(user: User, limit: int = 50) -> list[Notification]:
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id.desc()).limit(limit)
        )
    )


def mark_all_read(user: User) -> None:
    for note in db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    ):
        note.read_at = clock.now()
    db.session.commit()


# ---------------------------------------------------------------- the events


def new_thread(thread: Thread) -> None:
    room = thread.room
    if room is None:
        return
    notify(
        watchers(room=room),
        lambda: _("New thread “%(title)s” in “%(room)s”", title=thread.title, room=room.title),
        url_for("threads.show", thread_id=thread.id),
        exclude=thread.author,
    )


def new_reply(post) -> None:
    thread = post.thread
    notify(
        watchers(thread=thread),
        lambda: _("New post #%(n)d in “%(title)s”", n=post.number, title=thread.title),
        url_for("threads.permalink", post_id=post.id),
        exclude=post.author,
    )


def department_answer(room: Room) -> None:
    notify(
        watchers(room=room),
        lambda: _("The department has answered “%(room)s”", room=room.title),
        url_for("rooms.show", room_id=room.id, _anchor="answer"),
    )


def department_staff(room: Room) -> list[User]:
    """Who answers for ``room``: its department's staff, or the admins when it has none."""
    from forum.permissions import Role

    if room.department_id is not None:
        staff = list(
            db.session.scalars(
                select(User).where(User.department_id == room.department_id, User.role == Role.STAFF.value)
            )
        )
        if staff:
            return staff
    return list(db.session.scalars(select(User).where(User.role == Role.ADMIN.value)))


def report_arrived(room: Room) -> None:
    report = room.report
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    due = format_jp_date(report.due_at, tz) if report and report.due_at else ""
    notify(
        department_staff(room),
        lambda: _("The report of “%(room)s” has arrived; the answer is due on %(due)s", room=room.title, due=due),
        url_for("rooms.show", room_id=room.id, _anchor="report"),
    )


def letter_replied(letter) -> None:
    notify(
        [letter.author],
        lambda: _("Your letter “%(subject)s” has been answered", subject=letter.subject),
        url_for("letters.show", letter_id=letter.id),
    )
