"""Supervision (督办) services: open a case at a level of the ladder, escalating the previous one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from hotline.escalation.calendar import working_clock
from hotline.escalation.limits import Policy, supervision_due
from hotline.escalation.models import CaseStatus, SupervisionCase
from hotline.extensions import db
from hotline.tickets import events

MAX_LEVEL = 3


def open_cases(ticket_id: int) -> list[SupervisionCase]:
    """The ticket's open supervision cases."""
    return list(db.session.scalars(select(SupervisionCase).where(
        SupervisionCase.ticket_id == ticket_id, SupervisionCase.status == CaseStatus.OPEN)))


def supervise(ticket, level: int, *, trigger: str, actor_id: int | None, now: datetime,
              policy: Policy | None = None) -> SupervisionCase | None:
    """Put ``ticket`` under supervision at ``level`` (1–3); never lowers a level.

    An open case at a lower level is marked escalated. Returns the new case, or None
    when the ticket is already supervised at ``level`` or above. The caller commits.
    """
    level = min(level, MAX_LEVEL)
    if level <= ticket.supervision_level:
        return None
    for case in open_cases(ticket.id):
        case.status, case.closed_at = CaseStatus.ESCALATED, now
    case = SupervisionCase(ticket_id=ticket.id, level=level, opened_round=ticket.reopen_count + 1,
                           trigger=trigger, opened_at=now,
                           due_at=supervision_due(policy or Policy(), working_clock(), now))
    db.session.add(case)
    before = ticket.supervision_level
    ticket.supervision_level = level
    events.record(ticket, "supervision_opened", actor_id=actor_id, at=now,
                  data={"level": level, "from_level": before, "trigger": trigger,
                        "due_at": case.due_at.isoformat()})
    return case
