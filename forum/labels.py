"""Every label table: the words pages, exports and mails show for the codes the database keeps.

One place for each name, low enough that exports, services and views can all use it (it imports
only models' enums, the rules' enums and Babel's lazy strings, never a service or a view).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from flask_babel import LazyString
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from forum.models import (
    AnswerTableState,
    Area,
    BoardKind,
    JobState,
    LetterStatus,
    NotifyMode,
    Reflection,
    RoomState,
    ThreadStatus,
)
from forum.permissions import Role
from moderation.models import FlagReason, SanctionKind
from moderation.rules import Action as RuleAction
from moderation.rules import Kind as RuleKind

ROLE_NAMES = {
    Role.GUEST: _l("Guest"),
    Role.RESIDENT: _l("Resident"),
    Role.COORDINATOR: _l("Coordinator"),
    Role.MODERATOR: _l("Moderator"),
    Role.STAFF: _l("Department staff"),
    Role.ADMIN: _l("Administrator"),
}

AREA_NAMES = {Area.CITY: _l("City hall area"), Area.CITIZEN: _l("Citizen area")}
ROOM_STATE_NAMES = {
    RoomState.PROPOSED: _l("Proposed"),
    RoomState.DECLINED: _l("Declined"),
    RoomState.OPEN: _l("Open"),
    RoomState.CLOSED: _l("Closed"),
    RoomState.REPORTED: _l("Report submitted, awaiting the answer"),
    RoomState.ANSWERED: _l("Answered by the department"),
}
THREAD_STATUS_NAMES = {
    ThreadStatus.UNANSWERED: _l("Not answered yet"),
    ThreadStatus.CONSIDERING: _l("Under consideration"),
    ThreadStatus.ANSWERED: _l("Answered"),
    ThreadStatus.REFLECTED: _l("Reflected in policy"),
    ThreadStatus.DIFFICULT: _l("Difficult to act on"),
}
BOARD_KIND_NAMES = {
    BoardKind.COMMUNITY: _l("Community group"),
    BoardKind.VOLUNTEER: _l("Volunteers"),
    BoardKind.ANNOUNCEMENT: _l("Announcements"),
    BoardKind.STAFF: _l("Staff only (city hall)"),
}

LETTER_STATUS_NAMES = {
    LetterStatus.RECEIVED: _l("Received"),
    LetterStatus.IN_PROGRESS: _l("Being handled"),
    LetterStatus.REPLIED: _l("Replied"),
}
REFLECTION_NAMES = {
    Reflection.REFLECTED: _l("Reflected"),
    Reflection.PARTLY: _l("Partly reflected"),
    Reflection.NOT_REFLECTED: _l("Not reflected"),
    Reflection.OTHER: _l("Other"),
}
JOB_STATE_NAMES = {
    JobState.QUEUED: _l("Waiting to start"),
    JobState.RUNNING: _l("Being prepared"),
    JobState.DONE: _l("Ready to download"),
    JobState.FAILED: _l("Failed"),
    JobState.EXPIRED: _l("Removed after its keeping time"),
}
ANSWER_TABLE_STATE_NAMES = {
    AnswerTableState.DRAFT: _l("Draft"),
    AnswerTableState.AWAITING: _l("Waiting for approval"),
    AnswerTableState.APPROVED: _l("Approved"),
    AnswerTableState.PUBLISHED: _l("Published"),
}
NOTIFY_MODE_NAMES = {
    NotifyMode.IMMEDIATE: _l("Right away, one e-mail each"),
    NotifyMode.DAILY: _l("Once a day, in one e-mail"),
    NotifyMode.OFF: _l("Never (only on My page)"),
}

RULE_KIND_NAMES = {
    RuleKind.WORDS: _l("Words"),
    RuleKind.ELECTION: _l("Election campaigning"),
    RuleKind.PII: _l("Personal information"),
    RuleKind.LINKS: _l("Links from new residents"),
    RuleKind.RATE: _l("Posting speed"),
    RuleKind.DUPLICATE: _l("Same text again"),
    RuleKind.NEW_RESIDENT: _l("First posts of new residents"),
    RuleKind.LENGTH: _l("Length"),
}
RULE_ACTION_NAMES = {
    RuleAction.ALLOW: _l("Publish"),
    RuleAction.MASK: _l("Publish with the match hidden (＊)"),
    RuleAction.FLAG: _l("Publish and put in the queue"),
    RuleAction.HOLD: _l("Hold for review"),
    RuleAction.BLOCK: _l("Refuse"),
}


class ActionLabel(NamedTuple):
    """An audit action in plain words: a short name and one sentence for residents."""

    name: LazyString
    explanation: LazyString


# Every action the audit log can hold, in the order the pages list them. tests/test_labels.py
# fails when code writes an action that is missing here.
AUDIT_ACTIONS: dict[str, ActionLabel] = {
    "rule.hold": ActionLabel(
        _l("Held by the rules"), _l("A post matched a posting rule and waited for a moderator before it could appear.")
    ),
    "rule.block": ActionLabel(
        _l("Refused by the rules"), _l("A post broke a posting rule and was not accepted; the author was told why.")
    ),
    "rule.flag": ActionLabel(
        _l("Published, to be checked"),
        _l("A post matched a posting rule; it was published and a moderator checks it later."),
    ),
    "rule.mask": ActionLabel(
        _l("Published with a part hidden"),
        _l("A part of a post, such as a phone number, was hidden when it was published."),
    ),
    "post.approve": ActionLabel(_l("Held post published"), _l("A moderator checked a held post and published it.")),
    "post.reject": ActionLabel(
        _l("Held post not published"), _l("A moderator decided not to publish a held post and told the author why.")
    ),
    "post.hide": ActionLabel(_l("Post hidden"), _l("A moderator hid a published post and told the author why.")),
    "post.restore": ActionLabel(_l("Post shown again"), _l("A moderator showed a hidden post again.")),
    "post.redact": ActionLabel(_l("Part of a post edited"), _l("A moderator edited part of a post; the post says so.")),
    "flags.hide": ActionLabel(
        _l("Hidden by flags"), _l("Residents flagged a post, so it was hidden until a moderator looks at it.")
    ),
    "flags.dismiss": ActionLabel(
        _l("Flags dismissed"), _l("A moderator looked at a flagged post and kept it as it was.")
    ),
    "appeal.create": ActionLabel(
        _l("Appeal received"), _l("An author asked the moderators to look at their decision again.")
    ),
    "appeal.grant": ActionLabel(
        _l("Appeal granted"), _l("After another look the decision was changed and the post was published.")
    ),
    "appeal.deny": ActionLabel(
        _l("Appeal not granted"), _l("After another look the decision stayed; the author was told why.")
    ),
    "sanction.warn": ActionLabel(_l("Warning"), _l("A moderator sent a member a warning.")),
    "sanction.silence": ActionLabel(_l("Silence"), _l("A member can read but cannot post for a number of days.")),
    "sanction.suspend": ActionLabel(_l("Suspension"), _l("A member cannot log in for a number of days.")),
    "sanction.lift": ActionLabel(
        _l("Sanction lifted"), _l("A moderator ended a silence or suspension early and gave the reason.")
    ),
    "thread.lock": ActionLabel(_l("Thread locked"), _l("A thread stopped taking new posts.")),
    "thread.unlock": ActionLabel(_l("Thread unlocked"), _l("A thread takes new posts again.")),
    "thread.pin": ActionLabel(_l("Thread pinned"), _l("A thread was fixed at the top of its list.")),
    "thread.unpin": ActionLabel(_l("Thread unpinned"), _l("A thread is no longer fixed at the top of its list.")),
    "thread.slow_mode": ActionLabel(
        _l("Slow mode changed"), _l("The time a resident must wait between two posts in a thread was changed.")
    ),
    "thread.timer": ActionLabel(_l("Lock times set"), _l("A time was set for a thread to lock or unlock by itself.")),
    "thread.move": ActionLabel(_l("Thread moved"), _l("A thread was moved to another room or board.")),
    "room.approve": ActionLabel(
        _l("Room proposal accepted"), _l("A moderator opened a room that a resident proposed.")
    ),
    "room.decline": ActionLabel(
        _l("Room proposal declined"), _l("A moderator declined a proposed room and told the proposer why.")
    ),
    "rule.create": ActionLabel(_l("Rule added"), _l("A moderator added a posting rule.")),
    "rule.update": ActionLabel(_l("Rule changed"), _l("A moderator changed a posting rule.")),
    "opinion.tag": ActionLabel(_l("Opinion tagged"), _l("A coordinator or moderator sorted an opinion with tags.")),
    "export.opinions": ActionLabel(
        _l("Opinions exported"),
        _l("The department in charge saved the opinions of a room as a file, to read and answer them."),
    ),
    "answer_table.start": ActionLabel(
        _l("Answer table started"), _l("Department staff began the table that answers the opinions of a room.")
    ),
    "answer_table.edit": ActionLabel(_l("Answer table edited"), _l("Department staff changed the draft answer table.")),
    "answer_table.submit": ActionLabel(
        _l("Answer table sent for approval"), _l("The draft answer table was sent to be approved.")
    ),
    "answer_table.approve": ActionLabel(
        _l("Answer table approved"), _l("A second staff member or an administrator approved the answer table.")
    ),
    "answer_table.send_back": ActionLabel(
        _l("Answer table sent back"), _l("The answer table went back to draft with a note saying what to change.")
    ),
    "answer_table.publish": ActionLabel(
        _l("Answer table published"), _l("The department's answers were published on the room page.")
    ),
}
# The part before the dot: how the audit log's filter groups the actions.
AUDIT_GROUPS = {
    "rule": _l("Rules"),
    "post": _l("Posts"),
    "flags": _l("Flags"),
    "appeal": _l("Appeals"),
    "sanction": _l("Sanctions"),
    "thread": _l("Threads"),
    "room": _l("Room proposals"),
    "opinion": _l("Opinions"),
    "export": _l("Export"),
    "answer_table": _l("Answer table"),
}
AUDIT_TARGET_NAMES = {
    "post": _l("post"),
    "thread": _l("thread"),
    "room": _l("room"),
    "user": _l("member"),
    "moderationrule": _l("rule"),
}


def action_label(code: str) -> str:
    """The plain name of an audit action: pages never show the dotted code."""
    known = AUDIT_ACTIONS.get(code)
    if known is not None:
        return str(known.name)
    group = AUDIT_GROUPS.get(code.partition(".")[0])
    return _("%(group)s: other action", group=group) if group else _("Other action")


def action_explanation(code: str) -> str:
    """One sentence saying what an audit action means, for the public page."""
    known = AUDIT_ACTIONS.get(code)
    return str(known.explanation) if known is not None else ""


def ordered_actions(codes: Iterable[str]) -> list[str]:
    """Codes in the label table's order (related actions together), unknown ones last."""
    order = {code: i for i, code in enumerate(AUDIT_ACTIONS)}
    return sorted(set(codes), key=lambda code: (order.get(code, len(order)), code))


def action_choices() -> list[tuple[str, list[tuple[str, str]]]]:
    """The audit log's filter: per group, "all of the group" (a prefix) and each action."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code in AUDIT_ACTIONS:
        prefix = code.partition(".")[0]
        groups.setdefault(prefix, [(f"{prefix}.", _("%(group)s: all", group=AUDIT_GROUPS[prefix]))])
        groups[prefix].append((code, action_label(code)))
    return [(str(AUDIT_GROUPS[prefix]), choices) for prefix, choices in groups.items()]


def target_label(target_type: str) -> str:
    """What an audit entry was about, in words (the model's table name is for machines)."""
    name = AUDIT_TARGET_NAMES.get(target_type)
    return str(name) if name is not None else _("other")


def rule_title(name: str, kind: str) -> str:
    """A rule's name once; its kind too only when the name says something else."""
    kind_name = str(RULE_KIND_NAMES.get(kind, kind))
    name = (name or "").strip()
    if not name or name == kind_name:
        return kind_name
    return f"{name}（{kind_name}）"


FLAG_REASON_NAMES = {
    FlagReason.ABUSE: _l("Abuse or discrimination"),
    FlagReason.PERSONAL_INFO: _l("Personal information"),
    FlagReason.SPAM: _l("Advertising or spam"),
    FlagReason.ELECTION: _l("Election campaigning"),
    FlagReason.OFF_TOPIC: _l("Not about the theme"),
    FlagReason.ILLEGAL: _l("Against the law"),
    FlagReason.OTHER: _l("Something else (please explain)"),
    FlagReason.RULES: _l("Matched a posting rule"),
}
SANCTION_NAMES = {
    SanctionKind.WARN: _l("Warning (a message only)"),
    SanctionKind.SILENCE: _l("Silence (can read, cannot post)"),
    SanctionKind.SUSPEND: _l("Suspension (cannot log in)"),
}
