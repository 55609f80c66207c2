"""Driving Debian's Chromium through Selenium: read the page, press a button and wait for the page
it leads to, wait for an element."""

from __future__ import annotations

from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",  # the machine's closed network refuses Chromium's own calls
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--lang=ja",
)


def chromium_options(binary: str, profile: Path, *extra: str) -> webdriver.ChromeOptions:
    """Debian's headless Chromium with a fresh profile: the tests' and the screenshots' set-up."""
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}", *extra):
        options.add_argument(arg)
    return options


def js(driver, script: str):
    """Read-only measurements through WebDriver (works while page scripts are off)."""
    return driver.execute_script(script)


def press(driver, selector: str) -> None:
    """Click a form button and wait for the page it leads to."""
    before = driver.execute_script("return performance.timeOrigin")
    driver.find_element(By.CSS_SELECTOR, selector).click()

    def loaded(d) -> bool:
        state = d.execute_script("return [document.readyState, performance.timeOrigin]")
        return state[0] == "complete" and state[1] != before

    WebDriverWait(driver, 10, ignored_exceptions=(WebDriverException,)).until(loaded)


def wait_for(driver, selector: str):
    """The first element matching ``selector`` once the page that has it has loaded."""
    found = WebDriverWait(driver, 10, ignored_exceptions=(WebDriverException,)).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, selector)
    )
    return found[0]


def choose_display(driver, name: str, value: str) -> None:
    """Open 「表示設定」 (a <details>, closed on every page) and press one of its buttons."""
    box = driver.find_element(By.CSS_SELECTOR, "details.display-box")
    if box.get_attribute("open") is None:
        box.find_element(By.TAG_NAME, "summary").click()
    press(driver, f"button[name={name}][value={value}]")
