"""The moderation rules engine: pure. ``evaluate(draft, author, rules, now) -> Decision``.

No Flask, no database: the caller gathers what the author did recently into an
``AuthorContext`` and loads the rules; this module only decides. It imports nothing from
``forum`` but the pure ``forum.text``.

Rule kinds and what they do by default:

- ``words``     literal words or regular expressions, matched after NFKC, case folding and
                katakana→hiragana folding (ｼﾈ = シネ = しね); any action.
- ``election``  a ready list of election-campaigning phrases (選挙運動); ``hold``.
- ``pii``       phone numbers, e-mail addresses, postal codes, 12-digit My-Number-like numbers,
                street addresses (``forum.text.pii``); ``hold``; ``mask`` replaces them with labels.
- ``links``     authors with fewer than ``min_posts`` approved posts may not post links; ``hold``.
- ``rate``      one post per 5 s, one thread per 15 s; new residents one post per 30 s, one thread
                per 120 s, at most 3 threads and 10 replies in their first day; refused with a
                retry time.
- ``duplicate`` the same text from the same author within 10 minutes; refused.
- ``new_resident`` the first ``count`` posts of an author are held for approval.
- ``length``    title and body limits; refused.

The most severe action wins (block > hold > flag > mask > allow); masking applies whatever the
action. The decision lists every rule that matched and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from forum.text.normalize import fold_for_matching
from forum.text.pii import MASKS, find_pii


class Action(StrEnum):
    ALLOW = "allow"
    MASK = "mask"  # published, the match replaced by ＊ (or a label for personal information)
    FLAG = "flag"  # published and put in the review queue
    HOLD = "hold"  # not published until a moderator approves (確認待ち)
    BLOCK = "block"  # refused; the author is told which rule and, for limits, when to retry


SEVERITY = {Action.ALLOW: 0, Action.MASK: 1, Action.FLAG: 2, Action.HOLD: 3, Action.BLOCK: 4}


class Kind(StrEnum):
    WORDS = "words"
    ELECTION = "election"
    PII = "pii"
    LINKS = "links"
    RATE = "rate"
    DUPLICATE = "duplicate"
    NEW_RESIDENT = "new_resident"
    LENGTH = "length"


#: Kinds that do not apply to trusted authors (department staff, moderators, admins).
TRUSTED_SKIP = frozenset({Kind.PII, Kind.LINKS, Kind.RATE, Kind.NEW_RESIDENT})

ELECTION_PHRASES = (
    "清き一票",
    "一票をお願い",
    "投票してください",
    "投票をお願い",
    "ご投票を",
    "ご支持をお願い",
    "ご支援をお願い",
    "に投票しよう",
    "を当選させ",
    "落選させ",
    "選挙事務所",
    "後援会に入",
    "公認候補",
    "候補者の〇〇",
    "応援演説",
)

URL = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.(?:jp|com|net|org|info|io)\b")


@dataclass(frozen=True)
class Rule:
    """One rule, as moderators keep it in the rules table."""

    id: int | str
    kind: Kind
    action: Action
    name: str = ""
    patterns: tuple[str, ...] = ()
    regex: bool = False
    room_id: int | None = None  # None: site-wide
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Draft:
    body: str
    title: str = ""
    room_id: int | None = None
    new_thread: bool = False


@dataclass(frozen=True)
class AuthorContext:
    """What the author did before; the caller reads it from the database."""

    user_id: int
    joined_at: datetime
    approved_posts: int = 0
    trusted: bool = False
    post_times: tuple[datetime, ...] = ()  # own posts (replies and first posts), recent first or any order
    thread_times: tuple[datetime, ...] = ()  # own new threads
    recent_bodies: tuple[tuple[datetime, str], ...] = ()  # (when, text) of own recent posts


@dataclass(frozen=True)
class Match:
    rule_id: int | str
    kind: Kind
    action: Action
    reason: str  # a stable code the UI translates: "word", "phone", "rate_post", …
    detail: str = ""  # what matched, or the limit that was hit


@dataclass(frozen=True)
class Decision:
    action: Action
    matches: tuple[Match, ...]
    body: str  # the body to store (masked where a rule said so)
    title: str
    retry_after: int | None = None  # seconds, when a limit refused the post

    @property
    def refused(self) -> bool:
        return self.action is Action.BLOCK

    @property
    def held(self) -> bool:
        return self.action is Action.HOLD

    @property
    def queued(self) -> bool:
        return self.action in (Action.HOLD, Action.FLAG)


# ---------------------------------------------------------------- defaults

DEFAULT_RATE = MappingProxyType(
    {
        "post_seconds": 5,
        "thread_seconds": 15,
        "new_post_seconds": 30,
        "new_thread_seconds": 120,
        "new_days": 1,
        "first_day_threads": 3,
        "first_day_replies": 10,
    }
)


def default_rules() -> list[Rule]:
    """The ready set a new site starts with (moderators edit it)."""
    return [
        Rule("pii", Kind.PII, Action.HOLD, "個人情報"),
        Rule("links", Kind.LINKS, Action.HOLD, "新しい参加者のリンク", params=MappingProxyType({"min_posts": 3})),
        Rule("rate", Kind.RATE, Action.BLOCK, "連続投稿の制限", params=DEFAULT_RATE),
        Rule("duplicate", Kind.DUPLICATE, Action.BLOCK, "同じ内容の連続投稿", params=MappingProxyType({"minutes": 10})),
        Rule(
            "new_resident", Kind.NEW_RESIDENT, Action.HOLD, "初めての発言の確認", params=MappingProxyType({"count": 1})
        ),
        Rule(
            "length",
            Kind.LENGTH,
            Action.BLOCK,
            "文字数",
            params=MappingProxyType({"title_max": 100, "body_max": 8000, "body_min": 1}),
        ),
        Rule("election", Kind.ELECTION, Action.HOLD, "選挙運動", patterns=ELECTION_PHRASES),
    ]


# ---------------------------------------------------------------- evaluation


def evaluate(draft: Draft, author: AuthorContext, rules: Iterable[Rule], now: datetime) -> Decision:
    """Decide what happens to ``draft``: the most severe matching action, every reason, the
    masked text."""
    matches: list[Match] = []
    body_masks: list[Mask] = []
    title_masks: list[Mask] = []
    retry: list[int] = []
    for rule in rules:
        if rule.room_id is not None and rule.room_id != draft.room_id:
            continue
        if author.trusted and rule.kind in TRUSTED_SKIP:
            continue
        check = _CHECKS[rule.kind]
        for match, masks, wait in check(rule, draft, author, now):
            matches.append(match)
            if rule.action is Action.MASK:
                body_masks.extend(m for m in masks if m[2] == "body")
                title_masks.extend(m for m in masks if m[2] == "title")
            if wait is not None:
                retry.append(wait)
    action = max((m.action for m in matches), key=SEVERITY.__getitem__, default=Action.ALLOW)
    return Decision(
        action=action,
        matches=tuple(matches),
        body=_apply(draft.body, body_masks),
        title=_apply(draft.title, title_masks),
        retry_after=max(retry) if retry else None,
    )


Mask = tuple[int, int, str, str]  # start, end, "title" or "body", replacement
Result = tuple[Match, list[Mask], int | None]


def _apply(text: str, masks: list[Mask]) -> str:
    """``text`` with each masked span replaced (overlaps: the first wins)."""
    out, last = [], 0
    for start, end, _where, replacement in sorted(masks):
        if start < last:
            continue
        out.append(text[last:start])
        out.append(replacement)
        last = end
    out.append(text[last:])
    return "".join(out)


def _fold_regex(pattern: str) -> str:
    """Fold the non-ASCII characters of a regular expression the way the text is folded
    (ASCII is left alone: folding would turn \\D into \\d)."""
    return "".join(fold_for_matching(ch).text if ord(ch) > 127 else ch for ch in pattern)


def _compile(rule: Rule) -> list[re.Pattern[str]]:
    compiled = []
    for pattern in rule.patterns:
        if not pattern.strip():
            continue
        if rule.regex:
            try:
                compiled.append(re.compile(_fold_regex(pattern), re.IGNORECASE))
            except re.error:
                continue  # an invalid pattern never matches; the rules page refuses to save one
        else:
            compiled.append(re.compile(re.escape(fold_for_matching(pattern).text)))
    return compiled


def _words(rule: Rule, draft: Draft, author: AuthorContext, now: datetime) -> list[Result]:
    results: list[Result] = []
    patterns = _compile(rule)
    for where, text in (("title", draft.title), ("body", draft.body)):
        folded = fold_for_matching(text)
        for pattern in patterns:
            for found in pattern.finditer(folded.text):
                if found.end() == found.start():
                    continue
                start, end = folded.original(found.start(), found.end())
                reason = "election" if rule.kind is Kind.ELECTION else "word"
                results.append(
                    (
                        Match(rule.id, rule.kind, rule.action, reason, text[start:end]),
                        [(start, end, where, "＊" * (end - start))],
                        None,
                    )
                )
    return results


def _pii(rule: Rule, draft: Draft, author: AuthorContext, now: datetime) -> list[Result]:
    results: list[Result] = []
    for where, text in (("title", draft.title), ("body", draft.body)):
        for found in find_pii(text):
            results.append(
                (
                    Match(rule.id, rule.kind, rule.action, found.kind, found.text),
                    [(found.start, found.end, where, MASKS[found.kind])],
                    None,
                )
            )
    return results


def _links(rule: Rule, draft: Draft, author: AuthorContext, now: datetime) -> list[Result]:
    if author.approved_posts >= int(rule.params.get("min_posts", 3)):
        return []
    found = URL.search(fold_for_matching(draft.body + "\n" + draft.title).text)
    if not found:
        return []
    return [(Match(rule.id, rule.kind, rule.action, "links_for_new_residents", found.group(0)), [], None)]


def _since(times: Iterable[datetime], now: datetime, window: timedelta) -> list[datetime]:
    return [t for t in times if now - window < t <= now]


def _rate(rule: Rule, draft: Draft, author: AuthorContext, now: datetime) -> list[Result]:
    p = {**DEFAULT_RATE, **rule.params}
    new = now - author.joined_at < timedelta(days=p["new_days"])
    results: list[Result] = []

    def wait_for(times: tuple[datetime, ...], seconds: int, reason: str) -> None:
        recent = _since(times, now, timedelta(seconds=seconds))
        if recent:
            wait = seconds - int((now - max(recent)).total_seconds())
            results.append((Match(rule.id, rule.kind, rule.action, reason, f"{seconds}s"), [], max(wait, 1)))

    if draft.new_thread:
        wait_for(author.thread_times, p["new_thread_seconds"] if new else p["thread_seconds"], "rate_thread")
    wait_for(author.post_times, p["new_post_seconds"] if new else p["post_seconds"], "rate_post")
    if new:
        day_end = author.joined_at + timedelta(days=p["new_days"])
        wait = max(int((day_end - now).total_seconds()), 1)
        day = timedelta(days=p["new_days"])
        if draft.new_thread and len(_since(author.thread_times, now, day)) >= p["first_day_threads"]:
            results.append(
                (Match(rule.id, rule.kind, rule.action, "first_day_threads", str(p["first_day_threads"])), [], wait)
            )
        replies = len(_since(author.post_times, now, day)) - len(_since(author.thread_times, now, day))
        if not draft.new_thread and replies >= p["first_day_replies"]:
            results.append(
                (Match(rule.id, rule.kind, rule.action, "first_day_replies", str(p["first_day_replies"])), [], wait)
            )
    return results


def _same_text(text: str) -> str:
    return " ".join(fold_for_matching(text).text.split())


def _duplicate(rule: Rule, draft: Draft, author: AuthorContext, now: datetime) -> list[Result]:
    minutes = int(rule.params.get("minutes", 10))
    mine = _same_text(draft.body)
    for when, body in author.recent_bodies:
        if now - timedelta(minutes=minutes) < when <= now and _same_text(body) == mine:
            wait = minutes * 60 - int((now - when).total_seconds())
            return [(Match(rule.id, rule.kind, rule.action, "duplicate", f"{minutes}min"), [], max(wait, 1))]
    return []


def _new_resident(rule: Rule, draft: Draft, author: AuthorContext, now: datetime) -> list[Result]:
    count = int(rule.params.get("count", 1))
    if author.approved_posts >= count:
        return []
    return [(Match(rule.id, rule.kind, rule.action, "new_resident", str(count)), [], None)]


def _length(rule: Rule, draft: Draft, author: AuthorContext, now: datetime) -> list[Result]:
    results: list[Result] = []
    title_max = int(rule.params.get("title_max", 100))
    body_max = int(rule.params.get("body_max", 8000))
    body_min = int(rule.params.get("body_min", 1))
    body = draft.body.strip()
    if len(draft.title) > title_max:
        results.append((Match(rule.id, rule.kind, rule.action, "title_too_long", str(title_max)), [], None))
    if len(body) > body_max:
        results.append((Match(rule.id, rule.kind, rule.action, "body_too_long", str(body_max)), [], None))
    if len(body) < body_min:
        results.append((Match(rule.id, rule.kind, rule.action, "body_too_short", str(body_min)), [], None))
    return results


_CHECKS = {
    Kind.WORDS: _words,
    Kind.ELECTION: _words,
    Kind.PII: _pii,
    Kind.LINKS: _links,
    Kind.RATE: _rate,
    Kind.DUPLICATE: _duplicate,
    Kind.NEW_RESIDENT: _new_resident,
    Kind.LENGTH: _length,
}


def validate_pattern(pattern: str, regex: bool) -> str | None:
    """Why a moderator's pattern cannot be saved (a sentence code), or None."""
    if not pattern.strip():
        return "empty"
    if len(pattern) > 200:
        return "too_long"
    if regex:
        try:
            compiled = re.compile(pattern)
        except re.error:
            return "invalid_regex"
        if compiled.match(""):
            return "matches_everything"
    return None
