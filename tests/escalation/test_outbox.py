"""Tickets ask for supervision through their outbox; escalation answers in the same transaction, and
its sweep answers any request no hook handled. Nothing is lost and the history stays anchored."""
from __future__ import annotations

import time_machine
from sqlalchemy import select

from hotline.demo.seed import seed_reference
from hotline.escalation.jobs import sweep
from hotline.escalation.models import SupervisionCase
from hotline.extensions import db
from hotline.tickets import history
from hotline.tickets.models import SupervisionRequest
from hotline.tickets.supervision import PENDING, request_level
from tests.escalation.conftest import local
from tests.factories import make_ticket

NOW = local(2026, 11, 16, 10, 0)


def test_a_repeat_opens_its_case_in_the_intake_s_transaction_and_the_history_stays_anchored(app):
    seed_reference()
    with time_machine.travel(NOW, tick=False):
        first = make_ticket(now=NOW)
        again = make_ticket(now=NOW, repeat_of=first.number, new_facts=True,
                            description="窗口再次拒收申请材料，有新情况。")
    [case] = db.session.scalars(select(SupervisionCase).where(SupervisionCase.ticket_id == again.id)).all()
    assert case.level == 1 and case.trigger == "repeat"
    [request] = db.session.scalars(select(SupervisionRequest).where(SupervisionRequest.ticket_id == again.id))
    assert request.handled_at is not None
    assert history.check_ticket(again.id) is None  # the supervision event is anchored with the rest


def test_a_request_no_hook_handled_is_taken_by_the_sweep(app):
    seed_reference()
    with time_machine.travel(NOW, tick=False):
        ticket = make_ticket(now=NOW)
        request_level(ticket, 2, trigger="repeat", actor_id=None, now=NOW)
        db.session.info.pop(PENDING)  # as if written where the hook is not installed
        db.session.commit()
    assert db.session.scalar(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id)) is None
    with time_machine.travel(NOW.replace(minute=1), tick=False):
        sweep()
    case = db.session.scalar(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id))
    assert case is not None and case.level == 2
    with time_machine.travel(NOW.replace(minute=2), tick=False):
        sweep()  # twice: nothing more
    assert len(db.session.scalars(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id)).all()) == 1
