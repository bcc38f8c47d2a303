"""The supervisors' console queues, each filterable by department, county and category."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import selectinload

from hotline.escalation.models import CaseStatus, SupervisionAction, SupervisionCase
from hotline.extensions import db
from hotline.tickets.models import (
    Assignment,
    Callback,
    Extension,
    ExtensionStatus,
    MatterChain,
    Satisfaction,
    Ticket,
)
from hotline.tickets.states import AssignmentState, TicketState

OPEN = (AssignmentState.dispatched, AssignmentState.signed, AssignmentState.contacted)
LIMIT = 200


@dataclass(frozen=True)
class Filters:
    """Console filters (ids; None = all)."""

    department_id: int | None = None
    district_id: int | None = None
    category_id: int | None = None


def _ticket_filter(query, f: Filters):
    if f.district_id:
        query = query.where(Ticket.district_id == f.district_id)
    if f.category_id:
        query = query.where(Ticket.category_id == f.category_id)
    if f.department_id:
        query = query.where(exists().where(and_(Assignment.ticket_id == Ticket.id,
                                                Assignment.department_id == f.department_id)))
    return query


def _assignments(condition, f: Filters):
    """Open assignments meeting ``condition``, earliest resolution deadline first, filtered."""
    q = (select(Assignment).join(Assignment.ticket).where(Assignment.status.in_(OPEN), condition)
         .options(selectinload(Assignment.ticket), selectinload(Assignment.department))
         .order_by(Assignment.resolve_due_at))
    if f.department_id:
        q = q.where(Assignment.department_id == f.department_id)
    return _ticket_filter(q, Filters(district_id=f.district_id, category_id=f.category_id))


def warnings(f: Filters, now: datetime):
    """Assignments past 75 % of their resolution limit but not yet late."""
    return _assignments(and_(Assignment.resolve_warn_at <= now, Assignment.resolve_due_at > now), f)


def overdue(f: Filters, now: datetime):
    """Assignments past their resolution limit."""
    return _assignments(Assignment.resolve_due_at <= now, f)


def cases(f: Filters, level: int):
    """Open supervision cases of a level, oldest deadline first."""
    q = (select(SupervisionCase).join(Ticket, Ticket.id == SupervisionCase.ticket_id)
         .where(SupervisionCase.status == CaseStatus.OPEN, SupervisionCase.level == level)
         .order_by(SupervisionCase.due_at))
    return _ticket_filter(q, f)


def repeat_chains(f: Filters):
    """Tickets of matters that came back (chains of two or more), open ones first."""
    q = (select(Ticket).join(MatterChain, MatterChain.id == Ticket.chain_id)
         .where(MatterChain.repeat_count >= 2, Ticket.status.notin_([TicketState.merged]))
         .order_by(MatterChain.repeat_count.desc(), Ticket.received_at.desc()))
    return _ticket_filter(q, f)


def unsatisfied(f: Filters):
    """Tickets whose latest reached callback was unsatisfied or not solved."""
    bad = and_(Callback.ticket_id == Ticket.id, Callback.reached,
               (Callback.satisfaction == Satisfaction.UNSATISFIED) | (Callback.solved.is_(False)))
    q = select(Ticket).where(exists().where(bad)).order_by(Ticket.updated_at.desc())
    return _ticket_filter(q, f)


def pending_extensions(f: Filters):
    """Extension requests waiting for a decision."""
    q = (select(Extension).join(Assignment, Assignment.id == Extension.assignment_id).join(Assignment.ticket)
         .where(Extension.status == ExtensionStatus.PENDING).order_by(Extension.requested_at))
    if f.department_id:
        q = q.where(Assignment.department_id == f.department_id)
    return _ticket_filter(q, Filters(district_id=f.district_id, category_id=f.category_id))


def returned(f: Filters):
    """Tickets every department returned."""
    return _ticket_filter(select(Ticket).where(Ticket.status == TicketState.returned).order_by(Ticket.received_at), f)


def count(query) -> int:
    """Rows of a console query."""
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def console(f: Filters, now: datetime) -> dict[str, int]:
    """The count of every queue."""
    return {
        "warnings": count(warnings(f, now)), "overdue": count(overdue(f, now)),
        "level1": count(cases(f, 1)), "level2": count(cases(f, 2)), "level3": count(cases(f, 3)),
        "chains": count(repeat_chains(f)), "unsatisfied": count(unsatisfied(f)),
        "extensions": count(pending_extensions(f)), "returned": count(returned(f)),
    }


def rows(queue: str, f: Filters, now: datetime) -> list:
    """The rows of one queue (at most 200)."""
    query = {
        "warnings": lambda: warnings(f, now), "overdue": lambda: overdue(f, now),
        "level1": lambda: cases(f, 1), "level2": lambda: cases(f, 2), "level3": lambda: cases(f, 3),
        "chains": lambda: repeat_chains(f), "unsatisfied": lambda: unsatisfied(f),
        "extensions": lambda: pending_extensions(f), "returned": lambda: returned(f),
    }[queue]()
    return list(db.session.scalars(query.limit(LIMIT)))


def case_detail(case_id: int):
    """A case, its ticket, its actions and the ticket's other cases."""
    case = db.session.get(SupervisionCase, case_id)
    if case is None:
        return None
    ticket = db.session.get(Ticket, case.ticket_id)
    actions = db.session.scalars(select(SupervisionAction).where(SupervisionAction.case_id == case.id)
                                 .order_by(SupervisionAction.created_at)).all()
    others = db.session.scalars(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id)
                                .order_by(SupervisionCase.opened_at)).all()
    return case, ticket, actions, others
