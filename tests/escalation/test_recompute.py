"""When the rules of time change, open deadlines move (DOMAIN.md "When the rules of time change").

Service-level: each admin change (a year's calendar, the working hours, a policy, a category's
policy) enqueues one recomputation; a real RQ worker runs it on a real Redis, with time travel.
"""
from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from hotline.admin import settings_services as settings
from hotline.demo.seed import seed_reference
from hotline.directory.models import Category, TimeLimitPolicy
from hotline.escalation import engine, recompute
from hotline.escalation.jobs import recompute_deadlines, resume_deadline_recomputes
from hotline.escalation.models import DeadlineRecompute, EscalationStep, SupervisionCase
from hotline.extensions import db
from hotline.queue import get_queue
from hotline.tickets import lifecycle
from hotline.tickets.models import Assignment, Event, Ticket
from hotline.worktime.calendar import calendar_warning_years
from tests.escalation.conftest import local
from tests.factories import make_ticket


def _ticket_at(instant, **overrides) -> Ticket:
    """A ticket taken at ``instant`` in the demo city, seeded here: after the test's own ``admin`` exists."""
    seed_reference()
    return make_ticket(instant, **overrides)


def _assignment(ticket: Ticket) -> Assignment:
    db.session.expire_all()
    return db.session.scalars(select(Assignment).where(Assignment.ticket_id == ticket.id,
                                                       Assignment.role == "lead")).one()


def _recomputed(ticket: Ticket) -> list[Event]:
    return list(db.session.scalars(select(Event).where(Event.ticket_id == ticket.id,
                                                       Event.action == "deadline_recomputed")))


def _steps(assignment_id: int) -> list[str]:
    """The steps taken (warnings settled unwritten because their breach had passed are left out)."""
    rows = db.session.scalars(select(EscalationStep).where(
        EscalationStep.target_type == "assignment", EscalationStep.target_id == assignment_id))
    return sorted(r.step for r in rows if "superseded_by" not in r.data)


def _runs() -> list[DeadlineRecompute]:
    db.session.expire_all()
    return list(db.session.scalars(select(DeadlineRecompute).order_by(DeadlineRecompute.id)))


@pytest.fixture
def admin(make_user):
    """The administrator who changes the rules."""
    return make_user("admin", username="admin")


def test_new_years_day_moves_the_deadline_only_once_2027_is_marked_complete(app, admin, jobs):
    # Monday 28 Dec 2026 10:00: resolve in 5 working days → Monday 4 Jan 10:00 while 2027 falls back
    # to Monday–Friday; 75 % is reached on Thursday 31 Dec 17:45.
    ticket = _ticket_at(local(2026, 12, 28, 10, 0))
    a = _assignment(ticket)
    assert a.resolve_due_at == local(2027, 1, 4, 10, 0) and a.resolve_warn_at == local(2026, 12, 31, 17, 45)
    earlier = _ticket_at(local(2026, 12, 23, 10, 0), caller_phone="13900001111")  # due 30 Dec: not in 2027

    with time_machine.travel(local(2026, 12, 30, 9, 0), tick=False):
        settings.set_calendar_day(date(2027, 1, 1), False, "元旦", admin.id)
        assert _runs() == []  # 2027 is a draft: nothing changes yet
        assert calendar_warning_years() == [2027]
    jobs(local(2026, 12, 30, 9, 1))
    assert _assignment(ticket).resolve_due_at == local(2027, 1, 4, 10, 0)

    with time_machine.travel(local(2026, 12, 30, 9, 5), tick=False):
        assert settings.set_year_complete(2027, True, admin.id) is True
        assert calendar_warning_years() == []
    [run] = _runs()
    assert run.status == "queued" and run.cause == {"kind": "calendar", "year": 2027}
    jobs(local(2026, 12, 30, 9, 6))

    a = _assignment(ticket)
    assert a.resolve_due_at == local(2027, 1, 5, 10, 0)  # New Year's Day is no longer a working day
    assert a.resolve_warn_at == local(2026, 12, 31, 17, 45)  # three quarters are gone before it
    assert a.sign_due_at == local(2026, 12, 28, 12, 0)  # long breached: stays breached
    [event] = _recomputed(ticket)
    assert event.actor_id == admin.id and event.assignment_id == a.id
    assert event.data["reason"] == "calendar 2027 changed"
    assert event.data["departments"] == [a.department.code]
    assert event.data["changes"] == [{
        "target": "assignment", "id": a.id, "step": "resolve", "department": a.department.code,
        "old_due": "2027-01-04T02:00:00+00:00", "new_due": "2027-01-05T02:00:00+00:00",  # 10:00 in Linfen
        "old_warn": "2026-12-31T09:45:00+00:00", "new_warn": "2026-12-31T09:45:00+00:00"}]
    assert _recomputed(earlier) == []
    run = _runs()[0]
    assert (run.status, run.total, run.done, run.changed) == ("finished", 1, 1, 1)

    jobs(local(2027, 1, 4, 10, 1))  # the old instant: the dispatch-time timer finds nothing to do
    assert "resolve_breach" not in _steps(a.id)
    jobs(local(2027, 1, 5, 10, 1))  # the re-armed timer takes the breach at the new instant
    assert "resolve_breach" in _steps(a.id)


def test_a_recomputation_run_twice_changes_nothing_more(app, admin, jobs):
    ticket = _ticket_at(local(2026, 12, 28, 10, 0))
    with time_machine.travel(local(2026, 12, 30, 9, 0), tick=False):
        settings.upload_calendar(2027, text="2027-01-01 off 元旦\n2027-02-07 work 春节调休", user_id=admin.id)
        settings.set_year_complete(2027, True, admin.id)
    [run] = _runs()
    get_queue("default").enqueue(recompute_deadlines, run.id)  # a retry, or a duplicate enqueue
    jobs(local(2026, 12, 30, 9, 1))
    due = _assignment(ticket).resolve_due_at
    assert due == local(2027, 1, 5, 10, 0) and len(_recomputed(ticket)) == 1

    with time_machine.travel(local(2026, 12, 30, 10, 0), tick=False):
        again = recompute.request({"kind": "calendar", "year": 2027}, admin.id)  # the same rules once more
        db.session.commit()
        recompute.start(again.id)
    jobs(local(2026, 12, 30, 10, 1))
    assert _assignment(ticket).resolve_due_at == due
    assert len(_recomputed(ticket)) == 1  # no duplicate event
    assert [(r.status, r.changed) for r in _runs()] == [("finished", 1), ("finished", 0)]


def test_editing_a_day_of_a_complete_year_recomputes(app, admin, jobs):
    ticket = _ticket_at(local(2026, 12, 28, 10, 0))
    with time_machine.travel(local(2026, 12, 29, 9, 0), tick=False):
        settings.set_year_complete(2027, True, admin.id)  # complete with no holiday entered: nothing moves
    jobs(local(2026, 12, 29, 9, 1))
    assert _recomputed(ticket) == [] and _runs()[0].changed == 0
    with time_machine.travel(local(2026, 12, 29, 10, 0), tick=False):
        settings.set_calendar_day(date(2027, 1, 1), False, "元旦", admin.id)
    jobs(local(2026, 12, 29, 10, 1))
    assert _assignment(ticket).resolve_due_at == local(2027, 1, 5, 10, 0)
    with time_machine.travel(local(2026, 12, 29, 11, 0), tick=False):
        settings.remove_calendar_day(date(2027, 1, 1), admin.id)  # the holiday removed again
    jobs(local(2026, 12, 29, 11, 1))
    assert _assignment(ticket).resolve_due_at == local(2027, 1, 4, 10, 0)
    assert [e.data["reason"] for e in _recomputed(ticket)] == ["calendar 2027 changed"] * 2
    assert len(_runs()) == 3


def test_new_working_hours_move_the_sign_for_deadline(app, admin, jobs):
    # Monday 30 Nov 2026 17:00: two working hours to sign for → Tuesday 09:30 on 08:30–12:00, 14:30–18:00
    ticket = _ticket_at(local(2026, 11, 30, 17, 0))
    a = _assignment(ticket)
    assert a.sign_due_at == local(2026, 12, 1, 9, 30) and a.sign_warn_at == local(2026, 12, 1, 9, 0)
    with time_machine.travel(local(2026, 11, 30, 17, 30), tick=False):
        settings.save_working_hours("09:00-12:00,13:00-17:00", user_id=admin.id)
    jobs(local(2026, 11, 30, 17, 31))

    a = _assignment(ticket)
    assert a.sign_due_at == local(2026, 12, 1, 11, 0)  # dispatched after the new closing time
    assert a.sign_warn_at == local(2026, 12, 1, 10, 30)
    assert a.contact_due_at == local(2026, 12, 1, 17, 0)  # natural time: unchanged
    [event] = _recomputed(ticket)
    assert event.data["reason"] == "working hours changed"
    # only the limit in working minutes moves: whole working days from inside the hours land alike
    assert [c["step"] for c in event.data["changes"]] == ["sign"]
    jobs(local(2026, 12, 1, 9, 31))  # the old breach instant passes quietly
    assert _steps(a.id) == []
    jobs(local(2026, 12, 1, 10, 31))
    assert _steps(a.id) == ["sign_warn"]
    jobs(local(2026, 12, 1, 11, 1))
    assert "sign_breach" in _steps(a.id)

    with time_machine.travel(local(2026, 11, 30, 18, 0), tick=False):
        settings.save_working_hours("09:00-12:00, 13:00-17:00", user_id=admin.id)  # the same hours again
    assert len(_runs()) == 1


def _resolve_breached(instant):
    """A ticket handled but not resolved, whose resolution breach opened supervision level 1."""
    ticket = _ticket_at(instant)
    a = _assignment(ticket)
    with time_machine.travel(instant.replace(minute=10), tick=False):
        lifecycle.sign_for(a.id, actor=None)
        lifecycle.record_contact(a.id, at=instant.replace(minute=10), method="phone", reached=True,
                                 summary="已联系", actor=None)
    with time_machine.travel(local(2026, 12, 7, 9, 1), tick=False):
        assert engine.apply("assignment", a.id, "resolve_breach")
    return ticket, a


def _standard_values(**changes) -> dict:
    policy = db.session.scalar(select(TimeLimitPolicy).where(TimeLimitPolicy.code == "standard"))
    return policy, {**settings.policy_values(policy.limits), **changes}


def test_a_policy_edit_moves_open_steps_and_leaves_breached_ones_breached(app, admin, jobs):
    ticket, a = _resolve_breached(local(2026, 11, 30, 9, 0))  # resolve due 7 Dec 09:00, breached
    case = db.session.scalars(select(SupervisionCase)).one()
    assert case.due_at == local(2026, 12, 10, 9, 1)
    fresh = _ticket_at(local(2026, 12, 7, 10, 0), caller_phone="13900002222")
    policy, values = _standard_values(resolve_days=6, supervision_level_days=4)
    with time_machine.travel(local(2026, 12, 8, 9, 0), tick=False):
        settings.save_policy(policy.id, code="standard", name=policy.name, values=values, user_id=admin.id)
    jobs(local(2026, 12, 8, 9, 1))

    a = db.session.get(Assignment, a.id)
    assert a.resolve_due_at == local(2026, 12, 7, 9, 0)  # breached stays breached
    assert db.session.get(SupervisionCase, case.id).due_at == local(2026, 12, 11, 9, 1)  # one more day
    assert _assignment(fresh).resolve_due_at == local(2026, 12, 15, 10, 0)  # 6 working days
    [event] = _recomputed(ticket)
    assert event.data["reason"] == "policy standard changed"
    assert [(c["target"], c["step"], c.get("level")) for c in event.data["changes"]] == [("case", "level", 1)]
    assert _recomputed(fresh)[0].data["departments"] == [_assignment(fresh).department.code]
    with time_machine.travel(local(2026, 12, 10, 9, 2), tick=False):
        due = engine.due_items(local(2026, 12, 10, 9, 2))
    assert [item for item in due if item[0] == "case"] == []  # the old level deadline is no breach now


def test_choosing_another_policy_for_a_category_moves_its_tickets_only(app, admin, jobs):
    refusal = _ticket_at(local(2026, 12, 7, 10, 0))
    other = _ticket_at(local(2026, 12, 7, 10, 0), caller_phone="13900003333", category_code="deadline_missed")
    _policy, values = _standard_values(resolve_days=3)
    with time_machine.travel(local(2026, 12, 7, 11, 0), tick=False):
        fast = settings.save_policy(None, code="fast", name="快速", values=values, user_id=admin.id)
        assert _runs() == []  # a new policy no category uses changes nothing
        categories = {c.code: c for c in db.session.scalars(select(Category))}
        settings.assign_policies({categories["refusal"].id: fast.id}, user_id=admin.id)
    jobs(local(2026, 12, 7, 11, 1))
    assert _assignment(refusal).resolve_due_at == local(2026, 12, 10, 10, 0)
    assert _assignment(other).resolve_due_at == local(2026, 12, 14, 10, 0)
    assert [e.data["reason"] for e in _recomputed(refusal)] == ["policy of categories refusal changed"]
    assert _recomputed(other) == []


def test_a_callback_deadline_moves_with_the_calendar(app, admin, jobs):
    ticket = _ticket_at(local(2026, 12, 30, 9, 0))
    a = _assignment(ticket)
    with time_machine.travel(local(2026, 12, 30, 16, 0), tick=False):
        lifecycle.sign_for(a.id, actor=None)
        lifecycle.record_contact(a.id, at=local(2026, 12, 30, 16, 0), method="phone", reached=True,
                                 summary="已联系", actor=None)
        lifecycle.submit(a.id, reply="已办结", solved=True, actor=None)
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).callback_due_at == local(2027, 1, 1, 16, 0)
    with time_machine.travel(local(2026, 12, 31, 9, 0), tick=False):
        settings.upload_calendar(2027, text="2027-01-01 off 元旦", user_id=admin.id)
        settings.set_year_complete(2027, True, admin.id)
    jobs(local(2026, 12, 31, 9, 1))
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).callback_due_at == local(2027, 1, 4, 16, 0)
    [event] = _recomputed(ticket)
    assert event.assignment_id is None and event.data["departments"] == []
    assert [(c["target"], c["step"]) for c in event.data["changes"]] == [("ticket", "callback")]


def test_progress_is_recorded_batch_by_batch_and_a_long_run_continues(app, admin, jobs, monkeypatch):
    tickets = [_ticket_at(local(2026, 12, 28, 10, 0), caller_phone=f"1390000{i:04d}") for i in range(3)]
    monkeypatch.setattr(recompute, "BATCH", 1)
    with time_machine.travel(local(2026, 12, 30, 9, 0), tick=False):
        settings.set_calendar_day(date(2027, 1, 1), False, "元旦", admin.id)
        settings.set_year_complete(2027, True, admin.id)
        [run] = _runs()
        assert recompute.run(run.id, budget_seconds=0) is False  # one batch, then the job hands over
    run = _runs()[0]
    assert (run.status, run.total, run.done, run.changed) == ("running", 3, 1, 1)
    jobs(local(2026, 12, 30, 9, 1))  # the enqueued job (and each continuation) goes on from there
    run = _runs()[0]
    assert (run.status, run.total, run.done, run.changed) == ("finished", 3, 3, 3)
    assert all(len(_recomputed(t)) == 1 for t in tickets)


def test_a_run_requested_while_redis_was_down_is_resumed(app, admin, jobs, monkeypatch):
    ticket = _ticket_at(local(2026, 12, 28, 10, 0))
    monkeypatch.setattr(recompute, "start", lambda run_id: None)  # the enqueue was lost
    with time_machine.travel(local(2026, 12, 30, 9, 0), tick=False):
        settings.upload_calendar(2027, text="2027-01-01 off 元旦", user_id=admin.id)
        settings.set_year_complete(2027, True, admin.id)
        assert resume_deadline_recomputes() == 0  # not stale yet
    with time_machine.travel(local(2026, 12, 30, 9, 11), tick=False):
        assert resume_deadline_recomputes() == 1
    jobs(local(2026, 12, 30, 9, 11))
    assert _assignment(ticket).resolve_due_at == local(2027, 1, 5, 10, 0)
    assert _runs()[0].status == "finished"
    with time_machine.travel(local(2026, 12, 30, 9, 30), tick=False):
        assert resume_deadline_recomputes() == 0


def test_two_changes_before_the_worker_runs_are_both_named(app, admin, jobs):
    ticket = _ticket_at(local(2026, 12, 28, 10, 0))
    with time_machine.travel(local(2026, 12, 30, 9, 0), tick=False):
        settings.upload_calendar(2027, text="2027-01-01 off 元旦", user_id=admin.id)
        settings.set_year_complete(2027, True, admin.id)
        settings.save_working_hours("08:00-12:00,13:00-16:00", user_id=admin.id)
    jobs(local(2026, 12, 30, 9, 1))
    [event] = _recomputed(ticket)  # the first run applied both changes; the second found nothing left
    assert event.data["reason"] == "calendar 2027 changed; working hours changed"
    assert db.session.scalar(select(func.count()).select_from(DeadlineRecompute).where(
        DeadlineRecompute.status == "finished")) == 2
