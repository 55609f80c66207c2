"""Room use cases: create, propose, review, the open period, rules, report and answer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from forum import clock, page_cache
from forum.extensions import db
from forum.models import (
    Area,
    Department,
    DepartmentAnswer,
    Room,
    RoomReport,
    RoomState,
    RulesAcceptance,
    Thread,
    User,
)
from forum.models.upsert import insert_or_ignore
from forum.permissions import Permission, Role, can, role_of
from forum.services import notifications
from forum.services.errors import ServiceError
from forum.text.normalize import clean_line
from moderation.audit import audit
from moderation.gate import sanction_refusal, store_timers

DEFAULT_POSTING_RULES = (
    "・テーマに沿って、具体的に発言してください。\n"
    "・ほかの参加者を尊重し、誹謗中傷や差別的な表現はしないでください。\n"
    "・個人を特定できる情報（電話番号・住所・メールアドレスなど）は書かないでください。\n"
    "・営利目的の宣伝や選挙運動は禁止です。\n"
    "・ルールに反する発言は、運営ルールに従い非表示にすることがあります。"
)
DEFAULT_HANDLING = (
    "いただいた意見は、会議室の終了後にコーディネーターが報告にまとめて所管課に届けます。"
    "所管課は報告への回答をこの会議室で公開します。個々の意見に個別の回答はしない場合があります。"
)


@dataclass
class RoomDraft:
    """What a room form carries; the same shape for a city room and a citizen proposal."""

    title: str
    purpose: str
    posting_rules: str
    handling: str
    opens_at: datetime
    closes_at: datetime
    department_id: int | None = None
    answer_days: int = 30  # days the department has to answer the room report
    easy_summary: str = ""  # やさしい日本語: the room in plain Japanese (optional)


# ---------------------------------------------------------------- lookups and listings


def get(room_id: int) -> Room | None:
    room = db.session.get(Room, room_id)
    if room is not None:
        refresh_state(room)
    return room


def is_visible(room: Room, user) -> bool:
    """Proposed and declined rooms are seen by their proposer and the reviewers only."""
    if room.state not in (RoomState.PROPOSED, RoomState.DECLINED):
        return True
    if can(user, Permission.REVIEW_ROOM_PROPOSALS):
        return True
    return bool(getattr(user, "is_authenticated", False) and room.proposer_id == user.id)


def public_rooms(area: str | None = None, states: tuple[str, ...] | None = None) -> list[Room]:
    """Rooms in ``states`` as they are now: a room whose period ended counts as closed, even before
    ``flask rooms tick`` stores it (a page that only reads writes nothing)."""
    wanted = {str(s) for s in (states or (RoomState.OPEN, RoomState.CLOSED, RoomState.REPORTED, RoomState.ANSWERED))}
    stored = wanted | ({RoomState.OPEN.value} if RoomState.CLOSED.value in wanted else set())
    stmt = select(Room).options(selectinload(Room.department)).where(Room.state.in_(stored))
    if area:
        stmt = stmt.where(Room.area == area)
    found = list(db.session.scalars(stmt.order_by(Room.opens_at.desc(), Room.id.desc())))
    for room in found:
        refresh_state(room)
    return [room for room in found if room.state in wanted]


def home_listing() -> dict[str, list[Room]]:
    opened = public_rooms(states=(RoomState.OPEN,))
    awaiting = public_rooms(states=(RoomState.REPORTED,))
    answered = list(
        db.session.scalars(
            select(Room)
            .join(DepartmentAnswer)
            .where(Room.state == RoomState.ANSWERED)
            .order_by(DepartmentAnswer.published_at.desc())
            .limit(5)
        )
    )
    return {"open": opened, "awaiting": awaiting, "answered": answered}


def proposals(state: str = RoomState.PROPOSED) -> list[Room]:
    return list(db.session.scalars(select(Room).where(Room.state == state).order_by(Room.created_at)))


def proposals_of(user: User) -> list[Room]:
    return list(db.session.scalars(select(Room).where(Room.proposer_id == user.id).order_by(Room.created_at.desc())))


def thread_counts(rooms: list[Room]) -> dict[int, int]:
    if not rooms:
        return {}
    rows = db.session.execute(
        select(Thread.room_id, func.count()).where(Thread.room_id.in_([r.id for r in rooms])).group_by(Thread.room_id)
    )
    return dict(rows.all())


# ---------------------------------------------------------------- the open period


def refresh_state(room: Room) -> None:
    """An open room whose period has ended reads as closed. Only in memory: reading a page never
    writes; ``flask rooms tick`` (cron) stores it, and posting checks the period itself."""
    if room.state == RoomState.OPEN and clock.now() >= room.closes_at:
        set_committed_value(room, "state", RoomState.CLOSED.value)
    if room.state == RoomState.OPEN:  # a cached page showing it changes when the period starts or ends
        page_cache.expires_by(room.opens_at)
        page_cache.expires_by(room.closes_at)


def close_expired() -> int:
    """Store the state of every room whose period has ended (``flask rooms tick``); not committed."""
    rooms = db.session.scalars(select(Room).where(Room.state == RoomState.OPEN, Room.closes_at <= clock.now())).all()
    for room in rooms:
        room.state = RoomState.CLOSED.value
    return len(rooms)


def tick() -> tuple[int, int]:
    """Store what time has changed, in one transaction: rooms whose period ended are closed and
    due thread lock/unlock timers are applied with their audit entries. Returns both counts."""
    closed = close_expired()
    timers = store_timers()
    db.session.commit()
    return closed, timers


def posting_refusal(room: Room) -> str | None:
    """Why posting is refused now, in the user's words; None while the room accepts posts."""
    now = clock.now()
    if room.accepts_posts_at(now):
        return None
    if room.state == RoomState.OPEN and now < room.opens_at:
        return str(_l("This room opens for posts at %(time)s.", time=format_datetime(room.opens_at, "short")))
    if room.state in (RoomState.PROPOSED, RoomState.DECLINED):
        return str(_l("This room has not been opened."))
    return str(
        _l(
            "This room closed on %(time)s. You can read it, but no longer post.",
            time=format_datetime(room.closes_at, "short"),
        )
    )


def has_accepted_rules(user, room: Room) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return db.session.get(RulesAcceptance, (user.id, room.id)) is not None


def accept_rules(user: User, room: Room) -> None:
    """Record the tick (not committed: it is part of the post it came with). Ticking from two
    tabs at once is fine: the primary key keeps one."""
    insert_or_ignore(RulesAcceptance, user_id=user.id, room_id=room.id)


# ---------------------------------------------------------------- create, propose, review


def _validate(draft: RoomDraft, need_department: bool) -> Department | None:
    draft.title = clean_line(draft.title or "")
    if not draft.title:
        raise ServiceError(_l("Enter a title."), "title")
    if len(draft.title) > current_app.config["TITLE_MAX"]:
        raise ServiceError(
            _l("The title is too long (at most %(n)d characters).", n=current_app.config["TITLE_MAX"]), "title"
        )
    for field in ("purpose", "posting_rules", "handling"):
        value = (getattr(draft, field) or "").strip()
        if not value:
            raise ServiceError(_l("This field is required."), field)
        setattr(draft, field, value)
    if draft.closes_at <= draft.opens_at:
        raise ServiceError(_l("The room must close after it opens."), "closes_at")
    department = db.session.get(Department, draft.department_id) if draft.department_id else None
    if need_department and department is None:
        raise ServiceError(_l("Choose the department in charge."), "department_id")
    return department


def _apply(room: Room, draft: RoomDraft, department: Department | None) -> None:
    room.title, room.purpose = draft.title, draft.purpose
    room.posting_rules, room.handling = draft.posting_rules, draft.handling
    room.opens_at, room.closes_at = draft.opens_at, draft.closes_at
    room.department = department
    room.answer_days = min(max(int(draft.answer_days or 30), 1), 365)
    room.easy_summary = (draft.easy_summary or "").strip()


def create_city_room(actor: User, draft: RoomDraft, coordinators: list[User] = ()) -> Room:
    if role_of(actor) is Role.STAFF and draft.department_id != actor.department_id:
        raise ServiceError(_l("Department staff create rooms for their own department."), "department_id")
    department = _validate(draft, need_department=True)
    room = Room(area=Area.CITY.value, state=RoomState.OPEN.value, decided_at=clock.now())
    _apply(room, draft, department)
    room.coordinators = list(coordinators)
    db.session.add(room)
    db.session.commit()
    return room


def propose_room(actor: User, draft: RoomDraft) -> Room:
    silenced = sanction_refusal(actor)
    if silenced:
        raise ServiceError(silenced, status=403)
    _validate(draft, need_department=False)
    draft.answer_days = 30  # set by whoever opens the room, not by the proposer
    room = Room(area=Area.CITIZEN.value, state=RoomState.PROPOSED.value, proposer=actor)
    _apply(room, draft, None)
    db.session.add(room)
    db.session.commit()
    return room


def approve(room: Room, draft: RoomDraft, coordinators: list[User] = (), actor: User | None = None) -> None:
    if room.state != RoomState.PROPOSED:
        raise ServiceError(_l("Only a proposed room can be opened."))
    department = _validate(draft, need_department=False)
    _apply(room, draft, department)
    room.coordinators = list(coordinators)
    room.state = RoomState.OPEN.value
    room.decided_at = clock.now()
    audit(actor, "room.approve", room)
    db.session.commit()


def decline(room: Room, reason: str, actor: User | None = None) -> None:
    if room.state != RoomState.PROPOSED:
        raise ServiceError(_l("Only a proposed room can be declined."))
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Tell the proposer why the room is declined."), "reason")
    room.state = RoomState.DECLINED.value
    room.decline_reason = reason
    room.decided_at = clock.now()
    audit(actor, "room.decline", room, reason=reason)
    db.session.commit()


def close_now(room: Room) -> None:
    if room.state != RoomState.OPEN:
        raise ServiceError(_l("Only an open room can be closed."))
    now = clock.now()
    room.closes_at = min(room.closes_at, now)
    room.state = RoomState.CLOSED.value
    notifications.notify(
        room.coordinators,
        lambda: _("“%(room)s” was closed by the department; you can now write the room report", room=room.title),
        url_for("rooms.report", room_id=room.id),
    )
    db.session.commit()


# ---------------------------------------------------------------- report and answer


def save_report(room: Room, author: User, body: str, submit: bool) -> RoomReport:
    """The coordinator drafts the report after the room closes and submits it once."""
    if room.state not in (RoomState.CLOSED, RoomState.REPORTED) or (
        room.report is not None and room.report.submitted_at is not None
    ):
        raise ServiceError(_l("A report can be written once the room has closed, until it is submitted."))
    body = (body or "").strip()
    if not body:
        raise ServiceError(_l("Write the report before saving it."), "body")
    report = room.report or RoomReport(room=room)
    report.body = body
    report.author = author
    report.updated_at = clock.now()
    if submit:
        report.submitted_at = clock.now()
        report.due_at = report.submitted_at + timedelta(days=room.answer_days or 30)
        room.state = RoomState.REPORTED.value
    db.session.add(report)
    if submit:
        db.session.flush()
        notifications.report_arrived(room)
    db.session.commit()
    return report


def publish_answer(room: Room, author: User, body: str) -> DepartmentAnswer:
    if room.state != RoomState.REPORTED:
        raise ServiceError(_l("The department answers once the room report has been submitted."))
    body = (body or "").strip()
    if not body:
        raise ServiceError(_l("Write the answer before publishing it."), "body")
    answer = DepartmentAnswer(room=room, author=author, body=body, published_at=clock.now())
    room.state = RoomState.ANSWERED.value
    db.session.add(answer)
    notifications.department_answer(room)
    db.session.commit()
    return answer


def coordinator_candidates() -> list[User]:
    return list(db.session.scalars(select(User).where(User.role == Role.COORDINATOR.value).order_by(User.handle)))
