"""Where the focus lands in real Chromium: on the error summary (no JavaScript needed), and after a
reply or 共感 on the message beside the post acted on, so the next Tab continues into that post."""

from __future__ import annotations

import pytest
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from forum.extensions import db
from forum.models import Post, Thread
from forum.services import accounts, posts
from tests.helpers import PASSWORD

pytestmark = pytest.mark.browser

ACTIVE = "return document.activeElement"


def a_thread_to_join(app) -> tuple[int, int, int]:
    """(thread id, post id, post number): a public post by someone else in a room open to posts."""
    with app.app_context():
        user = accounts.user_by_email("himawari2@example.jp")
        for thread in db.session.scalars(select(Thread).where(Thread.room_id.is_not(None)).order_by(Thread.id)):
            if posts.refusal(user, posts.place_of(thread), thread):
                continue
            post = db.session.scalar(
                select(Post)
                .where(Post.thread_id == thread.id, Post.state == "published", Post.author_id != user.id)
                .order_by(Post.number)
            )
            if post is not None and posts.page_of(post) == 1:
                return thread.id, post.id, post.number
    raise AssertionError("the demo has no open room thread to take part in")


def log_in(driver, base: str) -> None:
    driver.get(base + "/login")
    driver.find_element(By.ID, "email").send_keys("himawari2@example.jp")
    driver.find_element(By.ID, "password").send_keys(PASSWORD, Keys.ENTER)
    WebDriverWait(driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".account-nav .handle")
    )


def landed(driver, number: int):
    """Wait for the thread page at #p<number>, then return the focused element."""
    WebDriverWait(driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.current_url.endswith(f"#p{number}") and d.execute_script("return document.readyState") == "complete"
    )
    return driver.execute_script(ACTIVE)


def outcome_has_focus(driver, number: int) -> None:
    WebDriverWait(driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.execute_script("return document.activeElement.hasAttribute('data-outcome')")
    )
    focused = driver.switch_to.active_element
    assert focused.get_attribute("role") == "status" and focused.text
    assert (
        driver.execute_script("return document.activeElement.nextElementSibling.id") == f"p{number}"
    )  # right before the post
    focused.send_keys(Keys.TAB)  # the next Tab goes on into that post
    assert driver.execute_script("return document.activeElement.closest('article')?.id") == f"p{number}"


def test_agreeing_lands_the_focus_on_the_outcome_beside_the_post(live_server, js_browser):
    thread_id, post_id, number = a_thread_to_join(live_server.app)
    log_in(js_browser, live_server.url)
    js_browser.get(f"{live_server.url}/threads/{thread_id}")
    js_browser.find_element(By.CSS_SELECTOR, f"form[action='/posts/{post_id}/react'] button").send_keys(Keys.ENTER)
    landed(js_browser, number)
    outcome_has_focus(js_browser, number)


def test_replying_lands_the_focus_on_the_outcome_beside_the_new_post(live_server, js_browser):
    thread_id, _post_id, _number = a_thread_to_join(live_server.app)
    log_in(js_browser, live_server.url)
    js_browser.get(f"{live_server.url}/threads/{thread_id}/reply")
    for box in js_browser.find_elements(By.ID, "accept_rules"):
        box.send_keys(Keys.SPACE)
    js_browser.find_element(By.ID, "body").send_keys("案内板の文字を大きくしてほしいです。")
    js_browser.find_element(By.CSS_SELECTOR, "button[name=submit]").send_keys(Keys.ENTER)
    WebDriverWait(js_browser, 10, ignored_exceptions=(WebDriverException,)).until(lambda d: "#p" in d.current_url)
    number = int(js_browser.current_url.rsplit("#p", 1)[1])
    landed(js_browser, number)
    outcome_has_focus(js_browser, number)


def test_without_javascript_the_next_tab_still_starts_at_the_post(live_server, browser):
    thread_id, post_id, number = a_thread_to_join(live_server.app)
    log_in(browser, live_server.url)
    browser.get(f"{live_server.url}/threads/{thread_id}")
    browser.find_element(By.CSS_SELECTOR, f"form[action='/posts/{post_id}/react'] button").send_keys(Keys.ENTER)
    landed(browser, number)
    outcome = browser.find_element(By.CSS_SELECTOR, "[data-outcome]")
    assert outcome.is_displayed() and f"#{number}" in outcome.text
    ActionChains(browser).send_keys(Keys.TAB).perform()  # Chromium starts from the #p<n> target
    assert browser.execute_script("return document.activeElement.closest('article')?.id") == f"p{number}"


def test_the_error_summary_takes_the_focus_without_javascript(live_server, browser):
    browser.get(live_server.url + "/register")
    browser.find_element(By.ID, "handle").send_keys("x", Keys.ENTER)
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, ".error-summary")
    )
    focused = browser.switch_to.active_element
    assert "error-summary" in focused.get_attribute("class")
    focused.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.get_attribute("href").endswith("#handle")  # the first problem
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    assert browser.switch_to.active_element.get_attribute("id") == "handle"


def test_flagging_with_the_keyboard_alone(live_server, browser):
    """Tab to the post's 通報 link, choose a reason with the arrow keys, send with Enter."""
    from moderation.models import Flag

    thread_id, post_id, _number = a_thread_to_join(live_server.app)
    log_in(browser, live_server.url)
    browser.get(f"{live_server.url}/threads/{thread_id}")
    browser.find_element(By.CSS_SELECTOR, f"a[href='/moderation/flag/{post_id}']").send_keys(Keys.ENTER)
    first = WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "input[name=reason]")
    )[0]
    first.send_keys(Keys.SPACE)  # the first reason
    first.send_keys(Keys.ARROW_DOWN)  # and on to the second, as a radio group moves
    chosen = browser.execute_script("return document.querySelector('input[name=reason]:checked').value")
    browser.switch_to.active_element.send_keys(Keys.TAB)  # into the note
    browser.switch_to.active_element.send_keys("キーボードだけで通報します。")
    browser.find_element(By.CSS_SELECTOR, "main form button[type=submit]").send_keys(Keys.ENTER)
    WebDriverWait(browser, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: "/moderation/flag" not in d.current_url
    )
    with live_server.app.app_context():
        flag = db.session.scalar(select(Flag).where(Flag.post_id == post_id))
        assert flag is not None and flag.reason == chosen and flag.note == "キーボードだけで通報します。"
