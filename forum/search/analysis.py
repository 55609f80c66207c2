"""Japanese text for search: normalisation and n-gram tokens. Pure; stable module path.

Whoosh has no character filters, so text is normalised here before indexing and before querying:
NFKC (ＩＴ = IT, ｶﾀｶﾅ = カタカナ, full-width digits), case folding. Runs of CJK characters become
bigrams plus each run's last character, so any substring of one, two or more characters can be
found in one field; Latin words and numbers stay whole words.

Whoosh pickles these classes into the index. Renaming or moving them needs a
``flask --app forum search rebuild``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

_CJK = "\u3005\u3006\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f"
RUN = re.compile(rf"([{_CJK}]+)|([0-9a-z\u00c0-\u024f]+)")


def normalize(text: str) -> str:
    """NFKC + case folding: what both the index and the queries see."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def is_cjk(term: str) -> bool:
    return all(RUN.fullmatch(ch) and RUN.fullmatch(ch).group(1) for ch in term)


class NgramTokenizer(Tokenizer):
    """CJK runs as bigrams plus the run's last character alone, Latin words and numbers whole.

    Any substring of two or more characters is a phrase of adjacent bigrams; a single character is
    the first character of some bigram or the last character of a run, so a prefix query on this one
    field finds it too. Positions leave a gap where punctuation breaks the text (not at plain
    spaces), so "個人、情報" never matches 個人情報 while "open data" still matches open data.
    """

    def __init__(self, n: int = 2) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NgramTokenizer) and other.n == self.n

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        token.boost = 1.0
        token.stopped = False
        for text, pos, offset in pieces(value):
            token.text = text
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + offset
                token.endchar = start_char + offset + len(text)
            yield token


def pieces(value: str, tails: bool = True) -> list[tuple[str, int, int]]:
    """(token, position, offset) for normalised ``value``: the tokens the index holds.
    A run's last character shares the position of the run's last bigram, so phrases of bigrams and
    words stay consecutive; ``tails=False`` leaves it out (a query's phrase needs only bigrams)."""
    text = normalize(value)
    out: list[tuple[str, int, int]] = []
    pos = 0
    previous_end = None
    for match in RUN.finditer(text):
        run, start = match.group(0), match.start()
        if previous_end is not None and start > previous_end and not text[previous_end:start].isspace():
            pos += 1  # punctuation breaks the text here: no phrase may span it
        previous_end = start + len(run)
        if match.group(1) is None:
            out.append((run, pos, start))
            pos += 1
            continue
        for i in range(len(run) - 1):
            out.append((run[i : i + 2], pos, start + i))
            pos += 1
        if len(run) == 1:
            out.append((run, pos, start))
            pos += 1
        elif tails:
            out.append((run[-1], pos - 1, start + len(run) - 1))  # beside the run's last bigram
    return out


def bigram_analyzer() -> NgramTokenizer:
    return NgramTokenizer(2)


def _folded_with_spans(text: str) -> tuple[str, list[int]]:
    """NFKC + case folding per character, with each folded character's index in ``text``."""
    out: list[str] = []
    origin: list[int] = []
    for i, ch in enumerate(text):
        for folded in unicodedata.normalize("NFKC", ch).casefold():
            out.append(folded)
            origin.append(i)
    return "".join(out), origin


def snippet(text: str, words: list[str], width: int = 80) -> list[tuple[str, bool]]:
    """A window of ``text`` around the first match, as (piece, is_match) pairs for <mark>.
    Pure: the caller escapes the pieces."""
    folded, origin = _folded_with_spans(text)
    marks: list[tuple[int, int]] = []
    for word in {normalize(w) for w in words if w}:
        start = folded.find(word)
        while start != -1:
            marks.append((origin[start], origin[start + len(word) - 1] + 1))
            start = folded.find(word, start + len(word))
    marks.sort()
    first = marks[0][0] if marks else 0
    lo = max(0, first - width // 3)
    hi = min(len(text), lo + width)
    pieces: list[tuple[str, bool]] = [("…", False)] if lo > 0 else []
    cursor = lo
    for start, end in marks:
        if start < cursor or start >= hi:
            continue
        pieces.append((text[cursor:start], False))
        pieces.append((text[start : min(end, hi)], True))
        cursor = min(end, hi)
    pieces.append((text[cursor:hi], False))
    if hi < len(text):
        pieces.append(("…", False))
    return [(p, m) for p, m in pieces if p]
