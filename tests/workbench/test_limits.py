"""The handler's queues show the limit that matters now, and overdue counts every breached limit."""
from __future__ import annotations

import time_machine

from hotline.demo.data import DEMO_PASSWORD
from hotline.worktime.steps import current_limit
from tests.escalation.conftest import local
from tests.factories import make_ticket

DISPATCH = local(2026, 11, 16, 9, 0)  # Monday morning: sign-for is due at 11:00
LATER = local(2026, 11, 16, 15, 30)  # four working hours later (the lunch break does not count)


def test_the_limit_that_matters_follows_the_steps():
    i = {"sign_due_at": 1, "sign_warn_at": 0, "contact_due_at": 2, "contact_warn_at": 1, "resolve_due_at": 9,
         "resolve_warn_at": 7}
    assert current_limit("dispatched", signed=False, contacted=False, instants=i).step == "sign"
    assert current_limit("signed", signed=True, contacted=False, instants=i).step == "contact"
    assert current_limit("contacted", signed=True, contacted=True, instants=i).step == "resolve"
    assert current_limit("submitted", signed=True, contacted=True, instants=i) is None


def test_a_to_sign_ticket_past_its_sign_limit_shows_it_and_counts_as_overdue(city, client, login):
    ticket = make_ticket(DISPATCH)
    with time_machine.travel(LATER, tick=False):
        assert login("handler3", DEMO_PASSWORD).status_code == 302  # 市行政审批服务管理局
        html = client.get("/work/?queue=to_sign").get_data(as_text=True)
        overdue = client.get("/work/?queue=overdue").get_data(as_text=True)
    row = html[html.index(ticket.number):]
    row = row[:row.index("</tr>")]
    assert "<td>签收时限</td>" in row and "<td>2026-11-16 11:00</td>" in row
    assert "已超期2小时0分钟" in row  # two working hours late (lunch is no working time), not "5 days left"
    assert 'class="limit-breached overdue"' in html
    assert ticket.number in overdue
    tab = overdue[overdue.index("tab-overdue"):]
    assert '<span class="badge">1</span>' in tab[:400]
