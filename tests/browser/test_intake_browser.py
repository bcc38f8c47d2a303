"""An operator takes a repeat call in a real browser: live routing, the repeat candidate, Ctrl+Enter."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.demo.seed import seed_reference
from hotline.extensions import db
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import Ticket
from tests.browser.conftest import SAVED_TICKET, log_in, open_intake, settle_intake_panel
from tests.conftest import snap, type_on_arrival
from tests.factories import VALID_CODE

pytestmark = pytest.mark.browser


def test_operator_enters_a_repeat_call_with_the_live_panel(app, live_server, page):
    seed_reference()
    earlier = create_ticket(IntakeData(
        channel="phone", kind="complaint", category_code="factor_supply", subject="扩建厂房用地审批拖延",
        description="开发区管委会对我公司扩建厂房的用地审批一直拖着不办，已经三个月了。",
        caller_name="赵建国", caller_phone="13812345678", enterprise_name="临汾市华晟珠宝有限公司",
        credit_code=VALID_CODE), operator_id=None, operator_name="system")
    db.session.commit()

    log_in(page, live_server, "operator")
    open_intake(page, live_server)
    type_on_arrival(page, "138 1234 5678")  # the phone field has the focus: the operator types at once
    page.fill("#caller_name", "赵建国")
    page.fill("#credit_code", VALID_CODE)
    page.fill("#category-filter", "用地")  # the picker filters by keywords and selects the first match
    assert page.input_value("#category") == "factor_supply"
    page.fill("#subject", "厂房用地审批还没办")
    page.fill("#description", "我们珠宝厂扩建厂房用地的审批拖了三个月还没办下来，想问问到底卡在哪里。")

    candidate = page.locator(f"input[name=repeat_of][value='{earlier.number}']")
    candidate.wait_for()
    settle_intake_panel(page)  # the panel shows all that was typed: no late answer will redraw it
    expect(page.locator("#intake-preview")).to_contain_text("同一信用代码")
    snap(page, "intake-1-live-panel")
    candidate.focus()  # leaving the description refreshes the panel (its change event): let that land first
    settle_intake_panel(page)
    candidate.check()
    page.locator("#intake-preview .rule-merge").wait_for()  # the proposal follows the confirmed link
    snap(page, "intake-2-repeat-confirmed")

    page.focus("#description")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(SAVED_TICKET)
    snap(page, "intake-3-saved")
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert ticket.status == "merged" and ticket.merged_into_id == earlier.id
    expect(page.locator("main")).to_contain_text(earlier.number)
