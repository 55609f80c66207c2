"""Dates and times as people read them: 「2026年11月29日 11:55」 in Japanese, "29 Nov 2026 11:55" in English.

Pure (no Flask, no database): pages, mail and the printable report show times through the Jinja
filters ``jp_datetime`` and ``jp_date``; files for machines (CSV, XLSX, JSON) keep ISO 8601.
Times are shown in the site's time zone (Japan time), whatever zone they come in.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime

from jinja2 import pass_context

from forum import clock

DEFAULT_TZ = "Asia/Tokyo"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

Moment = datetime | date | str | None


def _local(moment: Moment, tz: str) -> datetime | date | None:
    """A moment in ``tz``; a date stays a date. Naive datetimes are UTC, as the database keeps them;
    strings are ISO 8601 (``2026-11-29`` is a date)."""
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = date.fromisoformat(moment) if len(moment) == 10 else datetime.fromisoformat(moment)
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return clock.to_local(moment, tz)


def _is_japanese(locale: object) -> bool:
    return str(locale or "ja").lower().startswith("ja")


def _day(day: date, locale: object) -> str:
    if _is_japanese(locale):
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def format_jp_date(moment: Moment, tz: str = DEFAULT_TZ, locale: object = "ja") -> str:
    """「2026年11月29日」 (English: "29 Nov 2026"); the day in ``tz``; empty for no moment."""
    local = _local(moment, tz)
    if local is None:
        return ""
    return _day(local.date() if isinstance(local, datetime) else local, locale)


def format_jp_datetime(moment: Moment, tz: str = DEFAULT_TZ, locale: object = "ja") -> str:
    """「2026年11月29日 11:55」 (English: "29 Nov 2026 11:55") in ``tz``; a bare date shows as a date."""
    local = _local(moment, tz)
    if local is None:
        return ""
    if not isinstance(local, datetime):
        return _day(local, locale)
    return f"{_day(local.date(), locale)} {local:%H:%M}"


def _reader(context) -> tuple[object, str]:
    """The reader's language and the site's time zone, from the template's context."""
    config = context.get("config") or {}
    return context.get("current_locale"), config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TZ


def filters() -> dict[str, Callable]:
    """The Jinja filters: ``{{ post.created_at|jp_datetime }}``, ``{{ day|jp_date }}``; pass
    ``locale='ja'`` for documents that are Japanese whatever the reader's language (the report)."""

    @pass_context
    def jp_datetime(context, moment: Moment, locale: str | None = None) -> str:
        reader, tz = _reader(context)
        return format_jp_datetime(moment, tz, locale or reader)

    @pass_context
    def jp_date(context, moment: Moment, locale: str | None = None) -> str:
        reader, tz = _reader(context)
        return format_jp_date(moment, tz, locale or reader)

    return {"jp_datetime": jp_datetime, "jp_date": jp_date}
