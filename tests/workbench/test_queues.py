"""A handler's queues as the handler sees them: each part in the queue of its state, only the handler's
own department, the limit that matters now, due soon at three quarters, overdue once breached, and the
next-page link walking a long queue once, in due order."""
from __future__ import annotations

import html as html_lib
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from hotline.demo.data import DEMO_PASSWORD
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.lookup import departments_by_code
from hotline.tickets.models import Ticket
from hotline.workbench import queries
from tests.escalation.conftest import local
from tests.factories import lead_of, make_ticket, resolve

DISPATCH = local(2026, 11, 16, 9, 0)  # Monday morning, a working day
LOOK = local(2026, 11, 16, 10, 0)  # an hour later: no limit has passed yet
EMPTY = "暂无工单。"


def _queue(client, name: str, at) -> str:
    with time_machine.travel(at, tick=False):
        response = client.get(f"/work/?queue={name}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _badges(html: str) -> dict[str, int]:
    """The count on each queue's tab."""
    return {q: int(n) for q, n in re.findall(r'tab-(\w+)"[^>]*>[^<]*<span class="badge">(\d+)</span>', html)}


def _row(html: str, number: str) -> str:
    """The table row of a ticket, from its ``<tr`` (which carries the limit's state) to its end."""
    start = html.rindex("<tr", 0, html.index(number))
    return html[start:html.index("</tr>", start)]


def _as(client, login, username: str, at=LOOK):
    with client.session_transaction() as sess:
        sess.clear()
    with time_machine.travel(at, tick=False):
        assert login(username, DEMO_PASSWORD).status_code == 302
    return client


@pytest.fixture
def desk(city):
    """The approval bureau's parts in each state, and one ticket of market regulation."""
    waiting = make_ticket(DISPATCH, caller_phone="13800000001")
    signed = make_ticket(DISPATCH + timedelta(minutes=10), caller_phone="13800000002")
    lifecycle.sign_for(lead_of(signed).id, actor=None, now=DISPATCH + timedelta(minutes=20))
    contacted = make_ticket(DISPATCH + timedelta(minutes=20), caller_phone="13800000003")
    at = DISPATCH + timedelta(minutes=30)
    lifecycle.sign_for(lead_of(contacted).id, actor=None, now=at)
    lifecycle.record_contact(lead_of(contacted).id, at=at, method="phone", reached=True, summary="已联系",
                             actor=None, now=at)
    submitted = make_ticket(DISPATCH + timedelta(minutes=30), caller_phone="13800000004")
    with time_machine.travel(DISPATCH + timedelta(minutes=40), tick=False):
        resolve(submitted, at=DISPATCH + timedelta(minutes=40))
    elsewhere = make_ticket(DISPATCH, caller_phone="13800000005", lead="market", override_reason="市场监管职责")
    assert {lead_of(t).department.code for t in (waiting, signed, contacted, submitted)} == {"approval"}
    return {"waiting": waiting.number, "signed": signed.number, "contacted": contacted.number,
            "submitted": submitted.number, "elsewhere": elsewhere.number}


def test_each_queue_holds_the_department_s_parts_in_its_state(desk, client, login):
    _as(client, login, "handler3")  # 市行政审批服务管理局
    shown = {q: _queue(client, q, LOOK) for q in queries.QUEUES}
    assert "市行政审批服务管理局工作台" in shown["to_sign"]
    expected = {"to_sign": {"waiting"}, "in_progress": {"signed", "contacted"}, "due_soon": set(), "overdue": set(),
                "submitted": {"submitted"}}
    for queue, names in expected.items():
        listed = {name for name, number in desk.items() if number in shown[queue]}
        assert listed == names, queue
    assert EMPTY in shown["due_soon"] and EMPTY in shown["overdue"]
    assert _badges(shown["to_sign"]) == {"to_sign": 1, "in_progress": 2, "due_soon": 0, "overdue": 0, "submitted": 1}


def test_another_department_s_handler_sees_only_its_own_ticket(desk, client, login, make_user):
    market = departments_by_code(["market"])["market"]
    make_user("handler", username="market-handler", department=market, password=DEMO_PASSWORD)
    _as(client, login, "market-handler")
    to_sign = _queue(client, "to_sign", LOOK)
    assert "市市场监督管理局工作台" in to_sign
    assert desk["elsewhere"] in to_sign
    for queue in queries.QUEUES:
        page = _queue(client, queue, LOOK)
        assert not [name for name in ("waiting", "signed", "contacted", "submitted") if desk[name] in page], queue
    assert _badges(to_sign) == {"to_sign": 1, "in_progress": 0, "due_soon": 0, "overdue": 0, "submitted": 0}
    with time_machine.travel(LOOK, tick=False):
        assert client.get(f"/work/tickets/{desk['waiting']}").status_code == 404


def test_each_row_shows_the_limit_the_department_must_meet_next(desk, client, login):
    _as(client, login, "handler3")
    to_sign = _queue(client, "to_sign", LOOK)
    in_progress = _queue(client, "in_progress", LOOK)
    waiting = _row(to_sign, desk["waiting"])
    assert "<td>签收时限</td>" in waiting and "<td>2026-11-16 11:00</td>" in waiting  # 2 working hours
    signed = _row(in_progress, desk["signed"])
    assert "<td>联系时限</td>" in signed and "<td>2026-11-17 09:10</td>" in signed  # 24 hours, natural time
    contacted = _row(in_progress, desk["contacted"])
    assert "<td>办结时限</td>" in contacted and "<td>2026-11-23 09:20</td>" in contacted  # 5 working days
    assert 'class="limit-running"' in contacted and "4个工作日6小时20分钟" in contacted  # 40 working minutes gone


def test_due_soon_at_three_quarters_then_overdue_once_the_resolution_limit_passes(desk, client, login):
    contacted = lead_of(db.session.scalar(select(Ticket).where(Ticket.number == desk["contacted"])))
    soon = contacted.resolve_warn_at + timedelta(minutes=1)
    assert soon < contacted.resolve_due_at
    _as(client, login, "handler3", at=soon)
    due_soon, overdue = _queue(client, "due_soon", soon), _queue(client, "overdue", soon)
    assert desk["contacted"] in due_soon and desk["contacted"] not in overdue
    assert 'class="limit-warning"' in _row(due_soon, desk["contacted"])
    # the part never signed and the part never contacted have breached their first limits long ago
    assert desk["waiting"] in overdue and desk["signed"] in overdue
    assert desk["submitted"] not in due_soon and desk["submitted"] not in overdue
    late = contacted.resolve_due_at + timedelta(minutes=1)
    _as(client, login, "handler3", at=late)  # days later: a new working session
    due_soon, overdue = _queue(client, "due_soon", late), _queue(client, "overdue", late)
    assert desk["contacted"] in overdue and desk["contacted"] not in due_soon
    assert 'class="limit-breached overdue"' in _row(overdue, desk["contacted"])
    assert _badges(overdue)["overdue"] == 3


def test_the_next_page_link_walks_a_long_queue_once_in_due_order(city, client, login, monkeypatch):
    monkeypatch.setattr(queries, "PAGE_SIZE", 2)
    numbers = [make_ticket(DISPATCH + timedelta(minutes=10 * i), caller_phone=f"1380000010{i}").number
               for i in range(5)]
    _as(client, login, "handler3")
    seen, url, pages = [], "/work/?queue=to_sign", 0
    while url:
        pages += 1
        with time_machine.travel(LOOK, tick=False):
            html = client.get(url).get_data(as_text=True)
        seen += re.findall(r'href="/work/tickets/(\d{6}-\d{5})"', html)
        after = re.search(r'<a href="([^"]*after=[^"]*)">下一页', html)
        url = html_lib.unescape(after.group(1)) if after else None
        assert pages <= 5, "the next-page link never ended"
    assert seen == numbers  # earliest due first, none twice, none left out
    assert pages == 3


@pytest.mark.parametrize("username", ["operator", "supervisor", "admin"])
def test_only_handlers_have_a_workbench(city, client, login, username):
    _as(client, login, username)
    with time_machine.travel(LOOK, tick=False):
        assert client.get("/work/").status_code == 403


def test_the_workbench_asks_a_visitor_to_log_in(city, client):
    response = client.get("/work/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_an_urgent_ticket_carries_its_urgency_in_the_queue_and_a_normal_one_none(city, client, login):
    urgent = make_ticket(DISPATCH, caller_phone="13800000011", urgency="urgent")
    normal = make_ticket(DISPATCH + timedelta(minutes=5), caller_phone="13800000012")
    _as(client, login, "handler3")
    html = _queue(client, "to_sign", LOOK)
    assert '<span class="tag">紧急</span>' in _row(html, urgent.number)
    assert 'class="tag"' not in _row(html, normal.number)
