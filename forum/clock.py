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
