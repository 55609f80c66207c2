"""The append-only audit log's one writer: every moderation, room, tag, export and answer-table
action adds its entry here, in the same transaction as the change it records."""

from __future__ import annotations

from typing import Any

from forum import clock
from forum.extensions import db
from moderation.models import AuditEntry


def audit(actor: Any, action: str, target: Any = None, reason: str = "", details: dict | None = None) -> None:
    """Add an entry (not committed). ``actor`` None means the system (rules, flags, timers)."""
    db.session.add(
        AuditEntry(
            created_at=clock.now(),
            actor_id=actor.id if actor else None,
            actor_handle=actor.handle if actor else "",
            action=action,
            target_type=type(target).__name__.lower() if target is not None else "",
            target_id=getattr(target, "id", None),
            reason=reason or "",
            details=details or {},
        )
    )
