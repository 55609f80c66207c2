"""Letters to the city: private between a resident and one department. Never public, never
in search, the API or exports."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Department, Letter, LetterStatus, User
from forum.permissions import Permission, can
from forum.services import notifications
from forum.services.errors import ServiceError
from forum.services.posts import check_body, check_title


def can_read(user, letter: Letter) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return letter.author_id == user.id or can(user, Permission.HANDLE_LETTERS, letter)


def send(author: User, department_id: int | None, subject: str, body: str) -> Letter:
    department = db.session.get(Department, department_id) if department_id else None
    if department is None:
        raise ServiceError(_l("Choose the department in charge."), "department_id")
    letter = Letter(
        author=author,
        department=department,
        subject=check_title(subject).strip(),
        body=check_body(body),
        status=LetterStatus.RECEIVED.value,
        created_at=clock.now(),
    )
    db.session.add(letter)
    db.session.commit()
    return letter


def answer(staff: User, letter: Letter, reply: str, status: str) -> None:
    if not can(staff, Permission.HANDLE_LETTERS, letter):
        raise ServiceError(_l("Only staff of the department in charge can answer."), status=403)
    if status not in {s.value for s in LetterStatus}:
        raise ServiceError(_l("Choose a status."), "status")
    reply = (reply or "").strip()
    if status == LetterStatus.REPLIED and not reply:
        raise ServiceError(_l("Write the reply before sending it."), "reply")
    was_replied = letter.status == LetterStatus.REPLIED
    letter.status = status
    if reply:
        letter.reply = reply
        letter.replied_at = clock.now()
        letter.replied_by = staff
    if status == LetterStatus.REPLIED and not was_replied:
        notifications.letter_replied(letter)
    db.session.commit()


def of_author(user: User) -> list[Letter]:
    return list(
        db.session.scalars(select(Letter).where(Letter.author_id == user.id).order_by(Letter.created_at.desc()))
    )


def of_department(department_id: int | None, everything: bool = False) -> list[Letter]:
    stmt = select(Letter).order_by(Letter.status != LetterStatus.RECEIVED.value, Letter.created_at.desc())
    if not everything:
        stmt = stmt.where(Letter.department_id == department_id)
    return list(db.session.scalars(stmt))
