"""The hotline's measures (DOMAIN.md "Measures"), each defined once.

A measure counts rows of one entity — assignments, callbacks or tickets — in a
period: its **base** (the denominator) and its **hits** (the numerator, a subset of
the base). The figure, the drill-down list and the export all come from
:func:`query`, so they always agree. A rate with an empty base is ``None`` and is
shown as "—", never as 0 %. Inquiries are never dispatched and have no callbacks,
so they are outside every assignment and callback base; the ticket measures name
their kinds explicitly. See docs/MEASURES.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, case, exists, false, func, select

from hotline.audit.periods import Period
from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets.models import (
    Assignment, AssignmentRole, Callback, Extension, ExtensionStatus, Kind, Satisfaction, Ticket,
)
from hotline.tickets.states import AssignmentState, TicketState

COMPLAINT_KINDS = (Kind.COMPLAINT, Kind.REPORT, Kind.HELP, Kind.SUGGESTION)


@dataclass(frozen=True)
class Slice:
    """Which part of the city a figure covers (None = all)."""

    department_id: int | None = None
    district_id: int | None = None
    category_id: int | None = None
    kind: str | None = None
    channel: str | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Measure:
    """One measure: the entity it counts, its base in a period, and its hit condition."""

    key: str
    entity: str  # "assignment", "callback" or "ticket"
    doc: str
    base: object = field(repr=False)  # (period, as_of) -> SQL condition
    hit: object = field(repr=False)  # () -> SQL condition


def _dispatched_in(p: Period):
    return and_(Assignment.dispatched_at >= p.start, Assignment.dispatched_at < p.end)


def _not_returned():
    return Assignment.status != AssignmentState.returned


def _approved_extension():
    return exists().where(and_(Extension.assignment_id == Assignment.id, Extension.status == ExtensionStatus.APPROVED))


def _reached_in(p: Period):
    return and_(Callback.reached, Callback.at >= p.start, Callback.at < p.end)


MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("response", "assignment",
            "响应率: assignments whose first recorded contact came by their contact limit ÷ assignments "
            "dispatched in the period whose outcome is known — contacted, or past the limit — (returned "
            "assignments excluded).",
            lambda p, now: and_(_dispatched_in(p), _not_returned(),
                                (Assignment.first_contact_at.isnot(None)) | (Assignment.contact_due_at <= now)),
            lambda: Assignment.first_contact_at <= Assignment.contact_due_at),
    Measure("sign_on_time", "assignment",
            "Sign-for on time: assignments signed by their sign-for limit ÷ assignments dispatched in the "
            "period that are signed or past the limit (returned assignments excluded).",
            lambda p, now: and_(_dispatched_in(p), _not_returned(),
                                (Assignment.signed_at.isnot(None)) | (Assignment.sign_due_at <= now)),
            lambda: Assignment.signed_at <= Assignment.sign_due_at),
    Measure("on_time", "assignment",
            "按期办结率: assignments submitted by their resolution due time (moved by approved extensions) "
            "÷ assignments whose due time fell in the period and is past, or that were submitted (returned "
            "ones excluded). A reopened ticket's new round is a new assignment and counts again.",
            lambda p, now: and_(Assignment.resolve_due_at >= p.start, Assignment.resolve_due_at < p.end,
                                _not_returned(),
                                (Assignment.submitted_at.isnot(None)) | (Assignment.resolve_due_at <= now)),
            lambda: Assignment.submitted_at <= Assignment.resolve_due_at),
    Measure("return", "assignment",
            "退单率: assignments returned ÷ assignments dispatched in the period.",
            lambda p, now: _dispatched_in(p), lambda: Assignment.status == AssignmentState.returned),
    Measure("extension", "assignment",
            "Extension rate: assignments with at least one approved extension ÷ assignments dispatched in "
            "the period.",
            lambda p, now: _dispatched_in(p), _approved_extension),
    Measure("resolution", "callback",
            "解决率: callbacks in the period that reached the caller and where the caller says solved ÷ "
            "callbacks that reached the caller.",
            lambda p, now: _reached_in(p), lambda: Callback.solved.is_(True)),
    Measure("satisfaction", "callback",
            "满意率: reached callbacks in the period with satisfied or basically satisfied ÷ reached callbacks.",
            lambda p, now: _reached_in(p),
            lambda: Callback.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASIC])),
    Measure("false_closure", "callback",
            "False closures: reached callbacks in the period where the department had submitted the matter "
            "as solved but the caller says not solved ÷ reached callbacks.",
            lambda p, now: _reached_in(p), lambda: and_(Callback.solved.is_(False), _lead_said_solved())),
    Measure("reopen", "ticket",
            "重办率: tickets resolved in the period (or reopened in it) that have been reopened ÷ those tickets.",
            lambda p, now: and_(Ticket.kind.in_(COMPLAINT_KINDS), Ticket.received_at < p.end,
                           Ticket.status.notin_([TicketState.answered, TicketState.merged]),
                           Ticket.updated_at >= p.start, Ticket.dispatched_at.isnot(None)),
            lambda: Ticket.reopen_count > 0),
    Measure("repeat", "ticket",
            "重复诉求率: tickets received in the period that a caller confirmed as a repeat of an earlier "
            "matter ÷ tickets received (inquiries excluded).",
            lambda p, now: and_(Ticket.received_at >= p.start, Ticket.received_at < p.end,
                                Ticket.kind.in_(COMPLAINT_KINDS)),
            lambda: and_(Ticket.chain_id.isnot(None), Ticket.routing_rule.in_(["merge", "rehandle"]))),
    Measure("on_the_spot", "ticket",
            "直办率: inquiries received in the period answered on the spot ÷ inquiries received.",
            lambda p, now: and_(Ticket.received_at >= p.start, Ticket.received_at < p.end,
                                Ticket.kind == Kind.INQUIRY),
            lambda: Ticket.status == TicketState.answered),
)}


def _lead_said_solved():
    return exists().where(and_(Assignment.ticket_id == Callback.ticket_id, Assignment.role == AssignmentRole.LEAD,
                               Assignment.round == Callback.round, Assignment.reply_solved.is_(True)))


def _lead_department():
    """The department answerable for a callback: the lead whose reply the caller judged."""
    return (select(Assignment.department_id)
            .where(Assignment.ticket_id == Callback.ticket_id, Assignment.role == AssignmentRole.LEAD,
                   Assignment.status == AssignmentState.submitted, Assignment.round == Callback.round)
            .order_by(Assignment.id.desc()).limit(1).scalar_subquery())


def department_column(entity: str):
    """The column a measure is grouped by for the department ranking."""
    return {"assignment": Assignment.department_id, "callback": _lead_department(), "ticket": None}[entity]


def slice_conditions(entity: str, s: Slice) -> list:
    """SQL conditions restricting an entity's rows to a slice of the city."""
    conds = []
    for column, value in ((Ticket.district_id, s.district_id), (Ticket.category_id, s.category_id),
                          (Ticket.kind, s.kind), (Ticket.channel, s.channel), (Ticket.routing_rule, s.rule)):
        if value:
            conds.append(column == value)
    if s.department_id:
        if entity == "assignment":
            conds.append(Assignment.department_id == s.department_id)
        elif entity == "callback":
            conds.append(_lead_department() == s.department_id)
        else:
            conds.append(exists().where(and_(Assignment.ticket_id == Ticket.id,
                                             Assignment.department_id == s.department_id)))
    return conds


def _entity(entity: str):
    return {"assignment": Assignment, "callback": Callback, "ticket": Ticket}[entity]


def query(key: str, period: Period, s: Slice = Slice(), part: str = "base", as_of: datetime | None = None):
    """The rows a figure counts: ``base``, ``hit`` (numerator) or ``miss`` (base minus hits), as of ``as_of``."""
    m = MEASURES[key]
    model = _entity(m.entity)
    q = select(model)
    if model is not Ticket:
        q = q.join(Ticket, Ticket.id == model.ticket_id)
    conds = [m.base(period, as_of or utcnow()), *slice_conditions(m.entity, s)]
    if part == "hit":
        conds.append(m.hit())
    elif part == "miss":
        conds.append(~func.coalesce(m.hit(), false()))
    elif part != "base":
        raise ValueError(f"unknown part {part!r}")
    return q.where(*conds)


@dataclass(frozen=True)
class Figure:
    """A measure's numerator and base; ``rate`` is None when the base is empty."""

    hits: int
    base: int

    @property
    def rate(self) -> float | None:
        """hits ÷ base, or None (shown as "—") when nothing was in the base."""
        return self.hits / self.base if self.base else None


def compute(key: str, period: Period, s: Slice = Slice()) -> Figure:
    """One figure for a period and slice: the counts of :func:`query`'s base and hit rows."""
    base = db.session.scalar(select(func.count()).select_from(query(key, period, s).subquery())) or 0
    hits = db.session.scalar(select(func.count()).select_from(query(key, period, s, "hit").subquery())) if base else 0
    return Figure(hits=hits or 0, base=base)


def by_department(key: str, period: Period, s: Slice = Slice()) -> dict[int, Figure]:
    """The figure per department (assignment and callback measures), in one grouped query."""
    m = MEASURES[key]
    dept = department_column(m.entity)
    if dept is None:
        raise ValueError(f"{key} is not attributed to departments")
    model = _entity(m.entity)
    hit = func.sum(case((m.hit(), 1), else_=0))
    q = select(dept.label("dept"), func.count(), hit).select_from(model)
    if model is not Ticket:
        q = q.join(Ticket, Ticket.id == model.ticket_id)
    q = q.where(m.base(period, utcnow()), *slice_conditions(m.entity, s)).group_by("dept")
    return {d: Figure(hits=int(h or 0), base=n) for d, n, h in db.session.execute(q) if d is not None}


