"""When the department's answer to a room report is due, and reminding the staff in time.

A submitted report is routed to the room's department with a due date (``Room.answer_days`` after
submission, 30 by default). ``flask --app forum notify deadlines`` (run daily, like the digest)
reminds the department's staff 7 days and 1 day before, and once when the date has passed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum import clock, page_cache
from forum.dates import format_jp_date
from forum.extensions import db
from forum.models import Room, RoomReport, RoomState
from forum.services import notifications

REMINDERS = (("7", 7), ("1", 1))  # (mark, days before)
OVERDUE = "overdue"


@dataclass(frozen=True)
class Deadline:
    room: Room
    report: RoomReport
    due_at: datetime | None
    answered_at: datetime | None

    @property
    def days_left(self) -> int | None:
        """Whole days until the due time (0 on the day, negative when overdue); None when answered."""
        if self.answered_at is not None or self.due_at is None:
            return None
        days = math.ceil((self.due_at - clock.now()).total_seconds() / 86400)
        page_cache.expires_by(self.due_at - timedelta(days=days - 1))  # the count changes then
        return days

    @property
    def overdue(self) -> bool:
        return self.days_left is not None and clock.now() > self.due_at

    @property
    def overdue_days(self) -> int:
        return max(1, math.floor((clock.now() - self.due_at).total_seconds() / 86400)) if self.overdue else 0


def of(room: Room) -> Deadline | None:
    report = room.report
    if report is None or report.submitted_at is None:
        return None
    return Deadline(room, report, report.due_at, room.answer.published_at if room.answer else None)


def all_reports(department_id: int | None = None) -> list[Deadline]:
    """Every submitted report: waiting ones first (most overdue first), then the answered ones."""
    stmt = (
        select(Room)
        .join(RoomReport)
        .where(RoomReport.submitted_at.is_not(None))
        .options(selectinload(Room.report), selectinload(Room.answer), selectinload(Room.department))
    )
    if department_id is not None:
        stmt = stmt.where(Room.department_id == department_id)
    found = [d for d in map(of, db.session.scalars(stmt)) if d is not None]
    waiting = sorted((d for d in found if d.answered_at is None), key=lambda d: (d.due_at is None, d.due_at))
    answered = sorted((d for d in found if d.answered_at is not None), key=lambda d: d.answered_at, reverse=True)
    return waiting + answered


def send_reminders() -> int:
    """Remind the staff of each waiting report once per threshold; returns how many reminders."""
    sent = 0
    rooms = db.session.scalars(
        select(Room).join(RoomReport).where(Room.state == RoomState.REPORTED.value, RoomReport.due_at.is_not(None))
    )
    for room in rooms:
        deadline = of(room)
        report = room.report
        done = set(filter(None, report.reminders.split(",")))
        mark = None
        if deadline.overdue:
            mark = OVERDUE if OVERDUE not in done else None
        else:
            for name, days in REMINDERS:
                if deadline.days_left <= days and name not in done:
                    mark = name  # the nearest threshold passed; earlier ones are not sent late
            if mark is not None:
                done |= {name for name, days in REMINDERS if deadline.days_left <= days}
        if mark is None:
            continue
        done.add(mark)
        report.reminders = ",".join(sorted(done))
        due = format_jp_date(report.due_at, current_app.config["BABEL_DEFAULT_TIMEZONE"])
        if mark == OVERDUE:

            def message(room=room, due=due):
                return _("The answer to “%(room)s” was due on %(due)s and is overdue", room=room.title, due=due)
        else:

            def message(room=room, due=due, days=deadline.days_left):
                return _(
                    "The answer to “%(room)s” is due on %(due)s (%(days)d days left)",
                    room=room.title,
                    due=due,
                    days=days,
                )

        notifications.notify(
            notifications.department_staff(room), message, url_for("rooms.show", room_id=room.id, _anchor="report")
        )
        sent += 1
    db.session.commit()
    return sent
