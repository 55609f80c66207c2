"""Unicode normalisation that Japanese input needs before any comparison."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache


def fold(text: str) -> str:
    """NFKC then casefold: ＴＡＲＯ, Taro and ｔａｒｏ compare equal; ｶﾀｶﾅ becomes カタカナ."""
    return unicodedata.normalize("NFKC", text).casefold()


def clean_line(text: str) -> str:
    """NFKC, control characters removed, runs of white space collapsed: for names and titles."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == " ")
    return " ".join(text.split())


_VOICE_MARKS = {"\uff9e", "\uff9f", "\u3099", "\u309a", "\u309b", "\u309c"}
DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70\uff0d\ufe63"


@dataclass(frozen=True)
class Folded:
    """Text folded for matching, with the original span of every folded character, so that a
    match found in the folded text can be masked in the text the resident wrote."""

    text: str
    spans: tuple[tuple[int, int], ...] | None  # None: character i came from character i

    def original(self, start: int, end: int) -> tuple[int, int]:
        if self.spans is None:
            return start, end
        return self.spans[start][0], self.spans[end - 1][1]


def _fold_char(ch: str, dashes: bool) -> str:
    """NFKC, case folding, katakana → hiragana and (with ``dashes``) dashes → "-" of one character
    or one character with its marks."""
    out = []
    for folded in unicodedata.normalize("NFKC", ch).casefold():
        code = ord(folded)
        if 0x30A1 <= code <= 0x30F6:
            folded = chr(code - 0x60)
        out.append("-" if dashes and folded in DASHES else folded)
    return "".join(out)


@lru_cache(maxsize=1)
def _tables() -> tuple[frozenset[str], dict, dict]:
    """The characters that fold on their own (everything of the BMP but voice marks, combining
    marks and surrogates: the ones the careful fold below groups with a neighbour), what each folds
    to where that differs (for ``str.translate``), and those whose fold is not one character."""
    alone = frozenset(
        chr(code)
        for code in range(0x10000)
        if not 0xD800 <= code <= 0xDFFF and chr(code) not in _VOICE_MARKS and not unicodedata.combining(chr(code))
    )
    tables = {
        flag: {ord(ch): folded for ch in alone if (folded := _fold_char(ch, flag)) != ch} for flag in (False, True)
    }
    resized = {
        flag: frozenset(chr(code) for code, folded in table.items() if len(folded) != 1)
        for flag, table in tables.items()
    }
    return alone, tables, resized


def fold_for_matching(text: str, dashes: bool = False) -> Folded:
    """NFKC, case folding and katakana → hiragana (ｼﾈ = シネ = しね), keeping positions.
    With ``dashes``, every dash-like character becomes "-" (for phone numbers and the like).
    Texts made only of characters that fold alone (nearly every post) take one ``str.translate``."""
    alone, tables, resized = _tables()
    if alone.issuperset(text):
        table = tables[dashes]
        if resized[dashes].isdisjoint(text):
            return Folded(text.translate(table), None)
        spans = tuple((i, i + 1) for i, ch in enumerate(text) for _ in range(len(table.get(ord(ch), ch))))
        return Folded(text.translate(table), spans)
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and (text[j] in _VOICE_MARKS or unicodedata.combining(text[j])):
            j += 1
        for ch in _fold_char(text[i:j], dashes):  # a character with its voice or combining marks
            out.append(ch)
            spans.append((i, j))
        i = j
    return Folded("".join(out), tuple(spans))
