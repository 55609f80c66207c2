"""Static files under versioned addresses, kept by browsers for a year; a changed file gets a new
address, so nobody keeps a stale stylesheet or script."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from forum.static_files import version_of


def test_pages_link_versioned_files_that_browsers_keep_for_a_year(app, client):
    page = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/css/hiroba\.css\?v=([0-9a-f]{12}))"', page)
    assert url, "the stylesheet is linked with its version"
    css = (Path(app.static_folder) / "css/hiroba.css").read_bytes()
    assert url.group(2) == hashlib.sha256(css).hexdigest()[:12]
    kept = client.get(url.group(1))
    assert kept.status_code == 200 and kept.headers["Cache-Control"] == "public, max-age=31536000"
    for stale in ("/static/css/hiroba.css", "/static/css/hiroba.css?v=000000000000"):
        assert "max-age=31536000" not in client.get(stale).headers.get("Cache-Control", ""), stale


def test_a_changed_file_gets_a_new_version(tmp_path):
    (tmp_path / "site.css").write_text("body { color: black }")
    first = version_of(str(tmp_path), "site.css")
    (tmp_path / "site.css").write_text("body { color: #111 }")
    assert version_of(str(tmp_path), "site.css") not in (first, None)
    assert version_of(str(tmp_path), "missing.css") is None
