"""Moderation: rules, the review queue, (later) flags, sanctions and appeals, and the audit log.

``forum`` calls only the functions below and the pure ``moderation.rules``. They import the
workflow lazily, so that ``import moderation.rules`` stays free of Flask and the database.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def init_app(app: Flask) -> None:
    """Register the moderation models and pages with the app."""
    from moderation import models  # noqa: F401  (tables for the metadata)
    from moderation.views import bp, public_bp

    app.register_blueprint(bp)
    app.register_blueprint(public_bp)


def screen_post(*args: Any, **kwargs: Any):
    """The rules' decision on a new post or an edit (``moderation.workflow.screen_post``)."""
    from moderation import workflow

    return workflow.screen_post(*args, **kwargs)


def record_decision(*args: Any, **kwargs: Any) -> None:
    """Audit a decision that was not a plain allow (``moderation.workflow.record_decision``)."""
    from moderation import workflow

    workflow.record_decision(*args, **kwargs)


def refusal_message(*args: Any, **kwargs: Any) -> str:
    """Why a post was refused, in the user's language (``moderation.workflow.refusal_message``)."""
    from moderation import workflow

    return workflow.refusal_message(*args, **kwargs)


def sanction_refusal(user: Any) -> str | None:
    """Why a silenced or suspended user may not take part now, or None."""
    from moderation import workflow

    return workflow.sanction_refusal(user)


def suspension(user: Any):
    """The suspension in force on ``user`` (they may not log in), or None."""
    from moderation import workflow

    return workflow.active_sanction(user, kinds=("suspend",))


def thread_refusal(user: Any, thread: Any) -> str | None:
    """Apply the thread's timers; then why ``user`` may not post in it now (slow mode), or None."""
    from moderation import workflow

    workflow.apply_timers(thread)
    return workflow.slow_mode_refusal(user, thread) if getattr(user, "is_authenticated", False) else None


def audit(actor: Any, action: str, target: Any = None, reason: str = "", details: dict | None = None) -> None:
    """Add an append-only audit entry (not committed): for moderation done outside this package."""
    from moderation import workflow

    workflow.audit(actor, action, target, reason, details)


def post_held(post: Any) -> None:
    """Tell the author that the rules held their post for review."""
    from moderation import workflow

    workflow.tell_held(post)
