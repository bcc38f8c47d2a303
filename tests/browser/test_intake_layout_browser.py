"""The operator types while talking: at 1366×768 the proposal stays beside the form, and choosing a
repeat candidate by keyboard keeps the keyboard flow (focus stays, Ctrl+Enter saves)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.demo.seed import seed_reference
from hotline.extensions import db
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import Ticket
from tests.browser.conftest import VIEWPORT, log_in, open_intake, settle_intake_panel
from tests.conftest import snap, type_on_arrival
from tests.factories import VALID_CODE

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_panel_stays_in_view_and_a_keyboard_choice_keeps_ctrl_enter(app, live_server, browser, lang):
    seed_reference()
    earlier = create_ticket(IntakeData(
        channel="phone", kind="complaint", category_code="refusal", subject="窗口拒收申请材料",
        description="窗口工作人员以材料不全为由拒收我公司的申请，没有一次性告知需要补充什么材料。",
        caller_name="赵建国", caller_phone="13812345678", credit_code=VALID_CODE), operator_id=None,
        operator_name="system")
    db.session.commit()
    context = browser.new_context(locale=lang, viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    log_in(page, live_server, "operator")
    if lang == "en":
        # a form POST answered by a redirect: going on at once would abort it and stay in Chinese
        with page.expect_navigation():
            page.click("text=English")
        expect(page.locator("html")).to_have_attribute("lang", "en")
    open_intake(page, live_server)
    type_on_arrival(page, "13812345678")
    page.fill("#caller_name", "赵建国")
    page.select_option("#category", "refusal")
    page.fill("#subject", "申请又被拒收")
    page.click("#description")
    page.keyboard.type("窗口还是以材料不全为由拒收我公司的申请，没有一次性告知需要补充的材料。")
    candidate = page.locator(f"input[name=repeat_of][value='{earlier.number}']")
    candidate.wait_for()
    settle_intake_panel(page)  # the panel shows all that was typed: no late answer will redraw it
    box = page.locator("#intake-preview").bounding_box()
    assert box["y"] < 768 and box["y"] + box["height"] > 0 and box["x"] > 1366 / 2, box  # beside, in view
    assert page.evaluate("document.activeElement.id") == "description"  # typing was never interrupted
    snap(page, f"intake-layout-{lang}")
    candidate.focus()  # leaving the description refreshes the panel (its change event): let that land first
    settle_intake_panel(page)
    page.keyboard.press("Space")  # the choice, by keyboard
    page.locator("#intake-preview .rule-merge").wait_for()  # the panel redrew with the linked proposal
    assert page.evaluate("document.activeElement.name + '=' + document.activeElement.value") == \
        f"repeat_of={earlier.number}"
    page.keyboard.press("Control+Enter")
    page.wait_for_url(f"{live_server}/tickets/2*")
    saved = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert saved.status == "merged" and saved.merged_into_id == earlier.id
    assert errors == []
    context.close()
