"""The hotline's measures (DOMAIN.md "Measures"), each defined once.

A measure counts rows of one entity — assignments, callbacks or tickets — in a
period: its **base** (the denominator) and its **hits** (the numerator, a subset of
the base). The figure, the drill-down list and the export all come from
:func:`query`, so they always agree. A rate with an empty base is ``None`` and is
shown as "—", never as 0 %.

Every measure names the ticket kinds it counts. The complaint measures count rows of
complaint-kind tickets only (complaint, report, help request, suggestion): an inquiry
(咨询) is in none of their bases, whether it was answered on the spot or dispatched —
its assignments and callbacks included. Inquiries have their own measures
(:data:`INQUIRY_KEYS`: received, answered on the spot, dispatched, closed), reported
apart. See docs/MEASURES.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, exists, false, func, select

from hotline.audit.periods import Period
from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets.models import (
    Assignment,
    Callback,
    Extension,
    ExtensionStatus,
    Kind,
    Satisfaction,
    Ticket,
)
from hotline.tickets.states import AssignmentState, TicketState

COMPLAINT_KINDS = (Kind.COMPLAINT, Kind.REPORT, Kind.HELP, Kind.SUGGESTION)
INQUIRY_KINDS = (Kind.INQUIRY,)


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
    """One measure: the entity it counts, its base in a period, and its hit condition.

    The base is ``scope`` (the indexed range a period selects, shared by the measures of one
    :data:`SCOPES` group so they are counted in one scan), ``kinds`` (the kinds of the tickets whose
    rows are counted: the complaint kinds unless the measure is about inquiries) and ``extra`` (the
    rest of the condition).
    """

    key: str
    entity: str  # "assignment", "callback" or "ticket"
    doc: str
    scope: str  # a key of SCOPES
    extra: object = field(repr=False)  # (period, as_of) -> SQL condition or None
    hit: object = field(repr=False)  # () -> SQL condition
    kinds: tuple[Kind, ...] = COMPLAINT_KINDS

    @property
    def about_inquiries(self) -> bool:
        """Whether the measure counts inquiries (reported apart) rather than complaints."""
        return self.kinds == INQUIRY_KINDS

    def own(self, period: Period, as_of: datetime, with_kinds: bool = True):
        """The base's condition beyond the scope's range: the ticket kinds and ``extra``."""
        extra = self.extra(period, as_of)
        if not with_kinds:
            return extra
        kinds = Ticket.kind.in_(self.kinds)
        return kinds if extra is None else and_(kinds, extra)

    def base(self, period: Period, as_of: datetime):
        """The base condition: the scope's range, the ticket kinds and the measure's own condition."""
        return and_(SCOPES[self.scope](period), self.own(period, as_of))


def _dispatched_in(p: Period):
    return and_(Assignment.dispatched_at >= p.start, Assignment.dispatched_at < p.end)


def _not_returned():
    """Neither returned by its department nor withdrawn by the lead's return (joint handling)."""
    return Assignment.status.notin_((AssignmentState.returned, AssignmentState.withdrawn))


def _approved_extension():
    return exists().where(and_(Extension.assignment_id == Assignment.id, Extension.status == ExtensionStatus.APPROVED))


SCOPES = {
    "assignment_dispatched": _dispatched_in,
    "assignment_due": lambda p: and_(Assignment.resolve_due_at >= p.start, Assignment.resolve_due_at < p.end),
    "callback_reached": lambda p: and_(Callback.reached, Callback.at >= p.start, Callback.at < p.end),
    "ticket_received": lambda p: and_(Ticket.received_at >= p.start, Ticket.received_at < p.end),
    "ticket_active": lambda p: and_(Ticket.updated_at >= p.start, Ticket.received_at < p.end),
}


MEASURES: dict[str, Measure] = {m.key: m for m in (
    Measure("response", "assignment",
            "响应率: assignments of complaint-kind tickets (no inquiry) whose first recorded contact came by "
            "their contact limit ÷ those dispatched in the period whose outcome is known — contacted, or past "
            "the limit — (returned and withdrawn assignments excluded).", "assignment_dispatched",
            lambda p, now: and_(_not_returned(),
                                (Assignment.first_contact_at.isnot(None)) | (Assignment.contact_due_at <= now)),
            lambda: Assignment.first_contact_at <= Assignment.contact_due_at),
    Measure("sign_on_time", "assignment",
            "Sign-for on time: assignments of complaint-kind tickets (no inquiry) signed by their sign-for "
            "limit ÷ those dispatched in the period that are signed or past the limit (returned assignments "
            "excluded).", "assignment_dispatched",
            lambda p, now: and_(_not_returned(),
                                (Assignment.signed_at.isnot(None)) | (Assignment.sign_due_at <= now)),
            lambda: Assignment.signed_at <= Assignment.sign_due_at),
    Measure("on_time", "assignment",
            "按期办结率: assignments of complaint-kind tickets (no inquiry) submitted by their resolution due "
            "time (moved by approved extensions) ÷ those whose due time fell in the period and is past, or that "
            "were submitted (returned and withdrawn ones excluded). A reopened ticket's new round is a new assignment "
            "and counts again.", "assignment_due",
            lambda p, now: and_(_not_returned(),
                                (Assignment.submitted_at.isnot(None)) | (Assignment.resolve_due_at <= now)),
            lambda: Assignment.submitted_at <= Assignment.resolve_due_at),
    Measure("return", "assignment",
            "退单率: assignments of complaint-kind tickets (no inquiry) returned ÷ those dispatched in the "
            "period.", "assignment_dispatched",
            lambda p, now: None, lambda: Assignment.status == AssignmentState.returned),
    Measure("extension", "assignment",
            "Extension rate: assignments of complaint-kind tickets (no inquiry) with at least one approved "
            "extension ÷ those dispatched in the period.", "assignment_dispatched",
            lambda p, now: None, _approved_extension),
    Measure("resolution", "callback",
            "解决率: callbacks of complaint-kind tickets (no inquiry) in the period that reached the caller "
            "and where the caller says solved ÷ those that reached the caller.", "callback_reached",
            lambda p, now: None, lambda: Callback.solved.is_(True)),
    Measure("satisfaction", "callback",
            "满意率: reached callbacks of complaint-kind tickets (no inquiry) in the period with satisfied or "
            "basically satisfied ÷ those reached callbacks.",
            "callback_reached", lambda p, now: None,
            lambda: Callback.satisfaction.in_([Satisfaction.SATISFIED, Satisfaction.BASIC])),
    Measure("false_closure", "callback",
            "False closures: reached callbacks of complaint-kind tickets (no inquiry) in the period where the "
            "department had submitted the matter as solved but the caller says not solved ÷ those reached "
            "callbacks.", "callback_reached",
            lambda p, now: None, lambda: and_(Callback.solved.is_(False), Callback.reply_solved.is_(True))),
    Measure("reopen", "ticket",
            "重办率: complaint-kind tickets (no inquiry) dispatched, received before the period's end and "
            "active in it (not merged), that have been reopened ÷ those tickets.",
            "ticket_active",
            lambda p, now: and_(Ticket.status.notin_([TicketState.answered, TicketState.merged]),
                                Ticket.dispatched_at.isnot(None)),
            lambda: Ticket.reopen_count > 0),
    Measure("repeat", "ticket",
            "重复诉求率: complaint-kind tickets (no inquiry) received in the period that a caller confirmed "
            "as a repeat of an earlier matter ÷ those tickets.", "ticket_received",
            lambda p, now: None,
            lambda: and_(Ticket.chain_id.isnot(None), Ticket.routing_rule.in_(["merge", "rehandle"]))),
    # Inquiries (咨询), reported apart: one base, inquiries received in the period; each row of the
    # inquiry table is one hit condition over it.
    Measure("on_the_spot", "ticket",
            "直办率: inquiries received in the period answered on the spot (closed during the call, never "
            "dispatched) ÷ inquiries received.",
            "ticket_received", lambda p, now: None,
            lambda: Ticket.status == TicketState.answered, kinds=INQUIRY_KINDS),
    Measure("inquiry_dispatched", "ticket",
            "Inquiries received in the period that were dispatched to a department (not answered on the "
            "spot) ÷ inquiries received.",
            "ticket_received", lambda p, now: None,
            lambda: Ticket.dispatched_at.isnot(None), kinds=INQUIRY_KINDS),
    Measure("inquiry_closed", "ticket",
            "Inquiries received in the period that are closed now — answered on the spot, or dispatched and "
            "closed after the callback (or unreachable) — ÷ inquiries received.",
            "ticket_received", lambda p, now: None,
            lambda: Ticket.status.in_([TicketState.answered, TicketState.closed]), kinds=INQUIRY_KINDS),
)}
COMPLAINT_KEYS = tuple(k for k, m in MEASURES.items() if not m.about_inquiries)
#: The inquiry table: received (the shared base), answered on the spot, dispatched, closed.
INQUIRY_KEYS = tuple(k for k, m in MEASURES.items() if m.about_inquiries)


def department_column(entity: str):
    """The column a measure is grouped by for the department ranking (callbacks: the judged lead's)."""
    return {"assignment": Assignment.department_id, "callback": Callback.department_id, "ticket": None}[entity]


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
            conds.append(Callback.department_id == s.department_id)
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


def _counts(keys, period: Period, s: Slice, as_of: datetime | None, by_department: bool):
    """Base and hit counts of several measures, one statement per scope (one scan of its range).

    Yields ``(department_id or None, {key: Figure})`` rows. The conditions are exactly those of
    :func:`query`, so every figure equals the length of its drill-down list. Assignments and
    callbacks are joined to their ticket for its kind; when every measure of a scope counts the same
    kinds, the kind is a condition of the scan, otherwise of each measure's count.
    """
    now = as_of or utcnow()
    groups: dict[str, list[Measure]] = {}
    for key in keys:
        groups.setdefault(MEASURES[key].scope, []).append(MEASURES[key])
    for scope, ms in groups.items():
        entity = ms[0].entity
        model = _entity(entity)
        shared = len({m.kinds for m in ms}) == 1
        columns = []
        for m in ms:
            own = m.own(period, now, with_kinds=not shared)
            base = func.count() if own is None else func.count().filter(own)
            hit = func.count().filter(m.hit() if own is None else and_(own, m.hit()))
            columns += [base, hit]
        dept = department_column(entity) if by_department else None
        if by_department and dept is None:
            raise ValueError(f"{[m.key for m in ms]} are not attributed to departments")
        q = select(*([dept] if by_department else []), *columns).select_from(model)
        if model is not Ticket:
            q = q.join(Ticket, Ticket.id == model.ticket_id)
        q = q.where(SCOPES[scope](period), *([Ticket.kind.in_(ms[0].kinds)] if shared else []),
                    *slice_conditions(entity, s))
        if by_department:
            q = q.group_by(dept)
        for row in db.session.execute(q):
            values = row[1:] if by_department else row
            yield (row[0] if by_department else None), {
                m.key: Figure(hits=int(values[2 * i + 1] or 0), base=int(values[2 * i] or 0))
                for i, m in enumerate(ms)}


def compute_many(keys, period: Period, s: Slice = Slice(), as_of: datetime | None = None) -> dict[str, Figure]:
    """Figures of several measures for a period and slice (the measures of one scope share a scan)."""
    out: dict[str, Figure] = {}
    for _, figures in _counts(keys, period, s, as_of, by_department=False):
        out.update(figures)
    return {key: out.get(key, Figure(0, 0)) for key in keys}


def compute(key: str, period: Period, s: Slice = Slice(), as_of: datetime | None = None) -> Figure:
    """One figure for a period and slice: the counts of :func:`query`'s base and hit rows."""
    return compute_many((key,), period, s, as_of)[key]


def by_department_many(keys, period: Period, s: Slice = Slice(),
                       as_of: datetime | None = None) -> dict[str, dict[int, Figure]]:
    """Figures per department of several assignment and callback measures, one grouped statement per scope."""
    out: dict[str, dict[int, Figure]] = {key: {} for key in keys}
    for dept, figures in _counts(keys, period, s, as_of, by_department=True):
        if dept is None:
            continue
        for key, figure in figures.items():
            if figure.base:
                out[key][dept] = figure
    return out


def by_department(key: str, period: Period, s: Slice = Slice()) -> dict[int, Figure]:
    """The figure per department (assignment and callback measures), in one grouped query."""
    return by_department_many((key,), period, s)[key]
