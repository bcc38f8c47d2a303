"""End to end in a real browser: a joint complaint from intake to an unsatisfied callback and reopen."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.demo.data import DEMO_PASSWORD
from hotline.demo.seed import seed_reference
from hotline.escalation.models import SupervisionCase
from hotline.extensions import db
from hotline.tickets.lookup import departments_by_code
from hotline.tickets.models import Ticket
from tests.browser.conftest import SAVED_TICKET
from tests.conftest import snap, type_on_arrival

pytestmark = pytest.mark.browser


VIEWPORT = {"width": 1280, "height": 900}


def _handle(page, live_server, number, step, *, final_reply=None):
    """Sign for the part and record a reached contact, each form's answer page loaded before going on
    (the page after signing already shows a "done" status: only the navigation tells the next one)."""
    page.goto(f"{live_server}/work/?queue=to_sign")
    page.click(f"text={number}")
    page.wait_for_url(f"{live_server}/work/tickets/{number}")  # else the next wait could take this navigation
    with page.expect_navigation():
        page.click("#sign-submit")
    expect(page.get_by_role("status")).to_be_visible()
    page.check("#contact-reached-0")
    page.fill("#contact-summary", "已电话联系企业负责人，约定明日现场核查。")
    with page.expect_navigation():
        page.click("#contact-submit")
    expect(page.get_by_role("status")).to_be_visible()
    snap(page, f"e2e-{step}-contacted")


def test_joint_complaint_to_unsatisfied_callback(app, live_server, logged_in_page, make_user):
    seed_reference()
    depts = departments_by_code(["ndrc", "power"])
    make_user("handler", username="lead-ndrc", department=depts["ndrc"], password=DEMO_PASSWORD)
    make_user("handler", username="co-power", department=depts["power"], password=DEMO_PASSWORD)

    operator = logged_in_page("operator", viewport=VIEWPORT)
    operator.goto(f"{live_server}/tickets/new")
    type_on_arrival(operator, "13812345678")
    operator.fill("#caller_name", "赵建国")
    operator.fill("#enterprise_name", "临汾市华晟珠宝有限公司")
    operator.select_option("#category", "factor_supply")
    operator.fill("#subject", "厂房电力增容迟迟不批")
    operator.fill("#description", "我公司新建厂房需要电力增容，申请提交两个月了一直没有答复，影响设备调试。")
    operator.locator("#intake-preview .rule-joint").wait_for()
    snap(operator, "e2e-1-intake")
    operator.click("#submit")
    operator.wait_for_url(SAVED_TICKET)  # "/tickets/*" matched the intake page (/tickets/new) at once
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    number = ticket.number
    assert ticket.routing_rule == "joint"
    snap(operator, "e2e-2-dispatched")

    lead = logged_in_page("lead-ndrc", viewport=VIEWPORT)
    _handle(lead, live_server, number, "3-lead")
    lead.fill("#sub-reply", "已协调供电公司完成增容方案。")
    with lead.expect_navigation():
        lead.click("#sub-submit")
    expect(lead.get_by_role("alert")).to_contain_text("协办单位")  # blocked: the co-handler has not answered
    snap(lead, "e2e-4-lead-blocked")

    co = logged_in_page("co-power", viewport=VIEWPORT)
    _handle(co, live_server, number, "5-co")
    co.fill("#sub-reply", "增容方案已批复，下周施工接电。")
    with co.expect_navigation():  # its page already shows the contact's status: wait for the answer's
        co.click("#sub-submit")
    expect(co.get_by_role("status")).to_be_visible()
    snap(co, "e2e-6-co-submitted")

    lead.goto(f"{live_server}/work/tickets/{number}")
    assert "增容方案已批复" in lead.inner_text("main")
    lead.fill("#sub-reply", "已协调供电公司完成增容，企业已恢复设备调试。")
    lead.check("#sub-solved")
    with lead.expect_navigation():
        lead.click("#sub-submit")
    expect(lead.get_by_role("status")).to_be_visible()
    snap(lead, "e2e-7-resolved")

    operator.goto(f"{live_server}/tickets/callbacks")
    assert number in operator.inner_text("main")
    operator.goto(f"{live_server}/tickets/{number}/callback")
    operator.check("#reached-0")
    operator.check("#solved-1")
    operator.check("#satisfaction-2")
    operator.fill("#comment", "企业反映增容仍未接电，设备无法调试。")
    snap(operator, "e2e-8-callback")
    operator.click("#submit")
    operator.wait_for_url(f"{live_server}/tickets/{number}")
    text = operator.inner_text("main")
    snap(operator, "e2e-9-reopened")
    assert "已重办" in text and "督办级别 1" in text
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == "reopened" and ticket.false_closure
    assert db.session.scalar(select(SupervisionCase.level).where(SupervisionCase.ticket_id == ticket.id)) == 1
