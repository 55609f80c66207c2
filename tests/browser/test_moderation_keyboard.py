"""A moderator clears a queue of 50 held posts with the keyboard alone, in real Chromium."""

from __future__ import annotations

from datetime import timedelta

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import func, select

from forum import clock
from forum.extensions import db
from forum.models import Post, PostState, Thread, User
from forum.services import posts

pytestmark = pytest.mark.browser


def hold_posts(app, count: int) -> None:
    with app.app_context():
        thread = db.session.scalar(select(Thread).where(Thread.room_id.is_not(None)).order_by(Thread.id))
        author = db.session.scalar(select(User).where(User.email == "keyaki@example.jp"))
        for n in range(count):
            post = posts.add_existing_post(thread, author, f"確認待ちの発言{n}", clock.now() - timedelta(minutes=n))
            post.change_state(PostState.PENDING)
        db.session.commit()


def pending(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Post).where(Post.state == "pending"))


def test_clear_fifty_items_with_the_keyboard(live_server, js_browser):
    app = live_server.app
    hold_posts(app, 49)  # with the demo's own held post: 50
    assert pending(app) == 50
    browser = js_browser
    browser.get(live_server.url + "/login?next=/moderation/")
    browser.find_element(By.ID, "email").send_keys("moderator@example.jp")
    browser.find_element(By.ID, "password").send_keys("unei-2026-demo", Keys.ENTER)
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "[data-queue-item]")
    )
    assert browser.switch_to.active_element.tag_name == "body"  # nothing moves the focus on load
    ActionChains(browser).send_keys("a").perform()  # shortcuts are off until turned on
    assert pending(app) == 50
    toggle = browser.find_element(By.ID, "queue-shortcuts")
    toggle.send_keys(Keys.SPACE)  # on, with the keyboard; remembered in this browser
    ActionChains(browser).send_keys("a").perform()  # outside the list a key does nothing
    assert pending(app) == 50
    for remaining in range(50, 0, -1):
        WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
            lambda d, n=remaining: len(d.find_elements(By.CSS_SELECTOR, "[data-queue-item]")) == n
        )
        if remaining == 50:  # the list's own address, as after each publish
            browser.get(live_server.url + "/moderation/#queue")
            wait_for_items = browser.find_elements(By.CSS_SELECTOR, "[data-queue-item]")
            assert len(wait_for_items) == 50
        ActionChains(browser).send_keys(Keys.TAB).perform()  # from #queue, the next Tab enters the list
        focused = browser.switch_to.active_element
        assert focused.get_attribute("data-queue-item") is not None, focused.get_attribute("outerHTML")[:200]
        focused.send_keys("a")
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: "確認待ちはありません" in d.find_element(By.TAG_NAME, "main").text
    )
    assert pending(app) == 0


def test_bulk_publish_without_javascript(live_server, browser):
    app = live_server.app
    hold_posts(app, 4)
    browser.get(live_server.url + "/login?next=/moderation/")
    browser.find_element(By.ID, "email").send_keys("moderator@example.jp")
    browser.find_element(By.ID, "password").send_keys("unei-2026-demo", Keys.ENTER)
    boxes = WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.CSS_SELECTOR, "input[name=ids]"))
    for box in boxes[:3]:
        box.send_keys(Keys.SPACE)  # the keyboard, not the mouse
    publish = browser.find_element(By.CSS_SELECTOR, "#bulk button[value=approve]")
    publish.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: "3件を処理しました" in d.find_element(By.TAG_NAME, "main").text
    )
    assert pending(app) == 2
