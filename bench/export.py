"""Export benchmark: N opinions (default 100,000; fixed seed, corpus sentences recombined) in one room
of a real SQLite database, exported as CSV, XLSX, JSON and the printable report (the last three with
the summary: keywords, clusters). Prints seconds and peak memory (RSS) for each format; each format
runs in its own process so the peaks do not mix.

    .venv/bin/python bench/export.py            # N = 100,000
    .venv/bin/python bench/export.py --n 10000  # quicker

Never part of the test run's pass/fail.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forum.data import CORPUS  # noqa: E402

FORMATS = ("csv", "json", "xlsx", "summary", "report")
PII = ["連絡先は090-1234-5678です。", "メールは taro@example.jp へ。", "〒272-0021 に住んでいます。"]


def app_for(folder: Path):
    from forum import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite3'}",
            "SEARCH_AUTO_SYNC": False,
            "BASE_URL": "https://hiroba.example.jp",
        },
        instance_path=str(folder / "instance"),
    )


def build(folder: Path, n: int, seed: int = 20261123) -> None:
    from flask_migrate import upgrade
    from sqlalchemy import insert

    from forum.extensions import db
    from forum.models import Department, Post, Room, Thread, User
    from forum.text.masked import MASK_VERSION, masked_plain_text  # what saving a post stores

    app = app_for(folder)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        rng = random.Random(seed)
        text = CORPUS.read_text(encoding="utf-8").replace("\n", "")
        sentences = [s.strip() + "。" for s in text.split("。") if s.strip()]
        start = datetime(2026, 4, 1, tzinfo=UTC)
        dept = Department(name="企画政策課")
        db.session.add(dept)
        db.session.flush()
        room = Room(
            area="city",
            title="市の情報化について",
            purpose="意見募集",
            posting_rules="ルール",
            handling="報告",
            department_id=dept.id,
            opens_at=start,
            closes_at=start + timedelta(days=90),
            state="closed",
        )
        db.session.add(room)
        db.session.flush()
        users = [
            {
                "handle": f"住民{i}",
                "handle_key": f"住民{i}",
                "email": f"r{i}@example.jp",
                "password_hash": "x",
                "role": "resident",
                "email_verified_at": start,
            }
            for i in range(2000)
        ]
        db.session.execute(insert(User), users)
        user_ids = list(range(1, 2001))
        threads = [
            {
                "room_id": room.id,
                "title": f"話題{i}",
                "next_number": 1,
                "public_post_count": 1,
                "created_at": start,
                "last_posted_at": start,
            }
            for i in range(50)
        ]
        db.session.execute(insert(Thread), threads)
        rows = []
        for i in range(1, n + 1):
            body = "".join(rng.choice(sentences) for _ in range(rng.randint(1, 4)))
            if rng.random() < 0.01:
                body += rng.choice(PII)
            rows.append(
                {
                    "thread_id": 1 + i % 50,
                    "number": 1 + i // 50,
                    "author_id": rng.choice(user_ids),
                    "body": body,
                    "masked_text": masked_plain_text(body),
                    "masked_version": MASK_VERSION,
                    "state": "published",
                    "reaction_count": rng.choice([0, 0, 0, 1, 2, 5]),
                    "created_at": start + timedelta(seconds=i * 70),
                }
            )
            if len(rows) == 5000:
                db.session.execute(insert(Post), rows)
                rows = []
        if rows:
            db.session.execute(insert(Post), rows)
        db.session.commit()


def run_one(folder: Path, fmt: str) -> None:
    """``csv``: the whole export as the app runs it. ``summary``: reading the opinions and summarising
    them (keywords, clusters). ``json``/``xlsx``/``report``: writing the file from opinions and a
    summary made beforehand (an export job makes the summary once for every format)."""
    from forum import clock
    from forum.exports import formats, selection
    from forum.exports.selection import ExportFilter
    from forum.services import exports, summaries

    app = app_for(folder)
    flt = ExportFilter(room_ids=(1,))
    out = folder / f"out.{fmt}"
    with app.app_context():
        if fmt == "csv":
            started = time.perf_counter()
            rows = exports.export(None, flt, "csv", out, via="bench")
        elif fmt == "summary":
            started = time.perf_counter()
            opinions = list(selection.opinions(flt))
            summary = summaries.summary_of(flt, opinions)
            rows = summary.total
            out.write_text(json.dumps(summary.as_dict(), ensure_ascii=False), encoding="utf-8")
        else:
            opinions = list(selection.opinions(flt))
            summary = summaries.summary_of(flt, opinions)
            meta = {
                "generated_at": clock.now().isoformat(),
                "generated_by": "bench",
                "title": "bench",
                "filter": flt.describe(),
                "format": fmt,
                "rows": len(opinions),
                "filter_text": "bench",
            }
            writer = {"json": formats.write_json, "xlsx": formats.write_xlsx, "report": formats.write_report}[fmt]
            started = time.perf_counter()
            rows = writer(opinions, summary, out, meta)
        seconds = time.perf_counter() - started
    peak = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    print(
        json.dumps(
            {
                "format": fmt,
                "rows": rows,
                "seconds": seconds,
                "peak_mib": peak / 1024,
                "size_mib": out.stat().st_size / 2**20,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--one", help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(Path(args.folder), args.one)
        return
    folder = Path(tempfile.mkdtemp(prefix="hiroba-export-bench-"))
    started = time.perf_counter()
    build(folder, args.n)
    print(f"opinions              {args.n:>10,}   (database built in {time.perf_counter() - started:.0f} s)")
    print(f"{'format':<8} {'rows':>9} {'seconds':>9} {'peak MiB':>9} {'file MiB':>9}")
    for fmt in FORMATS:
        done = subprocess.run(
            [sys.executable, __file__, "--one", fmt, "--folder", str(folder)],
            check=True,
            capture_output=True,
            text=True,
        )
        result = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{fmt:<8} {result['rows']:>9,} {result['seconds']:>9.1f} {result['peak_mib']:>9.0f} "
            f"{result['size_mib']:>9.1f}"
        )


if __name__ == "__main__":
    main()
