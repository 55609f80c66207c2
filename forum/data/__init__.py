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


def guide(lang: str) -> list[tuple[str, list[str], bool]]:
    """The 「はじめての方へ」 guide (``guide_<lang>.txt``): sections of (heading, lines, numbered).
    A line "# …" starts a section; lines "1. …" make it a numbered list."""
    path = Path(__file__).with_name(f"guide_{lang}.txt")
    if not path.exists():
        path = Path(__file__).with_name("guide_ja.txt")
    sections: list[tuple[str, list[str], bool]] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("# "):
            sections.append((line[2:], [], False))
        elif sections:
            heading, lines, numbered = sections[-1]
            item = line.split(". ", 1)
            is_item = len(item) == 2 and item[0].isdigit()
            lines.append(item[1] if is_item else line)
            sections[-1] = (heading, lines, numbered or is_item)
    return sections


def guide_texts() -> list[str]:
    """Every heading and line of the Japanese guide: their readings are compiled with the catalog's."""
    return [text for heading, lines, _n in guide("ja") for text in (heading, *lines)]


ACCESSIBILITY_RESULTS = Path(__file__).with_name("accessibility_results.json")


def accessibility_results() -> dict | None:
    """The latest accessibility test run (written by tests/browser/test_accessibility.py and
    committed), or None before the first."""
    import json

    try:
        return json.loads(ACCESSIBILITY_RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
