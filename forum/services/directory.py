"""Listing and managing users and departments, for the admin, moderator and department pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.models import Department, User
from forum.paging import offset
from forum.permissions import Role
from forum.services.accounts import AccountError
from forum.text.normalize import clean_line, fold

PAGE_SIZE = 50


def find_users(query: str = "", role: str = "", page: int = 1, by_email: bool = False) -> tuple[list[User], int]:
    """Users matching a handle (and, for admins, e-mail) fragment and a role, newest first."""
    stmt = select(User).options(selectinload(User.department))
    if query:
        needle = fold(query.strip())
        match = User.handle_key.contains(needle, autoescape=True)
        if by_email:
            match = or_(match, User.email.contains(needle, autoescape=True))
        stmt = stmt.where(match)
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == role)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    users = db.session.scalars(
        stmt.order_by(User.created_at.desc(), User.id.desc()).limit(PAGE_SIZE).offset(offset(page, PAGE_SIZE))
    ).all()
    return list(users), total


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))


def save_department(
    department: Department | None, name: str, description: str | None, contact: str | None
) -> Department:
    name = clean_line(name)
    if not name:
        raise AccountError(_l("This field is required."), "name")
    clash = db.session.scalar(select(Department).where(Department.name == name))
    if clash is not None and clash is not department:
        raise AccountError(_l("A department with this name already exists."), "name")
    if department is None:
        department = Department(name=name)
        db.session.add(department)
    department.name = name
    department.description = (description or "").strip()
    department.contact = clean_line(contact or "")
    db.session.commit()
    return department


def delete_department(department: Department) -> None:
    if department.members:
        raise AccountError(_l("This department still has staff. Move them first."))
    db.session.delete(department)
    db.session.commit()
