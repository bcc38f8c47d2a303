"""Intake and dispatch (受理、派单): the services behind the operator's pages, the API and the seed.

They own their transactions: validate, decide, write the ticket, its assignments and
events, commit. Routing is decided by :mod:`hotline.tickets.routing` (pure); deadlines by
:mod:`hotline.worktime.limits` on the working clock.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.attributes import set_committed_value

from hotline.auth.models import User
from hotline.db import commit_keeping, transaction, transactional, utcnow
from hotline.directory import reference
from hotline.directory.reference import request_clock
from hotline.extensions import db
from hotline.notifications.services import handlers_of, notify_caller, notify_users
from hotline.roles import Role
from hotline.tickets import events, intake_rules, lookup, numbers, repeats, supervision
from hotline.tickets.identity import normalize_enterprise_name
from hotline.tickets.models import (
    Assignment,
    AssignmentRole,
    Channel,
    Kind,
    MatterChain,
    Ticket,
)
from hotline.tickets.routing import Decision, Matter, RepeatLink, RoutingError, Rule, decide, override
from hotline.tickets.states import (
    AssignmentState,
    TicketAction,
    TicketState,
    check_round_invariant,
    ticket_transition,
)
from hotline.worktime.limits import Policy, Urgency, assignment_deadlines, ticket_dispatch_due


class IntakeError(ValueError):
    """Intake refused; ``code`` says why, ``field`` which form field to mark."""

    def __init__(self, code: str, field: str | None = None, **params) -> None:
        super().__init__(code)
        self.code, self.field, self.params = code, field, params


@dataclass(frozen=True)
class IntakeData:
    """One call as plain, already validated values (phone and credit code normalised)."""

    channel: str
    kind: str
    subject: str
    description: str
    category_code: str | None = None
    caller_name: str = ""
    caller_phone: str | None = None
    enterprise_name: str = ""
    credit_code: str | None = None
    district_code: str | None = None
    respondent: str = ""  # 被反映单位 as typed: a directory department's name or code, or free text
    urgency: str = "normal"
    confidential: bool = False
    caller_sms_opt_in: bool = False  # for a confidential ticket: the caller agreed to SMS about it
    answered_on_spot: bool = False
    answer: str = ""
    lead: str | None = None
    co_handlers: tuple[str, ...] = ()
    override_reason: str = ""
    repeat_of: str | None = None
    new_facts: bool = False
    idempotency_key: str | None = None

    @classmethod
    def of(cls, values: intake_rules.Intake, **extra) -> IntakeData:
        """The service's values from a call :func:`intake_rules.check` cleaned and normalised (empty
        codes become None); ``extra``: ``repeat_of``, ``new_facts``, ``idempotency_key``."""
        return cls(
            channel=values.channel, kind=values.kind, subject=values.subject, description=values.description,
            category_code=values.category or None, caller_name=values.caller_name,
            caller_phone=values.caller_phone or None, enterprise_name=values.enterprise_name,
            credit_code=values.credit_code or None, district_code=values.district or None,
            respondent=values.respondent, urgency=values.urgency, confidential=values.confidential is True,
            answered_on_spot=values.answered_on_spot, answer=values.answer, lead=values.lead or None,
            co_handlers=values.co_handlers, override_reason=values.override_reason, **extra)


@dataclass
class Proposal:
    """What the intake page shows while the operator types: routing and repeat candidates."""

    decision: Decision | None = None
    error: str | None = None
    candidates: list[repeats.Candidate] = field(default_factory=list)


def new_matter(data: IntakeData) -> repeats.NewMatter:
    """The repeat matcher's view of the call."""
    return repeats.NewMatter(
        credit_code=data.credit_code, enterprise_norm=normalize_enterprise_name(data.enterprise_name) or None,
        phone=data.caller_phone, category_code=data.category_code,
        text=f"{data.subject}\n{data.description}")


def route(data: IntakeData, operator_name: str) -> Decision:
    """Decide the routing of ``data`` (with the operator's override, if any)."""
    return _route(data, operator_name)[0]


def _route(data: IntakeData, operator_name: str) -> tuple[Decision, RepeatLink | None]:
    """The routing decision and the confirmed repeat it followed (resolved within its chain)."""
    ref = reference.snapshot()
    category = ref.categories.get(data.category_code) if data.category_code else None
    if data.category_code and category is None:
        raise IntakeError("unknown_category", "category")
    respondent, place = ref.respondent(data.respondent), ref.place(data.district_code)
    matter = Matter(kind=data.kind, category=category.facts if category else None, subject=data.subject,
                    description=data.description, confidential_requested=data.confidential,
                    answered_on_spot=data.answered_on_spot, urgency=data.urgency,
                    respondent=respondent.code if respondent else None, place=place.code if place else None,
                    place_district=data.district_code if place else None)
    link = lookup.repeat_link(data.repeat_of, data.new_facts) if data.repeat_of else None
    if data.repeat_of and link is None:
        raise IntakeError("unknown_repeat", "repeat_of")
    discipline = ref.discipline_department or ""
    try:
        decision = decide(matter, rules=ref.keyword_rules, repeat=link, discipline_department=discipline)
    except RoutingError as exc:
        if not (exc.code == "no_department" and data.lead):
            raise IntakeError(exc.code, "lead") from None
        decision = None
    if data.lead:
        try:
            decision = override(decision or _empty_decision(data), lead=data.lead, co_handlers=data.co_handlers,
                                by=operator_name, reason=data.override_reason)
        except RoutingError as exc:
            raise IntakeError(exc.code, "co_handlers" if "co_handlers" in exc.code else "lead") from None
    return decision, link


def _empty_decision(data: IntakeData) -> Decision:
    return Decision(rule=Rule.on_receipt, lead=None, co_handlers=(), merge_into=None, supervision_level=0,
                    confidential=data.confidential, joint_limits=False, reasons=())


def propose(data: IntakeData, *, now: datetime, operator_name: str) -> Proposal:
    """Routing proposal and repeat candidates for the live intake panel; writes nothing."""
    proposal = Proposal(candidates=lookup.repeat_candidates(
        new_matter(data), now=now, window_days=current_app.config["REPEAT_WINDOW_DAYS"]))
    try:
        proposal.decision = route(data, operator_name)
    except (IntakeError, RoutingError) as exc:
        proposal.error = exc.code
    return proposal


def create_ticket(data: IntakeData, *, operator_id: int | None, operator_name: str,
                  now: datetime | None = None, attribute=None, key_looked_up: bool = False) -> Ticket:
    """Save the call as a ticket and act on the routing at once; one ticket per intake key.

    ``attribute(ticket)``, if given, runs in the same transaction before the commit (the API
    records which integration created the ticket). ``key_looked_up``: the caller has just looked
    the intake key up and found no ticket (a race is still caught by the key's unique index).
    The ticket comes back with its assignments loaded (the ones just made).
    """
    now = now or utcnow()
    if data.idempotency_key and not key_looked_up:
        existing = _by_key(data.idempotency_key)
        if existing is not None:
            return existing
    try:
        with transaction():  # a refusal (IntakeError) or a lost race leaves nothing behind
            # the number first: on PostgreSQL its statement also reads the reference generation's token
            number, ticket_id, token = numbers.allocate_with_id(now, current_app.config["TIMEZONE"])
            reference.snapshot(bootstrap=True, token=token)  # this transaction writes: it may start the generation
            decision, link = _route(data, operator_name)
            ticket = _new_ticket(data, decision, operator_id, now, number=number, ticket_id=ticket_id)
            made = _act_on(ticket, decision, data, link, operator_id, now)
            if attribute is not None:
                attribute(ticket)
            commit_keeping(ticket, *made)
            set_committed_value(ticket, "assignments", list(made))  # a new ticket has no others
    except IntegrityError:
        existing = _by_key(data.idempotency_key) if data.idempotency_key else None
        if existing is None:
            raise
        return existing
    return ticket


def _by_key(key: str) -> Ticket | None:
    ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.idempotency_key == key))
    return db.session.get(Ticket, ticket_id) if ticket_id is not None else None


def _new_ticket(data: IntakeData, decision: Decision, operator_id: int | None, now: datetime, *,
                number: str, ticket_id: int | None) -> Ticket:
    ref = reference.snapshot()
    category = ref.categories.get(data.category_code) if data.category_code else None
    district = ref.districts.get(data.district_code) if data.district_code else None
    district_id = district.id if district else None
    respondent = ref.respondent(data.respondent)
    ticket = Ticket(
        id=ticket_id, number=number, idempotency_key=data.idempotency_key,
        channel=Channel(data.channel), kind=Kind(data.kind), category_id=category.id if category else None,
        subject=data.subject, description=data.description, caller_name=data.caller_name,
        caller_phone=data.caller_phone, enterprise_name=data.enterprise_name,
        enterprise_norm=normalize_enterprise_name(data.enterprise_name) or None, credit_code=data.credit_code,
        district_id=district_id, respondent_name=(respondent.name_zh if respondent else data.respondent.strip()),
        respondent_department_id=respondent.id if respondent else None, urgency=Urgency(data.urgency),
        confidential=decision.confidential,
        caller_sms_opt_in=data.caller_sms_opt_in,
        status=TicketState.received, routing_rule=decision.rule, routing=decision.to_dict(),
        operator_id=operator_id, received_at=now, answer=data.answer,
        dispatch_due_at=ticket_dispatch_due(ref.policy(category), request_clock(), now))
    db.session.add(ticket)
    events.record(ticket, "received", actor_id=operator_id, to_state=TicketState.received, at=now,
                  data={"channel": data.channel, "kind": data.kind, "routing": decision.to_dict()})
    return ticket


def policy_for(category) -> Policy:
    """The category's time-limit policy, or the defaults."""
    if category is not None and category.policy is not None:
        return Policy.from_dict(category.policy.limits)
    return Policy()


def _act_on(ticket: Ticket, decision: Decision, data: IntakeData, link: RepeatLink | None,
            actor_id: int | None, now: datetime) -> list[Assignment]:
    """Act on the routing; returns the assignments made (the new ticket's only ones)."""
    if decision.rule == Rule.answered:
        _transition(ticket, TicketAction.answer_on_spot, actor_id, now, {"answer": data.answer})
        ticket.closed_at, ticket.close_reason = now, "answered_on_spot"
        return []
    earlier = _link_chain(ticket, decision, link) if link is not None else None
    if decision.rule == Rule.merge:
        _merge(ticket, earlier, decision, actor_id, now)
        return []
    ref = reference.snapshot()
    policy = ref.policy(ref.categories.get(data.category_code) if data.category_code else None)
    made = dispatch(ticket, decision.lead, decision.co_handlers, joint=decision.joint_limits, actor_id=actor_id,
                    now=now, new_ticket=True, policy=policy)
    if decision.supervision_level:
        supervision.request_level(ticket, decision.supervision_level, trigger="repeat", actor_id=actor_id, now=now)
    return made


def _transition(ticket: Ticket, action: TicketAction, actor_id, now, data=None, role=Role.operator) -> None:
    before = ticket.status
    ticket.status = ticket_transition(before, action, role)
    events.record(ticket, str(action), actor_id=actor_id, from_state=before, to_state=ticket.status,
                  data=data, at=now)


def dispatch(ticket: Ticket, lead: str, co_handlers, *, joint: bool, actor_id: int | None, now: datetime,
             action: TicketAction = TicketAction.dispatch, new_ticket: bool = False,
             policy: Policy | None = None) -> list[Assignment]:
    """Create the lead's and co-handlers' assignments with their clocks starting now (派单)."""
    made = make_assignments(ticket, lead, co_handlers, joint=joint, now=now, new_ticket=new_ticket, policy=policy)
    ticket.dispatched_at = now
    _transition(ticket, action, actor_id, now, {"lead": lead, "co_handlers": list(co_handlers),
                                                "joint": joint or bool(co_handlers)})
    notify_new_assignments(ticket, made)
    if action == TicketAction.dispatch:  # the caller hears once, at the first dispatch (re-dispatch: no)
        notify_caller("caller_dispatched", ticket_id=ticket.id, number=ticket.number, phone=ticket.caller_phone,
                      confidential=ticket.confidential, opted_in=ticket.caller_sms_opt_in)
    return made


def make_assignments(ticket: Ticket, lead: str, co_handlers, *, joint: bool, now: datetime,
                     new_ticket: bool = False, policy: Policy | None = None) -> list[Assignment]:
    """Open the ticket's next round: new assignments whose deadlines run from ``now``.

    ``policy``: the ticket category's policy when the caller has it (else it is looked up).
    Refuses (``round_invariant``) if a live assignment of an earlier round would remain.
    """
    depts = reference.snapshot().departments  # the active ones
    missing = [c for c in (lead, *co_handlers) if c not in depts]
    if missing:
        raise IntakeError("unknown_department", "lead", departments=",".join(missing))
    policy, clock = policy if policy is not None else policy_for(ticket.category), request_clock()
    joint = joint or bool(co_handlers)
    earlier = [] if new_ticket else list(ticket.assignments)  # a brand-new ticket has none: no load
    ticket.round = (ticket.round or 0) + 1
    made = []
    for code in (lead, *co_handlers):
        role = AssignmentRole.LEAD if code == lead else AssignmentRole.CO
        due = assignment_deadlines(policy, clock, dispatched_at=now, urgency=ticket.urgency, joint=joint,
                                   co_handler=role == AssignmentRole.CO)
        made.append(Assignment(
            ticket=ticket, department_id=depts[code].id, role=role, round=ticket.round,
            status=AssignmentState.dispatched, dispatched_at=now, sign_due_at=due.sign_due,
            sign_warn_at=due.sign_warn, contact_due_at=due.contact_due, contact_warn_at=due.contact_warn,
            return_due_at=due.return_due, resolve_due_at=due.resolve_due, resolve_warn_at=due.resolve_warn))
    db.session.add_all(made)
    check_round_invariant(ticket.round, [(str(a.department_id), a.round, a.status) for a in (*earlier, *made)])
    return made


def notify_new_assignments(ticket: Ticket, assignments: list[Assignment]) -> None:
    """Tell each department's handlers about their new assignment (in-app notification)."""
    session = db.session()
    if any(isinstance(o, User) for o in (*session.new, *session.dirty)):
        handlers = handlers_of([a.department_id for a in assignments])
    else:  # no user changed in this transaction: the new rows need not be flushed for this query
        with session.no_autoflush:
            handlers = handlers_of([a.department_id for a in assignments])
    for a in assignments:
        notify_users(handlers.get(a.department_id, ()), kind="new_assignment", ticket_id=ticket.id,
                     data={"ticket": ticket.number, "role": str(a.role)})


def _link_chain(ticket: Ticket, decision: Decision, link: RepeatLink) -> Ticket:
    """Join the confirmed repeat's chain (创建或加入重复诉求链), counting this complaint.

    ``link`` names the chain's ticket the repeat belongs to (already resolved within the chain)."""
    earlier = db.session.scalar(select(Ticket).where(Ticket.number == link.ticket_number))
    earlier = lock_ticket(earlier.id)  # a handler or a worker may be writing its history right now
    chain = db.session.scalar(select(MatterChain).where(MatterChain.id == earlier.chain_id).with_for_update()
                              .execution_options(populate_existing=True)) if earlier.chain_id else None
    if chain is None:
        chain = MatterChain(repeat_count=1, supervision_level=earlier.supervision_level)
        db.session.add(chain)
        db.session.flush()
        earlier.chain_id = chain.id
    chain.repeat_count = MatterChain.repeat_count + 1  # counted by the database, not from a stale read
    chain.supervision_level = max(chain.supervision_level, decision.supervision_level)
    ticket.chain_id = chain.id
    return earlier


def _merge(ticket: Ticket, earlier: Ticket, decision: Decision, actor_id, now) -> None:
    """并单: no new dispatch; the earlier open ticket records the repeat and comes under supervision."""
    ticket.merged_into_id = earlier.id
    ticket.closed_at, ticket.close_reason = now, "merged"
    _transition(ticket, TicketAction.merge, actor_id, now, {"into": earlier.number})
    events.record(earlier, "repeat_merged", actor_id=actor_id, at=now,
                  data={"ticket": ticket.number, "new_facts": False})
    if decision.supervision_level:
        supervision.request_level(earlier, decision.supervision_level, trigger="repeat", actor_id=actor_id, now=now)


def lock_ticket(ticket_id: int) -> Ticket:
    """Reload a ticket holding its row lock (PostgreSQL), so concurrent actions serialise."""
    return db.session.scalar(select(Ticket).where(Ticket.id == ticket_id).with_for_update().execution_options(
        populate_existing=True))


def record_identity_view(ticket: Ticket, actor_id: int) -> None:
    """Record that a staff member viewed a confidential caller's identity (保密: every view logged)."""
    ticket = lock_ticket(ticket.id)
    events.record(ticket, "identity_viewed", actor_id=actor_id)
    db.session.commit()


@transactional
def redispatch(ticket: Ticket, lead: str, co_handlers: tuple[str, ...], *, note: str,
               actor_id: int | None, now: datetime | None = None) -> list[Assignment]:
    """Send a ticket that every department returned to newly chosen departments (重新派单)."""
    now = now or utcnow()
    ticket = lock_ticket(ticket.id)
    if ticket.status != TicketState.returned:
        raise IntakeError("not_returned", "lead")
    if lead in co_handlers:
        raise IntakeError("lead_in_co_handlers", "co_handlers")
    made = dispatch(ticket, lead, co_handlers, joint=bool(co_handlers), actor_id=actor_id, now=now,
                    action=TicketAction.redispatch)
    events.record(ticket, "redispatch_note", actor_id=actor_id, at=now, data={"note": note})
    return made
