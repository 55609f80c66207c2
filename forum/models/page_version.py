"""Page versions: a number per thread, per room and board (the place, and apart from it its list
of threads) and one for the site, that every write changing what a guest sees moves, in the same
transaction as the write.

A cached guest page is filed under the versions it was built from, so a page built before a
write can never be found again after it: nothing is "invalidated", the key simply changes.
The versions are moved by session hooks that look at what a transaction wrote, not by each
service remembering to do it. A write this module does not know about moves the site version,
which is part of every page's key: the safe default is a miss, never a stale page.

Tables no guest page shows are listed in ``PRIVATE_TABLES``; a DML statement run through the
session on another table says which pages it changes with ``execution_options(page_scopes=…)``,
or moves the site version.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import BigInteger, Integer, String, event, func, inspect, or_, select, tuple_
from sqlalchemy.orm import Mapped, Session, mapped_column

from forum.extensions import db
from forum.models.upsert import dialect_insert

Scope = tuple[str, int]
SITE: Scope = ("site", 0)
# "room" and "board" are the place itself (its title, state, rules, answers): the pages of its
# threads show it. "rlist" and "blist" are its list of threads (titles, counts, last posts): only the
# place's own page shows it, so a reply does not make every other thread of the room new.
PLACE_KINDS = ("site", "room", "board", "rlist", "blist")

PRIVATE_TABLES = frozenset(
    {
        "appeal",
        "audit_entry",
        "export_job",
        "flag",
        "letter",
        "mail_outbox",
        "notification",
        "page_version",
        "rules_acceptance",
        "sanction",
        "search_outbox",
        "watch",
    }
)
# Columns of a member no guest page shows: a login, a password change or a setting moves nothing.
PRIVATE_USER_COLUMNS = frozenset(
    {
        "email",
        "password_hash",
        "email_verified_at",
        "last_login_at",
        "failed_logins",
        "locked_until",
        "locale",
        "notify_mode",
        "auth_version",
    }
)
PENDING = "page_scopes"  # session.info key: the scopes written in the open transaction
# Written rows whose pages are found at commit, by a query (a flush hook may not query):
# (kind noted, its table, the column naming its page, the page kind).
LOOKUPS = (
    ("post", "post", "thread_id", "thread"),
    ("answer_table", "answer_table", "room_id", "room"),
    ("thread", "thread", "room_id", "rlist"),
    ("thread", "thread", "board_id", "blist"),
)


class PageVersion(db.Model):
    __tablename__ = "page_version"

    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=1)


# ---------------------------------------------------------------- reading versions for a key


def _rows_key(rows: Iterable) -> str:
    return ",".join(f"{kind}{key}={version}" for kind, key, version in sorted(rows))


def of_scopes(scopes: Iterable[Scope]) -> str:
    """The versions of these scopes (and the site), as one key part."""
    wanted = {SITE, *scopes}
    table = PageVersion.__table__
    rows = db.session.execute(
        select(table.c.kind, table.c.key, table.c.version).where(tuple_(table.c.kind, table.c.key).in_(wanted))
    )
    return _rows_key(rows)


def of_thread(thread_id: int) -> str:
    """The thread's versions with those of its room or board (the place, not its list of threads:
    a reply elsewhere in the room leaves this page as it is), in one query: the thread is not
    loaded first, and a thread moved to another room reads the new room's version."""
    from forum.models.thread import Thread

    table = PageVersion.__table__
    container = select(Thread.room_id, Thread.board_id).where(Thread.id == thread_id)
    rows = db.session.execute(
        select(table.c.kind, table.c.key, table.c.version).where(
            or_(
                tuple_(table.c.kind, table.c.key).in_([SITE, ("thread", thread_id)]),
                (table.c.kind == "room")
                & (table.c.key == container.with_only_columns(Thread.room_id).scalar_subquery()),
                (table.c.kind == "board")
                & (table.c.key == container.with_only_columns(Thread.board_id).scalar_subquery()),
            )
        )
    )
    return _rows_key(rows)


def of_everything() -> str:
    """One number that moves with every write a guest could see anywhere: every write moves its
    place, its place's list or the site, and versions only grow, so their sum (with the row
    count) does."""
    table = PageVersion.__table__
    total, count = db.session.execute(
        select(func.coalesce(func.sum(table.c.version), 0), func.count()).where(table.c.kind.in_(PLACE_KINDS))
    ).one()
    return f"all={total}.{count}"


# ---------------------------------------------------------------- moving versions on write


def changed(session: Session, *scopes: Scope) -> None:
    """Note scopes written in this transaction; they move once, just before COMMIT. Besides the
    page kinds, a scope may be ("post", id) or ("answer_table", id): found at commit."""
    pending = session.info.setdefault(PENDING, set())
    pending.update(s for s in scopes if s[1] is not None)


def _values(obj: object, attribute: str) -> list:
    """The attribute's value before and after this flush (a thread moved between rooms changes both)."""
    history = inspect(obj).attrs[attribute].history
    return [v for v in (*history.deleted, *history.unchanged, *history.added) if v is not None]


def _note_object(session: Session, obj: object) -> None:
    """Which pages a written object shows on."""
    table = getattr(type(obj), "__tablename__", None)
    if table is None or table in PRIVATE_TABLES:
        return
    if table == "thread":
        changed(session, ("thread", obj.id))
        changed(session, *(("rlist", r) for r in _values(obj, "room_id")))
        changed(session, *(("blist", b) for b in _values(obj, "board_id")))
    elif table == "post":
        changed(session, *(("thread", t) for t in _values(obj, "thread_id")))
    elif table in ("reaction", "opinion_tag", "post_revision"):
        changed(session, ("post", obj.post_id))
    elif table in ("room", "board"):
        changed(session, (table, obj.id))
    elif table in ("room_report", "department_answer", "answer_table"):
        changed(session, ("room", obj.room_id))
    elif table == "answer_row":
        changed(session, ("answer_table", obj.table_id))
    elif table == "board_member":
        changed(session, ("board", obj.board_id))
    elif table == "moderation_rule" and obj.room_id is not None:
        changed(session, ("room", obj.room_id))
    elif table == "user":
        state = inspect(obj)
        if state.persistent and not state.deleted:
            touched = {a.key for a in state.attrs if a.history.has_changes()}
            if touched <= PRIVATE_USER_COLUMNS:
                return
        changed(session, SITE)
    else:
        changed(session, SITE)


@event.listens_for(Session, "before_flush")
def _note_flush(session: Session, _context, _instances) -> None:
    for obj in session.deleted:
        _note_object(session, obj)
    for obj in session.dirty:
        if session.is_modified(obj, include_collections=True):
            _note_object(session, obj)


@event.listens_for(Session, "after_flush")
def _note_new(session: Session, _context) -> None:
    for obj in session.new:  # after the flush: their ids are known now
        _note_object(session, obj)


@event.listens_for(Session, "do_orm_execute")
def _note_statement(state) -> None:
    if state.is_select:
        return
    table = getattr(getattr(state.statement, "table", None), "name", None)
    if table in PRIVATE_TABLES:
        return
    scopes = state.execution_options.get("page_scopes")
    changed(state.session, *(scopes if scopes is not None else [SITE]))


def _resolve(session: Session, pending: set[Scope]) -> set[Scope]:
    """Page scopes for the noted rows: posts → their threads → their rooms or boards (as they are
    now; a thread's old room was noted when it moved), answer tables → their rooms."""
    scopes = {s for s in pending if s[0] not in ("post", "answer_table")}
    for kind, table_name, column, page in LOOKUPS:  # posts first: their threads are looked up next
        ids = sorted({key for k, key in (pending | scopes) if k == kind})
        if not ids:
            continue
        table = db.metadata.tables[table_name]
        rows = session.execute(select(table.c[column]).where(table.c.id.in_(ids), table.c[column].is_not(None)))
        scopes |= {(page, parent) for (parent,) in rows}
    return scopes


@event.listens_for(Session, "before_commit")
def _move_versions(session: Session) -> None:
    """Flush first (its writes note scopes too), then move every noted version in one statement,
    rows in a fixed order, so two transactions never wait on each other crosswise."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    pending = session.info.pop(PENDING, None)
    if pending:
        bump(session, _resolve(session, pending))


@event.listens_for(Session, "after_soft_rollback")
def _forget(session: Session, previous) -> None:
    if previous.parent is None:  # the whole transaction: a rolled-back savepoint keeps the rest
        session.info.pop(PENDING, None)


def bump(session: Session, scopes: Iterable[Scope], by: int = 1) -> None:
    """Move the versions of ``scopes`` by ``by`` (a missing row starts at ``by``)."""
    table = PageVersion.__table__
    rows = [{"kind": kind, "key": key, "version": by} for kind, key in sorted(set(scopes))]
    statement = dialect_insert(session)(table).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.kind, table.c.key], set_={"version": table.c.version + statement.excluded.version}
    )
    session.connection().execute(statement)
