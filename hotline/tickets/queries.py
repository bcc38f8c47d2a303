"""Read-side queries for the operator's pages (lists use keyset pagination on the id)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import abort, current_app
from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from hotline.db import utcnow
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.tickets.identity import (
    InvalidCreditCode,
    InvalidPhone,
    normalize_enterprise_name,
    normalize_phone,
    validate_credit_code,
)
from hotline.tickets.models import Assignment, Callback, Event, Ticket
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


@dataclass(frozen=True)
class HistoryItem:
    """One event of a ticket's history with the department it concerns (its code, or None)."""

    event: Event
    department: str | None

    @property
    def by_system(self) -> str | None:
        """Which background part acted when no person did: "escalation", "system", or None."""
        if self.event.actor_id is not None:
            return None
        return "escalation" if self.event.action.startswith("escalation_") else "system"

    @property
    def states(self) -> str:
        """Which enumeration the event's from/to states (stored as text) belong to, for the ``label`` filter."""
        return "AssignmentState" if self.event.assignment_id else "TicketState"


def final_replies(ticket: Ticket) -> list[Assignment]:
    """The submitted replies of the ticket's lead departments: what the operator reads out at callback."""
    return [a for a in ticket.assignments if a.is_lead and a.status == AssignmentState.submitted]


def history(ticket_id: int) -> list[HistoryItem]:
    """A ticket's events in order, each naming its department: the one in the event's data, or
    the department of the assignment it concerns (two departments' "sign-for breached" differ)."""
    events = list(db.session.scalars(select(Event).where(Event.ticket_id == ticket_id)
                                     .options(selectinload(Event.actor)).order_by(Event.seq)))
    parts = dict(db.session.execute(select(Assignment.id, Department.code)
                                    .join(Department, Assignment.department_id == Department.id)
                                    .where(Assignment.ticket_id == ticket_id)).all())
    return [HistoryItem(e, (e.data or {}).get("department") or parts.get(e.assignment_id)) for e in events]


@dataclass
class DetailView:
    """What the ticket page shows besides the ticket itself."""

    events: list[HistoryItem]
    chain: list[Ticket]
    merged_into: Ticket | None
    cases: list = None
    #: What other packages registered for the ticket page (name → what its provider returned).
    extras: dict = None


def detail_view(ticket: Ticket) -> DetailView:
    """History, the other tickets of its repeat chain, and the ticket it was merged into."""
    events = history(ticket.id)
    chain = []
    if ticket.chain_id:
        chain = list(db.session.scalars(select(Ticket).where(Ticket.chain_id == ticket.chain_id,
                                                             Ticket.id != ticket.id).order_by(Ticket.received_at)))
    merged_into = db.session.get(Ticket, ticket.merged_into_id) if ticket.merged_into_id else None
    extras = {name: provide(ticket) for name, provide in current_app.extensions.get(DETAIL_EXTRAS, {}).items()}
    return DetailView(events=events, chain=chain, merged_into=merged_into, cases=extras.get("cases", []),
                      extras=extras)


#: ``app.extensions`` key: what packages above tickets add to the ticket page (name → provider(ticket)).
DETAIL_EXTRAS = "hotline.ticket_detail_extras"


def register_detail_extra(app, name: str, provide) -> None:
    """Let a package above tickets add ``name`` to the ticket page (escalation: its supervision cases),
    so the tickets package never imports it."""
    app.extensions.setdefault(DETAIL_EXTRAS, {})[name] = provide


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


def answered_by_link(days: int = 7, limit: int = 100) -> list:
    """Callbacks the callers gave themselves through the satisfaction link in the last ``days``,
    newest first, with their tickets (the operators' callback queue lists them)."""
    since = utcnow() - timedelta(days=days)
    return list(db.session.execute(
        select(Callback, Ticket).join(Ticket, Ticket.id == Callback.ticket_id)
        .where(Callback.via == "link", Callback.at >= since)
        .order_by(Callback.at.desc(), Callback.id.desc()).limit(limit)))


def department_has_part(ticket_id: int, department_id: int | None) -> bool:
    """Whether the department has (or had) an assignment on the ticket."""
    return bool(department_id) and db.session.scalar(select(Assignment.id).where(
        Assignment.ticket_id == ticket_id, Assignment.department_id == department_id).limit(1)) is not None
