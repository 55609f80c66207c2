"""A live server on 127.0.0.1 and Debian's Chromium driven by Selenium (no browser downloads)."""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path
from types import SimpleNamespace

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from werkzeug.serving import make_server

from forum.permissions import Role
from tests.helpers import add_user, make_app
from tests.helpers.chromium import chromium_options

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def live_server(tmp_path: Path):
    app = make_app(tmp_path / "instance", SERVER_NAME=None)
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0  # real pages to look at
    add_user(app, "市の管理者", "root@example.jp", role=Role.ADMIN)
    add_user(app, "ひまわり2", "himawari2@example.jp")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{server.server_port}", app=app)
    server.shutdown()
    thread.join(timeout=5)


def _chromium(tmp_path: Path, javascript: bool):
    if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)):
        if os.environ.get("HIROBA_SKIP_BROWSER") == "1":
            pytest.skip("HIROBA_SKIP_BROWSER=1 and no chromium here")
        pytest.fail("chromium and chromedriver are needed: run scripts/test.sh, which installs them")
    options = chromium_options(CHROMIUM, tmp_path / "chromium", "--window-size=1024,800")
    if not javascript:  # everything in the base UI must work without it
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver


@pytest.fixture
def browser(tmp_path: Path):
    """Chromium with JavaScript off."""
    driver = _chromium(tmp_path, javascript=False)
    yield driver
    driver.quit()


@pytest.fixture
def js_browser(tmp_path: Path):
    """Chromium with JavaScript on, for the keyboard shortcuts."""
    driver = _chromium(tmp_path, javascript=True)
    yield driver
    driver.quit()
