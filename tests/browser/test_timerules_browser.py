"""In a real browser: the admin enters New Year's Day 2027 as a holiday, marks 2027 complete, and the
handler's workbench and ticket then show the moved due date, consistent with the working time left.

The server runs in this process (a thread), so travelling in time here travels for it too.
"""
from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.demo.seed import seed_reference
from hotline.extensions import db
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import Assignment
from hotline.worktime.calendar import working_clock
from hotline.worktime.limits import Policy
from tests.conftest import PASSWORD, snap
from tests.escalation.conftest import SHANGHAI, local, run_jobs_at

pytestmark = pytest.mark.browser

DISPATCHED = local(2026, 12, 28, 10, 0)  # Monday: 5 working days → 4 Jan 2027 10:00 on Monday–Friday
NOW = local(2026, 12, 30, 9, 0)


def _minutes(text: str) -> int:
    """"3个工作日0小时58分钟" or "5小时3分钟" → working minutes (a working day is 420)."""
    match = re.fullmatch(r"(?:(\d+)个工作日)?(\d+)小时(\d+)分钟", text.strip())
    assert match, text
    days, hours, minutes = (int(x or 0) for x in match.groups())
    return days * 420 + hours * 60 + minutes


def test_new_years_day_entered_for_2027_moves_the_handlers_due_date(app, live_server, logged_in_page, make_user):
    seed_reference()
    db.session.commit()
    with time_machine.travel(DISPATCHED, tick=False):
        ticket = create_ticket(IntakeData(channel="phone", kind="complaint", category_code="refusal",
                                          subject="申请被窗口拒收",
                                          description="窗口以材料不全为由拒收申请，未一次性告知。",
                                          caller_name="赵建国", caller_phone="13812345678"),
                               operator_id=None, operator_name="王丽")
    lead = db.session.scalars(select(Assignment).where(Assignment.ticket_id == ticket.id)).one()
    make_user("admin", username="tr-admin")
    make_user("handler", username="tr-handler", department=lead.department)

    with time_machine.travel(NOW, tick=True):
        admin = logged_in_page("tr-admin", password=PASSWORD)
        admin.goto(f"{live_server}/admin/settings/calendar?year=2027")
        assert admin.locator("#year-mark").get_attribute("data-complete") == "no"
        assert admin.locator('.calendar-missing[data-year="2027"]').is_visible()
        admin.fill("#day-day", "2027-01-01")
        admin.select_option("#day-kind", "off")
        admin.fill("#day-note", "元旦")
        # each form's answer is the calendar page again: read it only once it has loaded (the page it
        # replaces answers "no" and "no recomputation" too)
        with admin.expect_navigation():
            admin.click("#day-submit")
        admin.locator('tr[data-day="2027-01-01"]').wait_for()
        expect(admin.locator("#year-mark")).to_have_attribute("data-complete", "no")  # a draft so far
        expect(admin.locator(".recompute-run")).to_have_count(0)
        snap(admin, "timerules-1-day-entered")

        with admin.expect_navigation():
            admin.click("#mark-complete")
        admin.locator('#year-mark[data-complete="yes"]').wait_for()
        expect(admin.locator('.calendar-missing[data-year="2027"]')).to_have_count(0)
        expect(admin.locator('.recompute-run[data-status="queued"]')).to_be_visible()
        snap(admin, "timerules-2-marked-complete")

        run_jobs_at(datetime.now(UTC))  # the worker runs the recomputation
        admin.reload()
        finished = admin.locator('.recompute-run[data-status="finished"]')
        assert "2027年工作日历变更" in finished.inner_text() and "1 件工单中有 1 件" in finished.inner_text()
        snap(admin, "timerules-3-recomputed")

        handler = logged_in_page("tr-handler", password=PASSWORD)
        handler.goto(f"{live_server}/work/?queue=to_sign")
        row = handler.locator("tr", has_text=ticket.number)
        assert "签收时限" in row.inner_text()  # the queue shows the limit that matters now: sign-for, breached
        handler.click(f"text={ticket.number}")
        handler.wait_for_url(f"{live_server}/work/tickets/{ticket.number}")
        facts = handler.locator("section.card", has_text="剩余办理时间")
        due = facts.locator("dt:has-text('办结时限') + dd").inner_text().strip()
        left = _minutes(facts.locator("dt:has-text('剩余办理时间') + dd").inner_text())
        now = datetime.now(UTC)
        snap(handler, "timerules-4-handler-ticket")

    assert due.startswith("2027-01-05 10:00")
    clock = working_clock()
    assert abs(left - Policy().resolve.remaining(clock, DISPATCHED, now)) <= 1  # the limit, less time used
    reached = clock.add_working_minutes(now, left).astimezone(SHANGHAI)
    assert abs((reached - local(2027, 1, 5, 10, 0)).total_seconds()) <= 60  # …ends at the date shown
    history = handler.locator("ol.history").inner_text()
    assert "时限已重新计算（2027年工作日历变更）" in history and "2027-01-04 10:00 → 2027-01-05 10:00" in history
