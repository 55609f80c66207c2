"""The rules table moderators edit (運営ルール): save a rule with its audit entry (what it was and
what it became), and try a text against the current rules before saving."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Room, User
from forum.services.errors import ServiceError
from moderation import rules as engine
from moderation.audit import audit
from moderation.gate import active_rules
from moderation.models import ModerationRule

PATTERN_PROBLEMS = {
    "empty": _l("Enter at least one word or pattern."),
    "too_long": _l("A pattern may have at most 200 characters."),
    "invalid_regex": _l("This regular expression is not valid."),
    "matches_everything": _l("This regular expression would match every post."),
}


def all_rules() -> list[ModerationRule]:
    return list(
        db.session.scalars(select(ModerationRule).order_by(ModerationRule.room_id.is_not(None), ModerationRule.id))
    )


def parse_params(text: str) -> dict[str, int]:
    """``key = number`` lines (thresholds of the built-in rules)."""
    params: dict[str, int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.isidentifier() or not value.isdigit():
            raise ServiceError(_l("Line %(n)d: write settings as “name = number”.", n=number), "params")
        params[key] = int(value)
    return params


def save_rule(
    actor: User,
    rule: ModerationRule | None,
    *,
    kind: str,
    action: str,
    name: str,
    patterns: str,
    regex: bool,
    room_id: int | None,
    params: str,
    enabled: bool,
) -> ModerationRule:
    """Create or change a rule; the audit keeps what it was and what it became."""
    if kind not in {k.value for k in engine.Kind}:
        raise ServiceError(_l("Choose a kind of rule."), "kind")
    if action not in {a.value for a in engine.Action} - {engine.Action.ALLOW.value}:
        raise ServiceError(_l("Choose what the rule does."), "action")
    lines = [line.strip() for line in (patterns or "").splitlines() if line.strip()]
    if kind in (engine.Kind.WORDS, engine.Kind.ELECTION):
        if not lines:
            raise ServiceError(PATTERN_PROBLEMS["empty"], "patterns")
        for line in lines:
            problem = engine.validate_pattern(line, regex)
            if problem:
                raise ServiceError(f"{line}: {PATTERN_PROBLEMS[problem]}", "patterns")
    if room_id is not None and db.session.get(Room, room_id) is None:
        raise ServiceError(_l("Choose a room or the whole site."), "room_id")
    values = {
        "kind": kind,
        "action": action,
        "name": (name or "").strip()[:100],
        "patterns": "\n".join(lines),
        "regex": bool(regex),
        "room_id": room_id,
        "params": parse_params(params),
        "enabled": bool(enabled),
    }
    before = _rule_dict(rule) if rule is not None else None
    if rule is None:
        rule = ModerationRule()
        db.session.add(rule)
    for key, value in values.items():
        setattr(rule, key, value)
    rule.updated_at = clock.now()
    db.session.flush()
    audit(
        actor,
        "rule.create" if before is None else "rule.update",
        rule,
        details={"before": before, "after": _rule_dict(rule)},
    )
    db.session.commit()
    return rule


def _rule_dict(rule: ModerationRule) -> dict:
    return {
        "kind": rule.kind,
        "action": rule.action,
        "name": rule.name,
        "patterns": rule.patterns,
        "regex": rule.regex,
        "room_id": rule.room_id,
        "params": dict(rule.params or {}),
        "enabled": rule.enabled,
    }


def try_text(text: str, title: str, room_id: int | None, new_resident: bool) -> engine.Decision:
    """Would this text pass? The current rules on a sample author (established or brand new)."""
    now = clock.now()
    author = (
        engine.AuthorContext(0, now - timedelta(hours=1), approved_posts=0)
        if new_resident
        else engine.AuthorContext(0, now - timedelta(days=365), approved_posts=100)
    )
    return engine.evaluate(engine.Draft(text, title, room_id=room_id), author, active_rules(room_id), now)
