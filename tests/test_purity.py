"""The pure parts stay pure: importing them loads neither Flask nor SQLAlchemy (checked in a fresh
interpreter, since this one has both loaded already)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PURE = ["moderation.rules", "forum.text.normalize", "forum.text.pii", "forum.text.markup", "forum.text.masked",
        "forum.text.keywords", "forum.text.refs", "forum.text.sentences", "forum.exports.summary",
        "forum.exports.opinion", "forum.dates", "forum.data", "forum.search.analysis"]


@pytest.mark.parametrize("module", PURE)
def test_a_pure_module_imports_without_flask_or_sqlalchemy(module):
    code = (f"import sys, {module}; "
            "loaded = [m for m in ('flask', 'sqlalchemy', 'flask_sqlalchemy') if m in sys.modules]; "
            "print(','.join(loaded))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "", f"{module} loads {done.stdout.strip()}"
