"""Department actions on assignments (派单): every change goes through the state machine."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets import events
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.services import lock_ticket
from hotline.tickets.states import (
    AssignmentAction, AssignmentState, Role, TicketAction, assignment_transition, ticket_transition,
)


def _locked_assignment(assignment_id: int) -> tuple[Ticket, Assignment]:
    """The assignment and its ticket, with the ticket row locked for the transaction."""
    ticket_id = db.session.scalar(select(Assignment.ticket_id).where(Assignment.id == assignment_id))
    ticket = lock_ticket(ticket_id)
    assignment = db.session.get(Assignment, assignment_id, populate_existing=True)
    return ticket, assignment


def return_assignment(assignment_id: int, *, grounds: str, actor_id: int | None,
                      now: datetime | None = None) -> Assignment:
    """退单: the department returns a misrouted assignment, with grounds, within the return window.

    When every current assignment of the ticket has been returned, the ticket goes
    back to the operators for re-dispatch.
    """
    now = now or utcnow()
    ticket, assignment = _locked_assignment(assignment_id)
    before = assignment.status
    assignment.status = assignment_transition(before, AssignmentAction.return_, Role.handler, now=now,
                                              return_due_at=assignment.return_due_at, grounds=grounds)
    assignment.returned_at, assignment.return_grounds = now, grounds.strip()
    events.record(ticket, "assignment_returned", actor_id=actor_id, assignment_id=assignment.id, at=now,
                  from_state=before, to_state=assignment.status,
                  data={"department": assignment.department.code, "grounds": assignment.return_grounds})
    live = [a for a in ticket.assignments if a.status != AssignmentState.returned]
    if not live:
        ticket_before = ticket.status
        ticket.status = ticket_transition(ticket_before, TicketAction.all_returned, Role.system)
        events.record(ticket, str(TicketAction.all_returned), actor_id=None, at=now,
                      from_state=ticket_before, to_state=ticket.status)
    db.session.commit()
    return assignment


