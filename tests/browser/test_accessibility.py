"""Every page type passes axe-core in real Chromium: crawled as a guest and as each role (a page
type is checked for the first role that reaches it; the main pages for every role), in three
display settings (default; high contrast with the largest text; ふりがな on with the third colour
scheme, white on blue) at 1280 and 320 px,
with the WCAG 2.0/2.1 A and AA rules and none turned off. The totals are written to
``forum/data/accessibility_results.json``, which the /accessibility page shows (the file is
committed, so a fresh server shows the latest run)."""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from selenium.webdriver.common.by import By

from forum import clock
from scripts.fetch_axe import TARGET as AXE
from scripts.fetch_axe import VERSION as AXE_VERSION
from scripts.fetch_axe import fetch as fetch_axe
from tests.helpers import PASSWORD
from tests.helpers.chromium import wait_for

pytestmark = pytest.mark.browser

RESULTS = Path(__file__).resolve().parents[2] / "forum" / "data" / "accessibility_results.json"
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
SETTINGS = {
    "default": {},
    "high contrast, largest text": {"hiroba_contrast": "high", "hiroba_text": "xlarge"},
    "ふりがな on, white on blue": {"hiroba_furigana": "on", "hiroba_contrast": "blue"},
}
WIDTHS = (1280, 320)
ROLES = {  # the demo's accounts (forum/services/demo.py), and the guest
    "guest": None,
    "resident": ("himawari2@example.jp", PASSWORD),
    "coordinator": ("coordinator@example.jp", "coord-2026-demo"),
    "staff": ("kikaku@example.jp", "shokuin-2026-demo"),
    "moderator": ("moderator@example.jp", "unei-2026-demo"),
    "admin": ("root@example.jp", PASSWORD),
}
SKIP_PREFIXES = ("/static/", "/api/", "/logout", "/exports/download", "/mypage/data")
SKIP_SUFFIXES = (".atom", ".csv", ".xlsx", ".json")
PAGES_PER_ROLE = 60
VISITED_MORE = {"rooms.show", "boards.show"}
# pages that differ most between visitors (forms, buttons, tools): checked for every role; any other
# page type is checked for the first role that reaches it
EVERY_ROLE = {"main.home", "rooms.show", "threads.show", "boards.show", "mypage.index"}


def _endpoint(app, path: str) -> str | None:
    adapter = app.url_map.bind("localhost")
    try:
        endpoint, _args = adapter.match(urlsplit(path).path, method="GET")
    except Exception:  # a redirect, a 404 or a POST-only address: not a page to check
        return None
    return endpoint


def _crawl(driver, base: str, app) -> dict[str, str]:
    """One address per page type (Flask endpoint) reachable by following links from home. Rooms and
    boards differ in what they link to (a room's plain-Japanese page, its answer table), so a few of
    each are visited for their links."""
    found: dict[str, str] = {}
    visits: Counter = Counter()
    queue, seen = ["/"], {"/"}
    while queue and len(found) < PAGES_PER_ROLE:
        path = queue.pop(0)
        endpoint = _endpoint(app, path)
        if endpoint is None or endpoint == "static" or visits[endpoint] >= (4 if endpoint in VISITED_MORE else 1):
            continue
        visits[endpoint] += 1
        driver.get(base + path)
        if "500" in driver.title:
            raise AssertionError(f"{path} answered an error page")
        found.setdefault(endpoint, path)
        for href in driver.execute_script("return Array.from(document.links, a => a.href)"):
            link = urldefrag(href)[0]
            if not link.startswith(base):
                continue
            local = link[len(base) :] or "/"
            if local in seen or local.startswith(SKIP_PREFIXES) or local.endswith(SKIP_SUFFIXES):
                continue
            seen.add(local)
            queue.append(local)
    return found


def _log_in(driver, base: str, who: tuple[str, str]) -> None:
    driver.delete_all_cookies()
    driver.get(base + "/login")
    driver.find_element(By.ID, "email").send_keys(who[0])
    driver.find_element(By.ID, "password").send_keys(who[1])
    driver.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(driver, ".account-nav .handle")


@lru_cache(maxsize=1)
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def _axe(driver) -> list[dict]:
    if not driver.execute_script("return typeof window.axe === 'object'"):  # once a page load
        driver.execute_script(_axe_source())
    result = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(function (r) { done(r.violations.map(function (v) {"
        "  return {id: v.id, impact: v.impact, nodes: v.nodes.map(function (n) { return n.target.join(' '); })};"
        "})); }, function (e) { done([{id: 'axe-error', impact: 'critical', nodes: [String(e)]}]); });",
        TAGS,
    )
    return result


def test_every_page_type_passes_axe_in_every_setting_and_width(live_server, js_browser):
    fetch_axe()
    started = time.monotonic()
    base, app, driver = live_server.url, live_server.app, js_browser
    driver.set_script_timeout(60)
    pages: dict[tuple[str, str], str] = {}
    problems: list[dict] = []
    counts: Counter = Counter()
    for role, who in ROLES.items():
        if who is None:
            driver.delete_all_cookies()
        else:
            _log_in(driver, base, who)
        checked = {endpoint for (_r, endpoint) in pages}
        for endpoint, path in _crawl(driver, base, app).items():
            if endpoint not in checked or endpoint in EVERY_ROLE:  # a page type once, the main pages by everyone
                pages[(role, endpoint)] = path
        runs = [(role, endpoint, path) for (r, endpoint), path in pages.items() if r == role]
        for setting, cookies in SETTINGS.items():
            for name in ("hiroba_contrast", "hiroba_text", "hiroba_furigana"):
                driver.delete_cookie(name)
            driver.get(base + "/")
            for name, value in cookies.items():
                driver.add_cookie({"name": name, "value": value, "path": "/"})
            for _role, endpoint, path in runs:
                driver.set_window_size(WIDTHS[0], 900)
                driver.get(base + path)
                for width in WIDTHS:  # one load, both widths: the page reflows as a phone's would
                    driver.set_window_size(width, 900)
                    where = {"role": role, "page": endpoint, "path": path, "setting": setting, "width": width}
                    problems += [{**violation, **where} for violation in _axe(driver)]
                    counts[(setting, width)] += 1
    seconds = time.monotonic() - started
    types = sorted({endpoint for (_role, endpoint) in pages})
    results = {
        "date": clock.to_local(datetime.now(UTC), "Asia/Tokyo").date().isoformat(),
        "axe_version": AXE_VERSION,
        "tags": TAGS,
        "roles": list(ROLES),
        "settings": list(SETTINGS),
        "widths": list(WIDTHS),
        "page_types": len(types),
        "pages_by_role": {role: sum(1 for (r, _e) in pages if r == role) for role in ROLES},
        "runs": sum(counts.values()),
        "violations": len(problems),
        "by_rule": dict(Counter(p["id"] for p in problems)),
        "seconds": round(seconds),
    }
    RESULTS.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    detail = "\n".join(
        f"{p['id']} ({p['impact']}) {p['role']} {p['path']} [{p['setting']}, {p['width']} px]: {p['nodes'][:3]}"
        for p in problems[:40]
    )
    assert problems == [], f"{len(problems)} violations in {results['runs']} runs:\n{detail}"
    assert results["page_types"] >= 40 and results["runs"] >= 300
