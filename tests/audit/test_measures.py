"""Each measure on hand-built cases; reconciliation; drill-downs and exports agree with the figures."""
from __future__ import annotations

import io
from datetime import timedelta

import pytest
import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.audit import exports, measures
from hotline.audit.measures import MEASURES, Slice
from hotline.audit.periods import Period
from hotline.demo.data import DEMO_PASSWORD
from hotline.demo.seed import seed_reference
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.models import Ticket
from tests.escalation.conftest import local
from tests.factories import make_ticket

NOV = "2026-11"


def _period():
    return Period.month(NOV, "Asia/Shanghai")


def _handle(t: Ticket, contact_after: timedelta, submit_at=None, solved=True):
    a = t.assignments[0]
    lifecycle.sign_for(a.id, actor=None, now=a.dispatched_at + timedelta(minutes=10))
    at = a.dispatched_at + contact_after
    lifecycle.record_contact(a.id, at=at, method="phone", reached=True, summary="已联系", actor=None, now=at)
    if submit_at:
        lifecycle.submit(a.id, reply="已办结", solved=solved, actor=None, now=submit_at)
    return a


@pytest.fixture
def month(app):
    seed_reference()
    return _period()


def test_no_callbacks_shows_a_dash_not_zero(month, app):
    make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000001")
    figure = measures.compute("satisfaction", month)
    assert figure.base == 0 and figure.rate is None
    from hotline.labels import rate

    with app.test_request_context():
        assert rate(figure) == "—"


def test_response_counts_first_contact_within_its_limit(month):
    _handle(make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000001"), timedelta(hours=2))
    _handle(make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000002"), timedelta(hours=30))  # 24 h limit missed
    make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000003")  # never contacted
    f = measures.compute("response", month)
    assert (f.hits, f.base) == (1, 3)


def test_an_approved_extension_counts_as_on_time(month, make_user):
    supervisor = make_user("supervisor")
    t = make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000001")
    a = _handle(t, timedelta(hours=1))
    ext = lifecycle.request_extension(a.id, days=2, reason="等待检测", actor=None, now=local(2026, 11, 3, 9, 0))
    lifecycle.decide_extension(ext.id, approve=True, note="同意", actor=supervisor, now=local(2026, 11, 3, 10, 0))
    late_but_extended = local(2026, 11, 10, 10, 0)  # after the original 9 Nov 09:00, before 11 Nov 09:00
    lifecycle.submit(a.id, reply="已办结", solved=True, actor=None, now=late_but_extended)
    f = measures.compute("on_time", month)
    assert (f.hits, f.base) == (1, 1)
    assert measures.compute("extension", month).hits == 1


def test_callbacks_reopen_and_false_closure(month):
    t1 = make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000001")
    _handle(t1, timedelta(hours=1), submit_at=local(2026, 11, 4, 9, 0))
    lifecycle.record_callback(t1.id, reached=True, solved=True, satisfaction="satisfied", comment="", actor=None,
                              now=local(2026, 11, 5, 9, 0))
    t2 = make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000002")
    _handle(t2, timedelta(hours=1), submit_at=local(2026, 11, 4, 9, 0), solved=True)
    lifecycle.record_callback(t2.id, reached=True, solved=False, satisfaction="unsatisfied", comment="", actor=None,
                              now=local(2026, 11, 5, 9, 0))
    t3 = make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000003")
    _handle(t3, timedelta(hours=1), submit_at=local(2026, 11, 4, 9, 0))
    lifecycle.record_callback(t3.id, reached=False, solved=None, satisfaction=None, comment="", actor=None,
                              now=local(2026, 11, 5, 9, 0))
    assert (measures.compute("resolution", month).hits, measures.compute("resolution", month).base) == (1, 2)
    assert measures.compute("satisfaction", month).rate == 0.5
    assert measures.compute("false_closure", month).hits == 1
    reopen = measures.compute("reopen", month)
    assert reopen.hits == 1  # the reopen counts
    db.session.refresh(t2)
    assert len(t2.assignments) == 2  # and the new round is a new assignment in the on-time base


def test_inquiries_are_outside_the_complaint_bases(month):
    make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000001", kind="inquiry", category_code=None,
                answered_on_spot=True, answer="已当场解答")
    dispatched = make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000003", kind="inquiry")
    _handle(dispatched, timedelta(hours=1))
    make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000002")
    with time_machine.travel(local(2026, 12, 10, 9, 0), tick=False):
        assert measures.compute("response", month).base == 1  # the dispatched inquiry's assignment is not in it
        assert measures.compute("sign_on_time", month).base == 1
        assert measures.compute("repeat", month).base == 1
        spot = measures.compute("on_the_spot", month)
        assert (spot.hits, spot.base) == (1, 2)
        assert measures.compute("inquiry_dispatched", month).hits == 1
    # the whole month with inquiries answered, dispatched, called back: tests/audit/test_inquiries.py


def _mixed_month():
    for i, category in enumerate(("refusal", "factor_supply", "unpaid_debts", "refusal")):
        t = make_ticket(local(2026, 11, 2 + i, 9, 0), caller_phone=f"1380000000{i}", category_code=category,
                        subject="厂房电力增容" if category == "factor_supply" else "测试")
        for a in t.assignments:
            lifecycle.sign_for(a.id, actor=None, now=a.dispatched_at + timedelta(minutes=5))
            if i % 2 == 0:
                lifecycle.record_contact(a.id, at=a.dispatched_at + timedelta(hours=1), method="phone", reached=True,
                                         summary="已联系", actor=None, now=a.dispatched_at + timedelta(hours=1))


@pytest.mark.parametrize("key", ["response", "sign_on_time", "on_time", "return", "extension"])
def test_department_figures_sum_to_the_city(month, key):
    _mixed_month()
    city = measures.compute(key, month)
    parts = measures.by_department(key, month)
    assert sum(f.hits for f in parts.values()) == city.hits
    assert sum(f.base for f in parts.values()) == city.base
    assert city.base > 0


@pytest.mark.parametrize("key", list(MEASURES))
@pytest.mark.parametrize("part", ["base", "hit", "miss"])
def test_drill_down_length_equals_the_figure(month, key, part):
    _mixed_month()
    f = measures.compute(key, month)
    expected = {"base": f.base, "hit": f.hits, "miss": f.base - f.hits}[part]
    assert exports.count(key, month, Slice(), part) == expected
    assert len(exports.rows(key, month, Slice(), part)) == expected


def test_drill_page_and_xlsx_export_hold_the_same_rows(month, client, login):
    _mixed_month()
    login("supervisor", DEMO_PASSWORD)
    page = client.get(f"/audit/drill?measure=response&part=miss&month={NOV}").get_data(as_text=True)
    numbers = {t.number for t in db.session.scalars(select(Ticket))}
    on_page = {n for n in numbers if n in page}
    response = client.get(f"/audit/export?measure=response&part=miss&month={NOV}&format=xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("工单编号", "受理时间", "诉求标题")
    assert {r[0] for r in rows[1:]} == on_page
    assert len(rows) - 1 == measures.compute("response", month).base - measures.compute("response", month).hits
    csv_text = client.get(f"/audit/export?measure=response&part=miss&month={NOV}&format=csv").data.decode("utf-8-sig")
    assert len(csv_text.strip().splitlines()) == len(rows)


def test_dashboard_and_ranking_report_render(month, client, login):
    _mixed_month()
    login("supervisor", DEMO_PASSWORD)
    html = client.get(f"/audit/?month={NOV}").get_data(as_text=True)
    assert "chart.umd.min.js" in html and "/audit/drill?" in html
    report = client.get(f"/audit/ranking/report?month={NOV}").get_data(as_text=True)
    assert "市行政审批服务管理局" in report
    sheet = load_workbook(io.BytesIO(client.get(f"/audit/ranking/export?month={NOV}&format=xlsx").data)).active
    assert sheet.cell(1, 1).value == "排名" and sheet.max_row >= 2


def test_a_handler_sees_only_its_department_in_drill_downs(month, client, login):
    _mixed_month()
    login("handler3", DEMO_PASSWORD)  # the approval bureau
    html = client.get(f"/audit/drill?measure=sign_on_time&month={NOV}&department=999").get_data(as_text=True)
    approval = {t.number for t in db.session.scalars(select(Ticket)) if any(
        a.department.code == "approval" for a in t.assignments)}
    others = {t.number for t in db.session.scalars(select(Ticket))} - approval
    assert approval and all(n in html for n in approval) and not any(n in html for n in others)
    assert client.get(f"/audit/department?month={NOV}").status_code == 200


def test_an_assignment_still_within_its_limit_is_not_yet_judged(month):
    now = local(2026, 11, 16, 10, 0)  # inside the month, whatever today's date is
    t = make_ticket(now - timedelta(minutes=30), caller_phone="13800000009")
    with time_machine.travel(now, tick=False):
        f = measures.compute("response", month)
        assert f.base == 0 and f.rate is None  # neither contacted nor late yet
        a = t.assignments[0]
        lifecycle.sign_for(a.id, actor=None, now=now)
        lifecycle.record_contact(a.id, at=now, method="phone", reached=True, summary="已联系", actor=None, now=now)
        assert (measures.compute("response", month).hits, measures.compute("response", month).base) == (1, 1)


def test_a_part_withdrawn_by_the_lead_s_return_is_not_judged(month):
    """A co-handler's part ended by the lead's return is neither late nor on time: like a return, it
    leaves the response, sign-for and on-time bases (and is no return of that department)."""
    t = make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000001", category_code="unpaid_debts")
    lead, co = t.assignments[:2]
    lifecycle.return_assignment(lead.id, grounds="不属本单位", actor=None, now=local(2026, 11, 2, 9, 30))
    assert co.status == "withdrawn"
    with time_machine.travel(local(2026, 11, 30, 12, 0), tick=False):
        for key in ("response", "sign_on_time"):
            assert measures.compute(key, month).base == 0, key
        assert (measures.compute("return", month).hits, measures.compute("return", month).base) == (1, 2)
