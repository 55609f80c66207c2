"""Data that ships with the app: the Japanese municipal corpus behind the demo, tests and benches.

It lives in the package so that a clone (or an installed wheel) has it without anything beside
the checkout. Pure: no Flask here.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = Path(__file__).with_name("municipal_ja.txt")


def corpus_paragraphs(path: Path | None = None) -> list[str]:
    """Every non-empty paragraph (one per line) of the corpus, or of ``path``."""
    text = (path or CORPUS).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip()]
