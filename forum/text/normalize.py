"""Unicode normalisation that Japanese input needs before any comparison."""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """NFKC then casefold: ＴＡＲＯ, Taro and ｔａｒｏ compare equal; ｶﾀｶﾅ becomes カタカナ."""
    return unicodedata.normalize("NFKC", text).casefold()


def clean_line(text: str) -> str:
    """NFKC, control characters removed, runs of white space collapsed: for names and titles."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch == " ")
    return " ".join(text.split())
