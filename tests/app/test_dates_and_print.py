"""Dates as Japanese readers expect them, the printable report that opens in the browser, and
charts over time that keep the quiet days."""

from __future__ import annotations

import base64
import hashlib
import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta

import pytest
from flask import render_template_string
from flask_babel import force_locale
from sqlalchemy import select

from forum import clock
from forum.dates import format_jp_date, format_jp_datetime
from forum.exports.summary import Background, daily_series, summarize
from forum.extensions import db
from forum.models import ExportJob, Post
from tests.helpers import submit
from tests.helpers.rooms import create_city_room, last_thread, people, posts_of, reply, start_thread

JP_DATETIME = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}")
ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}(T|\s\d{2}:)|[+-]\d{2}:\d{2}\b")


# ---------------------------------------------------------------- forum/dates.py (pure)


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (datetime(2026, 11, 29, 2, 55, 28, tzinfo=UTC), "2026年11月29日 11:55"),
        ("2026-11-29T11:55:28+09:00", "2026年11月29日 11:55"),
        (datetime(2026, 11, 29, 16, 5, tzinfo=UTC), "2026年11月30日 01:05"),  # past midnight in Japan
        (datetime(2026, 1, 4, 23, 0), "2026年1月5日 08:00"),  # naive: UTC, as the database keeps it
        (date(2026, 3, 1), "2026年3月1日"),
        ("2026-03-01", "2026年3月1日"),
        (None, ""),
    ],
)
def test_japanese_date_and_time(moment, expected):
    assert format_jp_datetime(moment) == expected


def test_date_only_and_english_and_other_zones():
    moment = datetime(2026, 11, 29, 16, 5, tzinfo=UTC)
    assert format_jp_date(moment) == "2026年11月30日"
    assert format_jp_datetime(moment, locale="en") == "30 Nov 2026 01:05"
    assert format_jp_date("2026-05-03", locale="en_GB") == "3 May 2026"
    assert format_jp_datetime(moment, tz="UTC") == "2026年11月29日 16:05"
    assert format_jp_date(None) == ""


def test_filters_follow_the_readers_language(app):
    moment = datetime(2026, 11, 29, 2, 55, tzinfo=UTC)
    with app.test_request_context():
        assert render_template_string("{{ m|jp_datetime }}", m=moment) == "2026年11月29日 11:55"
        assert render_template_string("{{ m|jp_date }}", m=moment) == "2026年11月29日"
        with force_locale("en"):
            assert render_template_string("{{ m|jp_datetime }}", m=moment) == "29 Nov 2026 11:55"
            assert render_template_string("{{ m|jp_datetime('ja') }}", m=moment) == "2026年11月29日 11:55"


# ---------------------------------------------------------------- the daily series


def test_daily_series_keeps_the_empty_days():
    counts = Counter({date(2026, 11, 1): 2, date(2026, 11, 4): 1, date(2026, 10, 31): 3})
    assert daily_series(counts) == [
        ("2026-10-31", 3),
        ("2026-11-01", 2),
        ("2026-11-02", 0),
        ("2026-11-03", 0),
        ("2026-11-04", 1),
    ]
    assert daily_series(Counter({date(2026, 11, 1): 5})) == [("2026-11-01", 5)]
    assert daily_series(Counter()) == []


def test_five_weeks_with_fourteen_busy_days_chart_as_thirty_five_days(app):
    from forum.exports.opinion import Opinion

    start = datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
    busy = [0, 1, 2, 5, 8, 9, 12, 15, 16, 20, 23, 27, 30, 34]
    opinions = [
        Opinion(
            id=i + 1,
            room_id=1,
            room="部屋",
            thread_id=1,
            thread="話題",
            posted_at=start + timedelta(days=d),
            author="P1-0000000000",
            body="意見",
            reply_to=None,
            reactions=0,
            replies=0,
            status="unanswered",
            url="",
        )
        for i, d in enumerate(busy)
    ]
    summary = summarize(opinions, [[] for _ in opinions], Background.of([]))
    assert len(summary.by_day) == 35 and sum(n for _d, n in summary.by_day) == 14
    assert sum(1 for _d, n in summary.by_day if n == 0) == 21
    assert summary.by_day[0] == ("2026-10-26", 1) and summary.by_day[-1] == ("2026-11-29", 1)
    assert summary.as_dict()["by_day"][3] == {"date": "2026-10-29", "count": 0}


# ---------------------------------------------------------------- the printable report


@pytest.fixture
def room_with_opinions(app):
    """Two opinions three days apart: the chart needs two empty days between them."""
    who = people(app)
    room = create_city_room(app, who["staff"], title="防災計画について")
    start_thread(who["himawari"], room, body="避難所の案内板を多言語にしてほしいです。")
    thread = last_thread(app)
    reply(who["keyaki"], thread.id, "防災無線が聞こえにくい地域があります。")
    first = posts_of(app, thread.id)[0]
    with app.app_context():
        post = db.session.get(Post, first.id)
        post.created_at = post.created_at - timedelta(days=3)
        db.session.commit()
    return who, room


def export(client, room: int, **extra):
    response = submit(
        client,
        "/department/export/",
        {"room": room, "format": "report", **extra},
        page=f"/department/export/?room={room}",
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response


def style_hash(page: str) -> str:
    css = re.search(r"<style>(.*?)</style>", page, re.S).group(1)
    return "'sha256-" + base64.b64encode(hashlib.sha256(css.encode()).digest()).decode() + "'"


def test_the_report_opens_in_the_browser_ready_to_print(app, room_with_opinions):
    who, room = room_with_opinions
    response = export(who["staff"], room)
    assert response.mimetype == "text/html"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline") and "hiroba-opinions-room" in disposition and ".html" in disposition
    page = response.get_data(as_text=True)
    assert "@media print" in page and "@page" in page and "break-inside: avoid" in page
    # the site's CSP stays (no script, nothing inline) but allows exactly the embedded stylesheet
    csp = response.headers["Content-Security-Policy"]
    assert f"style-src 'self' {style_hash(page)}" in csp and "script-src 'self'" in csp and "unsafe" not in csp
    assert ' style="' not in page and "<script" not in page


def test_the_download_button_still_gives_the_file(app, room_with_opinions):
    who, room = room_with_opinions
    response = export(who["staff"], room, download="1")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "@media print" in response.get_data(as_text=True)
    page = who["staff"].get(f"/department/export/?room={room}").get_data(as_text=True)
    assert 'name="download" value="1"' in page


def test_the_report_shows_dates_as_japanese_readers_expect(app, room_with_opinions):
    who, room = room_with_opinions
    page = export(who["staff"], room).get_data(as_text=True)
    header = page[page.index("<header>") : page.index("</header>")]
    made = re.search(r"作成日時: (\S+ \S+)", header).group(1)
    assert JP_DATETIME.fullmatch(made), made
    assert not ISO_STAMP.search(re.sub(r"<[^>]+>", "", page)), ISO_STAMP.search(re.sub(r"<[^>]+>", "", page))
    listed = page[page.index('id="h-list"') :]
    assert len(JP_DATETIME.findall(listed)) == 2  # each opinion's time


def test_the_reports_daily_chart_has_zero_days(app, room_with_opinions):
    who, room = room_with_opinions
    page = export(who["staff"], room).get_data(as_text=True)
    chart = page[page.index("<svg") : page.index("</svg>")]
    bars = re.findall(r'<rect[^>]*height="([\d.]+)"', chart)
    assert [float(h) for h in bars] == [100.0, 0.0, 0.0, 100.0]
    assert "4日間" in page and "意見のない日は 0 件" in page


def test_a_background_report_opens_too(app, room_with_opinions):
    who, room = room_with_opinions
    app.config.update(EXPORT_BACKGROUND_FROM=2, EXPORT_WORKER="none")
    response = submit(
        who["staff"], "/department/export/", {"room": room, "format": "report"}, page=f"/department/export/?room={room}"
    )
    assert response.status_code == 303
    assert app.test_cli_runner().invoke(args=["export", "run"]).exit_code == 0
    with app.app_context():
        job_id = db.session.scalar(select(ExportJob.id))
    page = who["staff"].get(f"/department/export/jobs/{job_id}").get_data(as_text=True)
    assert f"/department/export/jobs/{job_id}/download?download=1" in page
    opened = who["staff"].get(f"/department/export/jobs/{job_id}/download")
    assert opened.headers["Content-Disposition"].startswith("inline")
    assert style_hash(opened.get_data(as_text=True)) in opened.headers["Content-Security-Policy"]
    saved = who["staff"].get(f"/department/export/jobs/{job_id}/download?download=1")
    assert saved.headers["Content-Disposition"].startswith("attachment")
    assert who["other_staff"].get(f"/department/export/jobs/{job_id}/download").status_code == 404


def test_machine_formats_keep_iso_8601(app, room_with_opinions):
    who, room = room_with_opinions
    response = submit(
        who["staff"], "/department/export/", {"room": room, "format": "json"}, page=f"/department/export/?room={room}"
    )
    data = response.get_json()
    assert data["generated_at"].endswith("+09:00") and data["opinions"][0]["posted_at"].endswith("+09:00")
    assert [d["count"] for d in data["summary"]["by_day"]] == [1, 0, 0, 1]
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_notification_mail_dates(app, mailbox):
    who = people(app)
    room = create_city_room(app, who["staff"])
    submit(who["keyaki"], f"/rooms/{room}/watch", page=f"/rooms/{room}")
    start_thread(who["himawari"], room)
    body = mailbox.last("keyaki@example.jp").get_content()
    expected = format_jp_datetime(clock.now())
    line = next(line for line in body.splitlines() if "新しい話題" in line)
    assert JP_DATETIME.search(line) and line.split("  ")[0][2:] in {
        expected,
        format_jp_datetime(clock.now() - timedelta(minutes=1)),
    }
