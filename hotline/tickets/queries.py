"""Read-side queries for the operator's pages (lists use keyset pagination on the id)."""
from __future__ import annotations

from dataclasses import dataclass

from flask import abort
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from hotline.extensions import db
from hotline.tickets.identity import InvalidCreditCode, InvalidPhone, normalize_phone, validate_credit_code
from hotline.tickets.identity import normalize_enterprise_name
from hotline.tickets.models import Assignment, Event, Ticket
from hotline.tickets.states import AssignmentState, TicketState

PAGE_SIZE = 50


@dataclass
class Page:
    """One page of tickets and the cursor of the next one (None on the last page)."""

    rows: list[Ticket]
    next_before: int | None


def ticket_or_404(number: str) -> Ticket:
    """The ticket with this number, or a 404."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number)
                               .options(selectinload(Ticket.assignments).selectinload(Assignment.department)))
    if ticket is None:
        abort(404)
    return ticket


@dataclass
class DetailView:
    """What the ticket page shows besides the ticket itself."""

    events: list[Event]
    chain: list[Ticket]
    merged_into: Ticket | None
    cases: list = None


def detail_view(ticket: Ticket) -> DetailView:
    """History, the other tickets of its repeat chain, and the ticket it was merged into."""
    events = list(db.session.scalars(select(Event).where(Event.ticket_id == ticket.id)
                                     .options(selectinload(Event.actor)).order_by(Event.seq)))
    chain = []
    if ticket.chain_id:
        chain = list(db.session.scalars(select(Ticket).where(Ticket.chain_id == ticket.chain_id,
                                                             Ticket.id != ticket.id).order_by(Ticket.received_at)))
    merged_into = db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None
    from hotline.escalation.models import SupervisionCase

    cases = list(db.session.scalars(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id)
                                    .order_by(SupervisionCase.opened_at)))
    return DetailView(events=events, chain=chain, merged_into=merged_into, cases=cases)


def _page(query, before: int | None) -> Page:
    if before:
        query = query.where(Ticket.id < before)
    rows = list(db.session.scalars(query.order_by(Ticket.id.desc()).limit(PAGE_SIZE + 1)))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return Page(rows=rows, next_before=rows[-1].id if more else None)


def recent_by_operator(operator_id: int, before: int | None = None) -> Page:
    """The operator's own tickets, newest first."""
    return _page(select(Ticket).where(Ticket.operator_id == operator_id), before)


def returned_tickets() -> list[tuple[Ticket, list[Assignment]]]:
    """Returned tickets awaiting re-dispatch, oldest first, with the assignments that returned them."""
    tickets = db.session.scalars(select(Ticket).where(Ticket.status == TicketState.returned)
                                 .options(selectinload(Ticket.assignments).selectinload(Assignment.department))
                                 .order_by(Ticket.received_at)).all()
    return [(t, [a for a in t.assignments if a.status == AssignmentState.returned]) for t in tickets]


def search_conditions(q: str) -> list:
    """Which columns a query can mean: number, phone, credit code, enterprise, words. ``%`` and ``_``
    in ``q`` are matched literally (escaped), not as LIKE wildcards."""
    conditions = [Ticket.number == q, Ticket.subject.contains(q, autoescape=True),
                  Ticket.description.contains(q, autoescape=True), Ticket.enterprise_name.contains(q, autoescape=True)]
    try:
        conditions.append(Ticket.caller_phone == normalize_phone(q))
    except InvalidPhone:
        pass
    try:
        conditions.append(Ticket.credit_code == validate_credit_code(q))
    except InvalidCreditCode:
        pass
    norm = normalize_enterprise_name(q)
    if norm:
        conditions.append(Ticket.enterprise_norm == norm)
    return conditions


def search(q: str, before: int | None = None) -> Page:
    """Tickets matching ``q`` by number, phone, enterprise, credit code or text, newest first."""
    return _page(select(Ticket).where(or_(*search_conditions(q))), before)


def awaiting_callback(limit: int = 200) -> list[Ticket]:
    """Resolved tickets awaiting a callback, the most urgent first."""
    return list(db.session.scalars(
        select(Ticket).where(Ticket.status == TicketState.resolved)
        .options(selectinload(Ticket.assignments).selectinload(Assignment.department))
        .order_by(Ticket.callback_due_at, Ticket.id).limit(limit)))


def department_has_part(ticket_id: int, department_id: int | None) -> bool:
    """Whether the department has (or had) an assignment on the ticket."""
    return bool(department_id) and db.session.scalar(select(Assignment.id).where(
        Assignment.ticket_id == ticket_id, Assignment.department_id == department_id).limit(1)) is not None
