"""A meeting decision's deadline moves with the rules of time, like an assignment's."""
from __future__ import annotations

from datetime import datetime

import time_machine
from sqlalchemy import select

from hotline.admin import settings_services as settings
from hotline.escalation.models import EscalationStep
from hotline.extensions import db
from hotline.meetings import services
from hotline.meetings.models import Decision
from hotline.tickets.lookup import departments_by_code
from hotline.tickets.models import Event
from tests.escalation.conftest import local


def test_new_working_hours_move_an_open_decisions_deadline_and_the_sweep_follows(people, joint_ticket, jobs):
    decided = local(2026, 11, 30, 9, 0)  # Monday, before the 08:30–12:00, 14:30–18:00 day is half gone
    ticket = joint_ticket(now=decided)
    zone = departments_by_code(["devzone"])["devzone"]
    meeting = services.schedule(kind="breakfast", title="早餐会", convener_id=people["leader"].id, held_at=decided,
                                actor=people["leader"], now=decided)
    item = services.add_ticket(meeting.id, ticket.number, actor=people["leader"], now=decided)
    services.hold(meeting.id, minutes="纪要", actor=people["leader"], now=decided)
    decision = services.decide(item.id, department_id=zone.id, text="组织验收", done_means="验收意见书",
                               working_days=1, actor=people["leader"], now=decided)
    assert (decision.warn_at, decision.due_at) == (local(2026, 11, 30, 16, 45), local(2026, 12, 1, 9, 0))
    with time_machine.travel(local(2026, 11, 30, 11, 0), tick=False):
        settings.save_working_hours("10:00-12:00", user_id=people["admin"].id)  # a working day of 2 hours
    jobs(local(2026, 11, 30, 11, 1))
    db.session.expire_all()
    moved = db.session.get(Decision, decision.id)
    assert (moved.warn_at, moved.due_at) == (local(2026, 11, 30, 11, 30), local(2026, 11, 30, 12, 0))
    [event] = db.session.scalars(select(Event).where(Event.ticket_id == ticket.id,
                                                     Event.action == "deadline_recomputed")).all()
    [change] = [c for c in event.data["changes"] if c["target"] == "decision"]
    instants = {k: datetime.fromisoformat(change[k]) for k in ("old_due", "new_due", "old_warn", "new_warn")}
    assert (change["id"], change["department"]) == (decision.id, "devzone")
    assert instants == {"old_due": local(2026, 12, 1, 9, 0), "new_due": local(2026, 11, 30, 12, 0),
                        "old_warn": local(2026, 11, 30, 16, 45), "new_warn": local(2026, 11, 30, 11, 30)}
    jobs(local(2026, 11, 30, 12, 1))  # the new breach instant: taken once (the late warning in silence)

    def steps():
        return sorted(db.session.scalars(select(EscalationStep.step).where(
            EscalationStep.target_type == "decision", EscalationStep.target_id == decision.id)))

    assert steps() == ["decision_breach", "decision_warn"]
    actions = list(db.session.scalars(select(Event.action).where(Event.ticket_id == ticket.id)))
    assert actions.count("escalation_decision_breach") == 1 and "escalation_decision_warn" not in actions
    with time_machine.travel(local(2026, 11, 30, 12, 5), tick=False):
        settings.save_working_hours("08:30-12:00,14:30-18:00", user_id=people["admin"].id)
    jobs(local(2026, 11, 30, 12, 6))
    db.session.expire_all()
    assert db.session.get(Decision, decision.id).due_at == local(2026, 11, 30, 12, 0)  # breached stays breached
