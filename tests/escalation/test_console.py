"""The supervisors' console and case page: queues with counts and filters, notices, interviews, clearing."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.db import utcnow
from hotline.demo.data import DEMO_PASSWORD
from hotline.demo.seed import seed_reference
from hotline.escalation import engine
from hotline.escalation.models import SupervisionAction, SupervisionCase
from hotline.extensions import db
from hotline.tickets.events import verify_ticket
from hotline.tickets.lookup import departments_by_code
from hotline.tickets.models import Ticket
from tests.conftest import csrf_from
from tests.factories import make_ticket

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _late_ticket(**fields) -> Ticket:
    """A ticket received 20 days ago and never touched since: every limit of its part has passed."""
    return make_ticket(now=utcnow() - timedelta(days=20), subject="超期未办", **fields)


@pytest.fixture
def supervisor_client(app, client, login):
    seed_reference()
    assert login("supervisor", DEMO_PASSWORD).status_code == 302
    return client


def test_console_counts_and_filters(supervisor_client):
    late = _late_ticket()
    other = _late_ticket(caller_phone="13800000002", category_code="factor_supply")
    for item in engine.due_items(utcnow()):
        engine.apply(*item)
    html = supervisor_client.get("/supervision/?queue=level1").get_data(as_text=True)
    assert late.number in html and other.number in html
    approval = departments_by_code(["approval"])["approval"]
    filtered = supervisor_client.get(f"/supervision/?queue=level1&department={approval.id}").get_data(as_text=True)
    assert late.number in filtered and other.number not in filtered
    overdue = supervisor_client.get("/supervision/?queue=overdue").get_data(as_text=True)
    assert late.number in overdue


def _post(client, url, page, prefix, **data):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={f"{prefix}-csrf_token": token, **{f"{prefix}-{k}": v for k, v in data.items()}})


def test_notice_interview_and_clearing_a_level_three_case(supervisor_client):
    ticket = _late_ticket()
    for item in engine.due_items(utcnow()):
        engine.apply(*item)
    case = db.session.scalar(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id))
    page = f"/supervision/cases/{case.id}"
    approval = departments_by_code(["approval"])["approval"]
    response = _post(supervisor_client, f"{page}/notice", page, "notice", department_id=approval.id,
                     due_date=(utcnow() + timedelta(days=3)).date().isoformat(), outcome="请三日内办结并报告")
    assert response.status_code == 302
    bad = _post(supervisor_client, f"{page}/notice", page, "notice", department_id=approval.id, due_date="",
                outcome="保留的督办内容")
    assert bad.status_code == 400 and "保留的督办内容" in bad.get_data(as_text=True)

    case.level = 3  # as if two further deadlines had passed
    db.session.commit()
    refused = _post(supervisor_client, f"{page}/clear", page, "clear", reason="已办结")
    assert refused.status_code == 409  # level 3 results in an interview first
    _post(supervisor_client, f"{page}/interview", page, "interview", participants="市行政审批服务管理局分管副局长",
          held_at=(utcnow() - timedelta(days=1)).astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M"),
          outcome="责令限期整改")  # yesterday, whatever today is
    assert _post(supervisor_client, f"{page}/clear", page, "clear", reason="已整改到位").status_code == 302
    db.session.refresh(case)
    assert case.status == "cleared" and case.close_reason == "已整改到位"
    kinds = db.session.scalars(select(SupervisionAction.kind).order_by(SupervisionAction.id)).all()
    assert [str(k) for k in kinds] == ["notice", "interview", "clear"]
    assert verify_ticket(ticket.id) is None


def test_console_is_for_supervisors(client, login, app, make_user):
    handler = make_user("handler")
    login(handler.username)
    assert client.get("/supervision/").status_code == 403


def test_a_case_is_named_by_its_ticket_and_level_and_its_notice_goes_to_the_lead(supervisor_client):
    client, ticket = supervisor_client, _late_ticket(district_code="anze")  # led by 安泽县人民政府, not the tax bureau
    for item in engine.due_items(utcnow()):
        engine.apply(*item)
    case = db.session.scalar(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id))
    html = client.get(f"/supervision/cases/{case.id}").get_data(as_text=True)
    assert f"{ticket.number} · 一级督办" in html
    lead = ticket.assignments[0].department
    assert f'<option selected value="{lead.id}">{lead.name_zh}</option>' in html
    console = client.get("/supervision/?queue=level1").get_data(as_text=True)
    assert f"{ticket.number} · 一级督办" in console
