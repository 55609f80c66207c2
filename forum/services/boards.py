"""Bulletin boards: who sees them, who posts, and their membership."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum.extensions import db
from forum.models import Board, BoardKind, BoardMember, User
from forum.permissions import Permission, can
from forum.services.errors import ServiceError
from forum.text.normalize import clean_line


def can_view(user, board: Board) -> bool:
    return not board.is_staff_only or can(user, Permission.VIEW_STAFF_BOARD)


def visible_boards(user) -> list[Board]:
    boards = db.session.scalars(select(Board).order_by(Board.kind, Board.name)).all()
    return [b for b in boards if can_view(user, b)]


def create_board(name: str, description: str, kind: str, owners: list[User] = ()) -> Board:
    name = clean_line(name or "")
    if not name:
        raise ServiceError(_l("This field is required."), "name")
    if kind not in {k.value for k in BoardKind}:
        raise ServiceError(_l("Choose a kind of board."), "kind")
    if db.session.scalar(select(Board).where(Board.name == name)):
        raise ServiceError(_l("A board with this name already exists."), "name")
    board = Board(name=name, description=(description or "").strip(), kind=kind)
    board.memberships = [BoardMember(user=u, is_owner=True) for u in owners]
    db.session.add(board)
    db.session.commit()
    return board


def set_member(board: Board, user: User, member: bool, owner: bool = False) -> None:
    existing = db.session.get(BoardMember, (board.id, user.id))
    if not member:
        if existing is not None:
            if existing.is_owner and len(board.owner_ids) == 1:
                raise ServiceError(_l("A board needs at least one owner."))
            db.session.delete(existing)
    elif existing is None:
        db.session.add(BoardMember(board=board, user=user, is_owner=owner))
    else:
        if existing.is_owner and not owner and len(board.owner_ids) == 1:
            raise ServiceError(_l("A board needs at least one owner."))
        existing.is_owner = owner
    db.session.commit()
    db.session.refresh(board)
