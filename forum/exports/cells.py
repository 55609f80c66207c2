"""Spreadsheet cells that are safe to open: one rule for every CSV and XLSX the city downloads."""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def excel_safe(value: str) -> str:
    """A cell Excel will not run as a formula (OWASP CSV injection): a leading quote neutralises it."""
    return "'" + value if value[:1] in FORMULA_STARTS else value
