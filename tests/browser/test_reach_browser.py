"""In a real browser: the public status page on a phone and on a desktop (1366x768), and the
satisfaction link from the resolution SMS."""
from __future__ import annotations

import pytest

from hotline.extensions import db
from hotline.tickets.models import Ticket
from tests.conftest import snap
from tests.public.conftest import CALLER, intake, resolve, satisfaction_path

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}


@pytest.fixture
def open_page(browser):
    """A fresh page in its own context with the given viewport options (Chinese browser)."""
    contexts = []

    def make(**options):
        context = browser.new_context(locale="zh-CN", **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


def _fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_caller_follows_the_ticket_on_a_phone(app, live_server, open_page, city):
    ticket = intake()
    department = ticket.assignments[0].department.name_zh
    page = open_page(**PHONE)
    page.goto(f"{live_server}/status?n={ticket.number}")  # the link in the dispatch SMS
    assert page.input_value("#number") == ticket.number
    assert page.get_by_role("heading", name="诉求办理进度查询").is_visible()
    page.fill("#digits", CALLER[-4:])
    with page.expect_navigation():  # the answer page loaded (its styles too) before it is read and measured
        page.get_by_role("button", name="查询").click()
    page.locator("#status-result").wait_for()
    assert page.inner_text("#status-state") == "办理中"
    assert page.inner_text("#status-department") == department
    assert "赵建国" not in page.content() and CALLER not in page.content()
    assert page.input_value("#digits") == ""  # the digits are not echoed back
    assert _fits_the_width(page)
    box = page.get_by_role("button", name="查询").bounding_box()
    assert box["width"] > 300 and box["height"] >= 40  # one wide touch target
    snap(page, "reach-status-phone")


def test_on_a_desktop_wrong_digits_and_an_unknown_number_read_the_same_and_english_is_available(
        app, live_server, open_page, city):
    ticket = intake()
    page = open_page(**DESKTOP)
    answers = []
    for number, digits in ((ticket.number, "0000"), ("20991231-9999", CALLER[-4:])):
        page.goto(f"{live_server}/status")
        page.fill("#number", number)
        page.fill("#digits", digits)
        with page.expect_navigation():
            page.get_by_role("button", name="查询").click()
        page.locator("#status-no-match").wait_for()
        answers.append(page.inner_text("#status-no-match"))
    assert answers[0] == answers[1] and "没有与该工单号" in answers[0]
    page.goto(f"{live_server}/status")
    with page.expect_navigation():  # a POST, then the same page: measured once loaded, styles and all
        page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="Follow your request").wait_for()
    assert _fits_the_width(page)
    snap(page, "reach-status-desktop-en")


@pytest.mark.parametrize("device", ["phone", "desktop"])
def test_a_caller_rates_the_handling_through_the_link(app, live_server, open_page, city, device):
    ticket = resolve(intake())
    path = satisfaction_path(ticket)
    page = open_page(**(PHONE if device == "phone" else DESKTOP))
    page.goto(f"{live_server}{path}")
    page.get_by_role("heading", name="评价诉求办理结果").wait_for()
    assert ticket.number in page.content()
    page.get_by_label("已解决", exact=True).check()
    page.get_by_label("基本满意", exact=True).check()
    page.fill("#comment", "办理及时")
    assert _fits_the_width(page)
    snap(page, f"reach-satisfaction-{device}")
    with page.expect_navigation():
        page.get_by_role("button", name="提交评价").click()
    page.locator("#satisfaction-thanks").wait_for()
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).status == "closed"
    page.goto(f"{live_server}{path}")  # the link was single-use
    assert "已使用" in page.inner_text("#satisfaction-refused")
