"""Browser fixtures: logging in through the real form, and pages logged in as a user, each in its own
browser context (its own cookies) at the screen the hotline's staff work on (1366×768); the intake
page with its live panel watched, to act on the panel only once it shows what was typed. The browser,
the live server and the plain ``page`` fixture are in tests/conftest.py."""
from __future__ import annotations

import re

import pytest

from hotline.demo.data import DEMO_PASSWORD

#: The staff's screen: a 1366×768 laptop or office monitor.
VIEWPORT = {"width": 1366, "height": 768}

#: A saved ticket's page, where the intake redirects (a glob such as "/tickets/*" would match the intake
#: page itself, /tickets/new, and ``wait_for_url`` would return before the form was even sent).
SAVED_TICKET = re.compile(r"/tickets/\d{6}-\d{5}$")


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


#: Counts what the intake page still has to do before its live panel shows the form as it is now: a
#: refresh waiting for its debounce (``setTimeout``), a request in flight (``fetch``) and the reading of
#: its answer (``Response.text``/``json``); a count drops in a task of its own, after the answer was
#: drawn. intake.js looks these up on ``window`` at each call, so wrapping them after load sees them all.
_WATCH_INTAKE = """() => {
  if (window.hotlineIntakeWatch) { return; }
  const timers = new Set();
  let busy = 0;
  const setTimeout0 = window.setTimeout, clearTimeout0 = window.clearTimeout, fetch0 = window.fetch;
  const settled = (promise) => {
    busy++;
    promise.then(() => setTimeout0(() => busy--, 0), () => setTimeout0(() => busy--, 0));
    return promise;
  };
  window.setTimeout = function (fn, ms, ...args) {
    if (typeof fn !== "function") { return setTimeout0(fn, ms, ...args); }
    const id = setTimeout0(() => { try { fn(...args); } finally { timers.delete(id); } }, ms);
    timers.add(id);
    return id;
  };
  window.clearTimeout = function (id) { timers.delete(id); return clearTimeout0(id); };
  window.fetch = function (...args) { return settled(fetch0.apply(window, args)); };
  for (const name of ["text", "json"]) {
    const read = Response.prototype[name];
    Response.prototype[name] = function () { return settled(read.call(this)); };
  }
  window.hotlineIntakeWatch = { quiet: () => timers.size === 0 && busy === 0 };
}"""


def open_intake(page, live_server: str) -> None:
    """Open the intake page and watch its live panel's refreshes (see :func:`settle_intake_panel`)."""
    page.goto(f"{live_server}/tickets/new")
    page.evaluate(_WATCH_INTAKE)


def settle_intake_panel(page) -> None:
    """Wait until the live panel of an intake page opened with :func:`open_intake` shows the form as it is
    now: no refresh waiting, no answer in flight. A choice made in the panel before that can be undone by
    a late answer that redraws it (drawn from the form as it was when that refresh was sent)."""
    page.wait_for_function("() => window.hotlineIntakeWatch.quiet()")
