"""Search quality on the municipal corpus: recall and precision against substring ground truth.

Every paragraph of ``forum/data/municipal_ja.txt`` becomes one document; substrings of 1–6 CJK characters are
sampled (fixed seed) and each is searched with the real analyzer and backend, all results fetched.
A document is relevant when its normalised text contains the substring.

    .venv/bin/python bench/search_quality.py [--per-length 100]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forum.data import CORPUS, corpus_paragraphs
from forum.search.analysis import RUN, normalize
from forum.search.backend import SearchDoc, SearchQuery, WhooshBackend


def paragraphs() -> list[str]:
    return corpus_paragraphs()


def samples(texts: list[str], size: int, count: int, rng: random.Random) -> set[str]:
    found: set[str] = set()
    for _ in range(count * 200):
        if len(found) >= count:
            break
        text = rng.choice(texts)
        if len(text) <= size:
            continue
        start = rng.randrange(0, len(text) - size)
        piece = text[start : start + size]
        if all((m := RUN.fullmatch(ch)) and m.group(1) for ch in piece):
            found.add(piece)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-length", type=int, default=100)
    args = parser.parse_args()
    texts = [normalize(p) for p in paragraphs()]
    backend = WhooshBackend(Path(tempfile.mkdtemp(prefix="hiroba-quality-")) / "index")
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    backend.rebuild(SearchDoc(i, 1, "", text, "x", t0 + timedelta(minutes=i)) for i, text in enumerate(texts))
    rng = random.Random(20261123)
    print(f"{len(texts)} paragraphs from {CORPUS}")
    print(f"{'length':<8} {'queries':>8} {'relevant':>9} {'recall':>8} {'precision':>10}")
    for size in range(1, 7):
        relevant = retrieved = correct = 0
        queries = samples(texts, size, args.per_length, rng)
        for term in sorted(queries):
            truth = {i for i, text in enumerate(texts) if term in text}
            got = set(backend.search(SearchQuery(term, per_page=100_000)).ids)
            relevant += len(truth)
            retrieved += len(got)
            correct += len(truth & got)
        print(
            f"{size:<8} {len(queries):>8} {relevant:>9} {correct / max(relevant, 1):>8.3f} "
            f"{correct / max(retrieved, 1):>10.3f}"
        )


if __name__ == "__main__":
    main()
