"""The permission table: the one place that says which role may do what.

Every view checks it server-side through :func:`require` (role level) and, where a permission
is about one room or board, :func:`can` with that target (scope level). The tests walk the
whole table. Later capabilities add their permissions here, never beside it.
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
    PARTICIPATE = "participate"  # post, reply, react, propose a room (verified e-mail only)
    MODERATE = "moderate"
    REVIEW_ROOM_PROPOSALS = "review_room_proposals"
    CREATE_CITY_ROOM = "create_city_room"
    ANSWER_OFFICIALLY = "answer_officially"  # 市の回答, thread status, department answer
    COORDINATE_ROOM = "coordinate_room"  # write and submit the room report
    VIEW_STAFF_BOARD = "view_staff_board"
    HANDLE_LETTERS = "handle_letters"  # read and answer letters to one's own department
    DEPARTMENT_DESK = "department_desk"
    MANAGE_BOARDS = "manage_boards"  # create boards, name their owners
    MANAGE_BOARD_MEMBERS = "manage_board_members"  # a board's owners add and remove members
    EXPORT_AUDIT_LOG = "export_audit_log"  # the audit log as CSV, for the city's auditors
    MANAGE_USERS = "manage_users"
    MANAGE_DEPARTMENTS = "manage_departments"
    EXPORT_OPINIONS = "export_opinions"  # export and summarise the opinions of one's department's rooms
    TAG_OPINIONS = "tag_opinions"  # sort opinions with tags (賛成, 要望, …) in rooms one coordinates


_SIGNED_IN = {Role.RESIDENT, Role.COORDINATOR, Role.MODERATOR, Role.STAFF, Role.ADMIN}

TABLE: dict[Permission, frozenset[Role]] = {
    Permission.VIEW_PUBLIC: frozenset({Role.GUEST, *_SIGNED_IN}),
    Permission.MANAGE_OWN_ACCOUNT: frozenset(_SIGNED_IN),
    Permission.PARTICIPATE: frozenset(_SIGNED_IN),
    Permission.MODERATE: frozenset({Role.MODERATOR, Role.ADMIN}),
    Permission.REVIEW_ROOM_PROPOSALS: frozenset({Role.MODERATOR, Role.ADMIN}),
    Permission.CREATE_CITY_ROOM: frozenset({Role.STAFF, Role.ADMIN}),
    Permission.ANSWER_OFFICIALLY: frozenset({Role.STAFF, Role.ADMIN}),
    Permission.COORDINATE_ROOM: frozenset({Role.COORDINATOR, Role.ADMIN}),
    Permission.VIEW_STAFF_BOARD: frozenset({Role.STAFF, Role.ADMIN}),
    Permission.HANDLE_LETTERS: frozenset({Role.STAFF, Role.ADMIN}),
    Permission.DEPARTMENT_DESK: frozenset({Role.STAFF, Role.ADMIN}),
    Permission.MANAGE_BOARDS: frozenset({Role.ADMIN}),
    Permission.MANAGE_BOARD_MEMBERS: frozenset(_SIGNED_IN),
    Permission.EXPORT_AUDIT_LOG: frozenset({Role.ADMIN}),
    Permission.MANAGE_USERS: frozenset({Role.ADMIN}),
    Permission.MANAGE_DEPARTMENTS: frozenset({Role.ADMIN}),
    Permission.EXPORT_OPINIONS: frozenset({Role.STAFF, Role.ADMIN}),
    Permission.TAG_OPINIONS: frozenset({Role.COORDINATOR, Role.MODERATOR, Role.ADMIN}),
}

#: Held by a signed-in user only once their e-mail address is verified (登録市民).
VERIFIED_ONLY = frozenset({Permission.PARTICIPATE})


def _participate_in(user: Any, target: Any) -> bool:
    """Rooms are open to every verified user; boards to their members (staff board: staff)."""
    if not hasattr(target, "member_ids"):
        return True
    if target.is_staff_only:
        return role_of(user) in {Role.STAFF, Role.ADMIN}
    return role_of(user) is Role.ADMIN or user.id in target.member_ids


def _own_department(user: Any, room: Any) -> bool:
    return role_of(user) is Role.ADMIN or (room.department_id is not None and user.department_id == room.department_id)


def _coordinates(user: Any, room: Any) -> bool:
    return role_of(user) is Role.ADMIN or user.id in room.coordinator_ids


def _tags_in(user: Any, room: Any) -> bool:
    return role_of(user) in {Role.MODERATOR, Role.ADMIN} or user.id in room.coordinator_ids


def _owns_board(user: Any, board: Any) -> bool:
    return role_of(user) is Role.ADMIN or user.id in board.owner_ids


#: Per-target rules, applied when ``can`` is given a room or board.
SCOPES: dict[Permission, Callable[[Any, Any], bool]] = {
    Permission.PARTICIPATE: _participate_in,
    Permission.ANSWER_OFFICIALLY: _own_department,
    Permission.HANDLE_LETTERS: _own_department,
    Permission.COORDINATE_ROOM: _coordinates,
    Permission.MANAGE_BOARD_MEMBERS: _owns_board,
    Permission.EXPORT_OPINIONS: _own_department,
    Permission.TAG_OPINIONS: _tags_in,
}


def role_of(user: Any) -> Role:
    if user is None or not getattr(user, "is_authenticated", False):
        return Role.GUEST
    return Role(user.role)


def can(user: Any, permission: Permission, target: Any = None) -> bool:
    """Pure check against the table (and the scope, for a target); no request needed."""
    if role_of(user) not in TABLE[permission]:
        return False
    if permission in VERIFIED_ONLY and not user.is_verified:
        return False
    scope = SCOPES.get(permission)
    return target is None or scope is None or scope(user, target)


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


def ensure(permission: Permission, target: Any) -> None:
    """Inside a view: 403 unless the current user holds ``permission`` for ``target``."""
    if not can(current_user, permission, target):
        abort(403)
