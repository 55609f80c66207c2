"""Keeping the index in step with the database: the outbox.

Every change to a post (or a move of its thread) adds an outbox row *in the same transaction*
(``after_flush``), so a rollback takes it back too. After the commit the rows are applied to the
index; if the process dies in between, ``flask --app forum search sync`` (or the next commit)
applies them. The index is only ever told "this post changed": it reads the post's current state
from the database, so the order rows are applied in does not matter.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from flask import current_app, has_app_context
from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session, selectinload

from forum import clock
from forum.extensions import db
from forum.models import Board, BoardKind, Post, PostState, Room, SearchOutbox, Thread
from forum.search.backend import SearchDoc, WhooshBackend
from forum.services.public import PUBLIC_ROOM_STATES
from forum.text.markup import to_plain_text

log = logging.getLogger(__name__)
TRACKED = ("body", "state", "author_id", "thread_id", "legacy_author", "hidden_reason")


def with_place():
    """Loader options: a post with its thread, room or board, and author (what a document needs)."""
    return (selectinload(Post.thread).selectinload(Thread.room),
            selectinload(Post.thread).selectinload(Thread.board), selectinload(Post.author))
BATCH = 500


def backend() -> WhooshBackend:
    app = current_app._get_current_object()
    found = app.extensions.get("hiroba_search")
    if found is None:
        found = app.extensions["hiroba_search"] = WhooshBackend(app.config["SEARCH_INDEX_DIR"])
    return found


# ---------------------------------------------------------------- the outbox rows

@event.listens_for(Session, "after_flush")
def _record_changes(session: Session, _context) -> None:
    ids: set[int] = set()
    moved_threads: set[int] = set()
    changed_rooms: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Post) and obj.id is not None:
            state = inspect(obj)
            if obj in session.new or obj in session.deleted or any(
                    state.attrs[name].history.has_changes() for name in TRACKED):
                ids.add(obj.id)
        elif isinstance(obj, Thread) and obj in session.dirty:
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in ("room_id", "board_id", "title")):
                moved_threads.add(obj.id)
        elif isinstance(obj, Room) and obj in session.dirty:
            state = inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in ("state", "area")):
                changed_rooms.add(obj.id)  # made public or not, or moved to another area
    connection = session.connection()
    if moved_threads:
        ids |= set(connection.execute(select(Post.id).where(Post.thread_id.in_(moved_threads))).scalars())
    if changed_rooms:
        ids |= set(connection.execute(select(Post.id).join(Thread, Post.thread_id == Thread.id)
                                      .where(Thread.room_id.in_(changed_rooms))).scalars())
    if ids:
        now = clock.now()
        connection.execute(insert(SearchOutbox), [{"post_id": i, "created_at": now} for i in sorted(ids)])
        session.info["search_pending"] = True


@event.listens_for(Session, "after_commit")
def _apply_after_commit(session: Session) -> None:
    if not session.info.pop("search_pending", False) or not has_app_context():
        return
    if current_app.config.get("SEARCH_AUTO_SYNC", True):
        try:
            sync()
        except Exception:  # never fail the user's request: the rows stay for the next sync
            log.exception("applying the search outbox failed; `flask search sync` will retry")


# ---------------------------------------------------------------- applying

def document(post: Post) -> SearchDoc | None:
    """What the index should hold for ``post``, or None when it must not be found."""
    thread = post.thread
    if post.state != PostState.PUBLISHED:
        return None
    visibility = "public"
    room: Room | None = thread.room
    board: Board | None = thread.board
    if room is not None and room.state not in [s.value for s in PUBLIC_ROOM_STATES]:
        return None
    if board is not None and board.kind == BoardKind.STAFF:
        visibility = "staff"
    return SearchDoc(id=post.id, thread_id=thread.id, title=thread.title if post.number == 1 else "",
                     body=to_plain_text(post.body),
                     author=post.author_name or "", created_at=post.created_at, room_id=thread.room_id,
                     board_id=thread.board_id, area=room.area if room else "", visibility=visibility)


def _posts(session: Session, ids: Iterable[int]) -> list[Post]:
    return list(session.scalars(select(Post).where(Post.id.in_(list(ids))).options(*with_place())))


def apply(session: Session, ids: Iterable[int]) -> int:
    ids = set(ids)
    docs, keep = [], set()
    for post in _posts(session, ids):
        doc = document(post)
        if doc is not None:
            docs.append(doc)
            keep.add(post.id)
    engine = backend()
    engine.add(docs)
    engine.delete(ids - keep)
    return len(ids)


def sync() -> int:
    """Apply every outbox row; returns how many posts were brought up to date. Runs on its own
    session, so it can follow another session's commit."""
    done = 0
    with Session(db.engine) as session:
        while True:
            rows = session.execute(select(SearchOutbox.id, SearchOutbox.post_id).order_by(SearchOutbox.id)
                                   .limit(BATCH)).all()
            if not rows:
                return done
            done += apply(session, {post_id for _id, post_id in rows})
            session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([row_id for row_id, _p in rows])))
            session.commit()
            session.expunge_all()


def pending() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0


def all_documents() -> Iterator[SearchDoc]:
    last = 0
    while True:
        batch = list(db.session.scalars(select(Post).where(Post.id > last, Post.state == PostState.PUBLISHED.value)
                                        .order_by(Post.id).limit(BATCH).options(*with_place())))
        if not batch:
            return
        for post in batch:
            doc = document(post)
            if doc is not None:
                yield doc
        last = batch[-1].id
        db.session.expunge_all()


def rebuild(progress=None) -> int:
    with db.engine.begin() as connection:
        connection.execute(delete(SearchOutbox))
    return backend().rebuild(all_documents(), progress)


def check() -> tuple[set[int], set[int]]:
    """(missing from the index, in the index but should not be)."""
    should = {doc.id for doc in all_documents()}
    have = backend().all_ids()
    return should - have, have - should
