"""The one clock of the app. Everything asks ``now()`` so tests can move time (lockouts,
token expiry, deadlines) without sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_offset = timedelta(0)


def now() -> datetime:
    """Aware UTC now, shifted by the test offset (zero in a running app)."""
    return datetime.now(UTC) + _offset


def travel(delta: timedelta) -> None:
    """Move the clock forward (or back) by ``delta``; for tests and demos only."""
    global _offset
    _offset += delta


def reset() -> None:
    global _offset
    _offset = timedelta(0)


def from_local(naive: datetime, tz_name: str) -> datetime:
    """A wall-clock time typed in the site's time zone (e.g. Asia/Tokyo) as aware UTC."""
    from zoneinfo import ZoneInfo

    return naive.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def to_local(moment: datetime, tz_name: str) -> datetime:
    from zoneinfo import ZoneInfo

    return moment.astimezone(ZoneInfo(tz_name))
