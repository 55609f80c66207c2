"""The base UI in a real Chromium with JavaScript off: keyboard, text size, contrast, 320 px."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.helpers.chromium import choose_display, js, wait_for

pytestmark = pytest.mark.browser


def test_skip_link_is_the_first_tab_stop_and_moves_focus_to_main(live_server, browser):
    browser.get(live_server.url + "/")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    active = browser.switch_to.active_element
    assert active.text == "本文へ移動"
    assert active.rect["y"] >= 0 and active.is_displayed()  # shown when focused
    outline = js(browser, "return getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    active.send_keys(Keys.ENTER)
    assert browser.current_url.endswith("#main")


def test_log_in_with_the_keyboard_only(live_server, browser):
    browser.get(live_server.url + "/login")
    email = browser.find_element(By.ID, "email")
    email.send_keys("himawari2@example.jp")
    email.send_keys(Keys.TAB)
    browser.switch_to.active_element.send_keys("correct horse battery", Keys.ENTER)
    assert wait_for(browser, ".account-nav .handle").text == "ひまわり2"


def test_text_size_and_contrast_switch_and_persist(live_server, browser):
    browser.get(live_server.url + "/")
    assert js(browser, "return getComputedStyle(document.documentElement).fontSize") == "18px"
    choose_display(browser, "text_size", "xlarge")
    assert js(browser, "return getComputedStyle(document.documentElement).fontSize") == "24px"
    choose_display(browser, "contrast", "high")
    assert js(browser, "return getComputedStyle(document.body).backgroundColor") == "rgb(0, 0, 0)"
    browser.get(live_server.url + "/login")  # a new page keeps both
    assert js(browser, "return getComputedStyle(document.documentElement).fontSize") == "24px"
    assert js(browser, "return getComputedStyle(document.body).color") == "rgb(255, 255, 255)"
    pressed = browser.find_element(By.CSS_SELECTOR, "button[name=text_size][value=xlarge]")
    assert pressed.get_attribute("aria-pressed") == "true"


def test_language_switch(live_server, browser):
    browser.get(live_server.url + "/register")
    choose_display(browser, "lang", "en")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert browser.find_element(By.TAG_NAME, "h1").text == "Register"
    assert browser.current_url.endswith("/register")


@pytest.mark.parametrize("size", ["standard", "xlarge"])
def test_no_sideways_scrolling_at_320px(live_server, browser, size):
    browser.set_window_size(320, 800)
    browser.get(live_server.url + "/login")
    browser.find_element(By.ID, "email").send_keys("root@example.jp")
    browser.find_element(By.ID, "password").send_keys("correct horse battery", Keys.ENTER)
    wait_for(browser, ".account-nav .handle")
    choose_display(browser, "text_size", size)
    width = js(browser, "return window.innerWidth")
    for path in (
        "/",
        "/register",
        "/account/",
        "/admin/users",
        "/admin/departments",
        "/department/",
        "/moderation/users",
        "/no-such-page",
        "/rooms/",
        "/rooms/1",
        "/rooms/5",
        "/threads/1",
        "/threads/1/reply",
        "/rooms/1/threads/new",
        "/boards/",
        "/boards/4",
        "/me/",
        "/me/notifications",
        "/letters/new",
        "/letters/1",
        "/letters/inbox",
        "/rooms/new",
        "/rooms/proposals",
        "/rooms/7/review",
        "/posts/1/history",
        "/search?q=防災 電子",
        "/department/export/?room=1",
        "/rooms/1/opinions",
        "/rooms/1/answer-table/",
        "/admin/reports",
    ):
        browser.get(live_server.url + path)
        scroll = js(browser, "return document.documentElement.scrollWidth")
        assert scroll <= width, (path, scroll, width)


def test_reply_with_the_keyboard_only(live_server, browser):
    browser.get(live_server.url + "/login?next=/threads/1/reply")
    browser.find_element(By.ID, "email").send_keys("himawari@example.jp")  # an established demo resident
    browser.find_element(By.ID, "password").send_keys("shimin-2026-demo", Keys.ENTER)
    rules = wait_for(browser, "input#accept_rules")  # the rules come before the text (first post here)
    rules.send_keys(Keys.SPACE)
    rules.send_keys(Keys.TAB)
    body = browser.switch_to.active_element
    assert body.get_attribute("id") == "body"
    body.send_keys("キーボードだけで書いた返信です。")
    body.send_keys(Keys.TAB)  # preview
    browser.switch_to.active_element.send_keys(Keys.TAB)  # post
    button = browser.switch_to.active_element
    assert button.get_attribute("value") == "1" and button.get_attribute("name") == "submit"
    button.send_keys(Keys.ENTER)
    wait_for(browser, ".flash-success")
    assert "キーボードだけで書いた返信です。" in browser.find_element(By.TAG_NAME, "main").text
    assert "#p" in browser.current_url
