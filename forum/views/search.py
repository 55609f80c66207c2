"""The search page: a box on every page leads here."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user

from forum.permissions import Permission, require
from forum.services import search
from forum.views import guest_cache
from forum.views.common import db_id, page_arg

bp = Blueprint("search", __name__)


def search_args() -> dict:
    """The filters of the search form and the API, parsed leniently: bad values are ignored."""
    args = request.args
    return {
        "page": page_arg(),
        "room_id": db_id(args.get("room")),
        "board_id": db_id(args.get("board")),
        "area": args.get("area") or None,
        "author": (args.get("author") or "").strip()[:30] or None,
        "since": search.parse_day(args.get("since")),
        "until": search.parse_day(args.get("until"), end=True),
        "newest": args.get("sort") == "newest",
    }


@bp.get("/search")
@require(Permission.VIEW_PUBLIC)
@guest_cache.cached(guest_cache.everything)
def index():
    text = (request.args.get("q") or "").strip()[:200]
    results = search.run(current_user, text, **search_args()) if text else None
    return render_template("search.html", q=text, results=results, args=request.args)
