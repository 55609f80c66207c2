"""Exporting the opinions of rooms for their department: who may, what is written, the audit entry."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import clock
from forum.dates import format_jp_date
from forum.exports import formats, selection
from forum.exports.selection import ExportFilter, Opinion
from forum.extensions import db
from forum.models import Room, Thread
from forum.models.public import PUBLIC_ROOM_STATES
from forum.permissions import Permission, can
from forum.services.answer_tables import published_table
from forum.services.errors import ServiceError
from forum.services.summaries import summary_of
from moderation.audit import audit


def rooms_for(user) -> list[Room]:
    """The rooms whose opinions ``user`` may export: their department's (all for admins)."""
    stmt = select(Room).where(Room.state.in_([s.value for s in PUBLIC_ROOM_STATES]))
    rooms = db.session.scalars(stmt.order_by(Room.opens_at.desc(), Room.id.desc()))
    return [room for room in rooms if can(user, Permission.EXPORT_OPINIONS, room)]


def threads_of(room: Room) -> list[Thread]:
    return list(
        db.session.scalars(
            select(Thread)
            .where(Thread.room_id == room.id, Thread.public_post_count > 0)
            .order_by(Thread.created_at, Thread.id)
        )
    )


def check_format(fmt: str) -> None:
    if fmt not in formats.FORMATS:
        raise ServiceError(_l("Choose a format."), field="format")


def check(user, flt: ExportFilter) -> list[Room]:
    """The filter's rooms, or a 403 ServiceError when any of them is not ``user``'s to export."""
    if not flt.room_ids:
        raise ServiceError(_l("Choose at least one room."), field="room")
    rooms = list(db.session.scalars(select(Room).where(Room.id.in_(flt.room_ids))))
    if len(rooms) != len(set(flt.room_ids)):
        raise ServiceError(_l("That room does not exist."), field="room", status=404)
    if user is not None and not all(can(user, Permission.EXPORT_OPINIONS, room) for room in rooms):
        raise ServiceError(_l("You may export only the rooms of your own department."), status=403)
    return rooms


def describe(rooms: list[Room], flt: ExportFilter) -> str:
    """The filter in words, for the report's header."""
    parts = ["、".join(room.title for room in rooms)]
    if flt.since or flt.until:
        tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
        since = format_jp_date(flt.since, tz) if flt.since else ""
        until = format_jp_date(flt.until - timedelta(days=1), tz) if flt.until else ""  # the bound is exclusive
        parts.append(f"期間 {since}〜{until}")
    if flt.thread_ids:
        parts.append(f"話題 {len(flt.thread_ids)}件")
    if flt.statuses:
        parts.append("状態 " + "、".join(formats.status_names().get(s, s) for s in flt.statuses))
    if flt.tags:
        parts.append("タグ " + "、".join(flt.tags))
    return "／".join(parts)


def _counted(rows: Iterable[Opinion], progress: Callable[[int], None] | None, every: int = 1000):
    for count, row in enumerate(rows, start=1):
        yield row
        if progress is not None and count % every == 0:
            progress(count)


def export(
    user, flt: ExportFilter, fmt: str, path: Path, via: str = "web", progress: Callable[[int], None] | None = None
) -> int:
    """Write the export to ``path`` and record it in the audit log; returns the number of rows.
    ``progress`` is told how many opinions have been read, every thousand."""
    check_format(fmt)
    rooms = check(user, flt)
    tz = current_app.config["BABEL_DEFAULT_TIMEZONE"]
    meta = {
        "generated_at": formats.now_iso(clock.to_local(clock.now(), tz)),
        "generated_by": user.handle if user is not None else "command line",
        "title": "、".join(room.title for room in rooms),
        "filter": flt.describe(),
        "format": fmt,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt in ("csv", "csv-utf8"):
        rows = formats.write_csv(_counted(selection.opinions(flt), progress), path, excel=fmt == "csv")
    elif fmt == "broadlistening":
        rows = formats.write_broadlistening(_counted(selection.opinions(flt), progress), path)
    else:
        opinions = list(_counted(selection.opinions(flt), progress))
        summary = summary_of(flt, opinions)
        meta["rows"] = len(opinions)
        if fmt == "json":
            rows = formats.write_json(opinions, summary, path, meta)
        elif fmt == "xlsx":
            rows = formats.write_xlsx(opinions, summary, path, meta)
        else:
            tables = [t for t in map(published_table, rooms) if t is not None]
            rows = formats.write_report(opinions, summary, path, {**meta, "filter_text": describe(rooms, flt)}, tables)
    audit(
        user,
        "export.opinions",
        rooms[0] if len(rooms) == 1 else None,
        details={"filter": flt.describe(), "format": fmt, "rows": rows, "via": via},
    )
    db.session.commit()
    return rows


def download_name(rooms: list[Room], fmt: str) -> str:
    stamp = clock.to_local(clock.now(), current_app.config["BABEL_DEFAULT_TIMEZONE"]).strftime("%Y%m%d-%H%M")
    room_part = f"room{rooms[0].id}" if len(rooms) == 1 else f"{len(rooms)}rooms"
    kind = {"broadlistening": "-broadlistening", "csv-utf8": "-utf8"}.get(fmt, "")
    return f"hiroba-opinions-{room_part}-{stamp}{kind}{formats.FORMATS[fmt][0]}"
