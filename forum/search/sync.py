"""Keeping the index in step with the database: the outbox.

Every change to a post (or a move of its thread) adds an outbox row *in the same transaction*
(``after_flush``), so a rollback takes it back too. After the commit the rows are applied to the
index; if the process dies in between, ``flask --app forum search sync`` (or the next commit)
applies them. The index is only ever told "this post changed": it reads the post's current state
from the database, so the order rows are applied in does not matter.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from flask import current_app, has_app_context
from sqlalchemy import delete, event, func, insert, inspect, select
from sqlalchemy.orm import Session, selectinload

from forum import after_response, clock
from forum.extensions import db
from forum.models import Board, BoardKind, Post, PostState, Room, SearchOutbox, Thread
from forum.models.public import PUBLIC_ROOM_STATES
from forum.search.backend import SearchDoc, WhooshBackend
from forum.text.markup import to_plain_text

TRACKED = ("body", "state", "author_id", "thread_id", "legacy_author", "hidden_reason")


def with_place():
    """Loader options: a post with its thread, room or board, and author (what a document needs)."""
    return (
        selectinload(Post.thread).selectinload(Thread.room),
        selectinload(Post.thread).selectinload(Thread.board),
        selectinload(Post.author),
    )


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
            if (
                obj in session.new
                or obj in session.deleted
                or any(state.attrs[name].history.has_changes() for name in TRACKED)
            ):
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
        ids |= set(
            connection.execute(
                select(Post.id).join(Thread, Post.thread_id == Thread.id).where(Thread.room_id.in_(changed_rooms))
            ).scalars()
        )
    if ids:
        now = clock.now()
        connection.execute(insert(SearchOutbox), [{"post_id": i, "created_at": now} for i in sorted(ids)])
        session.info["search_pending"] = True


@event.listens_for(Session, "after_commit")
def _apply_after_commit(session: Session) -> None:
    if not session.info.pop("search_pending", False) or not has_app_context():
        return
    if not current_app.config.get("SEARCH_AUTO_SYNC", True):
        return
    after_response.soon("search sync")


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
    return SearchDoc(
        id=post.id,
        thread_id=thread.id,
        title=thread.title if post.number == 1 else "",
        body=to_plain_text(post.body),
        author=post.author_name or "",
        created_at=post.created_at,
        room_id=thread.room_id,
        board_id=thread.board_id,
        area=room.area if room else "",
        visibility=visibility,
    )


def _posts(session: Session, ids: Iterable[int]) -> list[Post]:
    return list(session.scalars(select(Post).where(Post.id.in_(list(ids))).options(*with_place())))


def apply(session: Session, ids: Iterable[int], batch) -> int:
    """Write the current state of the posts ``ids`` into the held writer ``batch``."""
    ids = set(ids)
    docs, keep = [], set()
    for post in _posts(session, ids):
        doc = document(post)
        if doc is not None:
            docs.append(doc)
            keep.add(post.id)
    batch.delete(ids - keep)
    batch.add(docs)
    return len(ids)


def sync() -> int:
    """Apply every outbox row; returns how many posts were brought up to date. Runs on its own
    session, so it can follow another session's commit.

    Each batch is read *while the index's writer lock is held*: the rows, then the posts' current
    state, then the index written and exactly the rows read deleted (by id; ids are never reused).
    A row committed meanwhile is not deleted and waits for the next batch; and of two workers
    syncing at once, the one that read later also writes later."""
    done, last = 0, 0
    engine = backend()
    with Session(db.engine) as session:
        while session.scalar(select(SearchOutbox.id).where(SearchOutbox.id > last).limit(1)) is not None:
            session.rollback()  # the next read starts afresh, after the lock is taken
            with engine.batch() as batch:
                keep = engine.is_rebuilding()
                rows = session.execute(
                    select(SearchOutbox.id, SearchOutbox.post_id)
                    .where(SearchOutbox.id > last)
                    .order_by(SearchOutbox.id)
                    .limit(BATCH)
                ).all()
                if rows:
                    done += apply(session, {post_id for _id, post_id in rows}, batch)
            if not rows:
                break
            if keep:  # a rebuild is running: the rows stay, to be applied again to the new index
                last = rows[-1][0]
            else:  # only after the index committed: a crash in between replays them, never loses them
                session.execute(delete(SearchOutbox).where(SearchOutbox.id.in_([row_id for row_id, _p in rows])))
                session.commit()
            session.expunge_all()
    return done


def catch_up() -> tuple[bool, int]:
    """Bring the index up to the database: rebuilt when an upgrade changed its schema, else the
    outbox applied. Returns (rebuilt, how many posts)."""
    if backend().outdated():
        return True, rebuild()
    return False, sync()


def pending() -> int:
    return db.session.scalar(select(func.count()).select_from(SearchOutbox)) or 0


def all_documents() -> Iterator[SearchDoc]:
    last = 0
    while True:
        batch = list(
            db.session.scalars(
                select(Post)
                .where(Post.id > last, Post.state == PostState.PUBLISHED.value)
                .order_by(Post.id)
                .limit(BATCH)
                .options(*with_place())
            )
        )
        if not batch:
            return
        for post in batch:
            doc = document(post)
            if doc is not None:
                yield doc
        last = batch[-1].id
        db.session.expunge_all()


def rebuild(progress=None) -> int:
    """Rebuild from the database. Changes committed meanwhile are applied to the live index as
    usual but their outbox rows stay (see ``sync``), and are applied again to the new index after
    the swap, so nothing written during a rebuild is lost with the old index."""
    engine = backend()
    with engine.rebuild_running():
        with engine.locked():  # no sync batch is half done: every row read here is applied already
            waiting = list(db.session.scalars(select(SearchOutbox.id)))
        db.session.rollback()
        count = engine.rebuild(all_documents(), progress, chunk=current_app.config["SEARCH_REBUILD_CHUNK"])
        with db.engine.begin() as connection:  # exactly the rows the new index was read after
            for start in range(0, len(waiting), BATCH):
                connection.execute(delete(SearchOutbox).where(SearchOutbox.id.in_(waiting[start : start + BATCH])))
    sync()
    return count


def check() -> tuple[set[int], set[int]]:
    """(missing from the index, in the index but should not be)."""
    should = {doc.id for doc in all_documents()}
    have = backend().all_ids()
    return should - have, have - should


after_response.job("search sync", lambda: sync())
