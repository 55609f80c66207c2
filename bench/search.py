"""Search benchmark: N posts recombined from the municipal corpus (forum/data) (fixed seed), indexed with the real
analyzer and backend; prints indexing throughput, index size and query latency percentiles for a
fixed query mix, fetching a 20-result page as the app does.

    .venv/bin/python bench/search.py            # N = 100,000
    .venv/bin/python bench/search.py --n 10000  # quicker

Never part of the test run's pass/fail.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from forum.data import CORPUS
from forum.search.backend import SearchDoc, SearchQuery, WhooshBackend

QUERIES = [
    ("1-term", "防災"),
    ("1-term", "市民"),
    ("1-term", "情報"),
    ("2-term", "電子 会議室"),
    ("2-term", "個人情報 保護"),
    ("phrase", '"電子自治体"'),
    ("phrase", '"行政サービス"'),
    ("filtered", "市民 area:city"),
    ("2-char CJK", "推進"),
    ("2-char CJK", "計画"),
    ("Latin", "it"),
    ("Latin", "lgwan"),
]


def sentences() -> list[str]:
    text = CORPUS.read_text(encoding="utf-8")
    return [s.strip() + "。" for s in text.replace("\n", "").split("。") if s.strip()]


def documents(n: int, seed: int = 20261123):
    rng = random.Random(seed)
    parts = sentences()
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(1, n + 1):
        body = "".join(rng.choice(parts) for _ in range(rng.randint(1, 4)))
        yield SearchDoc(
            id=i,
            thread_id=1 + i // 30,
            title="",
            body=body,
            author=f"住民{i % 997}",
            created_at=start + timedelta(minutes=i),
            room_id=1 + i % 40,
            area="city" if i % 3 else "citizen",
        )


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5, help="times each query runs")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="hiroba-bench-"))
    backend = WhooshBackend(work / "index")
    text_bytes = 0

    def docs():
        nonlocal text_bytes
        for doc in documents(args.n):
            text_bytes += len(doc.body.encode("utf-8"))
            yield doc

    started = time.perf_counter()
    count = backend.rebuild(docs())
    seconds = time.perf_counter() - started
    size = folder_size(work / "index")
    print(f"posts                 {count:>12,}")
    print(f"rebuild               {seconds:>12.1f} s   {count / seconds:,.0f} posts/s")
    print(f"text size             {text_bytes / 2**20:>12.1f} MiB")
    print(f"index size            {size / 2**20:>12.1f} MiB   {size / text_bytes:.1f}x the text")
    t = time.perf_counter()
    backend.search(SearchQuery("防災", per_page=20))
    print(f"first query           {(time.perf_counter() - t) * 1000:>12.1f} ms   (loads each segment's dates once)")
    timings: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for kind, text in QUERIES:
            area = None
            if " area:" in text:
                text, area = text.split(" area:")
            t = time.perf_counter()
            result = backend.search(SearchQuery(text, per_page=20, area=area))
            timings.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
            assert result.total >= 0
            if _ == 0:
                print(f"  {kind:<12} {text:<16} {result.total:>8,} hits{'' if result.exact else ' (estimated)'}")
    every = sorted(ms for values in timings.values() for ms in values)

    def pct(values: list[float], p: float) -> float:
        return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]

    print(f"{'query kind':<14} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind, values in timings.items():
        values.sort()
        print(f"{kind:<14} {pct(values, 50):>8.1f} {pct(values, 95):>8.1f} {pct(values, 99):>8.1f}")
    print(
        f"{'all':<14} {pct(every, 50):>8.1f} {pct(every, 95):>8.1f} {pct(every, 99):>8.1f}"
        f"   (median of all {statistics.median(every):.1f})"
    )


if __name__ == "__main__":
    main()
