"""The answer table's life: drafted by department staff (by hand or from the groups of similar
opinions), approved by a second staff member or an admin, then published on the room page as the
department's answer — closing the loop. Every step is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import clock
from forum.exports.selection import ExportFilter, opinions
from forum.extensions import db
from forum.models import AnswerRow, AnswerTable, AnswerTableState, Post, PostState, Reflection, Room, RoomState, Thread
from forum.permissions import Permission, can
from forum.services.errors import ServiceError

MAX_ROWS = 300
DRAFTABLE = (RoomState.CLOSED, RoomState.REPORTED, RoomState.ANSWERED)


@dataclass
class RowInput:
    """One row as the form sends it."""

    summary: str
    response: str
    reflection: str
    opinion_ids: str  # "12, 15 40"


def _audit(user, action: str, table: AnswerTable, **details) -> None:
    from moderation import audit

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


def parse_ids(text: str) -> list[int]:
    return sorted({int(n) for n in re.findall(r"\d{1,18}", text or "")})


def _opinions(room: Room, ids: list[int]) -> list[Post]:
    """The room's public opinions among ``ids``; any other id is an error the staff must fix."""
    if not ids:
        return []
    found = list(db.session.scalars(select(Post).join(Thread).where(
        Post.id.in_(ids), Thread.room_id == room.id, Post.state == PostState.PUBLISHED.value,
        Post.is_official.is_(False))))
    missing = sorted(set(ids) - {p.id for p in found})
    if missing:
        raise ServiceError(_l("These are not public opinions of this room: %(ids)s",
                              ids=", ".join(map(str, missing[:20]))), field="rows")
    return sorted(found, key=lambda p: p.id)


def save(user, table: AnswerTable, intro: str, rows: list[RowInput]) -> AnswerTable:
    """Replace the intro and rows (empty rows are dropped). Editing a table that waits for approval
    or is approved sends it back to draft: what is approved must be what is published."""
    _editable(user, table)
    kept = [r for r in rows if r.summary.strip() or r.response.strip() or r.opinion_ids.strip()]
    if len(kept) > MAX_ROWS:
        raise ServiceError(_l("An answer table has at most 300 rows."), field="rows")
    built = []
    for number, r in enumerate(kept, start=1):
        if r.reflection not in {x.value for x in Reflection}:
            raise ServiceError(_l("Choose how far row %(n)d was reflected.", n=number), field="rows")
        if not r.summary.strip():
            raise ServiceError(_l("Row %(n)d needs a summary of the opinions.", n=number), field="rows")
        built.append(AnswerRow(number=number, summary=r.summary.strip()[:5000], response=r.response.strip()[:5000],
                               reflection=r.reflection, opinions=_opinions(table.room, parse_ids(r.opinion_ids))))
    table.rows = built
    table.intro = (intro or "").strip()[:5000]
    if table.state != AnswerTableState.DRAFT:
        table.state = AnswerTableState.DRAFT.value
        table.approved_by = None
        table.approved_at = None
    table.drafted_by = user.id
    table.updated_at = clock.now()
    _audit(user, "answer_table.edit", table, rows=len(built))
    db.session.commit()
    return table


def draft_from_groups(user, table: AnswerTable) -> int:
    """Add one row per group of similar opinions (its label, a representative opinion, every member
    linked), for staff to rewrite: a start, never the city's answer as it stands."""
    from forum.services.exports import summary_of

    _editable(user, table)
    flt = ExportFilter(room_ids=(table.room_id,))
    found = list(opinions(flt))
    summary = summary_of(flt, found)
    by_id = {o.id: o for o in found}
    if not summary.clusters:
        raise ServiceError(_l("There are too few opinions to group; write the rows by hand."))
    rows = [RowInput(r.summary, r.response, r.reflection, " ".join(map(str, r.opinion_ids))) for r in table.rows]
    for cluster in summary.clusters:
        example = by_id[cluster.representatives[0]].body if cluster.representatives else ""
        text = f"{cluster.label}について（{cluster.size}件）: {example[:200]}"
        rows.append(RowInput(text, "", Reflection.OTHER.value, " ".join(map(str, cluster.members))))
    save(user, table, table.intro, rows)
    return len(summary.clusters)


def submit(user, table: AnswerTable) -> None:
    _editable(user, table)
    if not table.rows:
        raise ServiceError(_l("Add at least one row before asking for approval."))
    if any(not row.response.strip() for row in table.rows):
        raise ServiceError(_l("Every row needs the city's response before approval."))
    table.state = AnswerTableState.AWAITING.value
    table.submitted_at = clock.now()
    _audit(user, "answer_table.submit", table)
    db.session.commit()


def approve(user, table: AnswerTable) -> None:
    _ensure(user, table.room)
    if table.state != AnswerTableState.AWAITING:
        raise ServiceError(_l("Only a table that waits for approval can be approved."))
    if user.id == table.drafted_by:
        raise ServiceError(_l("Another staff member or an administrator must approve what you drafted."),
                           status=403)
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
