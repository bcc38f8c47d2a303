"""A department's queues (待签收、办理中、即将到期、已超期、已提交), keyset-paginated by due time."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import abort
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import contains_eager, selectinload

from hotline.extensions import db
from hotline.http import year_in_range
from hotline.tickets import queries as ticket_queries
from hotline.tickets.models import Assignment, Attachment, ContactAttempt, Extension, Ticket
from hotline.tickets.states import AssignmentState

OPEN = (AssignmentState.dispatched, AssignmentState.signed, AssignmentState.contacted)
QUEUES = ("to_sign", "in_progress", "due_soon", "overdue", "submitted")
PAGE_SIZE = 50


def queue_condition(queue: str, now: datetime):
    """The SQL condition of a queue at instant ``now``."""
    status = Assignment.status
    return {
        "to_sign": status == AssignmentState.dispatched,
        "in_progress": status.in_((AssignmentState.signed, AssignmentState.contacted)),
        "due_soon": and_(status.in_(OPEN), Assignment.resolve_warn_at <= now, Assignment.resolve_due_at > now),
        # every breached limit: sign-for not signed, first contact not made, resolution not submitted
        "overdue": and_(status.in_(OPEN), or_(
            Assignment.resolve_due_at <= now,
            and_(status == AssignmentState.dispatched, Assignment.sign_due_at <= now),
            and_(Assignment.first_contact_at.is_(None), Assignment.contact_due_at <= now))),
        "submitted": status == AssignmentState.submitted,
    }[queue]


COUNT_CAP = 1000


def queue_counts(department_id: int, now: datetime) -> dict[str, int]:
    """How many assignments each queue holds, counted up to ``COUNT_CAP`` (the submitted
    history grows without end; the page shows "1000+" rather than counting all of it)."""
    out = {}
    for q in QUEUES:
        capped = (select(Assignment.id).where(Assignment.department_id == department_id, queue_condition(q, now))
                  .limit(COUNT_CAP).subquery())
        out[q] = db.session.scalar(select(func.count()).select_from(capped)) or 0
    return out


@dataclass
class QueuePage:
    """One page of a queue and the cursor to the next one."""

    rows: list[Assignment]
    next_cursor: str | None


def parse_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    """``<due ISO>_<id>`` → (due, id); a malformed cursor, or one outside the years the hotline can
    mean (year 1 would overflow in UTC), starts from the top."""
    if not cursor or "_" not in cursor:
        return None
    due, _, ident = cursor.rpartition("_")
    try:
        instant, number = datetime.fromisoformat(due), int(ident)
    except ValueError:
        return None
    if instant.tzinfo is None or not 0 < number < 2**62 or not year_in_range(instant):
        return None
    return instant, number


#: The statuses each queue holds. A queue of several statuses is read one status at a time, so each
#: read walks ``ix_assignments_dept_status_due`` in due order instead of sorting every open row of
#: the department (docs/BENCHMARKS.md, "Queue page").
QUEUE_STATUSES = {
    "to_sign": (AssignmentState.dispatched,),
    "in_progress": (AssignmentState.signed, AssignmentState.contacted),
    "due_soon": OPEN,
    "overdue": OPEN,
    "submitted": (AssignmentState.submitted,),
}


def queue_page(department_id: int, queue: str, now: datetime, cursor: str | None = None) -> QueuePage:
    """Assignments of a queue ordered by resolution due time, then id (keyset pagination)."""
    descending = queue == "submitted"
    order_col = Assignment.submitted_at if descending else Assignment.resolve_due_at
    conds = [Assignment.department_id == department_id, queue_condition(queue, now)]
    after = parse_cursor(cursor)
    if after:
        due, ident = after
        if descending:
            conds.append(or_(order_col < due, and_(order_col == due, Assignment.id < ident)))
        else:
            conds.append(or_(order_col > due, and_(order_col == due, Assignment.id > ident)))
    order = (order_col.desc(), Assignment.id.desc()) if descending else (order_col, Assignment.id)
    full = (select(Assignment).join(Assignment.ticket)
            .options(contains_eager(Assignment.ticket), selectinload(Assignment.department)))
    statuses = QUEUE_STATUSES[queue]
    if len(statuses) == 1:
        rows = list(db.session.scalars(full.where(*conds).order_by(*order).limit(PAGE_SIZE + 1)))
    else:
        keys = []
        for status in statuses:  # each one an index-ordered range, at most a page and one
            keys += db.session.execute(select(order_col, Assignment.id).where(*conds, Assignment.status == status)
                                       .order_by(*order).limit(PAGE_SIZE + 1)).all()
        keys.sort(key=lambda k: (k[0] is None, k[0], k[1]), reverse=descending)
        ids = [k[1] for k in keys[:PAGE_SIZE + 1]]
        found = {a.id: a for a in db.session.scalars(full.where(Assignment.id.in_(ids)))} if ids else {}
        rows = [found[i] for i in ids if i in found]
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    last = rows[-1] if rows else None
    cursor_out = f"{getattr(last, order_col.key).isoformat()}_{last.id}" if more and last else None
    return QueuePage(rows=rows, next_cursor=cursor_out)


def department_assignment(number: str, department_id: int) -> tuple[Ticket, Assignment]:
    """The ticket and this department's latest assignment on it; 404 if the department has none."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number)
                               .options(selectinload(Ticket.assignments).selectinload(Assignment.department)))
    mine = [a for a in (ticket.assignments if ticket else []) if a.department_id == department_id]
    if not mine:
        abort(404)
    return ticket, max(mine, key=lambda a: a.id)


def assignment_extras(assignment: Assignment) -> dict:
    """Contact attempts, extension requests and attachments of an assignment's ticket; for the lead, the
    co-handlers' parts of its round (what they answered)."""
    co_handlers = [x for x in assignment.ticket.assignments if not x.is_lead and x.round == assignment.round] \
        if assignment.is_lead else []
    return {
        "co_handlers": co_handlers,
        "contacts": list(db.session.scalars(select(ContactAttempt).where(
            ContactAttempt.assignment_id == assignment.id).order_by(ContactAttempt.at))),
        "extensions": list(db.session.scalars(select(Extension).where(
            Extension.assignment_id == assignment.id).order_by(Extension.requested_at))),
        "attachments": list(db.session.scalars(select(Attachment).where(
            Attachment.ticket_id == assignment.ticket_id).order_by(Attachment.created_at))),
        "history": ticket_queries.history(assignment.ticket_id),
    }
