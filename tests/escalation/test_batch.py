"""Set-based escalation: a batch of due steps costs a fixed handful of statements, takes each step
exactly once, and leaves every history verifiable."""
from __future__ import annotations

from datetime import timedelta

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
    assert all(history.check_ticket(t.id) is None for t in tickets)
    with time_machine.travel(LATER + timedelta(minutes=1), tick=False):
        assert batch.take_assignment_steps(items) == 0  # twice: nothing more
    assert db.session.scalar(select(func.count()).select_from(EscalationStep)) == 180
    assert engine.due_items(LATER + timedelta(minutes=1)) == []
