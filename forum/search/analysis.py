"""Japanese text for search: normalisation and n-gram tokens. Pure; stable module path.

Whoosh has no character filters, so text is normalised here before indexing and before querying:
NFKC (ＩＴ = IT, ｶﾀｶﾅ = カタカナ, full-width digits), case folding. Runs of CJK characters become
unigrams (one field) and bigrams (another field), so any substring of one, two or more characters
can be found; Latin words and numbers stay whole words.

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


def runs(text: str) -> Iterator[tuple[str, bool, int]]:
    """(run, is_cjk, start) for each CJK run and each Latin/number word of normalised text."""
    for match in RUN.finditer(text):
        yield match.group(0), match.group(1) is not None, match.start()


def is_cjk(term: str) -> bool:
    return all(RUN.fullmatch(ch) and RUN.fullmatch(ch).group(1) for ch in term)


class NgramTokenizer(Tokenizer):
    """CJK runs as n-grams of size ``n`` (runs shorter than ``n`` are skipped), Latin words whole.
    Positions are consecutive within touching runs and leave a gap where punctuation or space
    breaks the text, so a phrase of bigrams always means adjacent characters ("個人、情報" never
    matches 個人情報)."""

    def __init__(self, n: int = 2) -> None:
        self.n = n

    def __eq__(self, other: object) -> bool:
        return isinstance(other, NgramTokenizer) and other.n == self.n

    def __call__(self, value: str, positions: bool = False, chars: bool = False, keeporiginal: bool = False,
                 removestops: bool = True, start_pos: int = 0, start_char: int = 0, tokenize: bool = True,
                 mode: str = "", **kwargs) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        previous_end = None
        for run, cjk, start in runs(normalize(value)):
            if previous_end is not None and start > previous_end:
                pos += 1  # the text breaks here: no phrase may span it
            previous_end = start + len(run)
            pieces = ([(run[i:i + self.n], start + i) for i in range(len(run) - self.n + 1)]
                      if cjk else [(run, start)])
            for text, offset in pieces:
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = text
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + offset
                    token.endchar = start_char + offset + len(text)
                pos += 1
                yield token


def bigram_analyzer() -> NgramTokenizer:
    return NgramTokenizer(2)


def unigram_analyzer() -> NgramTokenizer:
    return NgramTokenizer(1)


def query_terms(query: str) -> list[str]:
    """The words of a query after normalisation (split on spaces, full- or half-width)."""
    return [t for t in normalize(query).split() if t]


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
        pieces.append((text[start:min(end, hi)], True))
        cursor = min(end, hi)
    pieces.append((text[cursor:hi], False))
    if hi < len(text):
        pieces.append(("…", False))
    return [(p, m) for p, m in pieces if p]
