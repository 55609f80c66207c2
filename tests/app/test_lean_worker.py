"""A worker that only serves pages stays small: the heavy libraries (scikit-learn and NumPy for the
summaries, MeCab for keywords, the spreadsheet writers) are loaded by the code that needs them,
never by serving pages, search or the API. Checked in a fresh interpreter."""

from __future__ import annotations

import subprocess
import sys

from tests.helpers.live import ROOT

HEAVY = ("sklearn", "numpy", "scipy", "fugashi", "unidic_lite", "xlsxwriter", "openpyxl")

CODE = """
import sys
from forum import create_app
from flask_migrate import upgrade
app = create_app({"TESTING": True}, instance_path=sys.argv[1])
with app.app_context():
    upgrade()
assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
client = app.test_client()
for url in ["/", "/rooms/1", "/threads/1", "/boards/1", "/search?q=防災", "/api/v1/posts", "/api/v1/search?q=防災",
            "/rooms/1/feed.atom", "/transparency"]:
    assert client.get(url).status_code == 200, url
print(",".join(m for m in sys.argv[2:] if m in sys.modules) or "-")
"""


def test_serving_pages_loads_no_heavy_library(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", CODE, str(tmp_path / "instance"), *HEAVY],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "-", f"loaded by serving pages: {done.stdout}"
