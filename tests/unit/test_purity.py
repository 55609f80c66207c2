"""Pure means pure: importing the pure parts loads neither Flask nor SQLAlchemy, and no package
file does either (checked in a fresh interpreter, since this one has both loaded already)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TEXT = sorted(f"forum.text.{p.stem}" for p in (ROOT / "forum/text").glob("*.py") if p.stem != "__init__")
PURE = [
    "moderation.rules",
    *TEXT,
    "forum.exports.summary",
    "forum.exports.opinion",
    "forum.exports.cells",
    "forum.clock",
    "forum.dates",
    "forum.data",
    "forum.search.analysis",
    "forum.services.errors",
    "forum.paging",
]
# package files: importing a package must not drag in the app (its views, Flask, the database)
PACKAGES = [
    "forum",
    "moderation",
    "forum.text",
    "forum.exports",
    "forum.search",
    "forum.services",
    "forum.views",
    "forum.data",
]


@pytest.mark.parametrize("module", PURE + PACKAGES)
def test_a_pure_module_imports_without_flask_or_sqlalchemy(module):
    code = (
        f"import sys, {module}; "
        "loaded = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') if m in sys.modules]; "
        "print(','.join(loaded))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} loads {done.stdout.strip()}"


def test_every_text_module_is_checked():
    assert len(TEXT) >= 8 and "forum.text.controls" in TEXT
