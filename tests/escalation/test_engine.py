"""Escalation on RQ against a real Redis, with time travel: timers, sweep, ladder, exactly once."""
from __future__ import annotations

import time_machine
from sqlalchemy import func, select

from hotline.escalation import engine
from hotline.escalation.jobs import sweep
from hotline.escalation.models import EscalationStep, SupervisionCase
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.tickets import lifecycle
from hotline.tickets.models import Event
from tests.escalation.conftest import local
from tests.factories import make_ticket


def _steps(**filters) -> list[str]:
    query = select(EscalationStep.step)
    for k, v in filters.items():
        query = query.where(getattr(EscalationStep, k) == v)
    return sorted(db.session.scalars(query))


def test_sign_warning_and_breach_fire_at_the_working_instant(city, make_user, jobs):
    # Monday 30 Nov 2026, 09:00: sign for within 2 working hours → warn 10:30, breach 11:00
    ticket = make_ticket(local(2026, 11, 30, 9, 0))
    a = ticket.assignments[0]
    handler = make_user("handler", department=a.department)
    assert a.sign_warn_at == local(2026, 11, 30, 10, 30) and a.sign_due_at == local(2026, 11, 30, 11, 0)
    jobs(local(2026, 11, 30, 10, 29))
    assert _steps(target_id=a.id) == []
    jobs(local(2026, 11, 30, 10, 31))
    assert _steps(target_id=a.id) == ["sign_warn"]
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == handler.id)) == \
        "escalation_sign_warn"
    jobs(local(2026, 11, 30, 11, 1))
    assert _steps(target_id=a.id) == ["sign_breach", "sign_warn"]


def test_lunch_break_and_weekend_move_the_instants(city):
    # Friday 4 Dec 2026, 17:00: one working hour left that day → sign due Monday 09:30
    ticket = make_ticket(local(2026, 12, 4, 17, 0))
    a = ticket.assignments[0]
    assert a.sign_due_at == local(2026, 12, 7, 9, 30)
    ticket = make_ticket(local(2026, 12, 1, 11, 30), caller_phone="13900001111")
    assert ticket.assignments[0].sign_due_at == local(2026, 12, 1, 16, 0)  # 30 min before lunch, 90 after


def test_a_signed_assignment_gets_no_sign_breach(city, jobs):
    ticket = make_ticket(local(2026, 11, 30, 9, 0))
    a = ticket.assignments[0]
    with time_machine.travel(local(2026, 11, 30, 9, 30), tick=False):
        lifecycle.sign_for(a.id, actor=None)
    jobs(local(2026, 11, 30, 11, 30))
    assert "sign_breach" not in _steps(target_id=a.id) and "sign_warn" not in _steps(target_id=a.id)


def _handled_but_unresolved(instant):
    ticket = make_ticket(instant)
    a = ticket.assignments[0]
    with time_machine.travel(instant.replace(minute=10), tick=False):
        lifecycle.sign_for(a.id, actor=None)
        lifecycle.record_contact(a.id, at=instant.replace(minute=10), method="phone", reached=True,
                                 summary="已联系", actor=None)
    return ticket, a


def test_resolution_breach_opens_supervision_and_levels_climb_to_three(city, make_user):
    make_user("supervisor")
    ticket, a = _handled_but_unresolved(local(2026, 11, 30, 9, 0))
    assert a.resolve_due_at == local(2026, 12, 7, 9, 0)  # 5 working days
    with time_machine.travel(local(2026, 12, 7, 9, 1), tick=False):
        assert engine.apply("assignment", a.id, "resolve_breach")
    db.session.refresh(ticket)
    assert ticket.supervision_level == 1
    case1 = db.session.scalar(select(SupervisionCase).where(SupervisionCase.level == 1))
    assert case1.trigger == "resolve_breach" and case1.due_at == local(2026, 12, 10, 9, 1)
    for level, after in ((2, local(2026, 12, 10, 9, 2)), (3, local(2026, 12, 15, 9, 3))):
        with time_machine.travel(after, tick=False):
            taken = sum(engine.apply(*item) for item in engine.due_items(after))
        assert taken >= 1
        db.session.refresh(ticket)
        assert ticket.supervision_level == level
    cases = db.session.scalars(select(SupervisionCase).order_by(SupervisionCase.level)).all()
    assert [(c.level, str(c.status)) for c in cases] == [(1, "escalated"), (2, "escalated"), (3, "open")]
    with time_machine.travel(local(2026, 12, 31, 9, 0), tick=False):
        for item in engine.due_items(local(2026, 12, 31, 9, 0)):
            engine.apply(*item)
    db.session.refresh(ticket)
    assert ticket.supervision_level == 3  # never past 3
    assert len(db.session.scalars(select(SupervisionCase)).all()) == 3


def test_an_approved_extension_moves_the_breach(city, make_user, jobs):
    supervisor = make_user("supervisor")
    ticket, a = _handled_but_unresolved(local(2026, 11, 30, 9, 0))
    with time_machine.travel(local(2026, 11, 30, 10, 0), tick=False):
        ext = lifecycle.request_extension(a.id, days=3, reason="等待检测报告", actor=None)
        lifecycle.decide_extension(ext.id, approve=True, note="同意", actor=supervisor)
    db.session.refresh(a)
    assert a.resolve_due_at == local(2026, 12, 10, 9, 0)
    jobs(local(2026, 12, 7, 9, 1))  # the old deadline: the old timer fires and finds nothing
    assert "resolve_breach" not in _steps(target_id=a.id)
    jobs(local(2026, 12, 10, 9, 1))
    assert "resolve_breach" in _steps(target_id=a.id)


def test_applying_a_step_twice_changes_nothing(city):
    ticket = make_ticket(local(2026, 11, 30, 9, 0))
    a = ticket.assignments[0]
    with time_machine.travel(local(2026, 11, 30, 11, 5), tick=False):
        assert engine.apply("assignment", a.id, "sign_breach") is True
        assert engine.apply("assignment", a.id, "sign_breach") is False
    assert _steps(target_id=a.id, step="sign_breach") == ["sign_breach"]
    assert db.session.scalar(select(func.count()).select_from(Event).where(
        Event.action == "escalation_sign_breach")) == 1


def test_a_late_warning_is_not_written_once_its_breach_has_passed(city, make_user):
    # sign for by 11:00, warning at 10:30; the worker only gets to the warning at 11:05
    ticket = make_ticket(local(2026, 11, 30, 9, 0))
    a = ticket.assignments[0]
    handler = make_user("handler", department=a.department)
    with time_machine.travel(local(2026, 11, 30, 11, 5), tick=False):
        assert engine.apply("assignment", a.id, "sign_warn") is True  # the breach is taken in its place
        assert engine.apply("assignment", a.id, "sign_warn") is False
        assert engine.apply("assignment", a.id, "sign_breach") is False  # already taken, once
        assert [i for i in engine.due_items(local(2026, 11, 30, 11, 5)) if i[2].startswith("sign")] == []
    actions = db.session.scalars(select(Event.action).where(Event.action.like("escalation_%"))).all()
    assert actions == ["escalation_sign_breach"]
    notices = db.session.scalars(select(Notification.kind).where(Notification.user_id == handler.id)).all()
    assert notices == ["escalation_sign_breach"]


def test_a_warning_in_time_is_still_written(city):
    ticket = make_ticket(local(2026, 11, 30, 9, 0))
    a = ticket.assignments[0]
    with time_machine.travel(local(2026, 11, 30, 10, 59), tick=False):  # late, but before the breach
        assert engine.apply("assignment", a.id, "sign_warn") is True
    actions = db.session.scalars(select(Event.action).where(Event.action.like("escalation_%"))).all()
    assert actions == ["escalation_sign_warn"]


def test_the_sweep_finds_what_timers_missed(city, jobs):
    ticket = make_ticket(local(2026, 11, 30, 9, 0))
    from hotline.queue import get_redis

    get_redis().flushdb()  # every timer lost, as after a Redis failure
    a = ticket.assignments[0]
    with time_machine.travel(local(2026, 11, 30, 11, 5), tick=False):
        assert sweep() >= 2  # sign_warn and sign_breach were due
    jobs(local(2026, 11, 30, 11, 5))
    assert _steps(target_id=a.id) == ["sign_breach", "sign_warn"]
    with time_machine.travel(local(2026, 11, 30, 11, 6), tick=False):
        assert sweep() == 0  # nothing left to do


def test_late_callback_is_reported_once(city, make_user, jobs):
    operator = make_user("operator")
    ticket, a = _handled_but_unresolved(local(2026, 11, 30, 9, 0))
    with time_machine.travel(local(2026, 11, 30, 10, 0), tick=False):
        lifecycle.submit(a.id, reply="已办结", solved=True, actor=None)
    db.session.refresh(ticket)
    assert ticket.callback_due_at == local(2026, 12, 2, 10, 0)
    with time_machine.travel(local(2026, 12, 2, 10, 1), tick=False):
        sweep()
    jobs(local(2026, 12, 2, 10, 1))
    assert _steps(target_type="ticket") == ["callback_breach:1"]
    assert db.session.scalar(select(Notification.kind).where(Notification.user_id == operator.id)) == \
        "escalation_callback_breach"


def test_the_sweep_waits_while_the_workers_have_a_backlog(city, monkeypatch):
    from hotline.escalation import jobs as escalation_jobs
    from hotline.queue import get_queue

    make_ticket(local(2026, 11, 30, 9, 0))
    from hotline.queue import get_redis

    get_redis().flushdb()
    monkeypatch.setattr(escalation_jobs, "MAX_BACKLOG", 2)
    queue = get_queue("escalation")
    for _ in range(2):
        queue.enqueue(escalation_jobs.escalate, "assignment", 0, "sign_warn")
    with time_machine.travel(local(2026, 11, 30, 11, 5), tick=False):
        assert sweep() == 0  # behind: nothing added, the due steps stay in the database
        queue.empty()
        assert sweep() >= 2  # drained: the next sweep finds them
