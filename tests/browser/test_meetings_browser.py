"""In a real browser at 1366×768: a stuck joint ticket goes on an evening salon, the zone is given a
decision with a deadline, marks it done with evidence, and only then can resolve the ticket; and a
decision breached is escalated exactly once.

The server runs in this process (a thread), so travelling in time here travels for it too. The
instants lie ahead of today so the browser keeps the session cookie (its expiry is set on the
travelled clock); 2027 runs on the Monday–Friday fallback calendar.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.demo.data import DEMO_PASSWORD
from hotline.demo.seed import seed_reference
from hotline.escalation.models import SupervisionCase
from hotline.extensions import db
from hotline.meetings import services
from hotline.meetings.models import Decision, Meeting
from hotline.tickets import lifecycle
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.lookup import departments_by_code
from hotline.tickets.models import Event, Ticket
from tests.conftest import snap
from tests.escalation.conftest import local, run_jobs_at
from tests.factories import VALID_CODE
from tests.meetings.conftest import user

pytestmark = pytest.mark.browser

DISPATCHED = local(2027, 3, 1, 9, 0)  # Monday
NOW = local(2027, 3, 16, 10, 0)  # 11 of the joint ticket's 15 working days gone: past half


def _stuck_joint_ticket() -> Ticket:
    with time_machine.travel(DISPATCHED, tick=False):
        operator = user("operator")
        return create_ticket(IntakeData(
            channel="phone", kind="help", category_code="factor_supply", subject="园区新厂房验收迟迟不组织",
            description="珠宝企业的新厂房建成两个月，开发区一直没有组织验收，流动资金也有缺口。",
            caller_name="孙晓燕", caller_phone="13900001001", enterprise_name="临汾市华晟珠宝有限公司",
            credit_code=VALID_CODE, lead="devzone", co_handlers=("finance_regulator",), override_reason="属地牵头"),
            operator_id=operator.id, operator_name=operator.display_name, now=DISPATCHED)


def test_salon_decision_done_with_evidence_then_the_ticket_resolves(app, live_server, logged_in_page, make_user):
    seed_reference()
    secretary = make_user("leader", username="secretary", password=DEMO_PASSWORD)
    ticket = _stuck_joint_ticket()
    lead = next(a for a in ticket.assignments if a.role == "lead")
    co = next(a for a in ticket.assignments if a.role == "co")
    with time_machine.travel(NOW, tick=True):
        for a, who in ((co, user("handler2")), (lead, user("handler"))):
            lifecycle.sign_for(a.id, actor=who)
            lifecycle.record_contact(a.id, at=NOW - timedelta(minutes=1), method="phone", reached=True,
                                     summary="已联系企业", actor=who)
        lifecycle.submit(co.id, reply="已对接两家银行", solved=True, actor=user("handler2"))

        supervisor = logged_in_page("supervisor")
        supervisor.goto(f"{live_server}/supervision/")
        supervisor.locator("#meeting-candidates").get_by_text(ticket.number).wait_for()  # suggested: past half
        snap(supervisor, "meetings-1-console-candidate")
        supervisor.goto(f"{live_server}/meetings/new")
        supervisor.select_option("#kind", "evening_salon")
        supervisor.fill("#title", "珠宝加工企业扩产夜沙龙")
        supervisor.select_option("#convener_id", str(secretary.id))
        supervisor.fill("#held_at", "2027-03-16T19:30")
        supervisor.fill("#place", "开发区管委会")
        supervisor.click("#meeting-submit")
        supervisor.wait_for_url(re.compile(r".*/meetings/\d+$"))
        supervisor.fill("#agenda-number", ticket.number)
        supervisor.click("#agenda-submit")
        supervisor.locator("#agenda").get_by_text("园区新厂房验收迟迟不组织").wait_for()
        snap(supervisor, "meetings-2-on-the-agenda")
        meeting = db.session.scalars(select(Meeting)).one()
        item_id = meeting.items[0].id

        leader = logged_in_page("secretary")
        leader.goto(f"{live_server}/meetings/{meeting.id}")
        leader.fill("#hold-minutes", "开发区管委会这周抓紧组织验收园区新厂房；金融监管局对接银行。")
        with leader.expect_navigation():  # a status or an alert is any page's: wait for the answer's
            leader.click("#hold-submit")
        expect(leader.get_by_role("status")).to_be_visible()
        leader.click(f"#item-{item_id} summary")
        leader.select_option(f"#decision-department-{item_id}", str(lead.department_id))
        leader.fill(f"#decision-text-{item_id}", "这周抓紧组织验收园区新厂房")
        leader.fill(f"#decision-done-{item_id}", "验收意见书出具")
        leader.fill(f"#decision-days-{item_id}", "5")
        leader.click(f"#decision-submit-{item_id}")
        leader.locator("tr.decision").get_by_text("这周抓紧组织验收园区新厂房").wait_for()
        snap(leader, "meetings-3-decision-to-the-zone")
        decision = db.session.scalars(select(Decision)).one()

        zone = logged_in_page("handler")
        zone.goto(f"{live_server}/work/tickets/{ticket.number}")
        zone.fill("#sub-reply", "厂房已验收，交付企业。")
        with zone.expect_navigation():
            zone.click("#sub-submit")
        expect(zone.get_by_role("alert")).to_contain_text("协调会决定")  # the open decision blocks resolving
        snap(zone, "meetings-4-resolve-blocked")
        zone.goto(f"{live_server}/meetings/decisions")
        zone.fill(f"#evidence-{decision.id}", "验收意见书已出具，厂房已交付企业使用。")
        with zone.expect_navigation():
            zone.click(f"#done-submit-{decision.id}")
        expect(zone.get_by_role("status")).to_be_visible()
        snap(zone, "meetings-5-decision-done")
        zone.goto(f"{live_server}/work/tickets/{ticket.number}")
        zone.fill("#sub-reply", "厂房已验收，交付企业。")
        with zone.expect_navigation():
            zone.click("#sub-submit")
        expect(zone.get_by_role("status")).to_be_visible()
        db.session.expire_all()
        assert db.session.get(Ticket, ticket.id).status == "resolved"
        supervisor.goto(f"{live_server}/tickets/{ticket.number}")
        history = supervisor.locator("ol.history").inner_text()
        assert "列入协调会议题" in history and "协调会作出决定" in history and "会议决定已完成" in history
        assert "已完成" in supervisor.locator("#ticket-meetings").inner_text()
        snap(supervisor, "meetings-6-ticket-history")


def test_a_breached_decision_is_escalated_exactly_once(app, live_server, logged_in_page, make_user):
    seed_reference()
    secretary = make_user("leader", username="secretary", password=DEMO_PASSWORD)
    ticket = _stuck_joint_ticket()
    zone = departments_by_code(["devzone"])["devzone"]
    with time_machine.travel(NOW, tick=False):
        meeting = services.schedule(kind="evening_salon", title="夜沙龙", convener_id=secretary.id, held_at=NOW,
                                    actor=user("supervisor"), now=NOW)
        item = services.add_ticket(meeting.id, ticket.number, actor=user("supervisor"), now=NOW)
        services.hold(meeting.id, minutes="纪要", actor=secretary, now=NOW)
        decision = services.decide(item.id, department_id=zone.id, text="这周抓紧组织验收园区新厂房",
                                   done_means="验收意见书出具", working_days=1, actor=secretary, now=NOW)
    breached = decision.due_at + timedelta(minutes=5)
    run_jobs_at(breached)
    run_jobs_at(breached + timedelta(minutes=1))  # the next sweep, a retry: nothing more
    run_jobs_at(breached + timedelta(hours=2))
    with time_machine.travel(breached + timedelta(hours=2), tick=True):
        supervisor = logged_in_page("supervisor")
        supervisor.goto(f"{live_server}/tickets/{ticket.number}")
        history = supervisor.locator("ol.history").inner_text()
        assert history.count("会议决定超期") == 1
        snap(supervisor, "meetings-7-breach-escalated-once")
        leader = logged_in_page("secretary")
        leader.goto(f"{live_server}/notifications")
        assert leader.get_by_text("会议决定未按期完成").count() == 1
    assert db.session.scalar(select(db.func.count()).select_from(Event).where(
        Event.ticket_id == ticket.id, Event.action == "escalation_decision_breach")) == 1
    cases = db.session.scalars(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id)).all()
    assert [c.trigger for c in cases].count("decision_breach") == 1
