"""Read-side queries of the meetings package: lists, a ticket's meetings, agenda candidates."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hotline.auth.models import User
from hotline.directory.reference import request_clock
from hotline.extensions import db
from hotline.meetings import rules
from hotline.meetings.models import AgendaItem, Decision, Meeting
from hotline.meetings.rules import DecisionState
from hotline.roles import Role
from hotline.tickets.models import Assignment, AssignmentRole, Ticket
from hotline.tickets.states import LIVE_ASSIGNMENT_STATES, OPEN_TICKET_STATES, AssignmentState


def meetings(limit: int = 200) -> list[Meeting]:
    """Meetings, the latest first."""
    return list(db.session.scalars(select(Meeting).options(selectinload(Meeting.convener))
                                   .order_by(Meeting.held_at.desc(), Meeting.id.desc()).limit(limit)))


def meeting(meeting_id: int) -> Meeting | None:
    """One meeting with its agenda, the agenda's tickets and decisions."""
    return db.session.scalar(select(Meeting).where(Meeting.id == meeting_id).options(
        selectinload(Meeting.items).selectinload(AgendaItem.ticket),
        selectinload(Meeting.items).selectinload(AgendaItem.decisions).selectinload(Decision.department),
        selectinload(Meeting.departments)))


def leaders() -> list[User]:
    """Active leaders, who convene meetings."""
    return list(db.session.scalars(select(User).where(User.role == Role.leader, User.active)
                                   .order_by(User.display_name)))


@dataclass(frozen=True)
class TicketMeeting:
    """One meeting a ticket was on, with what it decided about it."""

    item: AgendaItem
    meeting: Meeting
    decisions: list[Decision]


def of_ticket(ticket) -> list[TicketMeeting]:
    """The meetings a ticket was on, oldest first (the ticket page shows them)."""
    items = db.session.scalars(select(AgendaItem).where(AgendaItem.ticket_id == ticket.id).options(
        selectinload(AgendaItem.meeting), selectinload(AgendaItem.decisions).selectinload(Decision.department))
        .order_by(AgendaItem.created_at, AgendaItem.id)).all()
    return [TicketMeeting(item=i, meeting=i.meeting, decisions=list(i.decisions)) for i in items]


def decisions_of_department(department_id: int) -> list[Decision]:
    """A department's decisions: the open ones first, by deadline."""
    return list(db.session.scalars(select(Decision).where(Decision.department_id == department_id).options(
        selectinload(Decision.ticket), selectinload(Decision.meeting))
        .order_by((Decision.status == DecisionState.open).desc(), Decision.due_at)))


def open_decisions(limit: int = 500) -> list[Decision]:
    """Every open decision, by deadline."""
    return list(db.session.scalars(select(Decision).where(Decision.status == DecisionState.open).options(
        selectinload(Decision.ticket), selectinload(Decision.meeting), selectinload(Decision.department))
        .order_by(Decision.due_at).limit(limit)))


@dataclass(frozen=True)
class Candidate:
    """A stuck ticket the console suggests for a meeting's agenda, and why."""

    ticket: Ticket
    reasons: tuple[str, ...]
    resolve_fraction: float | None


def candidates(now: datetime, limit: int = 100) -> list[Candidate]:
    """Open tickets that belong on a meeting's agenda (:func:`hotline.meetings.rules.candidate_reasons`):
    joint tickets past half their limit, chains at supervision level 2–3, tickets returned twice."""
    open_states = list(OPEN_TICKET_STATES)
    returns = select(Assignment.ticket_id, func.count().label("n")).where(
        Assignment.status == AssignmentState.returned).group_by(Assignment.ticket_id).subquery()
    joint = select(Assignment.ticket_id).where(Assignment.role == AssignmentRole.CO)
    rows = db.session.execute(select(Ticket, func.coalesce(returns.c.n, 0)).outerjoin(
        returns, returns.c.ticket_id == Ticket.id).where(
        Ticket.status.in_(open_states),
        (Ticket.supervision_level >= 2) | (func.coalesce(returns.c.n, 0) >= 2) | Ticket.id.in_(joint))
        .options(selectinload(Ticket.assignments)).order_by(Ticket.received_at).limit(limit * 4)).all()
    clock, out = request_clock(), []
    for ticket, n_returns in rows:
        live = [a for a in ticket.assignments if a.status in LIVE_ASSIGNMENT_STATES]
        lead = next((a for a in live if a.role == AssignmentRole.LEAD), None)
        fraction = None
        if lead is not None and lead.resolve_due_at is not None:
            total = clock.working_minutes_between(lead.dispatched_at, lead.resolve_due_at)
            fraction = clock.working_minutes_between(lead.dispatched_at, now) / total if total else None
        joint_round = any(a.role == AssignmentRole.CO and a.round == ticket.round for a in ticket.assignments)
        facts = rules.TicketFacts(joint=joint_round, resolve_fraction=fraction,
                                  supervision_level=ticket.supervision_level, returns=n_returns)
        reasons = rules.candidate_reasons(facts)
        if reasons:
            out.append(Candidate(ticket=ticket, reasons=reasons, resolve_fraction=fraction))
    return out[:limit]
