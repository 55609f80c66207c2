"""The loop the product exists for, in a real Chromium with JavaScript off: department staff fill
in the answer table of a reported room (ticking opinions and typing references), save with one
wrong row without losing anything, ask for approval; the approver finds it from the notification
and the awaiting list, approves, publishes after a confirmation; a resident reads the published
table on a 320 px phone without sideways scrolling, each row linking the opinions it answers.

With HIROBA_SCREENSHOTS=<folder> it also saves the screenshots used in docs/."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from sqlalchemy import select

from forum.extensions import db
from forum.models import Room
from tests.helpers.chromium import js, press, wait_for

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("HIROBA_SCREENSHOTS")


def shot(browser, element, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        size = browser.get_window_size()
        browser.set_window_size(size["width"], 1400)
        browser.execute_script("arguments[0].scrollIntoView()", element)
        browser.save_screenshot(str(Path(SHOTS) / name))
        browser.set_window_size(size["width"], size["height"])


def log_in(browser, url: str, email: str, password: str) -> None:
    browser.delete_all_cookies()
    browser.get(url + "/login")
    browser.find_element(By.ID, "email").send_keys(email)
    browser.find_element(By.ID, "password").send_keys(password, Keys.ENTER)
    wait_for(browser, ".account-nav .handle")


def test_staff_answer_a_room_and_residents_read_it_on_a_phone(live_server, browser):
    with live_server.app.app_context():
        room = db.session.scalar(select(Room).where(Room.title == "市民参加のこれから"))
        room_id = room.id
    url = live_server.url
    log_in(browser, url, "kikaku@example.jp", "shokuin-2026-demo")
    browser.get(f"{url}/rooms/{room_id}/answer-table/")
    press(browser, "form[action$='/start'] button")

    # row 1: two opinions ticked in its list, one typed; row 2: a reference that does not exist
    browser.find_element(By.ID, "summary-1").send_keys("市民参加の機会を増やしてほしい")
    browser.find_element(By.ID, "response-1").send_keys("オンラインの意見募集を年4回に増やします。")
    browser.find_element(By.CSS_SELECTOR, "#row-1 details summary").click()
    boxes = browser.find_elements(By.CSS_SELECTOR, "#row-1 input[name='pick-1']")
    picked = [box.get_attribute("value") for box in boxes[:2]]
    for box in boxes[:2]:
        box.click()
    browser.find_element(By.ID, "opinions-1").send_keys("１－３")
    browser.find_element(By.ID, "summary-2").send_keys("会議室の使い方がわかりにくい")
    browser.find_element(By.ID, "response-2").send_keys("案内を見直します。")
    browser.find_element(By.ID, "opinions-2").send_keys("99-99")
    shot(browser, browser.find_element(By.ID, "row-1"), "answer-table-editing.png")
    press(browser, "form.answer-editor button[type=submit]")

    summary = wait_for(browser, "#row-errors")
    assert "99-99" in summary.text and js(browser, "return document.activeElement.id") == "row-errors"
    assert browser.find_element(By.ID, "summary-2").get_attribute("value") == "会議室の使い方がわかりにくい"
    assert browser.find_element(By.ID, "opinions-1").get_attribute("value") == "１－３"  # as typed
    assert [
        b.get_attribute("value") for b in browser.find_elements(By.CSS_SELECTOR, "#row-1 input[name='pick-1']:checked")
    ] == [*picked, "1-3"]  # ticked, typed too
    assert browser.find_element(By.ID, "opinions-2").get_attribute("aria-invalid") == "true"
    field = browser.find_element(By.ID, "opinions-2")
    field.clear()
    field.send_keys("1-4〜1-5")
    press(browser, "form.answer-editor button[type=submit]")
    wait_for(browser, ".flash-success")
    refs = browser.find_element(By.ID, "opinions-1").get_attribute("value")
    assert set(picked) | {"1-3"} == set(re.split(r",\s*", refs))
    press(browser, "button[name=then][value=submit]")  # saves what is on the page, then asks

    log_in(browser, url, "admin@example.jp", "kanri-2026-demo")
    browser.get(url + "/me/notifications")
    link = browser.find_element(By.PARTIAL_LINK_TEXT, "市民参加のこれから")
    assert "承認を待っています" in link.text or "承認を待っています" in browser.page_source
    browser.get(url + "/department/answer-tables")
    assert "承認待ち：1件" in browser.page_source
    browser.find_element(By.LINK_TEXT, "市民参加のこれから").click()
    wait_for(browser, "form[action$='/approve']")
    press(browser, "form[action$='/approve'] button")
    press(browser, "form[action$='/publish'] button")
    assert "元に戻せません" in browser.page_source or "変更できません" in browser.page_source  # asked first
    press(browser, "form input[name=confirmed] ~ p button[type=submit]")

    browser.delete_all_cookies()
    browser.set_window_size(320, 800)
    browser.get(f"{url}/rooms/{room_id}")
    table = wait_for(browser, "table.answer-table")
    assert js(browser, "return document.documentElement.scrollWidth") <= js(browser, "return window.innerWidth")
    links = [a.text for a in table.find_elements(By.CSS_SELECTOR, "a.ref")]
    assert set(picked) | {"1-3", "1-4", "1-5"} <= set(links)
    first = table.find_element(By.CSS_SELECTOR, "a.ref")
    shot(browser, table, "answer-table-published-phone.png")
    number = first.text.split("-")[1]
    first.click()
    wait_for(browser, f"#p{number}")
    assert browser.current_url.endswith(f"#p{number}")
