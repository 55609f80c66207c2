"""moderation.rules alone (pure): a table of cases across every rule kind."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from moderation.rules import (
    Action,
    AuthorContext,
    Draft,
    Kind,
    Rule,
    default_rules,
    evaluate,
    validate_pattern,
)

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
VETERAN = AuthorContext(1, NOW - timedelta(days=400), approved_posts=50)
NEWBIE = AuthorContext(2, NOW - timedelta(hours=2), approved_posts=0)
TRUSTED = AuthorContext(3, NOW - timedelta(days=400), approved_posts=0, trusted=True)


def ago(**kw) -> datetime:
    return NOW - timedelta(**kw)


def words(*patterns, action=Action.HOLD, regex=False, room_id=None) -> Rule:
    return Rule("w", Kind.WORDS, action, patterns=patterns, regex=regex, room_id=room_id)


@dataclass(frozen=True)
class Case:
    name: str
    draft: Draft
    rules: list[Rule]
    action: Action
    author: AuthorContext = VETERAN
    reasons: tuple[str, ...] | None = None
    body: str | None = None  # the stored body, when it differs from the draft
    retry: int | None = None


D = default_rules()
SWEAR = words("しね", "ばか", action=Action.BLOCK)
MASKED = words("ばか", "あほ", action=Action.MASK)

CASES = [
    # ---- words: literal, with Japanese normalisation variants
    Case("katakana word", Draft("お前なんかシネ"), [SWEAR], Action.BLOCK, reasons=("word",)),
    Case("hiragana word", Draft("お前なんかしね"), [SWEAR], Action.BLOCK),
    Case("half-width katakana", Draft("お前なんかｼﾈ"), [SWEAR], Action.BLOCK),
    Case("voiced half-width", Draft("ﾊﾞｶじゃないの"), [SWEAR], Action.BLOCK),
    Case("full-width latin folds", Draft("ＳＰＡＭです"), [words("spam")], Action.HOLD),
    Case("case folds", Draft("SpAm です"), [words("spam")], Action.HOLD),
    Case("word in title", Draft("普通の本文", title="バカな計画"), [SWEAR], Action.BLOCK),
    Case("clean text passes", Draft("公園のベンチを増やしてください。"), [SWEAR], Action.ALLOW),
    Case("no false positive across words", Draft("しっかりねばり強く"), [SWEAR], Action.ALLOW),
    Case("empty pattern ignored", Draft("何でも"), [words("", "  ")], Action.ALLOW),
    Case("mask replaces with stars", Draft("あいつはバカだ"), [MASKED], Action.MASK, body="あいつは＊＊だ"),
    Case("mask keeps original around", Draft("ｱﾎとばか"), [MASKED], Action.MASK, body="＊＊と＊＊"),
    Case("flag publishes and queues", Draft("宣伝です"), [words("宣伝", action=Action.FLAG)], Action.FLAG),
    Case(
        "hold wins over flag",
        Draft("宣伝でばか"),
        [words("宣伝", action=Action.FLAG), words("ばか", action=Action.HOLD)],
        Action.HOLD,
    ),
    Case("block wins over hold", Draft("しね 宣伝"), [SWEAR, words("宣伝", action=Action.HOLD)], Action.BLOCK),
    Case(
        "mask applies with hold",
        Draft("ばか 宣伝"),
        [MASKED, words("宣伝", action=Action.HOLD)],
        Action.HOLD,
        body="＊＊ 宣伝",
    ),
    Case(
        "room rule applies in its room", Draft("ネタバレ注意", room_id=7), [words("ねたばれ", room_id=7)], Action.HOLD
    ),
    Case("room rule not elsewhere", Draft("ネタバレ注意", room_id=8), [words("ねたばれ", room_id=7)], Action.ALLOW),
    Case("site rule in every room", Draft("ネタバレ", room_id=8), [words("ねたばれ")], Action.HOLD),
    # ---- words: regular expressions
    Case("regex matches", Draft("死ね死ね"), [words("死ね+", regex=True)], Action.HOLD),
    Case("regex on folded text", Draft("ｼﾈｼﾈ"), [words("シネ(シネ)?", regex=True)], Action.HOLD),
    Case(
        "regex digits full-width",
        Draft("１２３円"),
        [words(r"\d{3}円", regex=True, action=Action.MASK)],
        Action.MASK,
        body="＊＊＊＊",
    ),
    Case("regex keeps \\D", Draft("abc"), [words(r"\D{3}", regex=True)], Action.HOLD),
    Case("invalid regex never matches", Draft("(((("), [words("((", regex=True)], Action.ALLOW),
    Case("regex no match", Draft("こんにちは"), [words("^さようなら$", regex=True)], Action.ALLOW),
    # ---- election campaigning
    Case("election phrases held", Draft("清き一票をお願いします"), D, Action.HOLD, reasons=("election", "election")),
    Case("election variant", Draft("〇〇候補に投票してください！"), D, Action.HOLD),
    Case("talking about elections is fine", Draft("投票率を上げる工夫を話し合いたい"), D, Action.ALLOW),
    # ---- personal information
    Case("phone held", Draft("連絡先は090-1234-5678"), D, Action.HOLD, reasons=("phone",)),
    Case("full-width phone held", Draft("０３－１２３４－５６７８へ"), D, Action.HOLD),
    Case("email held", Draft("taro@example.jp まで"), D, Action.HOLD, reasons=("email",)),
    Case("postal held", Draft("〒272-8501"), D, Action.HOLD, reasons=("postal",)),
    Case("my number held", Draft("1234-5678-9012"), D, Action.HOLD, reasons=("my_number",)),
    Case("address held", Draft("本町2丁目3番4号です"), D, Action.HOLD, reasons=("address",)),
    Case(
        "pii masked when set to mask",
        Draft("電話03-1234-5678まで"),
        [Rule("p", Kind.PII, Action.MASK)],
        Action.MASK,
        body="電話［電話番号］まで",
    ),
    Case("date is not pii", Draft("2026-11-23に会議"), D, Action.ALLOW),
    Case("money is not pii", Draft("予算1,234,567円"), D, Action.ALLOW),
    Case("staff may give the office phone", Draft("窓口は047-123-4567です"), D, Action.ALLOW, author=TRUSTED),
    # ---- links for new residents
    Case("veteran link ok", Draft("詳しくは https://www.city.example.jp/ へ"), D, Action.ALLOW),
    Case(
        "few approved posts: link held",
        Draft("https://spam.example.com/"),
        D,
        Action.HOLD,
        author=AuthorContext(4, ago(days=30), approved_posts=2),
        reasons=("links_for_new_residents",),
    ),
    Case(
        "bare domain held",
        Draft("example.com を見て"),
        D,
        Action.HOLD,
        author=AuthorContext(4, ago(days=30), approved_posts=2),
    ),
    Case("www held", Draft("www.example.jp"), D, Action.HOLD, author=AuthorContext(4, ago(days=30), approved_posts=1)),
    Case(
        "three approved posts: link ok",
        Draft("https://www.city.example.jp/"),
        D,
        Action.ALLOW,
        author=AuthorContext(4, ago(days=30), approved_posts=3),
    ),
    Case(
        "no link, no hold",
        Draft("リンクはありません"),
        D,
        Action.ALLOW,
        author=AuthorContext(4, ago(days=30), approved_posts=1),
    ),
    # ---- rate
    Case(
        "post within 5 s refused",
        Draft("二つ目"),
        D,
        Action.BLOCK,
        author=AuthorContext(1, ago(days=30), 50, post_times=(ago(seconds=2),)),
        reasons=("rate_post",),
        retry=3,
    ),
    Case(
        "post after 5 s ok",
        Draft("二つ目"),
        D,
        Action.ALLOW,
        author=AuthorContext(1, ago(days=30), 50, post_times=(ago(seconds=6),)),
    ),
    Case(
        "thread within 15 s refused",
        Draft("新しい話題", new_thread=True),
        D,
        Action.BLOCK,
        author=AuthorContext(1, ago(days=30), 50, post_times=(ago(seconds=10),), thread_times=(ago(seconds=10),)),
        reasons=("rate_thread",),
        retry=5,
    ),
    Case(
        "thread after 15 s ok",
        Draft("新しい話題", new_thread=True),
        D,
        Action.ALLOW,
        author=AuthorContext(1, ago(days=30), 50, post_times=(ago(seconds=20),), thread_times=(ago(seconds=20),)),
    ),
    Case(
        "new resident: 30 s between posts",
        Draft("返信"),
        D,
        Action.BLOCK,
        author=AuthorContext(2, ago(hours=2), 5, post_times=(ago(seconds=20),)),
        retry=10,
    ),
    Case(
        "new resident after 30 s ok",
        Draft("返信"),
        D,
        Action.ALLOW,
        author=AuthorContext(2, ago(hours=2), 5, post_times=(ago(seconds=31),)),
    ),
    Case(
        "new resident: 120 s between threads",
        Draft("話題", new_thread=True),
        D,
        Action.BLOCK,
        author=AuthorContext(2, ago(hours=2), 5, post_times=(ago(seconds=100),), thread_times=(ago(seconds=100),)),
        retry=20,
    ),
    Case(
        "new resident: 3 threads a first day",
        Draft("四つ目", new_thread=True),
        D,
        Action.BLOCK,
        author=AuthorContext(
            2,
            ago(hours=2),
            5,
            post_times=(ago(minutes=50), ago(minutes=40), ago(minutes=30)),
            thread_times=(ago(minutes=50), ago(minutes=40), ago(minutes=30)),
        ),
        reasons=("first_day_threads",),
        retry=22 * 3600,
    ),
    Case(
        "new resident: 10 replies a first day",
        Draft("十一個目"),
        D,
        Action.BLOCK,
        author=AuthorContext(2, ago(hours=2), 5, post_times=tuple(ago(minutes=5 + i) for i in range(10))),
        reasons=("first_day_replies",),
    ),
    Case(
        "after the first day the limits lift",
        Draft("十一個目"),
        D,
        Action.ALLOW,
        author=AuthorContext(2, ago(days=2), 5, post_times=tuple(ago(minutes=5 + i) for i in range(10))),
    ),
    Case(
        "trusted authors are not rate limited",
        Draft("続けて"),
        D,
        Action.ALLOW,
        author=AuthorContext(3, ago(days=30), 0, trusted=True, post_times=(ago(seconds=1),)),
    ),
    # ---- duplicates
    Case(
        "same text within 10 min refused",
        Draft("同じ意見です"),
        D,
        Action.BLOCK,
        author=AuthorContext(1, ago(days=30), 50, recent_bodies=((ago(minutes=3), "同じ意見です"),)),
        reasons=("duplicate",),
        retry=420,
    ),
    Case(
        "same text after normalising",
        Draft("ｵﾅｼﾞ  意見"),
        D,
        Action.BLOCK,
        author=AuthorContext(1, ago(days=30), 50, recent_bodies=((ago(minutes=3), "オナジ 意見"),)),
    ),
    Case(
        "same text after 10 min ok",
        Draft("同じ意見です"),
        D,
        Action.ALLOW,
        author=AuthorContext(1, ago(days=30), 50, recent_bodies=((ago(minutes=11), "同じ意見です"),)),
    ),
    Case(
        "different text ok",
        Draft("違う意見です"),
        D,
        Action.ALLOW,
        author=AuthorContext(1, ago(days=30), 50, recent_bodies=((ago(minutes=1), "同じ意見です"),)),
    ),
    # ---- new residents
    Case("first post held", Draft("はじめまして"), D, Action.HOLD, author=NEWBIE, reasons=("new_resident",)),
    Case(
        "after one approved post not held",
        Draft("二回目"),
        D,
        Action.ALLOW,
        author=AuthorContext(2, ago(days=3), approved_posts=1),
    ),
    Case(
        "first three held when count is 3",
        Draft("三回目"),
        [Rule("n", Kind.NEW_RESIDENT, Action.HOLD, params={"count": 3})],
        Action.HOLD,
        author=AuthorContext(2, ago(days=3), approved_posts=2),
    ),
    Case("trusted first post not held", Draft("職員です"), D, Action.ALLOW, author=TRUSTED),
    # ---- length
    Case("title too long", Draft("本文", title="あ" * 101), D, Action.BLOCK, reasons=("title_too_long",)),
    Case("body too long", Draft("あ" * 8001), D, Action.BLOCK, reasons=("body_too_long",)),
    Case("body empty", Draft("   "), D, Action.BLOCK, reasons=("body_too_short",)),
    Case("body at the limit", Draft("あ" * 8000), D, Action.ALLOW),
    Case(
        "body minimum from params",
        Draft("短い"),
        [Rule("l", Kind.LENGTH, Action.BLOCK, params={"body_min": 10})],
        Action.BLOCK,
    ),
    # ---- everything together
    Case(
        "every reason listed",
        Draft("ばか 090-1234-5678 https://x.example.com/"),
        [MASKED, *D],
        Action.HOLD,
        author=NEWBIE,
        body="＊＊ 090-1234-5678 https://x.example.com/",
        reasons=("word", "phone", "links_for_new_residents", "new_resident"),
    ),
]


def test_the_table_is_big_enough():
    assert len(CASES) >= 60
    assert {r.kind for c in CASES for r in c.rules} == set(Kind)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rules(case: Case):
    decision = evaluate(case.draft, case.author, case.rules, NOW)
    assert decision.action is case.action, decision.matches
    if case.reasons is not None:
        assert tuple(m.reason for m in decision.matches) == case.reasons
    assert decision.body == (case.body if case.body is not None else case.draft.body)
    if case.retry is not None:
        assert decision.retry_after == case.retry
    if case.action is Action.ALLOW:
        assert decision.matches == ()


def test_decision_explains_each_match():
    decision = evaluate(Draft("ｼﾈ"), VETERAN, [SWEAR], NOW)
    [match] = decision.matches
    assert (match.rule_id, match.kind, match.action, match.reason, match.detail) == (
        "w",
        Kind.WORDS,
        Action.BLOCK,
        "word",
        "ｼﾈ",
    )
    assert decision.refused and not decision.held


@pytest.mark.parametrize(
    ("pattern", "regex", "problem"),
    [
        ("しね", False, None),
        ("死ね+", True, None),
        ("", False, "empty"),
        ("((", True, "invalid_regex"),
        (".*", True, "matches_everything"),
        ("x" * 201, False, "too_long"),
    ],
)
def test_patterns_are_checked_before_saving(pattern, regex, problem):
    assert validate_pattern(pattern, regex) == problem


def test_rules_module_is_pure():
    """moderation.rules imports no Flask, no database, nothing from forum but forum.text."""
    tree = ast.parse(Path(__file__).resolve().parents[2].joinpath("moderation/rules.py").read_text())
    modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert not {m for m in modules if m and (m.split(".")[0] in {"flask", "sqlalchemy", "flask_sqlalchemy"})}
    assert {m for m in modules if m and m.startswith("forum")} <= {"forum.text.normalize", "forum.text.pii"}
