"""Static files with versioned addresses: every ``url_for("static", …)`` carries ``?v=`` and a
short hash of the file, so a browser (and nginx) may keep the file for a year; a changed file
gets a new address, never a stale copy. An address without the current hash is served without
the long lifetime."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Any

from flask import Flask, request

YEAR = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _hash(path: str, mtime_ns: int, size: int) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def version_of(folder: str, filename: str) -> str | None:
    """The file's short content hash (recomputed only when its time or size changes), or None."""
    path = Path(folder) / filename
    try:
        stat = path.stat()
    except OSError:
        return None
    return _hash(str(path), stat.st_mtime_ns, stat.st_size)


def init_app(app: Flask) -> None:
    @app.url_defaults
    def _versioned(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "v" not in values and "filename" in values:
            version = version_of(app.static_folder, values["filename"])
            if version:
                values["v"] = version

    default_max_age = app.get_send_file_max_age

    def max_age(filename: str | None) -> int | None:
        if filename and request.args.get("v") and request.args.get("v") == version_of(app.static_folder, filename):
            return YEAR
        return default_max_age(filename)

    app.get_send_file_max_age = max_age  # type: ignore[method-assign]
