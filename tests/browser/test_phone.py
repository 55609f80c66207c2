"""Phones first: at 375 × 812 px with the largest text, the page's heading starts within the first
screen on home, a room and a thread, for a guest and a signed-in resident; the 検索 button's label
stays on one line; the main menu sits inside the content column at 1280 px."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from tests.helpers import PASSWORD
from tests.helpers.chromium import choose_display, js, wait_for

pytestmark = pytest.mark.browser

PAGES = ("/", "/rooms/1", "/threads/1")
LINE_HEIGHT = "return parseFloat(getComputedStyle(document.querySelector('.site-search button')).lineHeight)"
PHONE = {"width": 375, "height": 812, "deviceScaleFactor": 2, "mobile": True}


def _heading_top(driver) -> float:
    return js(driver, "return document.querySelector('main h1').getBoundingClientRect().top + window.scrollY")


def test_the_heading_is_on_the_first_screen_of_a_phone_with_the_largest_text(live_server, browser):
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE)  # the viewport of a 375 × 812 phone
    browser.get(live_server.url + "/")
    choose_display(browser, "text_size", "xlarge")
    inner = js(browser, "return window.innerHeight")
    tops = {}
    for path in PAGES:
        browser.get(live_server.url + path)
        tops[path] = _heading_top(browser)
    browser.get(live_server.url + "/login")
    browser.find_element(By.ID, "email").send_keys("himawari2@example.jp")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").click()
    wait_for(browser, ".account-nav .handle")
    for path in PAGES:
        browser.get(live_server.url + path)
        tops["signed in " + path] = _heading_top(browser)
    print("heading tops at 375 x 812, largest text:", {k: round(v) for k, v in tops.items()})
    assert inner == 812
    assert all(top < inner - 60 for top in tops.values()), tops  # the heading's first line shows


def test_the_search_label_stays_on_one_line_and_the_menu_in_the_column(live_server, browser):
    for width in (320, 375, 1280):
        browser.set_window_size(width, 900)
        browser.get(live_server.url + "/")
        button = browser.find_element(By.CSS_SELECTOR, ".site-search button")
        line = float(
            js(browser, "return parseFloat(getComputedStyle(document.querySelector('.site-search button')).lineHeight)")
        )
        assert button.size["height"] < 2 * line, (width, button.size)
    main = browser.find_element(By.CSS_SELECTOR, "main").rect
    menu = browser.find_element(By.CSS_SELECTOR, ".main-nav ul").rect
    first_link = browser.find_element(By.CSS_SELECTOR, ".main-nav a").rect
    assert abs(first_link["x"] - (main["x"] + 18)) <= 20 and menu["x"] >= main["x"] - 1, (main, menu, first_link)
