"""Unicode normalisation that Japanese input needs before any comparison."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


def fold(text: str) -> str:
    """NFKC then casefold: ＴＡＲＯ, Taro and ｔａｒｏ compare equal; ｶﾀｶﾅ becomes カタカナ."""
    return unicodedata.normalize("NFKC", text).casefold()


def clean_line(text: str) -> str:
    """NFKC, control characters removed, runs of white space collapsed: for names and titles."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == " ")
    return " ".join(text.split())


_VOICE_MARKS = {"\uff9e", "\uff9f", "\u3099", "\u309a", "\u309b", "\u309c"}
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u30fc\uff70\uff0d\ufe63"


@dataclass(frozen=True)
class Folded:
    """Text folded for matching, with the original span of every folded character, so that a
    match found in the folded text can be masked in the text the resident wrote."""

    text: str
    spans: tuple[tuple[int, int], ...]

    def original(self, start: int, end: int) -> tuple[int, int]:
        return self.spans[start][0], self.spans[end - 1][1]


def fold_for_matching(text: str, dashes: bool = False) -> Folded:
    """NFKC, case folding and katakana → hiragana (ｼﾈ = シネ = しね), keeping positions.
    With ``dashes``, every dash-like character becomes "-" (for phone numbers and the like)."""
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    i = 0
    while i < len(text):
        j = i + 1
        while j < len(text) and (text[j] in _VOICE_MARKS or unicodedata.combining(text[j])):
            j += 1
        chunk = unicodedata.normalize("NFKC", text[i:j]).casefold()
        for ch in chunk:
            code = ord(ch)
            if 0x30A1 <= code <= 0x30F6:  # katakana → hiragana
                ch = chr(code - 0x60)
            if dashes and ch in _DASHES:
                ch = "-"
            out.append(ch)
            spans.append((i, j))
        i = j
    return Folded("".join(out), tuple(spans))
