"""The permission table: the one place that says which role may do what.

Every view checks it server-side through :func:`require`; the tests walk the whole table.
Later capabilities add their permissions here, never beside it.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import Any, TypeVar

from flask import abort, redirect, request, url_for
from flask_login import current_user


class Role(StrEnum):
    GUEST = "guest"
    RESIDENT = "resident"
    COORDINATOR = "coordinator"
    MODERATOR = "moderator"
    STAFF = "staff"
    ADMIN = "admin"


#: Roles an admin can grant (guest is "not logged in", never stored).
ASSIGNABLE_ROLES = (Role.RESIDENT, Role.COORDINATOR, Role.MODERATOR, Role.STAFF, Role.ADMIN)


class Permission(StrEnum):
    VIEW_PUBLIC = "view_public"
    MANAGE_OWN_ACCOUNT = "manage_own_account"
    MODERATE = "moderate"
    DEPARTMENT_DESK = "department_desk"
    MANAGE_USERS = "manage_users"
    MANAGE_DEPARTMENTS = "manage_departments"


_SIGNED_IN = {Role.RESIDENT, Role.COORDINATOR, Role.MODERATOR, Role.STAFF, Role.ADMIN}

TABLE: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_PUBLIC: frozenset({Role.GUEST, *_SIGNED_IN}),
    Permission.MANAGE_OWN_ACCOUNT: frozenset(_SIGNED_IN),
    Permission.MODERATE: frozenset({Role.MODERATOR, Role.ADMIN}),
    Permission.DEPARTMENT_DESK: frozenset({Role.STAFF, Role.ADMIN}),
    Permission.MANAGE_USERS: frozenset({Role.ADMIN}),
    Permission.MANAGE_DEPARTMENTS: frozenset({Role.ADMIN}),
}

def role_of(user: Any) -> Role:
    if user is None or not getattr(user, "is_authenticated", False):
        return Role.GUEST
    return Role(user.role)


def can(user: Any, permission: Permission) -> bool:
    """Pure check against the table; no request needed."""
    return role_of(user) in TABLE[permission]


F = TypeVar("F", bound=Callable[..., Any])


def require(permission: Permission) -> Callable[[F], F]:
    """Guard a view: guests are sent to log in, signed-in users without the right get 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if can(current_user, permission):
                return view(*args, **kwargs)
            if not current_user.is_authenticated:
                return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
            abort(403)

        wrapped.required_permission = permission  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorator
