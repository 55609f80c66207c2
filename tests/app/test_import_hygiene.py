"""The legacy import with hostile or broken files: every problem is reported by line, the command
exits non-zero without a traceback, and nothing is loaded; control characters are stripped."""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, Thread
from tests.helpers.rooms import create_city_room, people

HEADER = "post_id,thread_id,thread_title,author,posted_at,body,reply_to\n"
GOOD_CSV_LINE = "a1,t1,バスの本数,市民A,2005-04-01T10:00:00,バスの本数を増やしてください。,\n"


def _json(**change) -> str:
    row = {
        "post_id": "1",
        "thread_id": "t",
        "thread_title": "題",
        "author": "A",
        "posted_at": "2004-01-01T10:00",
        "body": "本文",
        **change,
    }
    return json.dumps(row, ensure_ascii=False)


CASES = {
    "csv field over the csv module's limit": (
        "legacy.csv",
        (HEADER + GOOD_CSV_LINE + "a2,t1,題,市民B,2005-04-02," + "長" * (csv.field_size_limit() + 1) + ",\n").encode(),
        ["line 3: not valid CSV (field larger than field limit"],
    ),
    "jsonl lone surrogate": (
        "legacy.jsonl",
        (_json() + "\n" + _json(post_id="2", body="@").replace('"@"', '"\\ud800"') + "\n").encode(),
        ["line 2: body contains a character that is not valid Unicode"],
    ),
    "not UTF-8 (Shift_JIS)": (
        "legacy.csv",
        (HEADER + GOOD_CSV_LINE).encode("shift_jis"),
        ["line 2: the file is not UTF-8 text"],
    ),
    "posted_at out of range": (
        "legacy.jsonl",
        "\n".join(
            [
                _json(),
                _json(post_id="2", posted_at="9999-12-31"),
                _json(post_id="3", posted_at="0001-01-01"),
                _json(post_id="4", posted_at="1989-12-31T23:59+09:00"),
            ]
        ).encode(),
        [
            "line 2: posted_at '9999-12-31' is not between 1990-01-01 and 2100-12-31",
            "line 3: posted_at '0001-01-01' is not between",
            "line 4: posted_at '1989-12-31T23:59+09:00'",
        ],
    ),
    "json that the parser cannot hold": (
        "legacy.jsonl",
        "\n".join(
            [
                _json(),
                '{"post_id": ' + "9" * 5000 + "}",
                "[" * 100_000,
                _json(post_id="4", body={"nested": 1}),
                _json(post_id="\x00" * 3),
            ]
        ).encode(),
        ["line 2: not valid JSON", "line 3: not valid JSON", "line 4: body must be text", "line 5: missing post_id"],
    ),
    "ids too long for the database": (
        "legacy.csv",
        (HEADER + GOOD_CSV_LINE.replace("a1", "a" * 61)).encode(),
        ["line 2: post_id longer than 60 characters"],
    ),
    "body over BODY_MAX after cleaning": (
        "legacy.jsonl",
        _json(body="\x00" + "あ" * 8001).encode(),
        ["line 1: body is longer than 8000 characters"],
    ),
}


@pytest.fixture
def room(app) -> int:
    who = people(app)
    return create_city_room(app, who["staff"])


def _loaded(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Post).where(Post.legacy_id.is_not(None)))


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_input_is_reported_by_line_and_nothing_is_loaded(app, room, tmp_path, case):
    name, data, messages = CASES[case]
    path = tmp_path / name
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["import", str(path), "--room", str(room)])
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit) and "Traceback" not in result.output
    for message in messages:
        assert message in result.output, result.output
    assert "nothing was loaded" in result.output
    assert _loaded(app) == 0


def test_control_characters_are_stripped_as_in_the_web_forms(app, room, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(
        HEADER
        + 'a1,t\x001,"バス\x07の本数","市民\x00A",2005-04-01T10:00\x00,"前半\x00後半\r\n次\x1b行",\n'
        + "a2,t1,バスの本数,市民B,2005-04-02,同感\x7fです。,a1\x00\n",
        encoding="utf-8-sig",
    )
    result = app.test_cli_runner().invoke(args=["import", str(path), "--room", str(room)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.legacy_id.is_not(None)))
        assert thread.title == "バスの本数" and thread.legacy_id == f"room{room}:t1"
        first, second = db.session.scalars(select(Post).where(Post.thread_id == thread.id).order_by(Post.number))
        assert (first.body, first.legacy_author) == ("前半後半\n次行", "市民A")
        assert second.body == "同感です。" and second.reply_to_id == first.id


def test_a_room_id_beyond_the_database_is_a_clear_error(app, tmp_path):
    path = tmp_path / "legacy.csv"
    path.write_text(HEADER + GOOD_CSV_LINE, encoding="utf-8")
    for room in ("99999999999999999999", "0", "-3"):
        result = app.test_cli_runner().invoke(args=["import", str(path), "--room", room])
        assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
        assert f"no room with id {room}" in result.output
