"""Search as residents and staff use it: the index finds, the database decides what is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from markupsafe import Markup, escape
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Post
from forum.permissions import Permission, can
from forum.search import sync
from forum.search.analysis import snippet
from forum.search.backend import SearchQuery, split_query


@dataclass
class Found:
    post: Post
    snippet: Markup


@dataclass
class Results:
    query: str
    total: int
    page: int
    per_page: int
    items: list[Found]
    exact: bool = True  # False: ``total`` is an estimate (a common phrase in a large forum)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def parse_day(value: str | None, end: bool = False) -> datetime | None:
    """A YYYY-MM-DD date as the start (or end) of that day in Japan, or None."""
    try:
        day = datetime.strptime((value or "").strip(), "%Y-%m-%d")
    except ValueError:
        return None
    moment = clock.from_local(day, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment + timedelta(days=1) if end else moment


def highlighted(text: str, words: list[str]) -> Markup:
    return Markup("").join(
        Markup("<mark>{}</mark>").format(piece) if hit else escape(piece) for piece, hit in snippet(text, words)
    )


def run(
    user,
    text: str,
    *,
    page: int = 1,
    per_page: int | None = None,
    room_id: int | None = None,
    board_id: int | None = None,
    area: str | None = None,
    author: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    newest: bool = False,
) -> Results:
    per_page = per_page or current_app.config["SEARCH_PER_PAGE"]
    visibility = ("public", "staff") if can(user, Permission.VIEW_STAFF_BOARD) else ("public",)
    query = SearchQuery(
        text=text,
        page=page,
        per_page=per_page,
        visibility=visibility,
        room_id=room_id,
        board_id=board_id,
        area=area if area in ("city", "citizen") else None,
        author=author or None,
        since=since,
        until=until,
        newest=newest,
    )
    found = sync.backend().search(query)
    posts = {
        p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(found.ids)).options(*sync.with_place()))
    }
    words = [w.lstrip("-") for w in split_query(text) if not w.startswith("-")]
    words = [part for w in words for part in w.split("|")]
    items = []
    for post_id in found.ids:
        post = posts.get(post_id)
        doc = sync.document(post) if post is not None else None  # the database is the truth
        if doc is None or doc.visibility not in visibility:
            continue
        items.append(Found(post, highlighted(doc.body, words)))
    return Results(query=text, total=found.total, page=max(page, 1), per_page=per_page, items=items, exact=found.exact)
