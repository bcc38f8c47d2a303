"""Through the pages: an admin marks 2027 complete with New Year's Day off; the progress shows on the
settings pages; the handler's due date and working time left agree again, in this process and in
another one that had cached the old rules; the ticket history says what moved and why."""
from __future__ import annotations

import re
from datetime import date

import pytest
import time_machine
from sqlalchemy import select

from hotline import create_app
from hotline.demo.seed import seed_reference
from hotline.extensions import db
from hotline.tickets.models import Assignment, Ticket
from hotline.worktime.calendar import working_clock
from hotline.worktime.limits import Policy
from tests.conftest import PASSWORD, _TestConfig, csrf_from
from tests.escalation.conftest import SHANGHAI, local
from tests.factories import make_ticket

DISPATCHED = local(2026, 12, 28, 10, 0)  # Monday: 5 working days → 4 Jan 10:00 on Monday–Friday
NOW = local(2026, 12, 30, 9, 0)  # 13 working hours used: 22 left


@pytest.fixture
def ticket(app):
    """A ticket dispatched on Monday 28 December 2026."""
    seed_reference()
    return make_ticket(DISPATCHED)


@pytest.fixture
def lead(ticket) -> Assignment:
    """The ticket's only assignment."""
    return db.session.scalars(select(Assignment).where(Assignment.ticket_id == ticket.id)).one()


def _login(client, username: str, lang: str | None = None) -> None:
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if lang:
        token = csrf_from(client.get("/").get_data(as_text=True))
        client.post(f"/language/{lang}", data={"csrf_token": token, "next": "/"})


def _post(client, page: str, url: str, data: dict, prefix: str = ""):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, f"{prefix}csrf_token": token})


def _shown(html: str) -> tuple[str, int]:
    """The handler page's "Resolve by" (local text) and "Working time left" (in working minutes)."""
    match = re.search(r"<dt>Resolve by</dt><dd>([0-9-]+ [0-9:]+)", html)
    assert match, html[:3000]
    due = match.group(1)
    left = re.search(r"<dt>Working time left</dt><dd[^>]*>(?:(\d+) d )?(\d+) h (\d+) min</dd>", html)
    days, hours, minutes = (int(x or 0) for x in left.groups())
    return due, days * 420 + hours * 60 + minutes


def _agree(html: str, dispatched, now) -> bool:
    """The due date shown is the limit counted from dispatch, and the time left reaches exactly it."""
    due, left = _shown(html)
    clock = working_clock()
    limit_left = Policy().resolve.remaining(clock, dispatched, now)
    reached = clock.add_working_minutes(now, left).astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    return left == round(limit_left) and reached == due


def test_admin_marks_2027_complete_and_the_handler_sees_the_moved_due_date(app, client, ticket, lead,
                                                                          make_user, jobs):
    make_user("admin", username="tr-admin")
    make_user("handler", username="tr-handler", department=lead.department)
    make_user("handler", username="tr-colleague", department=lead.department)
    other = create_app(_TestConfig(app.config["SQLALCHEMY_DATABASE_URI"], app.config["REDIS_URL"]))
    other_client = other.test_client()  # another process: its own app, its own cached rules and clock

    with time_machine.travel(NOW, tick=False):
        _login(other_client, "tr-handler", "en")
        before = other_client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
        assert _shown(before) == ("2027-01-04 10:00", 22 * 60) and _agree(before, DISPATCHED, NOW)

        _login(client, "tr-admin", "en")
        page = "/admin/settings/calendar?year=2027"
        html = client.get(page).get_data(as_text=True)
        assert 'data-complete="no"' in html and 'data-year="2027"' in html and "recompute-run" not in html
        response = _post(client, page, "/admin/settings/calendar/day?year=2027",
                         {"day-day": "2027-01-01", "day-kind": "off", "day-note": "元旦"}, "day-")
        assert response.status_code == 302
        html = client.get(page).get_data(as_text=True)
        assert "recompute-run" not in html  # a draft: nothing to recompute yet
        response = _post(client, page, "/admin/settings/calendar/2027/complete", {"complete": "1"})
        assert response.status_code == 302
        html = client.get(page).get_data(as_text=True)
        assert "2027 is marked complete: its days now apply to every deadline." in html
        assert 'data-complete="yes"' in html and 'data-year="2027"' not in html
        assert re.search(r'data-status="queued">\s*Waiting for a worker: open deadlines will be recomputed because '
                         r"the working calendar of 2027 changed", html)

        # the rules changed but the job has not run: the handler is told the dates may not agree yet
        waiting = other_client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
        assert "due dates are being recomputed" in waiting and not _agree(waiting, DISPATCHED, NOW)

    jobs(local(2026, 12, 30, 9, 1))

    with time_machine.travel(local(2026, 12, 30, 9, 2), tick=False):
        now = local(2026, 12, 30, 9, 2)
        html = client.get("/admin/settings/hours").get_data(as_text=True)  # every settings page shows it
        assert re.search(r'data-status="finished">\s*Open deadlines recomputed because the working calendar of 2027 '
                         r"changed: finished at 2026-12-30 09:01; 1 of 1 tickets checked had deadlines moved.", html)

        after = other_client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
        queue = other_client.get("/work/?queue=to_sign").get_data(as_text=True)
        assert _shown(after) == ("2027-01-05 10:00", 22 * 60 - 2) and _agree(after, DISPATCHED, now)
        assert "due dates are being recomputed" not in after
        # the to-sign queue shows the limit that matters now (sign-for, long breached, not moved); the
        # moved resolution date and its working time left are on the ticket's page above
        assert ticket.number in queue and "<td>Sign for by</td>" in queue
        assert (f"Deadlines recomputed (the working calendar of 2027 changed): {lead.department.name_en} "
                "resolve by 2027-01-04 10:00 → 2027-01-05 10:00") in after

        same = app.test_client()  # the same process (and app) as the admin's change
        _login(same, "tr-handler")  # English: the handler's choice of language stays with the user
        mine = same.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
        assert _shown(mine) == ("2027-01-05 10:00", 22 * 60 - 2) and _agree(mine, DISPATCHED, now)
        colleague = app.test_client()
        _login(colleague, "tr-colleague")  # a colleague who reads Chinese
        zh = colleague.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
        assert "2027-01-05 10:00" in zh and "3个工作日0小时58分钟" in zh
        assert (f"时限已重新计算（2027年工作日历变更）：{lead.department.name_zh} "
                "办结时限 2027-01-04 10:00 → 2027-01-05 10:00") in zh
    with other.app_context():
        db.engine.dispose()


def test_marking_a_bundled_year_is_refused_and_unmarking_recomputes(app, client, ticket, lead, make_user, jobs):
    make_user("admin", username="tr-admin")
    with time_machine.travel(NOW, tick=False):
        _login(client, "tr-admin", "en")
        response = _post(client, "/admin/settings/calendar?year=2026", "/admin/settings/calendar/2026/complete",
                         {"complete": "1"})
        html = client.get("/admin/settings/calendar?year=2026").get_data(as_text=True)
        assert response.status_code == 302 and "bundled with the system: it needs no mark" in html
        assert "mark-complete" not in html
        page = "/admin/settings/calendar?year=2027"
        _post(client, page, "/admin/settings/calendar/upload?year=2027",
              {"upload-year": "2027", "upload-lines": "2027-01-01 off 元旦"}, "upload-")
        _post(client, page, "/admin/settings/calendar/2027/complete", {"complete": "1"})
    jobs(local(2026, 12, 30, 9, 1))
    db.session.expire_all()
    assert db.session.get(Assignment, lead.id).resolve_due_at == local(2027, 1, 5, 10, 0)
    with time_machine.travel(local(2026, 12, 30, 9, 5), tick=False):
        _post(client, page, "/admin/settings/calendar/2027/complete", {"complete": "0"})
        html = client.get(page).get_data(as_text=True)
        assert 'data-complete="no"' in html and 'data-year="2027"' in html
    jobs(local(2026, 12, 30, 9, 6))
    db.session.expire_all()
    assert db.session.get(Assignment, lead.id).resolve_due_at == local(2027, 1, 4, 10, 0)
    assert working_clock().calendar.is_workday(date(2027, 1, 1))  # Monday–Friday again
    assert db.session.get(Ticket, ticket.id).status == "dispatched"
