"""Personal information in Japanese text: detect and mask. Pure functions.

Used by the moderation rules (hold a post that carries a phone number) and by the exports
(mask it, also in posts published before any rule existed). Detection runs on a folded copy of
the text (full-width digits, ＠ and dashes like ー or − made plain), and masks map back to the
characters the resident typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from forum.text.normalize import fold_for_matching

PHONE, EMAIL, POSTAL, MY_NUMBER, ADDRESS = "phone", "email", "postal", "my_number", "address"

MASKS = {
    PHONE: "［電話番号］",
    EMAIL: "［メール］",
    POSTAL: "［郵便番号］",
    MY_NUMBER: "［個人番号］",
    ADDRESS: "［住所］",
}

_SEP = r"[-\s]?"
_KANJI_NUM = "一二三四五六七八九十"
_POSTAL_CODE = r"\d{3}[-\s]?\d{4}(?!\d)"
_KANJI = "\u3400-\u4dbf\u4e00-\u9fff々"
# Kanji that end a word for a document part, a count, a date or a sum, never a place name:
# 第3-4-5条, 表2-1-3, 資料1-2-3, 議案, 予算, 令和8-11-29.
_NOT_PLACE = "第図表章節条項頁版巻編回期話問題例式号番目欄行段件点対比約計年料案紙録則暦算付限切"
# A quantity, not a block number: 3-4-5ページ, 1-2-3月, 3-5人, 1-2-3億円, 3-4-5.5.
_NOT_ADDRESS_AFTER = (
    r"(?![\d-]|[.,]\d|\s?(?:[年月日時分秒週人名歳才円万億千百件回章節条項頁倍点個枚冊台度割%]"
    r"|ぺ-じ|ぺいじ))"
)
# Earlier patterns win where two overlap. A pattern with a group "pii" masks only that group
# (郵便番号は［郵便番号］です keeps the words that introduce the code).
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    (EMAIL, re.compile(r"(?<![a-z0-9._%+\-])[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}")),
    (POSTAL, re.compile(r"〒\s{0,3}" + _POSTAL_CODE)),
    (POSTAL, re.compile(r"郵便番号\s{0,2}(?:[はがもを:、,(]\s{0,2})?(?P<pii>" + _POSTAL_CODE + ")")),
    (MY_NUMBER, re.compile(r"(?<![\d-])\d{4}" + _SEP + r"\d{4}" + _SEP + r"\d{4}(?![\d-])")),
    # mobile / IP phone / 0800: 11 digits; 0120: 10 digits
    (PHONE, re.compile(r"(?<![\d-])0[5789]0" + _SEP + r"\d{4}" + _SEP + r"\d{4}(?![\d-])")),
    (PHONE, re.compile(r"(?<![\d-])0120" + _SEP + r"\d{3}" + _SEP + r"\d{3}(?![\d-])")),
    (PHONE, re.compile(r"(?<![\d-])0800" + _SEP + r"\d{3}" + _SEP + r"\d{4}(?![\d-])")),
    (PHONE, re.compile(r"\+81" + _SEP + r"\(?\d{1,4}\)?" + _SEP + r"\d{1,4}" + _SEP + r"\d{4}(?![\d-])")),
    # fixed lines: area code, exchange, 4 digits; 10 digits in all (checked below)
    (PHONE, re.compile(r"(?<![\d-])0\d{1,4}(?:-|\s|\(|\)|-?\(|\)-?)\d{1,4}(?:-|\s|\))\d{4}(?![\d-])")),
    (PHONE, re.compile(r"(?<![\d-])0\d{9}(?![\d-])")),
    (
        ADDRESS,
        re.compile(
            rf"(?:\d{{1,2}}|[{_KANJI_NUM}]{{1,3}})丁目\s?(?:\d{{1,4}}|[{_KANJI_NUM}]{{1,4}})"
            r"(?:番地?の?\s?(?:\d{1,4}号?)?|-\s?\d{1,4}(?:-\d{1,4})?)"
            r"|\d{1,4}番地(?:の?\d{1,4})?"
            r"|\d{1,4}番\d{1,4}号"
            # 八幡3-4-5, 南八幡4-10-1-203: after a place name, never after 第, 表, 令和…
            rf"|(?<=[{_KANJI}])(?<![{_NOT_PLACE}])(?<!令和|平成|昭和|大正|明治)"
            r"[1-9]\d?-\d{1,4}-\d{1,4}(?:-\d{1,4})?"
            + _NOT_ADDRESS_AFTER
            + r"|(?<=[町村])\d{1,4}-\d{1,4}(?:-\d{1,4}){0,2}"
            + _NOT_ADDRESS_AFTER
        ),
    ),
]


@dataclass(frozen=True)
class PiiMatch:
    kind: str
    start: int  # in the original text
    end: int
    text: str


def _digits(value: str) -> int:
    return sum(ch.isdigit() for ch in value)


#: Something every pattern above needs (one cheap pass; most texts stop here).
_CANDIDATE = re.compile(rf"@|〒|郵便番号|\d{{4}}|\+81|0\d|丁目|番地|\d番|[{_KANJI}]\d{{1,4}}-\d")


def _matches(folded: str, kinds: frozenset[str] | None) -> Iterator[tuple[str, int, int]]:
    for kind, pattern in _PATTERNS:
        if kinds is not None and kind not in kinds:
            continue
        group = "pii" if "pii" in pattern.groupindex else 0
        for match in pattern.finditer(folded):
            value = match.group(group).rstrip()
            if kind == PHONE and not value.startswith("+") and _digits(value) not in (10, 11):
                continue
            yield kind, match.start(group), match.start(group) + len(value)


def find_pii(text: str, kinds: frozenset[str] | None = None) -> list[PiiMatch]:
    """Every piece of personal information in ``text``, in order, never overlapping."""
    folded = fold_for_matching(text, dashes=True)  # a translate table for everyday Japanese text
    if not _CANDIDATE.search(folded.text):
        return []
    taken: list[tuple[int, int]] = []
    found: list[PiiMatch] = []
    for kind, start, end in _matches(folded.text, kinds):
        if any(start < t_end and t_start < end for t_start, t_end in taken):
            continue
        taken.append((start, end))
        o_start, o_end = folded.original(start, end)
        found.append(PiiMatch(kind, o_start, o_end, text[o_start:o_end]))
    return sorted(found, key=lambda m: m.start)


def mask_pii(text: str, kinds: frozenset[str] | None = None) -> str:
    """``text`` with each piece of personal information replaced by its label (［電話番号］…)."""
    out, last = [], 0
    for match in find_pii(text, kinds):
        out.append(text[last : match.start])
        out.append(MASKS[match.kind])
        last = match.end
    out.append(text[last:])
    return "".join(out)
