"""Browser fixtures: logging in through the real form, and pages logged in as a user, each in its own
browser context (its own cookies) at the screen the hotline's staff work on (1366×768). The browser,
the live server and the plain ``page`` fixture are in tests/conftest.py."""
from __future__ import annotations

import pytest

from hotline.demo.data import DEMO_PASSWORD

#: The staff's screen: a 1366×768 laptop or office monitor.
VIEWPORT = {"width": 1366, "height": 768}


def log_in(page, live_server: str, username: str, password: str = DEMO_PASSWORD) -> None:
    """Log ``page`` in as ``username`` through the login form and wait for the home page."""
    page.goto(f"{live_server}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("input[type=submit]")
    page.wait_for_url(f"{live_server}/")


@pytest.fixture
def logged_in_page(browser, live_server):
    """``logged_in_page(username, locale="zh-CN", password=DEMO_PASSWORD, viewport=VIEWPORT, **options)``:
    a page logged in as ``username`` in a context of its own (``options`` go to ``new_context``);
    every context is closed after the test."""
    contexts = []

    def open_as(username: str, *, locale: str = "zh-CN", password: str = DEMO_PASSWORD, viewport=None,
                **options):
        context = browser.new_context(locale=locale, viewport=viewport or VIEWPORT, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        log_in(page, live_server, username, password)
        return page

    yield open_as
    for context in contexts:
        context.close()
