"""Moderation use cases: screen posts with the rules, the review queue, approve and reject,
and the audit entries every action leaves."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value

from forum import clock
from forum.extensions import db
from forum.models import Post, PostState, Room, Thread, User
from forum.models.upsert import insert_or_ignore
from forum.permissions import Role
from forum.services import notifications
from moderation import rules as engine
from moderation.models import Appeal, AuditEntry, Flag, FlagReason, ModerationRule, Sanction, SanctionKind

EDIT_SKIP = frozenset({engine.Kind.RATE, engine.Kind.DUPLICATE, engine.Kind.NEW_RESIDENT})
TRUSTED_ROLES = {Role.STAFF.value, Role.MODERATOR.value, Role.ADMIN.value}

REASONS = {
    "word": _l("the word “%(detail)s” is not allowed here"),
    "election": _l("election campaigning (“%(detail)s”) is not allowed"),
    "phone": _l("it contains a phone number"),
    "email": _l("it contains an e-mail address"),
    "postal": _l("it contains a postal code"),
    "my_number": _l("it contains a number that looks like a My Number"),
    "address": _l("it contains a street address"),
    "links_for_new_residents": _l("links are checked for residents with few posts"),
    "rate_post": _l("posts must be at least %(detail)s apart"),
    "rate_thread": _l("new threads must be at least %(detail)s apart"),
    "first_day_threads": _l("in your first day you can start up to %(detail)s threads"),
    "first_day_replies": _l("in your first day you can post up to %(detail)s replies"),
    "duplicate": _l("you posted the same text a moment ago"),
    "new_resident": _l("the first posts of a new resident are checked before they appear"),
    "title_too_long": _l("the title is longer than %(detail)s characters"),
    "body_too_long": _l("the text is longer than %(detail)s characters"),
    "body_too_short": _l("the text is empty"),
}


def explain(match: engine.Match) -> str:
    """The reason for a match, in the user's language."""
    detail = match.detail
    if match.reason in ("rate_post", "rate_thread"):
        detail = _("%(n)s seconds", n=detail.removesuffix("s"))
    text = REASONS.get(match.reason)
    return str(text % {"detail": detail}) if text is not None else match.reason


def refusal_message(decision: engine.Decision) -> str:
    reasons = "、".join(dict.fromkeys(explain(m) for m in decision.matches if m.action is engine.Action.BLOCK))
    message = _("This post cannot be published: %(reasons)s.", reasons=reasons)
    if decision.retry_after:
        message += " " + _("Please try again in %(seconds)d seconds.", seconds=decision.retry_after)
    return message


# ---------------------------------------------------------------- screening

def active_rules(room_id: int | None) -> list[engine.Rule]:
    stmt = select(ModerationRule).where(ModerationRule.enabled.is_(True)).where(
        or_(ModerationRule.room_id.is_(None), ModerationRule.room_id == room_id))
    return [row.to_rule() for row in db.session.scalars(stmt.order_by(ModerationRule.id))]


def author_context(user: User, now) -> engine.AuthorContext:
    day = now - timedelta(days=1)
    post_times = tuple(db.session.scalars(select(Post.created_at).where(
        Post.author_id == user.id, Post.created_at > day)))
    thread_times = tuple(db.session.scalars(select(Thread.created_at).where(
        Thread.author_id == user.id, Thread.created_at > day)))
    recent = tuple(db.session.execute(select(Post.created_at, Post.body).where(
        Post.author_id == user.id, Post.created_at > now - timedelta(hours=1))).all())
    approved = db.session.scalar(select(func.count()).select_from(Post).where(
        Post.author_id == user.id, Post.state == PostState.PUBLISHED.value)) or 0
    return engine.AuthorContext(user_id=user.id, joined_at=user.created_at, approved_posts=approved,
                                trusted=user.role in TRUSTED_ROLES, post_times=post_times,
                                thread_times=thread_times, recent_bodies=recent)


def screen_post(author: User, place, title: str, body: str, new_thread: bool,
                editing: bool = False) -> engine.Decision:
    """What the rules say about a new post (or an edit) by ``author`` in ``place``."""
    now = clock.now()
    room_id = place.id if isinstance(place, Room) else None
    rules = active_rules(room_id)
    if editing:
        rules = [r for r in rules if r.kind not in EDIT_SKIP]
    draft = engine.Draft(body=body, title=title, room_id=room_id, new_thread=new_thread)
    return engine.evaluate(draft, author_context(author, now), rules, now)


def record_decision(decision: engine.Decision, author: User, post: Post | None) -> None:
    """An audit entry for every decision that was not a plain allow (not committed)."""
    if decision.action is engine.Action.ALLOW:
        return
    audit(None, f"rule.{decision.action.value}", post, reason="",
          details={"author_id": author.id,
                   "matches": [{"rule_id": m.rule_id, "kind": m.kind.value, "action": m.action.value,
                                "reason": m.reason, "detail": m.detail} for m in decision.matches]})


def audit(actor: User | None, action: str, target=None, reason: str = "", details: dict | None = None) -> None:
    db.session.add(AuditEntry(
        created_at=clock.now(), actor_id=actor.id if actor else None,
        actor_handle=actor.handle if actor else "", action=action,
        target_type=type(target).__name__.lower() if target is not None else "",
        target_id=getattr(target, "id", None), reason=reason or "", details=details or {}))


# ---------------------------------------------------------------- the review queue

def queue() -> list[Post]:
    """Held posts, oldest first."""
    return list(db.session.scalars(
        select(Post).where(Post.state == PostState.PENDING.value)
        .options(selectinload(Post.thread), selectinload(Post.author))
        .order_by(Post.created_at, Post.id)))


def reasons_for(post: Post) -> list[str]:
    """Why the rules held ``post``, from its audit entries."""
    entries = db.session.scalars(select(AuditEntry).where(
        AuditEntry.target_type == "post", AuditEntry.target_id == post.id,
        AuditEntry.action.like("rule.%")).order_by(AuditEntry.id))
    return list(dict.fromkeys(reason for entry in entries for reason in match_reasons(entry.details)))


def match_reasons(details: dict) -> list[str]:
    """The rules' reasons kept in an audit entry, as sentences (the stored codes are for machines)."""
    return [explain(engine.Match(m["rule_id"], engine.Kind(m["kind"]), engine.Action(m["action"]),
                                 m["reason"], m.get("detail", ""))) for m in (details or {}).get("matches", [])]


def author_history(user: User | None) -> dict[str, int]:
    if user is None:
        return {}
    counts = dict(db.session.execute(select(Post.state, func.count()).where(Post.author_id == user.id)
                                     .group_by(Post.state)).all())
    return {state.value: counts.get(state.value, 0) for state in PostState}


def approve(moderator: User, post: Post) -> None:
    from forum.services import posts

    if post.state != PostState.PENDING:
        return
    posts.change_state(post, PostState.PUBLISHED)
    audit(moderator, "post.approve", post)
    notifications.notify([post.author] if post.author else [],
                         lambda: _("Your post in “%(title)s” has been published.", title=post.thread.title),
                         f"/posts/{post.id}")
    if post.number == 1:
        notifications.new_thread(post.thread)
    else:
        notifications.new_reply(post)
    db.session.commit()


def reject(moderator: User, post: Post, reason: str) -> None:
    from forum.services import posts

    if post.state != PostState.PENDING:
        return
    posts.change_state(post, PostState.REJECTED)
    audit(moderator, "post.reject", post, reason=reason)
    notifications.notify([post.author] if post.author else [],
                         lambda: _("Your post in “%(title)s” was not published: %(reason)s",
                                   title=post.thread.title, reason=reason),
                         "/me/#posts")
    db.session.commit()


# ---------------------------------------------------------------- the rules table

class RuleError(ValueError):
    def __init__(self, message, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


PATTERN_PROBLEMS = {
    "empty": _l("Enter at least one word or pattern."),
    "too_long": _l("A pattern may have at most 200 characters."),
    "invalid_regex": _l("This regular expression is not valid."),
    "matches_everything": _l("This regular expression would match every post."),
}


def all_rules() -> list[ModerationRule]:
    return list(db.session.scalars(select(ModerationRule).order_by(ModerationRule.room_id.is_not(None),
                                                                   ModerationRule.id)))


def parse_params(text: str) -> dict[str, int]:
    """``key = number`` lines (thresholds of the built-in rules)."""
    params: dict[str, int] = {}
    for number, line in enumerate((text or "").splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        key, value = key.strip(), value.strip()
        if not sep or not key.isidentifier() or not value.isdigit():
            raise RuleError(_l("Line %(n)d: write settings as “name = number”.", n=number), "params")
        params[key] = int(value)
    return params


def save_rule(actor: User, rule: ModerationRule | None, *, kind: str, action: str, name: str,
              patterns: str, regex: bool, room_id: int | None, params: str, enabled: bool) -> ModerationRule:
    """Create or change a rule; the audit keeps what it was and what it became."""
    if kind not in {k.value for k in engine.Kind}:
        raise RuleError(_l("Choose a kind of rule."), "kind")
    if action not in {a.value for a in engine.Action} - {engine.Action.ALLOW.value}:
        raise RuleError(_l("Choose what the rule does."), "action")
    lines = [line.strip() for line in (patterns or "").splitlines() if line.strip()]
    if kind in (engine.Kind.WORDS, engine.Kind.ELECTION):
        if not lines:
            raise RuleError(PATTERN_PROBLEMS["empty"], "patterns")
        for line in lines:
            problem = engine.validate_pattern(line, regex)
            if problem:
                raise RuleError(f"{line}: {PATTERN_PROBLEMS[problem]}", "patterns")
    if room_id is not None and db.session.get(Room, room_id) is None:
        raise RuleError(_l("Choose a room or the whole site."), "room_id")
    values = {"kind": kind, "action": action, "name": (name or "").strip()[:100], "patterns": "\n".join(lines),
              "regex": bool(regex), "room_id": room_id, "params": parse_params(params), "enabled": bool(enabled)}
    before = _rule_dict(rule) if rule is not None else None
    if rule is None:
        rule = ModerationRule()
        db.session.add(rule)
    for key, value in values.items():
        setattr(rule, key, value)
    rule.updated_at = clock.now()
    db.session.flush()
    audit(actor, "rule.create" if before is None else "rule.update", rule,
          details={"before": before, "after": _rule_dict(rule)})
    db.session.commit()
    return rule


def _rule_dict(rule: ModerationRule) -> dict:
    return {"kind": rule.kind, "action": rule.action, "name": rule.name, "patterns": rule.patterns,
            "regex": rule.regex, "room_id": rule.room_id, "params": dict(rule.params or {}),
            "enabled": rule.enabled}


def try_text(text: str, title: str, room_id: int | None, new_resident: bool) -> engine.Decision:
    """Would this text pass? The current rules on a sample author (established or brand new)."""
    now = clock.now()
    author = (engine.AuthorContext(0, now - timedelta(hours=1), approved_posts=0) if new_resident
              else engine.AuthorContext(0, now - timedelta(days=365), approved_posts=100))
    return engine.evaluate(engine.Draft(text, title, room_id=room_id), author, active_rules(room_id), now)


# ---------------------------------------------------------------- the audit log

def entry_reason(entry: AuditEntry) -> str:
    """The audit log's reason column in words: the person's reason, then why the rules acted."""
    reason = entry.reason
    if entry.actor_id is None and reason == "timer":  # written by apply_timers
        reason = _("at the time set for it")
    return "、".join(r for r in dict.fromkeys([reason, *match_reasons(entry.details)]) if r)


def audit_entries(action: str = "", actor: str = "", page: int = 1, per_page: int = 100):
    stmt = select(AuditEntry)
    if action:
        stmt = stmt.where(AuditEntry.action.startswith(action, autoescape=True))
    if actor:
        stmt = stmt.where(AuditEntry.actor_handle == actor)
    total = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = db.session.scalars(stmt.order_by(AuditEntry.id.desc()).limit(per_page)
                              .offset((min(max(page, 1), 100_000) - 1) * per_page)).all()
    return list(rows), total


# ---------------------------------------------------------------- flags (通報)

FLAG_REASON_NAMES = {
    FlagReason.ABUSE: _l("Abuse or discrimination"),
    FlagReason.PERSONAL_INFO: _l("Personal information"),
    FlagReason.SPAM: _l("Advertising or spam"),
    FlagReason.ELECTION: _l("Election campaigning"),
    FlagReason.OFF_TOPIC: _l("Not about the theme"),
    FlagReason.ILLEGAL: _l("Against the law"),
    FlagReason.OTHER: _l("Something else (please explain)"),
}


def flag_weight(user: User) -> float | None:
    """How much a resident's flag counts; None for moderators, whose flag acts at once."""
    if user.role in (Role.MODERATOR.value, Role.ADMIN.value):
        return None
    now = clock.now()
    approved = db.session.scalar(select(func.count()).select_from(Post).where(
        Post.author_id == user.id, Post.state == PostState.PUBLISHED.value)) or 0
    age = now - user.created_at
    if age < timedelta(days=7) or approved < 3:
        return 0.5
    if age >= timedelta(days=90) and approved >= 20:
        return 1.5
    return 1.0


def open_flags(post: Post) -> list[Flag]:
    return list(db.session.scalars(select(Flag).where(Flag.post_id == post.id, Flag.resolved_at.is_(None))
                                   .order_by(Flag.id)))


def flag_post(user: User, post: Post, reason: str, note: str, threshold: float) -> str:
    """Record a flag; hide the post for review when the score reaches ``threshold``.
    Returns "flagged", "hidden" (by the score) or "hidden_by_moderator"."""
    from forum.services.errors import ServiceError

    if post.author_id == user.id:
        raise ServiceError(_l("You cannot flag your own post."), status=403)
    silenced = sanction_refusal(user)
    if silenced:
        raise ServiceError(silenced, status=403)
    if not post.is_public:
        raise ServiceError(_l("This post is not visible."), status=404)
    if reason not in {r.value for r in FlagReason}:
        raise ServiceError(_l("Choose a reason."), "reason")
    note = (note or "").strip()[:1000]
    if reason == FlagReason.OTHER and not note:
        raise ServiceError(_l("Please explain the reason."), "note")
    weight = flag_weight(user)
    if not insert_or_ignore(Flag, post_id=post.id, user_id=user.id, reason=reason, note=note,
                            weight=weight if weight is not None else 0.0, created_at=clock.now()):
        raise ServiceError(_l("You have already flagged this post. Thank you."))
    if weight is None:
        hide(user, post, note or str(FLAG_REASON_NAMES[FlagReason(reason)]))
        return "hidden_by_moderator"
    score = sum(f.weight for f in open_flags(post))
    if score >= threshold:
        _set_hidden(post, "flags")
        audit(None, "flags.hide", post, details={"score": score, "threshold": threshold,
                                                  "reasons": [f.reason for f in open_flags(post)]})
        _tell_author(post, lambda: _("Your post in “%(title)s” was flagged by several residents and is hidden "
                                     "until a moderator reviews it.", title=post.thread.title))
        db.session.commit()
        return "hidden"
    db.session.commit()
    return "flagged"


def _set_hidden(post: Post, why: str | None) -> None:
    from forum.services import posts

    posts.change_state(post, PostState.HIDDEN if why else PostState.PUBLISHED)
    post.hidden_reason = why


def _resolve_flags(post: Post, resolution: str) -> None:
    for flag in open_flags(post):
        flag.resolved_at = clock.now()
        flag.resolution = resolution


def _tell_author(post: Post, message) -> None:
    if post.author is not None:
        notifications.notify([post.author], message, f"/posts/{post.id}")


def hide(moderator: User, post: Post, reason: str) -> None:
    """A moderator hides a post (flags on it are upheld); the author is told why."""
    _set_hidden(post, "moderator")
    _resolve_flags(post, "upheld")
    audit(moderator, "post.hide", post, reason=reason)
    _tell_author(post, lambda: _("Your post in “%(title)s” was hidden by a moderator: %(reason)s",
                                 title=post.thread.title, reason=reason))
    db.session.commit()


def restore(moderator: User, post: Post, reason: str = "") -> None:
    """Show a hidden post again; its flags are dismissed, so the same flaggers cannot hide it again."""
    _set_hidden(post, None)
    _resolve_flags(post, "dismissed")
    audit(moderator, "post.restore", post, reason=reason)
    _tell_author(post, lambda: _("Your post in “%(title)s” is visible again.", title=post.thread.title))
    db.session.commit()


def dismiss_flags(moderator: User, post: Post) -> None:
    """Keep a flagged, still visible post as it is."""
    _resolve_flags(post, "dismissed")
    audit(moderator, "flags.dismiss", post)
    db.session.commit()


def flagged_posts() -> list[Post]:
    """Posts with open flags (visible, or hidden by the score), oldest flag first."""
    first_flag = (select(Flag.post_id, func.min(Flag.created_at).label("first"))
                  .where(Flag.resolved_at.is_(None)).group_by(Flag.post_id).subquery())
    return list(db.session.scalars(
        select(Post).join(first_flag, first_flag.c.post_id == Post.id)
        .options(selectinload(Post.thread), selectinload(Post.author)).order_by(first_flag.c.first)))


# ---------------------------------------------------------------- sanctions

ESCALATION_DAYS = (1, 3, 7, 30)  # suggested lengths: the first, second, third, and later sanctions


def sanctions_of(user: User) -> list[Sanction]:
    return list(db.session.scalars(select(Sanction).where(Sanction.user_id == user.id)
                                   .order_by(Sanction.id.desc())))


def active_sanction(user, kinds: tuple[str, ...] = (SanctionKind.SILENCE.value, SanctionKind.SUSPEND.value)):
    """The sanction in force on ``user`` now (the longest), or None."""
    if user is None or not getattr(user, "id", None):
        return None
    now = clock.now()
    found = [s for s in db.session.scalars(select(Sanction).where(
        Sanction.user_id == user.id, Sanction.kind.in_(kinds), Sanction.lifted_at.is_(None),
        Sanction.ends_at > now)) if s.in_force(now)]
    return max(found, key=lambda s: s.ends_at, default=None)


def suggested_days(user: User) -> int:
    earlier = sum(1 for s in sanctions_of(user) if s.kind != SanctionKind.WARN)
    return ESCALATION_DAYS[min(earlier, len(ESCALATION_DAYS) - 1)]


def sanction(moderator: User, user: User, kind: str, days: int | None, reason: str) -> Sanction:
    from forum.services.errors import ServiceError

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
    record = Sanction(user_id=user.id, kind=kind, reason=reason, starts_at=now, ends_at=ends_at,
                      created_by_id=moderator.id)
    db.session.add(record)
    db.session.flush()
    audit(moderator, f"sanction.{kind}", user, reason=reason, details={"days": days, "sanction_id": record.id})
    if kind == SanctionKind.SUSPEND:
        user.auth_version += 1  # ends every session at once
    notifications.notify([user], lambda: _sanction_text(record), "/me/notifications")
    db.session.commit()
    return record


def _sanction_text(record: Sanction) -> str:
    from flask_babel import format_datetime

    if record.kind == SanctionKind.WARN:
        return _("A warning from the moderators: %(reason)s", reason=record.reason)
    until = format_datetime(record.ends_at, "short")
    if record.kind == SanctionKind.SILENCE:
        return _("You cannot post until %(until)s: %(reason)s", until=until, reason=record.reason)
    return _("Your account is suspended until %(until)s: %(reason)s", until=until, reason=record.reason)


def lift(moderator: User, record: Sanction, reason: str) -> None:
    from forum.services.errors import ServiceError

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
    notifications.notify([user], lambda: _("The moderators lifted a sanction: %(reason)s", reason=reason),
                         "/me/notifications")
    db.session.commit()


def sanction_refusal(user) -> str | None:
    """Why a silenced or suspended user may not post now (with the date), or None."""
    record = active_sanction(user)
    return _sanction_text(record) if record is not None else None


# ---------------------------------------------------------------- appeals

def appeal_of(post: Post) -> Appeal | None:
    return db.session.scalar(select(Appeal).where(Appeal.post_id == post.id))


def can_appeal(user, post: Post) -> bool:
    return (getattr(user, "is_authenticated", False) and post.author_id == user.id
            and post.state in (PostState.REJECTED.value, PostState.HIDDEN.value) and appeal_of(post) is None)


def appeal(user: User, post: Post, text: str) -> Appeal:
    from forum.services.errors import ServiceError

    if post.author_id != user.id:
        raise ServiceError(_l("Only the author can appeal."), status=403)
    if appeal_of(post) is not None:
        raise ServiceError(_l("You have already appealed this decision."))
    if post.state not in (PostState.REJECTED.value, PostState.HIDDEN.value):
        raise ServiceError(_l("Only a post that was not published or was hidden can be appealed."))
    text = (text or "").strip()
    if not text:
        raise ServiceError(_l("Explain why the decision should change."), "text")
    record = Appeal(post_id=post.id, user_id=user.id, text=text[:4000], created_at=clock.now())
    db.session.add(record)
    db.session.flush()
    audit(user, "appeal.create", post, reason=record.text)
    db.session.commit()
    return record


def _decider_of(post: Post) -> int | None:
    """The moderator whose decision is appealed (who rejected or hid the post)."""
    entry = db.session.scalar(select(AuditEntry).where(
        AuditEntry.target_type == "post", AuditEntry.target_id == post.id,
        AuditEntry.action.in_(("post.reject", "post.hide"))).order_by(AuditEntry.id.desc()))
    return entry.actor_id if entry is not None else None


def may_decide(moderator: User, record: Appeal) -> bool:
    """A different moderator decides, when there is one."""
    post = db.session.get(Post, record.post_id)
    first = _decider_of(post)
    if first is None or first != moderator.id:
        return True
    others = db.session.scalar(select(func.count()).select_from(User).where(
        User.role.in_((Role.MODERATOR.value, Role.ADMIN.value)), User.id != moderator.id)) or 0
    return others == 0


def decide_appeal(moderator: User, record: Appeal, grant: bool, note: str) -> None:
    from forum.services.errors import ServiceError

    if record.decided_at is not None:
        raise ServiceError(_l("This appeal was already decided."))
    if not may_decide(moderator, record):
        raise ServiceError(_l("Another moderator decides this appeal, since you made the first decision."),
                           status=403)
    note = (note or "").strip()
    if not grant and not note:
        raise ServiceError(_l("Tell the author why the decision stays."), "note")
    post = db.session.get(Post, record.post_id)
    record.decided_at, record.decided_by_id = clock.now(), moderator.id
    record.outcome, record.note = ("granted" if grant else "denied"), note
    if grant:
        _set_hidden(post, None)
        _resolve_flags(post, "dismissed")
    audit(moderator, "appeal.grant" if grant else "appeal.deny", post, reason=note)
    if grant:
        _tell_author(post, lambda: _("Your appeal was granted; your post in “%(title)s” is published.",
                                     title=post.thread.title))
    else:
        _tell_author(post, lambda: _("Your appeal about “%(title)s” was not granted: %(note)s",
                                     title=post.thread.title, note=note))
    db.session.commit()


def open_appeals() -> list[Appeal]:
    return list(db.session.scalars(select(Appeal).where(Appeal.decided_at.is_(None)).order_by(Appeal.id)))


# ---------------------------------------------------------------- transparency

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


# ---------------------------------------------------------------- threads and redaction

def apply_timers(thread: Thread) -> None:
    """A thread whose lock or unlock time has come reads as locked or unlocked. Only in memory:
    reading a page never writes; ``flask rooms tick`` stores it with its audit entry."""
    now = clock.now()
    locked = thread.locked
    if thread.lock_at is not None and thread.lock_at <= now:
        locked = True
    if thread.unlock_at is not None and thread.unlock_at <= now:
        locked = False
    if locked != thread.locked:
        set_committed_value(thread, "locked", locked)


def store_timers() -> int:
    """Store every due lock/unlock timer, each with its audit entry (``flask rooms tick``); not
    committed. Returns how many threads changed."""
    now = clock.now()
    due = db.session.scalars(select(Thread).where(or_(Thread.lock_at <= now, Thread.unlock_at <= now))).all()
    for thread in due:
        if thread.lock_at is not None and thread.lock_at <= now:
            thread.locked, thread.lock_at = True, None
            audit(None, "thread.lock", thread, reason="timer")
        if thread.unlock_at is not None and thread.unlock_at <= now:
            thread.locked, thread.unlock_at = False, None
            audit(None, "thread.unlock", thread, reason="timer")
    return len(due)


def slow_mode_refusal(user: User, thread: Thread) -> str | None:
    if not thread.slow_mode_minutes or user.role in TRUSTED_ROLES:
        return None
    last = db.session.scalar(select(func.max(Post.created_at)).where(
        Post.thread_id == thread.id, Post.author_id == user.id))
    if last is None:
        return None
    wait = last + timedelta(minutes=thread.slow_mode_minutes) - clock.now()
    if wait.total_seconds() <= 0:
        return None
    return _("This thread is in slow mode: one post every %(m)d minutes. Please try again in %(s)d seconds.",
             m=thread.slow_mode_minutes, s=int(wait.total_seconds()) + 1)


def update_thread(moderator: User, thread: Thread, *, locked: bool, pinned: bool, slow_mode: int | None,
                  lock_at, unlock_at, destination=None) -> list[str]:
    """Apply the thread tools; each change is an audit entry. Returns the actions taken."""
    from forum.models import Board

    done = []
    if locked != thread.locked:
        thread.locked = locked
        done.append("thread.lock" if locked else "thread.unlock")
    if pinned != thread.pinned:
        thread.pinned = pinned
        done.append("thread.pin" if pinned else "thread.unpin")
    if (slow_mode or None) != thread.slow_mode_minutes:
        thread.slow_mode_minutes = slow_mode or None
        done.append("thread.slow_mode")
    if (lock_at, unlock_at) != (thread.lock_at, thread.unlock_at):
        thread.lock_at, thread.unlock_at = lock_at, unlock_at
        done.append("thread.timer")
    if destination is not None and destination is not (thread.room or thread.board):
        if isinstance(destination, Board):
            thread.board, thread.room = destination, None
        else:
            thread.room, thread.board = destination, None
        done.append("thread.move")
    for action in done:
        audit(moderator, action, thread, details={
            "locked": thread.locked, "pinned": thread.pinned, "slow_mode_minutes": thread.slow_mode_minutes,
            "lock_at": thread.lock_at.isoformat() if thread.lock_at else None,
            "unlock_at": thread.unlock_at.isoformat() if thread.unlock_at else None,
            "room_id": thread.room_id, "board_id": thread.board_id})
    db.session.commit()
    return done


def redact(moderator: User, post: Post, body: str, reason: str) -> None:
    """Edit part of a post: the earlier text is kept as a revision and the post says so."""
    from forum.models import PostRevision
    from forum.services.errors import ServiceError
    from forum.services.posts import check_body

    body = check_body(body)
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError(_l("Tell the author why part of the post was edited."), "reason")
    if body == post.body:
        return
    db.session.add(PostRevision(post=post, body=post.body, written_at=post.edited_at or post.created_at,
                                editor_id=moderator.id, by_moderator=True))
    post.body = body
    post.redacted_at = post.edited_at = clock.now()
    audit(moderator, "post.redact", post, reason=reason)
    _tell_author(post, lambda: _("A moderator edited part of your post in “%(title)s”: %(reason)s",
                                 title=post.thread.title, reason=reason))
    db.session.commit()


def tell_held(post: Post) -> None:
    _tell_author(post, lambda: _("Your post in “%(title)s” is waiting for a moderator’s review; "
                                 "you will be told when it is published.", title=post.thread.title))
