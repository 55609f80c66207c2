"""読み上げ in real Chromium: the button appears only where the browser can speak, and it hands the
base text to speech synthesis (with ふりがな on, the readings are not read a second time)."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.helpers.chromium import choose_display, js, wait_for

pytestmark = pytest.mark.browser

NO_SPEECH = "Object.defineProperty(window, 'speechSynthesis', {value: undefined, configurable: true});"
STUB_SPEECH = """
window.__spoken = [];
Object.defineProperty(window, 'speechSynthesis', {configurable: true, value: {
  speak: function (u) { window.__spoken.push({text: u.text, lang: u.lang}); },
  cancel: function () {}, pause: function () {}, resume: function () {},
  getVoices: function () { return []; }
}});
"""


def _before_each_page(driver, script: str) -> None:
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": script})


def test_the_button_reads_the_base_text_and_only_where_the_browser_can_speak(live_server, js_browser):
    js_browser.get(live_server.url + "/threads/1")
    assert wait_for(js_browser, ".post .read-aloud [data-action=start]").is_displayed()  # Chromium speaks

    _before_each_page(js_browser, STUB_SPEECH)
    js_browser.get(live_server.url + "/")
    choose_display(js_browser, "furigana", "on")
    wait_for(js_browser, "html.furigana-on")
    js_browser.get(live_server.url + "/threads/1")
    body = wait_for(js_browser, ".post .post-body")
    assert body.find_elements(By.CSS_SELECTOR, "ruby rt"), "furigana on: the post shows readings"
    base = js(
        js_browser,
        """
        var copy = document.querySelector('.post .post-body').cloneNode(true);
        copy.querySelectorAll('rt').forEach(function (n) { n.remove(); });
        return copy.textContent.replace(/\\s+/g, ' ').trim();""",
    )
    readings = js(
        js_browser, "return Array.from(document.querySelectorAll('.post .post-body rt')).map(r => r.textContent)"
    )
    js_browser.find_element(By.CSS_SELECTOR, ".post .read-aloud [data-action=start]").click()
    spoken = js(js_browser, "return window.__spoken")
    assert spoken == [{"text": base, "lang": "ja-JP"}]
    assert all(reading not in spoken[0]["text"] for reading in readings if reading not in base)
    assert js_browser.find_element(By.CSS_SELECTOR, ".post .read-aloud [data-action=stop]").is_displayed()


def test_no_button_without_speech_synthesis(live_server, js_browser):
    _before_each_page(js_browser, NO_SPEECH)
    js_browser.get(live_server.url + "/threads/1")
    wait_for(js_browser, ".post .post-body")
    assert js_browser.find_elements(By.CSS_SELECTOR, ".read-aloud") == []
