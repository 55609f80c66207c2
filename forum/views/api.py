"""The public read API, /api/v1/: public content only, as JSON, one envelope everywhere.

    {"items": [...], "page": n, "per_page": m, "total": t, "next": url-or-null}

A contract for open data and other city systems: extend it, never rename a field.
"""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, abort, current_app, jsonify, request, url_for
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from forum import clock
from forum.extensions import db, limiter
from forum.labels import AREA_NAMES
from forum.models import Area, Board, Post, Room, Thread, public
from forum.permissions import Permission, require
from forum.services import rooms
from forum.text.markup import to_plain_text
from forum.views import guest_cache
from forum.views.common import db_id

bp = Blueprint("api", __name__, url_prefix="/api/v1")
limiter.limit(lambda: current_app.config["RATELIMIT_API"])(bp)

DEFAULT_PER_PAGE, MAX_PER_PAGE = 30, 100


class BadParameter(ValueError):
    pass


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise BadParameter(f"{name} must be a whole number")
    if not low <= value <= high:
        raise BadParameter(f"{name} must be between {low} and {high}")
    return value


def _envelope(stmt: Select, serialize, counted: Select | None = None, **url_args):
    """One page of ``stmt`` in the envelope; ``counted`` gives the total when a cheaper query
    than counting ``stmt``'s rows knows it."""
    page = _int_arg("page", 1, 1, 1_000_000)
    per_page = _int_arg("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE)
    if counted is None:
        counted = select(func.count()).select_from(stmt.order_by(None).subquery())
    total = db.session.scalar(counted) or 0
    items = db.session.scalars(stmt.limit(per_page).offset((page - 1) * per_page)).all()
    has_next = page * per_page < total
    next_url = (
        url_for(request.endpoint, page=page + 1, per_page=per_page, _external=True, **url_args) if has_next else None
    )
    return jsonify(
        {"items": [serialize(i) for i in items], "page": page, "per_page": per_page, "total": total, "next": next_url}
    )


def _time(moment: datetime | None) -> str | None:
    return clock.to_local(moment, current_app.config["BABEL_DEFAULT_TIMEZONE"]).isoformat() if moment else None


def _room(room: Room) -> dict:
    rooms.refresh_state(room)  # a period that has ended reads as closed
    return {
        "id": room.id,
        "area": room.area,
        "title": room.title,
        "purpose": room.purpose,
        "posting_rules": room.posting_rules,
        "handling": room.handling,
        "department": room.department.name if room.department else None,
        "state": room.state,
        "opens_at": _time(room.opens_at),
        "closes_at": _time(room.closes_at),
        "report": room.report.body if room.report and room.report.submitted_at else None,
        "answer": room.answer.body if room.answer else None,
        "answered_at": _time(room.answer.published_at) if room.answer else None,
        "url": url_for("rooms.show", room_id=room.id, _external=True),
    }


def _board(board: Board) -> dict:
    return {
        "id": board.id,
        "name": board.name,
        "kind": board.kind,
        "description": board.description,
        "url": url_for("boards.show", board_id=board.id, _external=True),
    }


def _thread(thread: Thread) -> dict:
    return {
        "id": thread.id,
        "room_id": thread.room_id,
        "board_id": thread.board_id,
        "title": thread.title,
        "author": thread.author.handle if thread.author else None,
        "created_at": _time(thread.created_at),
        "last_posted_at": _time(thread.last_posted_at),
        "posts": thread.public_post_count,
        "status": thread.status if thread.room_id else None,
        "status_note": thread.status_note if thread.room_id else None,
        "url": url_for("threads.show", thread_id=thread.id, _external=True),
    }


def _post(post: Post) -> dict:
    return {
        "id": post.id,
        "thread_id": post.thread_id,
        "room_id": post.thread.room_id,
        "board_id": post.thread.board_id,
        "number": post.number,
        "author": post.author_name,
        "body": to_plain_text(post.body),
        "body_html": str(post.html),  # rendered when the post was written
        "created_at": _time(post.created_at),
        "edited_at": _time(post.edited_at),
        "reactions": post.reaction_count,
        "reply_to_id": post.reply_to_id if (post.reply_to is not None and post.reply_to.is_public) else None,
        "official": post.is_official,
        "url": url_for("threads.permalink", post_id=post.id, _external=True),
    }


def _posts_stmt(stmt: Select) -> Select:
    return stmt.options(selectinload(Post.thread), selectinload(Post.author), selectinload(Post.reply_to))


@bp.get("/areas")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def areas():
    public_ids = public.public_rooms().with_only_columns(Room.id)
    counts = dict(
        db.session.execute(select(Room.area, func.count()).where(Room.id.in_(public_ids)).group_by(Room.area)).all()
    )
    items = [
        {
            "id": a.value,
            "name": str(AREA_NAMES[a]),
            "rooms": counts.get(a.value, 0),
            "url": url_for("rooms.index", area=a.value, _external=True),
        }
        for a in Area
    ]
    return jsonify({"items": items, "page": 1, "per_page": len(items), "total": len(items), "next": None})


@bp.get("/rooms")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def room_list():
    stmt = (
        public.public_rooms()
        .options(selectinload(Room.department), selectinload(Room.report), selectinload(Room.answer))
        .order_by(Room.id)
    )
    area = request.args.get("area")
    if area:
        if area not in {a.value for a in Area}:
            raise BadParameter("area must be city or citizen")
        stmt = stmt.where(Room.area == area)
        return _envelope(stmt, _room, area=area)
    return _envelope(stmt, _room)


@bp.get("/rooms/<int:room_id>/threads")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.room)
def room_threads(room_id: int):
    room = db.session.scalar(public.public_rooms().where(Room.id == room_id)) or abort(404)
    stmt = (
        public.public_threads()
        .where(Thread.room_id == room.id)
        .options(selectinload(Thread.author))
        .order_by(Thread.id)
    )
    return _envelope(stmt, _thread, room_id=room.id)


@bp.get("/boards")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def board_list():
    return _envelope(public.public_boards().order_by(Board.id), _board)


@bp.get("/boards/<int:board_id>/threads")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.board)
def board_threads(board_id: int):
    board = db.session.scalar(public.public_boards().where(Board.id == board_id)) or abort(404)
    stmt = (
        public.public_threads()
        .where(Thread.board_id == board.id)
        .options(selectinload(Thread.author))
        .order_by(Thread.id)
    )
    return _envelope(stmt, _thread, board_id=board.id)


@bp.get("/threads/<int:thread_id>/posts")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.thread)
def thread_posts(thread_id: int):
    thread = db.session.scalar(public.public_threads().where(Thread.id == thread_id)) or abort(404)
    stmt = _posts_stmt(public.public_posts().where(Post.thread_id == thread.id))
    counted = select(Thread.public_post_count).where(Thread.id == thread.id)
    return _envelope(stmt, _post, counted, thread_id=thread.id)


@bp.get("/posts")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def post_list():
    stmt = public.public_posts()
    room_id = request.args.get("room_id")
    if room_id is not None:
        if db_id(room_id) is None:
            raise BadParameter("room_id must be a room id")
        stmt = stmt.where(Thread.room_id == db_id(room_id))
        counted = public.public_post_total(db_id(room_id))
        return _envelope(_posts_stmt(stmt), _post, counted, room_id=db_id(room_id))
    return _envelope(_posts_stmt(stmt), _post, public.public_post_total())


@bp.errorhandler(BadParameter)
def bad_parameter(error: BadParameter):
    return jsonify({"error": {"status": 400, "message": str(error)}}), 400


@bp.get("/search")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def search_posts():
    """The search page as JSON: post items (with ``snippet_html``) in the usual envelope."""
    from flask_login import current_user

    from forum.services import search
    from forum.views.search import search_args

    text = (request.args.get("q") or "").strip()[:200]
    if not text:
        raise BadParameter("q is required")
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE)
    args = search_args()
    results = search.run(current_user, text, per_page=per_page, **args)
    items = [{**_post(found.post), "snippet_html": str(found.snippet)} for found in results.items]
    has_next = results.page * per_page < results.total
    next_url = (
        url_for("api.search_posts", q=text, page=results.page + 1, per_page=per_page, _external=True)
        if has_next
        else None
    )
    return jsonify(
        {
            "items": items,
            "page": results.page,
            "per_page": per_page,
            "total": results.total,
            "total_exact": results.exact,
            "next": next_url,
        }
    )
