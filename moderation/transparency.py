"""What moderators did, for moderators (the audit log with its filters) and for everyone (the
public transparency page: counts per month and kind, no personal data)."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.paging import offset
from moderation.gate import match_reasons
from moderation.models import AuditEntry

AUDIT_PAGE_SIZE = 100


def entry_reason(entry: AuditEntry) -> str:
    """The audit log's reason column in words: the person's reason, then why the rules acted."""
    reason = entry.reason
    if entry.actor_id is None and reason == "timer":  # written by gate.store_timers
        reason = _("at the time set for it")
    return "、".join(r for r in dict.fromkeys([reason, *match_reasons(entry.details)]) if r)


def audit_entries(
    action: str = "", actor: str = "", page: int = 1, per_page: int = AUDIT_PAGE_SIZE
) -> tuple[list[AuditEntry], int]:
    """One page of the log, newest first, filtered by action (a code or a group prefix) and actor."""
    stmt = select(AuditEntry)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(AuditEntry.actor_handle == actor)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(per_page).offset(offset(page, per_page))).all()
    return list(rows), total


def monthly_counts(months: int = 12, tz_name: str = "Asia/Tokyo") -> tuple[list[str], dict[str, dict[str, int]]]:
    """Moderation actions per month (Japan time) and kind, for the public page. No personal data."""
    since = clock.now() - timedelta(days=31 * months)
    rows = db.session.execute(select(AuditEntry.created_at, AuditEntry.action).where(AuditEntry.created_at >= since))
    counts: dict[str, dict[str, int]] = {}
    for created_at, action in rows:
        month = clock.to_local(created_at, tz_name).strftime("%Y-%m")
        counts.setdefault(month, {})
        counts[month][action] = counts[month].get(action, 0) + 1
    return sorted(counts, reverse=True), counts
