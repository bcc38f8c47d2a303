"""Operator pages: returned tickets and re-dispatch, search, my tickets, confidential identity."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.events import verify_ticket
from hotline.tickets.models import Event, Ticket
from hotline.tickets.states import TransitionRefused
from tests.conftest import csrf_from, on_postgres
from tests.factories import VALID_CODE, post_intake


def _last() -> Ticket:
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


def test_returned_ticket_is_listed_with_grounds_and_re_dispatched(operator_client):
    post_intake(operator_client, category="factor_supply", subject="燃气接入迟迟不办",
                description="新建食堂申请燃气接入两个月没有回音，电话也打不通。", lead="water",
                override_reason="话务员判断为供水问题")
    ticket = _last()
    lifecycle.return_assignment(ticket.assignments[0].id, grounds="燃气不属于水务局职责，应由住建局办理。",
                                actor=None)
    db.session.refresh(ticket)
    assert ticket.status == "returned"
    page = operator_client.get("/tickets/returned").get_data(as_text=True)
    assert ticket.number in page and "燃气不属于水务局职责" in page

    url = f"/tickets/{ticket.number}/redispatch"
    token = csrf_from(operator_client.get(url).get_data(as_text=True))
    response = operator_client.post(url, data={"lead": "housing", "reason": "燃气属住建局职责",
                                               "csrf_token": token})
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == "dispatched"
    assert [(a.department.code, a.status) for a in ticket.assignments] == [
        ("water", "returned"), ("housing", "dispatched")]
    operator_client.get(response.headers["Location"])  # shows (and consumes) the confirmation
    assert ticket.number not in operator_client.get("/tickets/returned").get_data(as_text=True)
    assert verify_ticket(ticket.id) is None


def test_redispatch_needs_a_returned_ticket_and_a_lead(operator_client):
    post_intake(operator_client)
    ticket = _last()
    url = f"/tickets/{ticket.number}/redispatch"
    token = csrf_from(operator_client.get(url).get_data(as_text=True))
    response = operator_client.post(url, data={"lead": "housing", "reason": "x", "csrf_token": token})
    assert response.status_code == 400
    response = operator_client.post(url, data={"lead": "", "reason": "x", "csrf_token": token})
    assert response.status_code == 400
    db.session.refresh(ticket)
    assert len(ticket.assignments) == 1


def test_return_needs_grounds_and_the_window(operator_client):
    post_intake(operator_client)
    assignment = _last().assignments[0]
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.return_assignment(assignment.id, grounds="  ", actor=None)
    assert refused.value.code == "return_grounds_required"
    late = assignment.return_due_at.replace(microsecond=0) + __import__("datetime").timedelta(seconds=1)
    with pytest.raises(TransitionRefused) as refused:
        lifecycle.return_assignment(assignment.id, grounds="不属本单位职责", actor=None, now=late)
    assert refused.value.code == "return_window_closed"


@pytest.mark.parametrize("query", ["number", "13812345678", "138-1234-5678", VALID_CODE, "华晟珠宝", "跑了三趟"])
def test_search_finds_a_ticket_by_every_key(operator_client, query):
    post_intake(operator_client)
    ticket = _last()
    q = ticket.number if query == "number" else query
    page = operator_client.get("/tickets/search", query_string={"q": q}).get_data(as_text=True)
    assert ticket.number in page


def test_search_misses_what_does_not_match(operator_client):
    operator_client.get(post_intake(operator_client).headers["Location"])  # consume the flash
    page = operator_client.get("/tickets/search", query_string={"q": "完全无关的词"}).get_data(as_text=True)
    assert _last().number not in page and "未找到工单" in page


def test_my_tickets_lists_the_operators_tickets(operator_client):
    post_intake(operator_client)
    assert _last().number in operator_client.get("/tickets/mine").get_data(as_text=True)


def test_confidential_identity_is_masked_until_revealed_and_each_view_is_recorded(operator_client, operator):
    post_intake(operator_client, confidential="y")
    ticket = _last()
    url = f"/tickets/{ticket.number}"
    html = operator_client.get(url).get_data(as_text=True)
    assert "13812345678" not in html and "赵建国" not in html and "138****5678" in html
    token = csrf_from(html)
    revealed = operator_client.post(url, data={"csrf_token": token}).get_data(as_text=True)
    assert "13812345678" in revealed and "赵建国" in revealed
    views = db.session.scalars(select(Event).where(Event.ticket_id == ticket.id,
                                                   Event.action == "identity_viewed")).all()
    assert [v.actor_id for v in views] == [operator.id]
    assert verify_ticket(ticket.id) is None


@pytest.mark.committing  # threads, each on its own connection
def test_concurrent_intakes_get_distinct_numbers(app, city, operator):
    from hotline.tickets.intake import IntakeData, create_ticket

    numbers, errors = [], []

    def worker(i: int) -> None:
        with app.app_context():
            try:
                for j in range(5):
                    t = create_ticket(IntakeData(channel="phone", kind="complaint", category_code="refusal",
                                                 subject=f"并发受理{i}-{j}",
                                                 description="并发受理测试：窗口拒收申请材料。",
                                                 caller_name="测试", caller_phone=f"1390000{i:02d}{j:02d}"),
                                      operator_id=operator.id, operator_name="王丽")
                    numbers.append(t.number)
            except Exception as exc:  # collected and asserted below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(6 if on_postgres() else 3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(numbers) == len(set(numbers)) == db.session.scalar(select(func.count()).select_from(Ticket))
    serials = sorted(int(n.split("-")[1]) for n in numbers)
    assert serials == list(range(1, len(numbers) + 1))
