"""Issue #12's three rules in a real browser at 1366×768: who leads (the place, the respondent), a joint
ticket's lead return withdrawing the co-handler's part, a repeat of a merged ticket, a fee complaint.

Data is built relative to the real clock (``utcnow()``), so the tests pass on any date and under
``HOTLINE_TEST_CLOCK``; nothing is frozen in the server thread."""
from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from hotline.auth.models import User
from hotline.db import utcnow
from hotline.demo.data import DEMO_TICKETS
from hotline.demo.seed import seed_reference
from hotline.demo.tickets import intake_data as demo_intake
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import Assignment, Ticket
from tests.browser.conftest import SAVED_TICKET, open_intake, settle_intake_panel
from tests.conftest import snap, type_on_arrival

pytestmark = pytest.mark.browser

JEWELLERY = next(t for t in DEMO_TICKETS if t.key == "jewellery-plant-finance")
QUWO_FEES = next(t for t in DEMO_TICKETS if t.key == "quwo-fee-refund")


def _operator_id() -> int:
    return db.session.scalar(select(User.id).where(User.username == "operator"))


def _parts_table(page):
    """The ticket page's parts: (department, part, state) per row of the routing table."""
    rows = page.locator("main table.grid tbody tr")
    rows.first.wait_for()
    return [tuple(c.strip() for c in row.locator("td").all_inner_texts()[:3]) for row in rows.all()]


def _lead_line(panel):
    return panel.locator("p", has_text="主办")


# ---- a) the place leads, the credit need adds finance ------------------------------------------


def test_the_jewellery_maker_s_call_is_led_by_the_zone_with_finance(app, live_server, logged_in_page):
    seed_reference()
    page = logged_in_page("operator")
    page.goto(f"{live_server}/tickets/new")
    type_on_arrival(page, JEWELLERY.caller_phone)  # the phone field has the focus: the operator types at once
    page.fill("#caller_name", JEWELLERY.caller_name)
    page.fill("#enterprise_name", JEWELLERY.enterprise_name)
    page.select_option("#district", label="临汾经济开发区")
    page.select_option("#kind", label="求助")
    page.select_option("#category", label="要素保障")
    page.fill("#subject", JEWELLERY.subject)
    page.fill("#description", JEWELLERY.description)

    panel = page.locator("#intake-preview")
    expect(panel.locator(".rule-joint")).to_have_text("有诉联办")
    expect(_lead_line(panel).locator("strong")).to_have_text("临汾经济开发区管委会")
    expect(_lead_line(panel)).to_contain_text("协办: 市地方金融监管局")
    expect(panel.locator("ul.reasons li").first).to_have_text(
        "事项发生在临汾经济开发区：由“临汾经济开发区管委会”主办（属地管理）。")
    expect(panel.locator("ul.reasons")).to_contain_text("“市地方金融监管局”")  # the credit need's keyword
    assert page.input_value("#lead") == "" and page.eval_on_selector(
        "#co_handlers", "s => s.selectedOptions.length") == 0  # no override
    snap(page, "rules-a1-live-panel-zone-leads")

    page.focus("#description")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(SAVED_TICKET)
    expect(page.locator("main")).to_contain_text("有诉联办")
    assert _parts_table(page) == [("临汾经济开发区管委会", "主办", "待签收"), ("市地方金融监管局", "协办", "待签收")]
    snap(page, "rules-a2-saved-two-parts")
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert ticket.routing_rule == "joint" and not ticket.routing["overridden"]
    assert ticket.routing["reasons"][0]["code"] == "place_leads"


# ---- b) the lead's return withdraws the co-handler's part; re-dispatch opens round 2 ------------


def test_the_zone_s_return_withdraws_finance_s_part_and_redispatch_opens_a_new_round(app, live_server,
                                                                                    logged_in_page):
    seed_reference()
    ticket = create_ticket(demo_intake(JEWELLERY, {}), operator_id=_operator_id(), operator_name="王丽")
    number = ticket.number

    finance = logged_in_page("handler2")
    finance.goto(f"{live_server}/work/?queue=to_sign")
    expect(finance.locator("table.grid tbody tr", has_text=number)).to_contain_text("协办")
    snap(finance, "rules-b1-finance-to-sign-before")

    zone = logged_in_page("handler")
    zone.goto(f"{live_server}/work/?queue=to_sign")
    zone.click(f"text={number}")
    zone.fill("#ret-grounds", "企业厂房需求已由园区另行对接，本次主要诉求是融资对接，请改由金融监管部门主办。")
    zone.once("dialog", lambda dialog: dialog.accept())  # "Return this ticket to the hotline centre?"
    with zone.expect_navigation():
        zone.click("#ret-submit")
    expect(zone.get_by_role("status")).to_be_visible()
    expect(zone.locator("h1 .state")).to_have_text("已退单")
    snap(zone, "rules-b2-zone-returned")

    finance.goto(f"{live_server}/work/?queue=to_sign")
    expect(finance.locator("main")).to_contain_text("暂无工单。")
    expect(finance.locator("main")).not_to_contain_text(number)
    finance.goto(f"{live_server}/work/tickets/{number}")
    expect(finance.locator("h1 .state")).to_have_text("已撤回（主办单位退单）")
    withdrawn = finance.locator("ol.history li", has_text="协办撤回：主办单位已退单")
    expect(withdrawn).to_contain_text("市地方金融监管局")
    expect(withdrawn).to_contain_text("待签收 → 已撤回（主办单位退单）")
    expect(finance.locator("#sign-submit")).to_have_count(0)
    snap(finance, "rules-b3-finance-part-withdrawn")
    finance.goto(f"{live_server}/notifications")
    expect(finance.locator("main")).to_contain_text(f"工单 {number}：主办单位已退单，本单位的协办任务已撤回。")

    admin = logged_in_page("admin", locale="en")  # the demo admin reads English
    admin.goto(f"{live_server}/tickets/{number}")
    expect(admin.locator("table.grid tbody tr", has_text="Linfen Local Financial Regulatory Bureau")).to_contain_text(
        "Withdrawn (the lead returned the ticket)")
    expect(admin.locator("ol.history li", has_text="Part withdrawn: the lead returned the ticket")).to_contain_text(
        "Linfen Local Financial Regulatory Bureau")
    snap(admin, "rules-b4-admin-english-history")

    operator = logged_in_page("operator")
    operator.goto(f"{live_server}/tickets/returned")
    row = operator.locator("table.grid tbody tr", has_text=number)
    expect(row).to_contain_text("临汾经济开发区管委会")
    expect(row).to_contain_text("请改由金融监管部门主办")
    snap(operator, "rules-b5-returned-list")
    row.get_by_role("link", name="重新派单").click()
    operator.select_option("#lead", label="市地方金融监管局")
    operator.fill("#reason", "管委会退单：融资对接为主要诉求，由金融监管局主办。")
    operator.click("#submit")
    operator.wait_for_url(f"{live_server}/tickets/{number}")
    expect(operator.locator("h1 .state")).to_have_text("已派单")
    assert _parts_table(operator) == [("临汾经济开发区管委会", "主办",
                                       "已退单: 企业厂房需求已由园区另行对接，本次主要诉求是"
                                       "融资对接，请改由金融监管部门主办。"),
                                      ("市地方金融监管局", "协办", "已撤回（主办单位退单）"),
                                      ("市地方金融监管局", "主办", "待签收")]
    snap(operator, "rules-b6-redispatched")

    finance.goto(f"{live_server}/work/?queue=to_sign")
    new_part = finance.locator("table.grid tbody tr", has_text=number)
    expect(new_part).to_have_count(1)
    expect(new_part).to_contain_text("主办")
    expect(new_part).to_contain_text("待签收")
    new_part.get_by_role("link", name=number).click()
    expect(finance.locator("h1 .state")).to_have_text("待签收")
    expect(finance.locator("#sign-submit")).to_be_visible()
    snap(finance, "rules-b7-finance-new-lead-part")

    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.round == 2 and ticket.status == "dispatched"
    assert [(a.department.code, str(a.role), str(a.status), a.round) for a in ticket.assignments] == [
        ("devzone", "lead", "returned", 1), ("finance_regulator", "co", "withdrawn", 1),
        ("finance_regulator", "lead", "dispatched", 2)]


# ---- c) a repeat of a merged ticket goes to its chain's open ticket --------------------------------


def _intake(at, **kw) -> Ticket:
    data = dict(channel="phone", kind="complaint", category_code="refusal", district_code="quwo",
                subject="窗口拒收建设项目申报材料", caller_name="郭志刚", caller_phone="13600001041",
                description="县便民服务窗口拒收我公司的建设项目申报材料，也不出具不予受理的书面凭证。")
    return create_ticket(IntakeData(**{**data, **kw}), operator_id=None, operator_name="王丽", now=at)


def _close(ticket: Ticket, at) -> None:
    """The lead signs, contacts, replies solved; the callback is satisfied: the ticket closes."""
    a = next(x for x in ticket.assignments if x.status == "dispatched")
    lifecycle.sign_for(a.id, actor=None, now=at)
    lifecycle.record_contact(a.id, at=at, method="phone", reached=True, summary="已电话联系企业", actor=None, now=at)
    lifecycle.submit(a.id, reply="已督促窗口受理并出具受理凭证", solved=True, actor=None, now=at + timedelta(minutes=5))
    lifecycle.record_callback(ticket.id, reached=True, solved=True, satisfaction="satisfied", comment="",
                              actor=None, now=at + timedelta(minutes=10))


def test_a_repeat_of_a_merged_ticket_merges_into_the_chain_s_current_ticket(app, live_server, logged_in_page):
    seed_reference()
    start = utcnow() - timedelta(days=3)
    first = _intake(start)
    merged = _intake(start + timedelta(hours=2), repeat_of=first.number,
                     description="再次反映县便民服务窗口拒收建设项目申报材料的问题，没有新的情况。")
    _close(first, start + timedelta(hours=4))
    rehandled = _intake(start + timedelta(days=1), repeat_of=first.number, new_facts=True,
                        description="县便民服务窗口又一次拒收建设项目申报材料，这次还要求先开具无欠税证明。")
    t1, t2, t3 = first.number, merged.number, rehandled.number
    assert (first.status, merged.status, rehandled.status) == ("closed", "merged", "dispatched")
    parts_before = db.session.scalar(select(func.count()).select_from(Assignment))

    page = logged_in_page("operator")
    open_intake(page, live_server)
    type_on_arrival(page, "136 0000 1041")
    page.fill("#caller_name", "郭志刚")
    page.select_option("#district", label="曲沃县")
    page.fill("#category-filter", "拒收")
    assert page.input_value("#category") == "refusal"
    page.fill("#subject", "窗口仍然拒收建设项目申报材料")
    page.fill("#description", "县便民服务窗口还是拒收我公司的建设项目申报材料，想问问进展。")

    panel = page.locator("#intake-preview")
    for number in (t1, t2, t3):
        expect(panel.locator(f"input[name=repeat_of][value='{number}']")).to_be_attached()
    expect(panel.locator("label.candidate", has_text=t2)).to_contain_text("已并单")
    snap(page, "rules-c1-three-candidates")
    # the choice only once the panel shows all that was typed, leaving the description (its change event
    # refreshes the panel) included: a late answer would redraw the panel and drop it
    panel.locator(f"input[name=repeat_of][value='{t2}']").focus()
    settle_intake_panel(page)
    panel.locator("label.candidate", has_text=t2).click()
    expect(panel.locator(".rule-merge")).to_contain_text("并单")
    expect(panel.locator("ul.reasons li").first).to_have_text(
        f"工单 {t2} 属于重复诉求链，该链当前工单为 {t3}：本次诉求按该工单处理。")
    expect(panel.locator(f"input[name=repeat_of][value='{t2}']")).to_be_checked()
    snap(page, "rules-c2-merge-into-current")

    page.focus("#subject")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(SAVED_TICKET)
    notice = page.locator(".flash-warning", has_text="已并入工单")
    expect(notice.get_by_role("link", name=t3)).to_be_visible()
    expect(page.locator("h1 .state")).to_have_text("已并单")
    snap(page, "rules-c3-saved-merged")

    db.session.expire_all()
    saved = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert saved.status == "merged" and saved.merged_into_id == rehandled.id and not saved.assignments
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == parts_before  # no new dispatch


# ---- d) a fee complaint: the charging body answers, no report, not confidential ---------------------


def test_a_fee_complaint_is_led_by_the_respondent_and_stays_a_complaint(app, live_server, logged_in_page):
    seed_reference()
    page = logged_in_page("operator")
    page.goto(f"{live_server}/tickets/new")
    type_on_arrival(page, QUWO_FEES.caller_phone)
    page.fill("#caller_name", QUWO_FEES.caller_name)
    page.fill("#enterprise_name", QUWO_FEES.enterprise_name)
    page.select_option("#district", label="曲沃县")
    page.click("#respondent")
    page.keyboard.type("市住房")
    suggestion = page.locator("#respondent-options option[value='市住房和城乡建设局']")
    expect(suggestion).to_have_count(1)  # the directory's name is offered while typing
    page.fill("#respondent", suggestion.get_attribute("value"))
    page.fill("#category-filter", "乱收费")
    assert page.input_value("#category") == "arbitrary_fees"
    assert page.input_value("#kind") == "complaint"
    page.fill("#subject", QUWO_FEES.subject)
    page.fill("#description", QUWO_FEES.description)

    panel = page.locator("#intake-preview")
    expect(panel.locator(".rule-joint")).to_have_text("有诉联办")  # a price matter: market regulation co-handles
    expect(_lead_line(panel).locator("strong")).to_have_text("市住房和城乡建设局")
    expect(_lead_line(panel)).to_contain_text("协办: 市市场监督管理局")
    expect(panel.locator("ul.reasons li").first).to_have_text(
        "来电人反映的是“市住房和城乡建设局”：由其对自身行为作出答复并主办。")
    expect(panel.locator(".rule")).not_to_contain_text("保密")
    expect(panel).not_to_contain_text("举报")
    expect(panel).not_to_contain_text("纪委")
    snap(page, "rules-d1-respondent-leads")

    page.click("#submit")
    page.wait_for_url(SAVED_TICKET)
    main = page.locator("main")
    expect(main.locator("dt", has_text="类型").locator("xpath=following-sibling::dd[1]")).to_have_text("投诉")
    assert _parts_table(page) == [("市住房和城乡建设局", "主办", "待签收"), ("市市场监督管理局", "协办", "待签收")]
    expect(main).not_to_contain_text("举报")
    expect(main.locator(".tag", has_text="保密")).to_have_count(0)
    expect(main).to_contain_text(QUWO_FEES.caller_name)  # not confidential: the identity is shown, unmasked
    snap(page, "rules-d2-saved-complaint")

    with page.expect_navigation():  # the language switch in the page header: a POST, then the same page
        page.get_by_role("button", name="English").click()
    expect(page.locator("main dt", has_text="Kind").locator("xpath=following-sibling::dd[1]")).to_have_text(
        "Complaint")
    expect(page.locator("table.grid tbody tr").first).to_contain_text(
        "Linfen Bureau of Housing and Urban-Rural Development")
    expect(page.locator("table.grid tbody tr").first).to_contain_text("Lead")
    snap(page, "rules-d3-saved-complaint-english")

    db.session.expire_all()
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert (ticket.kind, ticket.confidential, ticket.respondent_name) == ("complaint", False, "市住房和城乡建设局")
    assert ticket.routing["lead"] == "housing" and ticket.routing["reasons"][0]["code"] == "respondent_leads"
