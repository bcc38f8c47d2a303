"""Set-based escalation: a batch of due steps costs a fixed handful of statements, takes each step
exactly once, and leaves every history verifiable."""
from __future__ import annotations

from datetime import timedelta
from functools import partial

import time_machine
from sqlalchemy import event, func, select

from hotline.demo.seed import seed_reference
from hotline.escalation import batch, engine
from hotline.escalation.models import EscalationStep, SupervisionCase
from hotline.extensions import db
from hotline.tickets import history
from hotline.tickets.models import Event
from tests.conftest import on_postgres
from tests.escalation.conftest import local
from tests.factories import make_ticket

START = local(2026, 11, 2, 9, 0)
LATER = local(2026, 11, 23, 10, 0)  # three weeks on: every limit of those tickets has passed


def _statements(fn):
    count = {"n": 0}

    def seen(*_args):
        count["n"] += 1

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        return fn(), count["n"]
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)


def test_a_batch_takes_every_due_step_once_in_a_fixed_number_of_statements(app, make_user):
    seed_reference()
    make_user("supervisor")
    tickets = [make_ticket(START, caller_phone=f"138000{i:05d}") for i in range(30)]
    with time_machine.travel(LATER, tick=False):
        items = [(i, step) for kind, i, step in engine.due_items(LATER) if kind == "assignment"]
        assert len(items) == 30 * 6  # sign, contact and resolve: warning and breach each
        taken, statements = _statements(lambda: batch.take_assignment_steps(items, LATER))
    assert taken == 30 * 3  # the three breaches; the late warnings are settled without an event
    if on_postgres():  # pysqlite sends a multi-row INSERT … RETURNING one row at a time; PostgreSQL batches it
        assert statements <= 20, statements  # 180 steps in one batch; one by one it was about 12 a step
    breaches = db.session.scalar(select(func.count()).select_from(Event).where(Event.action.like("escalation_%")))
    assert breaches == 90
    assert db.session.scalar(select(func.count()).select_from(EscalationStep)) == 180
    assert db.session.scalar(select(func.count()).select_from(SupervisionCase)) == 30  # each lead's resolve breach
    from hotline.directory.reference import request_clock
    from hotline.tickets.intake import policy_for
    from hotline.worktime.limits import supervision_due

    for case in db.session.scalars(select(SupervisionCase)):  # as services.supervise opens one
        assert (case.level, case.trigger, str(case.status), case.opened_at) == (1, "resolve_breach", "open", LATER)
        assert case.due_at == supervision_due(policy_for(case.ticket.category), request_clock(), LATER)
        opened = db.session.scalars(select(Event).where(Event.ticket_id == case.ticket_id,
                                                        Event.action == "supervision_opened")).one()
        assert opened.data == {"level": 1, "from_level": 0, "trigger": "resolve_breach",
                               "due_at": case.due_at.isoformat()}
        assert case.ticket.supervision_level == 1
    assert all(history.check_ticket(t.id) is None for t in tickets)
    with time_machine.travel(LATER + timedelta(minutes=1), tick=False):
        assert batch.take_assignment_steps(items) == 0  # twice: nothing more
    assert db.session.scalar(select(func.count()).select_from(EscalationStep)) == 180
    assert engine.due_items(LATER + timedelta(minutes=1)) == []


def _case_items(now) -> list[int]:
    return [i for kind, i, _step in engine.due_items(now) if kind == "case"]


def _past_every_open_case():
    """An instant a day after the latest open supervision case's deadline."""
    from hotline.escalation.models import CaseStatus

    return db.session.scalar(select(func.max(SupervisionCase.due_at)).where(
        SupervisionCase.status == CaseStatus.OPEN)) + timedelta(days=1)


def test_a_batch_raises_every_late_supervision_level_once_up_to_level_3(app, make_user):
    """Cases whose level was not cleared in time are raised set-based (batch.take_case_steps) exactly as
    one by one (engine.apply_case_step): one breach each, the next level opened, the supervisors told;
    a level 3 case stays open and is reported; nothing is taken twice, by either path."""
    from hotline.escalation.models import CaseStatus
    from hotline.notifications.models import Notification
    from hotline.tickets.models import Ticket

    seed_reference()
    ours = {make_user("supervisor").id, make_user("supervisor").id}
    tickets = [make_ticket(START, caller_phone=f"139000{i:05d}") for i in range(12)]
    with time_machine.travel(LATER, tick=False):
        batch.take_assignment_steps([(i, step) for kind, i, step in engine.due_items(LATER) if kind == "assignment"],
                                    LATER)
    assert db.session.scalar(select(func.count()).select_from(SupervisionCase)) == 12  # level 1 each

    for level in (1, 2, 3):
        when = _past_every_open_case()
        with time_machine.travel(when, tick=False):
            ids = _case_items(when)
            assert len(ids) == 12
            first = engine.apply_case_step(ids[0], when) if level == 1 else False  # one by the single-step path
            taken, statements = _statements(partial(batch.take_case_steps, ids, when))
            assert taken + first == 12
            assert batch.take_case_steps(ids, when) == 0  # twice: nothing more
        if on_postgres() and level > 1:
            assert statements <= 20, statements  # 12 cases, a fixed handful (one by one: about 12 a case)
        db.session.expire_all()
        assert {t.supervision_level for t in db.session.scalars(select(Ticket))} == {min(level + 1, 3)}
        breaches = db.session.scalars(select(Event).where(Event.action == "escalation_level_breach")).all()
        assert len(breaches) == 12 * level
        assert {e.data["level"] for e in breaches if e.created_at == when} == {level}
        told = db.session.scalar(select(func.count()).select_from(Notification).where(
            Notification.kind == "escalation_level_breach"))
        assert told == 12 * level * len(engine.supervisor_ids())  # every active supervisor, ours among them
    assert ours <= set(engine.supervisor_ids())
    escalated = db.session.scalars(select(SupervisionCase).where(SupervisionCase.status == CaseStatus.ESCALATED)).all()
    assert len(escalated) == 24 and all(c.closed_at is not None for c in escalated)  # levels 1 and 2, raised
    open_cases = db.session.scalars(select(SupervisionCase).where(SupervisionCase.status == CaseStatus.OPEN)).all()
    assert len(open_cases) == 12 and {c.level for c in open_cases} == {3}  # level 3 stays open
    assert db.session.scalar(select(func.count()).select_from(SupervisionCase)) == 12 * 3
    assert db.session.scalar(select(func.count()).select_from(EscalationStep).where(
        EscalationStep.target_type == "case")) == 12 * 3
    assert all(history.check_ticket(t.id) is None for t in tickets)
