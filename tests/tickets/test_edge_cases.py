"""Edge cases of the lifecycle and its escalation: returns after a reopen or by the lead, extensions after a
re-dispatch, a second late callback, closing under supervision, unreached contact attempts, bad input."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hotline.db import utcnow
from hotline.escalation import engine
from hotline.escalation.models import CaseStatus, EscalationStep, SupervisionCase
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.intake import redispatch
from tests.factories import make_ticket, post_intake, resolve


def test_a_reopened_ticket_returned_by_its_department_goes_back_to_the_operators(operator):
    ticket = make_ticket(operator=operator)
    resolve(ticket)
    lifecycle.record_callback(ticket.id, reached=True, solved=False, satisfaction="unsatisfied", comment="",
                              actor=None)
    db.session.refresh(ticket)
    new = max(ticket.assignments, key=lambda a: a.id)
    lifecycle.return_assignment(new.id, grounds="不属本单位职责", actor=None)
    db.session.refresh(ticket)
    assert ticket.status == "returned"


def test_the_leads_return_sends_a_joint_ticket_back(operator):
    ticket = make_ticket(operator=operator, category_code="factor_supply", subject="电力增容")
    lead, co = ticket.assignments
    lifecycle.return_assignment(lead.id, grounds="主办应为供电公司", actor=None)
    db.session.refresh(ticket)
    assert ticket.status == "returned"
    assert co.status == "withdrawn"  # the co-handler's part ends with the lead's return
    [new] = redispatch(ticket, "power", (), note="改由供电公司主办", actor_id=operator.id)
    db.session.refresh(ticket)
    assert ticket.status == "dispatched"
    live = [a for a in ticket.assignments if a.status in ("dispatched", "signed", "contacted")]
    assert live == [new] and new.round == ticket.round == 2


def test_an_extension_after_a_single_department_redispatch_keeps_the_five_day_limit(operator, make_user):
    supervisor = make_user("supervisor")
    ticket = make_ticket(operator=operator, category_code="factor_supply", subject="电力增容")
    lead = next(a for a in ticket.assignments if a.role == "lead")
    lifecycle.return_assignment(lead.id, grounds="非本单位", actor=None)  # the whole ticket goes back
    [new] = redispatch(ticket, "housing", (), note="燃气", actor_id=operator.id)
    before = new.resolve_due_at
    lifecycle.sign_for(new.id, actor=None)
    ext = lifecycle.request_extension(new.id, days=1, reason="核查", actor=None)
    lifecycle.decide_extension(ext.id, approve=True, note="同意", actor=supervisor)
    db.session.refresh(new)
    from hotline.worktime.calendar import working_clock

    assert working_clock().working_minutes_between(before, new.resolve_due_at) == pytest.approx(420)


def test_a_late_callback_is_reported_again_after_a_reopen(operator):
    past = utcnow() - timedelta(days=30)
    ticket = make_ticket(operator=operator, now=past)
    resolve(ticket, at=past + timedelta(hours=1))
    for item in engine.due_items(utcnow()):
        engine.apply(*item)
    lifecycle.record_callback(ticket.id, reached=True, solved=False, satisfaction="unsatisfied", comment="",
                              actor=None, now=past + timedelta(days=10))
    db.session.refresh(ticket)
    resolve(ticket, at=past + timedelta(days=11))
    for item in engine.due_items(utcnow()):
        engine.apply(*item)
    keys = db.session.scalars(select(EscalationStep.step).where(EscalationStep.target_type == "ticket")).all()
    assert sorted(keys) == ["callback_breach:1", "callback_breach:2"]


def test_closing_a_ticket_ends_its_supervision(operator):
    ticket = make_ticket(operator=operator)
    resolve(ticket)
    lifecycle.record_callback(ticket.id, reached=True, solved=False, satisfaction="unsatisfied", comment="",
                              actor=None)
    db.session.refresh(ticket)
    resolve(ticket)
    lifecycle.record_callback(ticket.id, reached=True, solved=True, satisfaction="satisfied", comment="",
                              actor=None)
    cases = db.session.scalars(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id)).all()
    assert cases and all(c.status == CaseStatus.CLEARED for c in cases)
    assert not [i for i in engine.due_items(utcnow() + timedelta(days=60)) if i[0] == "case"]


def test_an_unreached_attempt_is_recorded_but_is_not_the_first_contact(operator):
    ticket = make_ticket(operator=operator)
    a = ticket.assignments[0]
    lifecycle.sign_for(a.id, actor=None)
    lifecycle.record_contact(a.id, at=utcnow(), method="phone", reached=False, summary="无人接听", actor=None)
    db.session.refresh(a)
    assert a.status == "signed" and a.first_contact_at is None
    lifecycle.record_contact(a.id, at=utcnow(), method="phone", reached=True, summary="已联系", actor=None)
    db.session.refresh(a)
    assert a.status == "contacted" and a.first_contact_at is not None


def test_duplicate_co_handlers_are_a_form_error_not_a_crash(operator_client):
    response = post_intake(operator_client, lead="market", co_handlers=["approval", "approval"],
                           override_reason="测试")
    assert response.status_code == 400


def test_bad_query_values_are_400_or_ignored(operator_client, client, login):
    assert operator_client.get("/tickets/mine?before=99999999999999999999").status_code == 200
    with client.session_transaction() as sess:
        sess.clear()
    from hotline.demo.data import DEMO_PASSWORD

    login("supervisor", DEMO_PASSWORD)
    assert client.get("/audit/drill?measure=response&kind=nonsense").status_code == 400
    assert client.get("/audit/drill?measure=response&district=99999999999999999999").status_code == 200
    assert client.get("/supervision/?department=99999999999999999999").status_code == 200


def test_public_text_never_shows_a_phone_and_exports_hold_no_formulas():
    from hotline.api.represent import redact_phones
    from hotline.audit.exports import _fmt

    for text in ("+8613812345678", "8613812345678", "１３８１２３４５６７８", "0357-2096666"):
        assert "5678" not in redact_phones(f"请联系{text}") or "****" in redact_phones(f"请联系{text}")
        assert "1234" not in redact_phones(f"请联系{text}")
    from zoneinfo import ZoneInfo

    assert _fmt("=HYPERLINK(\"x\")", ZoneInfo("UTC")).startswith("'")
