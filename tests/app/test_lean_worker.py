"""A worker that only serves pages stays small: the heavy libraries (scikit-learn and NumPy for the
summaries, MeCab for keywords, the spreadsheet writers, Alembic for migrations) are loaded by the
code that needs them, never by serving pages, search or the API. Checked in a fresh interpreter
with the web server's app (``wsgi.py``: ``create_app(commands=False)``); the site is built before,
by the commands, in another."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.live import ROOT

HEAVY = ("sklearn", "numpy", "scipy", "fugashi", "unidic_lite", "xlsxwriter", "openpyxl", "alembic", "mako", "pygments")

BUILD = """
import sys
from forum import create_app
from flask_migrate import upgrade
app = create_app({"TESTING": True}, instance_path=sys.argv[1])
with app.app_context():
    upgrade()
assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
"""

SERVE = """
import sys
from forum import create_app
app = create_app({"TESTING": True}, instance_path=sys.argv[1], commands=False)
client = app.test_client()
for url in ["/", "/rooms/1", "/threads/1", "/boards/1", "/search?q=防災", "/api/v1/posts", "/api/v1/search?q=防災",
            "/rooms/1/feed.atom", "/transparency"]:
    assert client.get(url).status_code == 200, url
print(",".join(m for m in sys.argv[2:] if m in sys.modules) or "-")
"""


def _run(code: str, *args: str) -> str:
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip()


def test_serving_pages_loads_no_heavy_library(tmp_path):
    instance = str(tmp_path / "instance")
    _run(BUILD, instance)
    assert _run(SERVE, instance, *HEAVY) == "-", "a heavy library was loaded by serving pages"


def test_the_web_app_has_no_commands_and_the_cli_app_has_them(tmp_path):
    from forum import create_app

    web = create_app({"TESTING": True}, instance_path=str(tmp_path / "web"), commands=False)
    full = create_app({"TESTING": True}, instance_path=str(tmp_path / "full"))
    assert "migrate" not in web.extensions and "worker" not in web.cli.commands
    assert "migrate" in full.extensions and {"worker", "backup", "demo"} <= set(full.cli.commands)
