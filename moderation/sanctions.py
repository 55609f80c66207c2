"""Sanctions: a warning, a silence (can read, cannot post) or a suspension (cannot log in), with
suggested lengths that grow, and lifting one early with a reason. The gate enforces them."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import User
from forum.permissions import Role
from forum.services import notifications
from forum.services.errors import ServiceError
from moderation.audit import audit
from moderation.gate import TRUSTED_ROLES, sanction_text
from moderation.models import Sanction, SanctionKind

ESCALATION_DAYS = (1, 3, 7, 30)  # suggested lengths: the first, second, third, and later sanctions


def sanctions_of(user: User) -> list[Sanction]:
    return list(db.session.scalars(select(Sanction).where(Sanction.user_id == user.id).order_by(Sanction.id.desc())))


def suggested_days(user: User) -> int:
    earlier = sum(1 for s in sanctions_of(user) if s.kind != SanctionKind.WARN)
    return ESCALATION_DAYS[min(earlier, len(ESCALATION_DAYS) - 1)]


def sanction(moderator: User, user: User, kind: str, days: int | None, reason: str) -> Sanction:
    """Warn, silence or suspend ``user``; they are told why and until when. One transaction."""
    if kind not in {k.value for k in SanctionKind}:
        raise ServiceError(_l("Choose a sanction."), "kind")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Tell the resident why."), "reason")
    if user.role in TRUSTED_ROLES and user.role != Role.STAFF.value:
        raise ServiceError(_l("Moderators and administrators cannot be sanctioned here; change their role."))
    if user.id == moderator.id:
        raise ServiceError(_l("You cannot sanction yourself."))
    now = clock.now()
    ends_at = None
    if kind != SanctionKind.WARN:
        if not days or not 1 <= days <= 3650:
            raise ServiceError(_l("Choose how many days (1 to 3650)."), "days")
        ends_at = now + timedelta(days=days)
    record = Sanction(
        user_id=user.id, kind=kind, reason=reason, starts_at=now, ends_at=ends_at, created_by_id=moderator.id
    )
    db.session.add(record)
    db.session.flush()
    audit(moderator, f"sanction.{kind}", user, reason=reason, details={"days": days, "sanction_id": record.id})
    if kind == SanctionKind.SUSPEND:
        user.auth_version += 1  # ends every session at once
    notifications.notify([user], lambda: sanction_text(record), "/me/notifications")
    db.session.commit()
    return record


def lift(moderator: User, record: Sanction, reason: str) -> None:
    """End a sanction early; the member is told why."""
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Write why the sanction is lifted."), "reason")
    if record.lifted_at is not None:
        return
    record.lifted_at = clock.now()
    record.lifted_by_id = moderator.id
    record.lift_reason = reason
    user = db.session.get(User, record.user_id)
    audit(moderator, "sanction.lift", user, reason=reason, details={"sanction_id": record.id})
    notifications.notify(
        [user], lambda: _("The moderators lifted a sanction: %(reason)s", reason=reason), "/me/notifications"
    )
    db.session.commit()
