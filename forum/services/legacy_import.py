"""Import a room's threads and posts from a legacy e-conference room export (CSV or JSONL).

Columns (CSV header or JSON keys), one row per post, in the order they were written:

    post_id       the post's id in the old system (unique; makes the import idempotent)
    thread_id     the thread's id in the old system
    thread_title  the thread's title (read from the thread's first row)
    author        the author's name as the old system showed it
    posted_at     ISO 8601 date-time; without a time zone it is Japan time
    body          the text (plain text or the Markdown subset)
    reply_to      optional: the post_id this post answers

Every line is checked before anything is written: one bad line and nothing is loaded.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Post, Room, Thread
from forum.services import posts

REQUIRED = ("post_id", "thread_id", "thread_title", "author", "posted_at", "body")


@dataclass
class ImportResult:
    threads: int = 0
    posts: int = 0
    skipped: int = 0
    errors: list[str] | None = None


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """(line number, row) pairs from a .csv (UTF-8, BOM allowed) or .jsonl file."""
    text = path.read_text(encoding="utf-8-sig")
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        rows = []
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                try:
                    value = json.loads(line)
                except json.JSONDecodeError as error:
                    rows.append((number, {"__error__": f"not valid JSON ({error.msg})"}))
                    continue
                rows.append((number, value if isinstance(value, dict) else {"__error__": "not a JSON object"}))
        return rows
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [(reader.line_num, row) for row in reader]


def _check(number: int, row: dict, seen: set[str]) -> tuple[dict | None, str | None]:
    if "__error__" in row:
        return None, f"line {number}: {row['__error__']}"
    missing = [c for c in REQUIRED if not str(row.get(c) or "").strip()]
    if missing:
        return None, f"line {number}: missing {', '.join(missing)}"
    post_id = str(row["post_id"]).strip()
    if post_id in seen:
        return None, f"line {number}: post_id {post_id} appears twice"
    try:
        moment = datetime.fromisoformat(str(row["posted_at"]).strip())
    except ValueError:
        return None, f"line {number}: posted_at {row['posted_at']!r} is not an ISO 8601 date-time"
    if moment.tzinfo is None:
        moment = clock.from_local(moment, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    body = str(row["body"]).strip()
    if len(body) > current_app.config["BODY_MAX"]:
        return None, f"line {number}: body is longer than {current_app.config['BODY_MAX']} characters"
    reply_to = str(row.get("reply_to") or "").strip() or None
    if reply_to is not None and reply_to not in seen:
        return None, f"line {number}: reply_to {reply_to} is not an earlier post_id"
    seen.add(post_id)
    return {"post_id": post_id, "thread_id": str(row["thread_id"]).strip(),
            "thread_title": str(row["thread_title"]).strip()[:current_app.config["TITLE_MAX"]],
            "author": str(row["author"]).strip()[:60], "posted_at": moment, "body": body,
            "reply_to": reply_to}, None


def import_file(path: Path, room: Room) -> ImportResult:
    rows = read_rows(path)
    seen: set[str] = set()
    checked, errors = [], []
    for number, row in rows:
        value, error = _check(number, row, seen)
        if error:
            errors.append(error)
        else:
            checked.append(value)
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult(errors=[])
    prefix = f"room{room.id}:"
    threads: dict[str, Thread] = {}
    by_legacy: dict[str, Post] = {}
    for row in checked:
        legacy_post = prefix + row["post_id"]
        existing = db.session.scalar(select(Post).where(Post.legacy_id == legacy_post))
        if existing is not None:
            by_legacy[row["post_id"]] = existing
            result.skipped += 1
            continue
        thread = threads.get(row["thread_id"])
        if thread is None:
            legacy_thread = prefix + row["thread_id"]
            thread = db.session.scalar(select(Thread).where(Thread.legacy_id == legacy_thread))
            if thread is None:
                thread = Thread(room=room, title=row["thread_title"], legacy_id=legacy_thread, next_number=1,
                                public_post_count=0, created_at=row["posted_at"], last_posted_at=row["posted_at"])
                db.session.add(thread)
                result.threads += 1
            threads[row["thread_id"]] = thread
        reply_to = by_legacy.get(row["reply_to"]) if row["reply_to"] else None
        if reply_to is not None and reply_to.thread is not thread:
            reply_to = None
        post = posts.add_existing_post(thread, None, row["body"], row["posted_at"], reply_to)
        post.legacy_id = legacy_post
        post.legacy_author = row["author"]
        by_legacy[row["post_id"]] = post
        result.posts += 1
    db.session.commit()
    return result
