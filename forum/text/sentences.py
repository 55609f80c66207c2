"""Sentences of Japanese text, for a readable first draft of an answer table row. Pure."""

from __future__ import annotations

import re

_END = re.compile(r"(?<=[。！？!?])")
_CLAUSE = "、，,；;：:"


def first_sentence(text: str, limit: int = 80) -> str:
    """The first sentence of ``text``; a long one is cut at the last clause boundary (、) before
    ``limit`` characters, or at ``limit``, and ends with …."""
    flat = " ".join((text or "").split())
    sentence = _END.split(flat, maxsplit=1)[0].strip() if flat else ""
    if len(sentence) <= limit:
        return sentence
    head = sentence[:limit]
    cut = max(head.rfind(ch) for ch in _CLAUSE)
    return (head[:cut] if cut >= limit // 2 else head).rstrip(_CLAUSE + " ") + "…"


def draft_summary(texts: list[str], total: int, limit: int = 80) -> str:
    """「first sentence／first sentence ほかN件」: the representative opinions' first sentences, then
    how many more opinions the row answers. A start for staff to rewrite, never machine prose."""
    firsts = list(dict.fromkeys(s for s in (first_sentence(t, limit) for t in texts) if s))
    more = total - len(firsts)
    return "／".join(firsts) + (f"　ほか{more}件" if more > 0 else "")
