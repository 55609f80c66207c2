"""The answer table's life: drafted by department staff (by hand or from the groups of similar
opinions), approved by a second staff member or an admin, then published on the room page as the
department's answer — closing the loop. Every step is audited."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, tuple_
from sqlalchemy.orm import contains_eager

from forum import clock
from forum.exports.selection import ExportFilter, opinions
from forum.extensions import db
from forum.models import (
    AnswerRow,
    AnswerTable,
    AnswerTableState,
    Post,
    PostState,
    Reflection,
    Room,
    RoomState,
    Thread,
    User,
)
from forum.permissions import Permission, can
from forum.services import notifications
from forum.services.errors import ServiceError
from forum.services.summaries import summary_of
from forum.text.refs import MAX_REFS, format_ref, parse_refs
from forum.text.sentences import draft_summary
from moderation.audit import audit

MAX_ROWS = 300
DRAFTABLE = (RoomState.CLOSED, RoomState.REPORTED, RoomState.ANSWERED)


@dataclass
class RowInput:
    """One row as the form sends it: what was typed, and the opinions ticked in its list."""

    summary: str
    response: str
    reflection: str
    refs: str  # 「2-5, 3-1〜3-4」, as typed
    picked: list[str] = field(default_factory=list)  # references ticked in the row's opinion list

    def all_refs(self) -> str:
        return ", ".join([self.refs, *self.picked]) if self.picked else self.refs


class RowErrors(ServiceError):
    """What is wrong, row by row and field by field (rows counted as the form sent them, from 1),
    so the page can show each message where it belongs and keep everything that was typed."""

    def __init__(self, rows: dict[int, dict[str, str]]) -> None:
        super().__init__(
            _l("Some rows need a correction; nothing was saved yet. See the messages at each row."), field="rows"
        )
        self.rows = rows


def _audit(user, action: str, table: AnswerTable, **details) -> None:
    audit(user, action, table.room, details={"table": table.id, **details})


def _ensure(user, room: Room) -> None:
    if not can(user, Permission.ANSWER_OFFICIALLY, room):
        raise ServiceError(_l("Only the department in charge of this room may answer it."), status=403)


def table_of(room: Room) -> AnswerTable | None:
    return db.session.scalar(select(AnswerTable).where(AnswerTable.room_id == room.id))


def published_table(room: Room) -> AnswerTable | None:
    table = table_of(room)
    return table if table is not None and table.state == AnswerTableState.PUBLISHED else None


def start(user, room: Room) -> AnswerTable:
    _ensure(user, room)
    if room.state not in DRAFTABLE:
        raise ServiceError(_l("The answer table can be drafted once the room has closed."))
    table = table_of(room)
    if table is None:
        table = AnswerTable(room=room, drafted_by=user.id)
        db.session.add(table)
        _audit(user, "answer_table.start", table)
        db.session.commit()
    return table


def _editable(user, table: AnswerTable) -> None:
    _ensure(user, table.room)
    if table.state == AnswerTableState.PUBLISHED:
        raise ServiceError(_l("A published answer table cannot be changed."))


def room_opinions(room: Room) -> list[Post]:
    """The public opinions of ``room`` that a row may answer, in reference order (thread, #n)."""
    return list(
        db.session.scalars(
            select(Post)
            .join(Thread)
            .where(Thread.room_id == room.id, Post.state == PostState.PUBLISHED.value, Post.is_official.is_(False))
            .options(contains_eager(Post.thread))
            .order_by(Thread.room_number, Post.number)
        )
    )


def opinion_groups(room: Room) -> list[tuple[str, list[Post]]]:
    """The room's opinions in groups of similar ones (the same groups as the exports' summary), each
    with its label, then those in no group: another way to find what one row answers."""
    flt = ExportFilter(room_ids=(room.id,))
    posts = {p.id: p for p in room_opinions(room)}
    summary = summary_of(flt, list(opinions(flt)))
    groups, placed = [], set()
    for cluster in summary.clusters:
        members = [posts[i] for i in cluster.members if i in posts]
        placed |= {p.id for p in members}
        groups.append((f"{cluster.label}（{len(members)}）", members))
    rest = [p for i, p in posts.items() if i not in placed]
    if rest:
        groups.append((str(_l("Not in a group")), rest))
    return groups


def _resolve(room: Room, text: str) -> tuple[list[Post], str | None]:
    """The opinions ``text`` names, or an error message naming what is not an opinion here."""
    parsed = parse_refs(text)
    found: list[Post] = []
    if parsed.refs:
        found = list(
            db.session.scalars(
                select(Post)
                .join(Thread)
                .where(
                    Thread.room_id == room.id,
                    Post.state == PostState.PUBLISHED.value,
                    Post.is_official.is_(False),
                    tuple_(Thread.room_number, Post.number).in_(parsed.refs),
                )
                .options(contains_eager(Post.thread))
            )
        )
    have = {(p.thread.room_number, p.number) for p in found}
    unknown = [format_ref(r) for r in parsed.refs if r not in have]
    problems = []
    if parsed.too_many:
        problems.append(str(_l("a row can answer at most %(n)d opinions", n=MAX_REFS)))
    if parsed.bad:
        problems.append(str(_l("not a reference like 2-5: %(items)s", items="、".join(parsed.bad[:10]))))
    if unknown:
        problems.append(
            str(_l("no public opinion of this room has the number %(items)s", items="、".join(unknown[:10])))
        )
    if problems:
        return [], "；".join(problems)
    return sorted(found, key=lambda p: (p.thread.room_number or 0, p.number)), None


def _store(user, table: AnswerTable, intro: str, rows: list[RowInput]) -> None:
    """Replace the intro and rows (empty rows are dropped). Every row is checked first and all
    problems are raised together (``RowErrors``), so nothing is half saved. Editing a table that
    waits for approval or is approved sends it back to draft: what is approved must be what is
    published."""
    built, errors = [], {}
    for position, r in enumerate(rows, start=1):
        if not (r.summary.strip() or r.response.strip() or r.all_refs().strip()):
            continue
        problems: dict[str, str] = {}
        if r.reflection not in {x.value for x in Reflection}:
            problems["reflection"] = str(_l("Choose how far it was reflected."))
        if not r.summary.strip():
            problems["summary"] = str(_l("Write a summary of the opinions this row answers."))
        found, wrong = _resolve(table.room, r.all_refs())
        if wrong:
            problems["refs"] = wrong
        if problems:
            errors[position] = problems
            continue
        built.append(
            AnswerRow(
                number=len(built) + 1,
                summary=r.summary.strip()[:5000],
                response=r.response.strip()[:5000],
                reflection=r.reflection,
                opinions=found,
            )
        )
    if len(built) + len(errors) > MAX_ROWS:
        errors[MAX_ROWS + 1] = {"summary": str(_l("An answer table has at most 300 rows."))}
    if errors:
        raise RowErrors(errors)
    table.rows = built
    table.intro = (intro or "").strip()[:5000]
    if table.state != AnswerTableState.DRAFT:
        table.state = AnswerTableState.DRAFT.value
        table.approved_by = None
        table.approved_at = None
    table.drafted_by = user.id
    table.updated_at = clock.now()
    _audit(user, "answer_table.edit", table, rows=len(built))


def save(user, table: AnswerTable, intro: str, rows: list[RowInput], then: str | None = None) -> int:
    """Save the typed rows; then, in the same transaction, add rows drafted from the groups
    (``then="draft"``, returns how many) or ask for approval (``then="submit"``). When that second
    step cannot be done the rows are still saved and its ServiceError says why."""
    _editable(user, table)
    _store(user, table, intro, rows)
    drafted = 0
    try:
        if then == "draft":
            drafted = _draft_from_groups(user, table)
        elif then == "submit":
            _submit(user, table)
    finally:
        db.session.commit()
    return drafted


def draft_from_groups(user, table: AnswerTable) -> int:
    """Add one row per group of similar opinions (its label, a representative opinion, every member
    linked), for staff to rewrite: a start, never the city's answer as it stands."""
    _editable(user, table)
    added = _draft_from_groups(user, table)
    db.session.commit()
    return added


def _draft_from_groups(user, table: AnswerTable) -> int:
    flt = ExportFilter(room_ids=(table.room_id,))
    found = list(opinions(flt))
    summary = summary_of(flt, found)
    by_id = {o.id: o for o in found}
    if not summary.clusters:
        raise ServiceError(_l("There are too few opinions to group; write the rows by hand."))
    rows = [RowInput(r.summary, r.response, r.reflection, r.refs) for r in table.rows]
    posts = {p.id: p for p in room_opinions(table.room)}
    for cluster in summary.clusters:
        texts = [by_id[i].body for i in cluster.representatives if i in by_id]
        refs = ", ".join(posts[i].ref for i in cluster.members if i in posts)
        rows.append(RowInput(draft_summary(texts, cluster.size), "", Reflection.OTHER.value, refs))
    _store(user, table, table.intro, rows)
    return len(summary.clusters)


def submit(user, table: AnswerTable) -> None:
    """Ask for approval by another staff member (who is told)."""
    _editable(user, table)
    _submit(user, table)
    db.session.commit()


def _submit(user, table: AnswerTable) -> None:
    if not table.rows:
        raise ServiceError(_l("Add at least one row before asking for approval."))
    if any(not row.response.strip() for row in table.rows):
        raise ServiceError(_l("Every row needs the city's response before approval."))
    table.state = AnswerTableState.AWAITING.value
    table.submitted_at = clock.now()
    _audit(user, "answer_table.submit", table)
    room = table.room
    notifications.notify(
        approvers(table),
        lambda: _("The answer table of “%(room)s” waits for your approval", room=room.title),
        url_for("answer_tables.show", room_id=room.id),
        exclude=user,
    )


def approvers(table: AnswerTable) -> list[User]:
    """Who may approve: the department's staff and the administrators, never the drafter."""
    from forum.permissions import Role

    room = table.room
    clause = User.role == Role.ADMIN.value
    if room.department_id is not None:
        clause = clause | ((User.role == Role.STAFF.value) & (User.department_id == room.department_id))
    return [u for u in db.session.scalars(select(User).where(clause)) if u.id != table.drafted_by]


def awaiting_for(user) -> list[AnswerTable]:
    """Answer tables of the rooms ``user`` answers for, those waiting for approval first."""
    from forum.permissions import Role, role_of

    stmt = select(AnswerTable).join(Room).options(contains_eager(AnswerTable.room))
    if role_of(user) is not Role.ADMIN:
        stmt = stmt.where(Room.department_id == (user.department_id or -1))
    order = {
        AnswerTableState.AWAITING: 0,
        AnswerTableState.APPROVED: 1,
        AnswerTableState.DRAFT: 2,
        AnswerTableState.PUBLISHED: 3,
    }
    tables = list(db.session.scalars(stmt))
    return sorted(tables, key=lambda t: (order.get(AnswerTableState(t.state), 9), -(t.id or 0)))


def approve(user, table: AnswerTable) -> None:
    _ensure(user, table.room)
    if table.state != AnswerTableState.AWAITING:
        raise ServiceError(_l("Only a table that waits for approval can be approved."))
    if user.id == table.drafted_by:
        raise ServiceError(_l("Another staff member or an administrator must approve what you drafted."), status=403)
    table.state = AnswerTableState.APPROVED.value
    table.approved_by = user.id
    table.approved_at = clock.now()
    table.return_note = ""
    _audit(user, "answer_table.approve", table)
    db.session.commit()


def send_back(user, table: AnswerTable, note: str) -> None:
    _ensure(user, table.room)
    if table.state not in (AnswerTableState.AWAITING, AnswerTableState.APPROVED):
        raise ServiceError(_l("Only a table that waits for approval can be sent back."))
    table.state = AnswerTableState.DRAFT.value
    table.approved_by = None
    table.approved_at = None
    table.return_note = (note or "").strip()[:2000]
    _audit(user, "answer_table.send_back", table, note=table.return_note)
    db.session.commit()


def publish(user, table: AnswerTable) -> None:
    """Publish on the room page; when the room still waits for its answer, the table's intro becomes
    the department's answer and the room is answered (residents watching it are told)."""
    from forum.services import rooms

    _ensure(user, table.room)
    if table.state != AnswerTableState.APPROVED:
        raise ServiceError(_l("The table must be approved before it is published."))
    room = table.room
    if room.state not in (RoomState.REPORTED, RoomState.ANSWERED):
        raise ServiceError(_l("The department answers once the room report has been submitted."))
    table.state = AnswerTableState.PUBLISHED.value
    table.published_at = clock.now()
    _audit(user, "answer_table.publish", table, rows=len(table.rows))
    if room.state == RoomState.REPORTED:
        body = table.intro or str(_l("The department's answer to each opinion is in the table below."))
        rooms.publish_answer(room, user, body)  # commits and notifies watchers
    else:
        db.session.commit()
