"""Atom feeds: new posts of a room or a board, and the departments' answers."""

from __future__ import annotations

from flask import Blueprint, abort, make_response, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.models import Board, DepartmentAnswer, Post, Room, RoomState, Thread, public
from forum.permissions import Permission, require
from forum.views import guest_cache
from forum.views.common import found

bp = Blueprint("feeds", __name__)
FEED_SIZE = 50


def _atom(title: str, self_url: str, alternate: str, entries: list[dict]):
    response = make_response(
        render_template("feed.xml", title=title, self_url=self_url, alternate=alternate, entries=entries)
    )
    response.mimetype = "application/atom+xml"
    return response


def _post_entries(stmt) -> list[dict]:
    posts = db.session.scalars(
        stmt.options(selectinload(Post.thread), selectinload(Post.author))
        .order_by(None)
        .order_by(Post.created_at.desc(), Post.id.desc())
        .limit(FEED_SIZE)
    ).all()
    return [
        {
            "id": url_for("threads.permalink", post_id=p.id, _external=True),
            "title": f"{p.thread.title} #{p.number}",
            "url": url_for("threads.permalink", post_id=p.id, _external=True),
            "updated": p.edited_at or p.created_at,
            "author": p.author_name,
            "body": p.body,
        }
        for p in posts
    ]


@bp.get("/rooms/<int:room_id>/feed.atom")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.room)
def room_feed(room_id: int):
    room = found(db.session.scalar(public.public_rooms().where(Room.id == room_id)))
    entries = _post_entries(public.public_posts().where(Thread.room_id == room.id))
    return _atom(
        room.title,
        url_for("feeds.room_feed", room_id=room.id, _external=True),
        url_for("rooms.show", room_id=room.id, _external=True),
        entries,
    )


@bp.get("/boards/<int:board_id>/feed.atom")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.board)
def board_feed(board_id: int):
    board = db.session.scalar(public.public_boards().where(Board.id == board_id)) or abort(404)
    entries = _post_entries(public.public_posts().where(Thread.board_id == board.id))
    return _atom(
        board.name,
        url_for("feeds.board_feed", board_id=board.id, _external=True),
        url_for("boards.show", board_id=board.id, _external=True),
        entries,
    )


@bp.get("/answers.atom")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def answers_feed():
    answers = db.session.scalars(
        select(DepartmentAnswer)
        .join(Room)
        .where(Room.state == RoomState.ANSWERED.value)
        .options(selectinload(DepartmentAnswer.room).selectinload(Room.department))
        .order_by(DepartmentAnswer.published_at.desc())
        .limit(FEED_SIZE)
    ).all()
    entries = [
        {
            "id": url_for("rooms.show", room_id=a.room_id, _external=True) + "#answer",
            "title": a.room.title,
            "url": url_for("rooms.show", room_id=a.room_id, _anchor="answer", _external=True),
            "updated": a.published_at,
            "author": a.room.department.name if a.room.department else None,
            "body": a.body,
        }
        for a in answers
    ]
    return _atom(
        _("Department answers"),
        url_for("feeds.answers_feed", _external=True),
        url_for("main.home", _external=True),
        entries,
    )
