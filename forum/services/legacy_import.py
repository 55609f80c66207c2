"""Import a room's threads and posts from a legacy e-conference room export (CSV or JSONL).

Columns (CSV header or JSON keys), one row per post, in the order they were written:

    post_id       the post's id in the old system (unique; makes the import idempotent)
    thread_id     the thread's id in the old system
    thread_title  the thread's title (read from the thread's first row)
    author        the author's name as the old system showed it
    posted_at     ISO 8601 date-time, 1990-01-01 to 2100-12-31; without a time zone it is Japan time
    body          the text (plain text or the Markdown subset)
    reply_to      optional: the post_id this post answers

Every line is checked before anything is written: one bad line and nothing is loaded. Control
characters are removed as in the web forms (``forum.text.controls.strip_controls``).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from forum import clock
from forum.extensions import db
from forum.models import Post, Room, Thread
from forum.services import posts
from forum.text.controls import strip_controls
from forum.text.normalize import clean_line

REQUIRED = ("post_id", "thread_id", "thread_title", "author", "posted_at", "body")
COLUMNS = (*REQUIRED, "reply_to")
FIRST_DAY, LAST_DAY = date(1990, 1, 1), date(2100, 12, 31)  # outside: a broken date, not an old post
ID_MAX = 60  # legacy ids are stored with a "room<id>:" prefix in a 100-character column
BOM = b"\xef\xbb\xbf"


@dataclass
class ImportResult:
    threads: int = 0
    posts: int = 0
    skipped: int = 0
    errors: list[str] | None = None


def read_rows(path: Path) -> list[tuple[int, dict]]:
    """(line number, row) pairs from a .csv (UTF-8, BOM allowed) or .jsonl file. A line that
    cannot be read becomes a row with an ``__error__``, so every problem is reported by line."""
    data = path.read_bytes().removeprefix(BOM)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        return [
            (
                line,
                {
                    "__error__": f"the file is not UTF-8 text (byte 0x{data[error.start]:02x}); "
                    "convert it to UTF-8 (for example from Shift_JIS) and try again"
                },
            )
        ]
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return _json_rows(text)
    return _csv_rows(text)


def _json_rows(text: str) -> list[tuple[int, dict]]:
    rows = []
    # only LF ends a line: str.splitlines would also split at U+2028 inside a JSON string
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            rows.append((number, {"__error__": f"not valid JSON ({error.msg})"}))
            continue
        except (ValueError, RecursionError) as error:  # a number too long, nesting too deep
            rows.append((number, {"__error__": f"not valid JSON ({type(error).__name__})"}))
            continue
        rows.append((number, value if isinstance(value, dict) else {"__error__": "not a JSON object"}))
    return rows


def _csv_rows(text: str) -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header: list[str] | None = None
    rows: list[tuple[int, dict]] = []
    while True:
        number = reader.line_num + 1  # where the record starts
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as error:  # e.g. a field over csv.field_size_limit(); the rest cannot be trusted
            rows.append((number, {"__error__": f"not valid CSV ({error}); the lines after it were not read"}))
            break
        if not record:
            continue
        if header is None:
            header = [strip_controls(name).strip() for name in record]
        else:
            rows.append((number, dict(zip(header, record, strict=False))))
    return rows


def _field(row: dict, column: str) -> tuple[str, str | None]:
    """The column's text, cleaned as the web forms clean theirs, or an error."""
    value = row.get(column)
    if value is None:
        return "", None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return "", f"{column} must be text"
    value = str(value)
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "", f"{column} contains a character that is not valid Unicode (a lone surrogate)"
    return strip_controls(value).strip(), None


def _check(number: int, row: dict, seen: set[str]) -> tuple[dict | None, str | None]:
    if "__error__" in row:
        return None, f"line {number}: {row['__error__']}"
    fields = {}
    for column in COLUMNS:
        fields[column], error = _field(row, column)
        if error:
            return None, f"line {number}: {error}"
    fields["thread_title"] = clean_line(fields["thread_title"])
    fields["author"] = clean_line(fields["author"])
    missing = [c for c in REQUIRED if not fields[c]]
    if missing:
        return None, f"line {number}: missing {', '.join(missing)}"
    too_long = [c for c in ("post_id", "thread_id", "reply_to") if len(fields[c]) > ID_MAX]
    if too_long:
        return None, f"line {number}: {', '.join(too_long)} longer than {ID_MAX} characters"
    post_id = fields["post_id"]
    if post_id in seen:
        return None, f"line {number}: post_id {post_id} appears twice"
    try:
        moment = datetime.fromisoformat(fields["posted_at"])
    except ValueError:
        return None, f"line {number}: posted_at {fields['posted_at']!r} is not an ISO 8601 date-time"
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        return None, (
            f"line {number}: posted_at {fields['posted_at']!r} is not between "
            f"{FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}"
        )
    if moment.tzinfo is None:
        moment = clock.from_local(moment, current_app.config["BABEL_DEFAULT_TIMEZONE"])
    body = fields["body"]
    if len(body) > current_app.config["BODY_MAX"]:
        return None, f"line {number}: body is longer than {current_app.config['BODY_MAX']} characters"
    reply_to = fields["reply_to"] or None
    if reply_to is not None and reply_to not in seen:
        return None, f"line {number}: reply_to {reply_to} is not an earlier post_id"
    seen.add(post_id)
    return {
        "post_id": post_id,
        "thread_id": fields["thread_id"],
        "thread_title": fields["thread_title"][: current_app.config["TITLE_MAX"]],
        "author": fields["author"][:60],
        "posted_at": moment,
        "body": body,
        "reply_to": reply_to,
    }, None


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
                thread = Thread(
                    room=room,
                    title=row["thread_title"],
                    legacy_id=legacy_thread,
                    next_number=1,
                    public_post_count=0,
                    created_at=row["posted_at"],
                    last_posted_at=row["posted_at"],
                )
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
