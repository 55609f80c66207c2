"""Page numbers from the address bar: one rule for every list, so an odd ``?page=`` never errors
and never asks the database for an absurd offset."""

from __future__ import annotations

MAX_PAGE = 100_000


def clamp_page(page: int | None, pages: int = MAX_PAGE) -> int:
    """``page`` within 1 … ``pages`` (missing or zero means the first page)."""
    return min(max(page or 1, 1), max(pages, 1), MAX_PAGE)


def offset(page: int | None, per_page: int) -> int:
    """Rows to skip for ``page``."""
    return (clamp_page(page) - 1) * per_page
