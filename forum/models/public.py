"""What the public may read: one definition used by pages, the API, feeds (and later search
and exports), so that a hidden, withdrawn or staff-only post can never leak through one of them."""

from __future__ import annotations

from sqlalchemy import Select, and_, func, or_, select

from forum.models import Board, BoardKind, Post, PostState, Room, RoomState, Thread

PUBLIC_ROOM_STATES = (RoomState.OPEN, RoomState.CLOSED, RoomState.REPORTED, RoomState.ANSWERED)


def public_place():
    """A condition on Thread (joined with Room and Board) for places a guest may read."""
    return or_(
        and_(Thread.room_id.is_not(None), Room.state.in_([s.value for s in PUBLIC_ROOM_STATES])),
        and_(Thread.board_id.is_not(None), Board.kind != BoardKind.STAFF.value),
    )


def public_posts() -> Select:
    """Every post a guest may read, oldest first."""
    return (
        select(Post)
        .join(Thread, Post.thread_id == Thread.id)
        .outerjoin(Room, Thread.room_id == Room.id)
        .outerjoin(Board, Thread.board_id == Board.id)
        .where(Post.state == PostState.PUBLISHED.value, public_place())
        .order_by(Post.created_at, Post.id)
    )


def public_post_total(room_id: int | None = None) -> Select:
    """How many posts ``public_posts()`` holds (in one room), from the threads' public counts: a
    sum over threads instead of a count over every post, the same number (the counts move with
    every post's state, in its transaction)."""
    stmt = (
        select(func.coalesce(func.sum(Thread.public_post_count), 0))
        .select_from(Thread)
        .outerjoin(Room, Thread.room_id == Room.id)
        .outerjoin(Board, Thread.board_id == Board.id)
        .where(public_place())
    )
    return stmt if room_id is None else stmt.where(Thread.room_id == room_id)


def public_threads() -> Select:
    """Threads a guest may read: in a public place, with at least one public post."""
    return (
        select(Thread)
        .outerjoin(Room, Thread.room_id == Room.id)
        .outerjoin(Board, Thread.board_id == Board.id)
        .where(public_place(), Thread.public_post_count > 0)
    )


def public_rooms() -> Select:
    return select(Room).where(Room.state.in_([s.value for s in PUBLIC_ROOM_STATES]))


def public_boards() -> Select:
    return select(Board).where(Board.kind != BoardKind.STAFF.value)
