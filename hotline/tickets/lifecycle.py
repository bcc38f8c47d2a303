"""Department and callback actions (签收、联系、延期、退单、办结、回访): all state goes through the state machine.

Each service locks the ticket row, checks the actor may act, applies one transition,
appends its event, notifies, and commits.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from hotline.auth.models import User
from hotline.db import transactional, utcnow
from hotline.directory.reference import request_clock
from hotline.extensions import db
from hotline.notifications.services import notify_caller, notify_department, notify_users
from hotline.roles import Role
from hotline.tickets import events, guards, states, supervision
from hotline.tickets.intake import (
    lock_ticket,
    make_assignments,
    notify_new_assignments,
    policy_for,
)
from hotline.tickets.models import (
    Assignment,
    AssignmentRole,
    Callback,
    ContactAttempt,
    ContactMethod,
    Extension,
    ExtensionStatus,
    Satisfaction,
    Ticket,
)
from hotline.tickets.states import (
    LIVE_ASSIGNMENT_STATES,
    AssignmentAction,
    AssignmentState,
    DomainError,
    TicketAction,
    TicketState,
    assignment_transition,
    ticket_transition,
)
from hotline.worktime.limits import ExtensionRefused, assignment_deadlines, callback_due, can_extend

CONTACT_METHODS = tuple(m.value for m in ContactMethod)


def _locked_assignment(assignment_id: int) -> tuple[Ticket, Assignment]:
    """The assignment and its ticket, with the ticket row locked for the transaction."""
    ticket_id = db.session.scalar(select(Assignment.ticket_id).where(Assignment.id == assignment_id))
    if ticket_id is None:
        raise DomainError("not_found")
    ticket = lock_ticket(ticket_id)
    return ticket, db.session.get(Assignment, assignment_id, populate_existing=True)


def _check_handler(assignment: Assignment, actor: User | None) -> None:
    """Only a handler of the assignment's own department acts on it (None = the system or a seed)."""
    if actor is not None and (actor.role != Role.handler or actor.department_id != assignment.department_id):
        raise DomainError("not_your_department")


def _assignment_step(ticket, assignment, action, actor, at, data=None, **guards) -> None:
    before = assignment.status
    assignment.status = assignment_transition(before, action, Role.handler, **guards)
    events.record(ticket, f"assignment_{action.value}", actor_id=actor.id if actor else None, at=at,
                  assignment_id=assignment.id, from_state=before, to_state=assignment.status,
                  data={"department": assignment.department.code, **(data or {})})


def _ticket_step(ticket, action, role, actor, now, data=None) -> None:
    before = ticket.status
    ticket.status = ticket_transition(before, action, role)
    events.record(ticket, str(action), actor_id=actor.id if actor else None, at=now,
                  from_state=before, to_state=ticket.status, data=data)


@transactional
def sign_for(assignment_id: int, *, actor: User | None, now: datetime | None = None) -> Assignment:
    """签收: the department takes the assignment; the first signature starts the ticket."""
    now = now or utcnow()
    ticket, a = _locked_assignment(assignment_id)
    _check_handler(a, actor)
    _assignment_step(ticket, a, AssignmentAction.sign, actor, now)
    a.signed_at, a.signed_by_id = now, actor.id if actor else None
    a.sign_minutes = working_minutes(a.dispatched_at, now)
    if ticket.status in (TicketState.dispatched, TicketState.reopened):
        _ticket_step(ticket, TicketAction.start, Role.handler, actor, now)
    return a


@transactional
def record_contact(assignment_id: int, *, at: datetime, method: str, reached: bool, summary: str,
                   actor: User | None, now: datetime | None = None) -> ContactAttempt:
    """响应: record an attempt to contact the caller; the first one makes the assignment "contacted"."""
    now = now or utcnow()
    if at > now:
        raise DomainError("contact_in_future")
    if method not in CONTACT_METHODS:
        raise DomainError("unknown_contact_method")
    ticket, a = _locked_assignment(assignment_id)
    _check_handler(a, actor)
    if at < a.dispatched_at.replace(second=0, microsecond=0):  # forms give minutes
        raise DomainError("contact_before_dispatch")
    attempt = ContactAttempt(assignment_id=a.id, at=at, method=method, reached=reached, summary=summary.strip(),
                             user_id=actor.id if actor else None)
    db.session.add(attempt)
    data = {"at": at.isoformat(), "method": method, "reached": reached}
    if reached:
        _assignment_step(ticket, a, AssignmentAction.record_contact, actor, now, data)
        if a.first_contact_at is None:
            a.first_contact_at = at
            a.contact_minutes = working_minutes(a.dispatched_at, at)
    else:  # an attempt that did not reach the caller is recorded, but is not the first contact (响应)
        if a.status not in (AssignmentState.signed, AssignmentState.contacted):
            raise DomainError("not_allowed_in_state", state=str(a.status))
        events.record(ticket, "contact_attempt_unreached", actor_id=actor.id if actor else None, at=now,
                      assignment_id=a.id, data={"department": a.department.code, **data})
    return attempt


@transactional
def request_extension(assignment_id: int, *, days: int, reason: str, actor: User | None,
                      now: datetime | None = None) -> Extension:
    """延期申请: at most three, at most three working days each, one pending at a time."""
    now = now or utcnow()
    ticket, a = _locked_assignment(assignment_id)
    _check_handler(a, actor)
    if a.status not in states.EXTENSION_STATES:
        raise DomainError("not_allowed_in_state", state=str(a.status))
    if not reason.strip():
        raise DomainError("extension_reason_required")
    _check_extension(ticket, a, days)
    if db.session.scalar(select(func.count()).select_from(Extension).where(
            Extension.assignment_id == a.id, Extension.status == ExtensionStatus.PENDING)):
        raise DomainError("extension_pending")
    ext = Extension(assignment_id=a.id, days=days, reason=reason.strip(), requested_at=now,
                    requested_by_id=actor.id if actor else None)
    db.session.add(ext)
    events.record(ticket, "extension_requested", actor_id=actor.id if actor else None, assignment_id=a.id,
                  at=now, data={"days": days, "reason": ext.reason})
    supervisors = db.session.scalars(select(User.id).where(User.role == Role.supervisor, User.active)).all()
    notify_users(supervisors, kind="extension_requested", ticket_id=ticket.id,
                 data={"ticket": ticket.number, "days": days})
    return ext


@transactional
def decide_extension(extension_id: int, *, approve: bool, note: str, actor: User | None,
                     now: datetime | None = None) -> Extension:
    """A supervisor approves (the resolution deadline moves) or refuses an extension request."""
    now = now or utcnow()
    ext = db.session.get(Extension, extension_id)
    if ext is None:
        raise DomainError("not_found")
    ticket, a = _locked_assignment(ext.assignment_id)
    db.session.refresh(ext)
    if ext.status != ExtensionStatus.PENDING:
        raise DomainError("extension_already_decided")
    if actor is not None and actor.role != Role.supervisor:
        raise DomainError("role_not_allowed")
    ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED
    ext.decided_at, ext.decided_by_id, ext.decision_note = now, actor.id if actor else None, note.strip()
    data = {"days": ext.days, "approved": approve, "note": ext.decision_note}
    if approve:
        _check_extension(ticket, a, ext.days)
        a.extension_count += 1
        a.extension_days += ext.days
        _recompute_resolve_due(ticket, a)
        data["resolve_due_at"] = a.resolve_due_at.isoformat()
    events.record(ticket, "extension_decided", actor_id=actor.id if actor else None, assignment_id=a.id,
                  at=now, data=data)
    if ext.requested_by_id:
        notify_users([ext.requested_by_id], kind="extension_decided", ticket_id=ticket.id,
                     data={"ticket": ticket.number, "approved": approve, "days": ext.days})
    # the escalation sweep takes the moved deadline's steps at their new instants
    return ext


def _check_extension(ticket: Ticket, a: Assignment, days: int) -> None:
    try:
        can_extend(policy_for(ticket.category), extensions_so_far=a.extension_count, days=days)
    except ExtensionRefused as exc:
        raise DomainError(exc.code) from None


def _recompute_resolve_due(ticket: Ticket, a: Assignment) -> None:
    joint = any(x.role == AssignmentRole.CO and x.round == a.round for x in ticket.assignments) or \
        a.role == AssignmentRole.CO
    due = assignment_deadlines(policy_for(ticket.category), request_clock(), dispatched_at=a.dispatched_at,
                               urgency=ticket.urgency, joint=joint, co_handler=a.role == AssignmentRole.CO,
                               extension_days=a.extension_days)
    a.resolve_due_at, a.resolve_warn_at = due.resolve_due, due.resolve_warn


@transactional
def return_assignment(assignment_id: int, *, grounds: str, actor: User | None,
                      now: datetime | None = None) -> Assignment:
    """退单: return a misrouted assignment with grounds, within the return window.

    A co-handler's return ends its own part; the lead carries on.  The lead's return sends
    the whole ticket back to the operators for re-dispatch: every other live part of the
    round is withdrawn (an event each).  When every part of the round has been returned,
    the ticket goes back too.
    """
    now = now or utcnow()
    ticket, a = _locked_assignment(assignment_id)
    _check_handler(a, actor)
    _assignment_step(ticket, a, AssignmentAction.return_, actor, now, {"grounds": (grounds or "").strip()},
                     now=now, return_due_at=a.return_due_at, grounds=grounds)
    a.returned_at, a.return_grounds = now, grounds.strip()
    current = [x for x in ticket.assignments if x.round == a.round]
    if a.role == AssignmentRole.LEAD:
        for other in current:
            if other.status in LIVE_ASSIGNMENT_STATES:
                before = other.status
                other.status = assignment_transition(before, AssignmentAction.withdraw, Role.system)
                events.record(ticket, "assignment_withdraw", actor_id=None, at=now, assignment_id=other.id,
                              from_state=before, to_state=other.status,
                              data={"department": other.department.code, "because": "lead_returned",
                                    "lead": a.department.code})
                notify_department(other.department_id, kind="assignment_withdrawn", ticket_id=ticket.id,
                                  data={"ticket": ticket.number})
    if ticket.status != TicketState.returned and (
            a.role == AssignmentRole.LEAD or all(x.status == AssignmentState.returned for x in current)):
        # without its lead the matter cannot be resolved: back to the operators to re-dispatch
        by = {"by": "lead", "department": a.department.code} if a.role == AssignmentRole.LEAD else {"by": "all"}
        _ticket_step(ticket, TicketAction.all_returned, Role.system, None, now, by)
    return a


def pending_co_handlers(ticket: Ticket, lead: Assignment) -> list[Assignment]:
    """The lead's co-handlers (same round of dispatch) who have not submitted their part."""
    return [x for x in ticket.assignments if x.role == AssignmentRole.CO and x.round == lead.round
            and x.status in LIVE_ASSIGNMENT_STATES]


@transactional
def submit(assignment_id: int, *, reply: str, solved: bool | None, actor: User | None,
           now: datetime | None = None) -> Assignment:
    """办结: a co-handler answers the lead; the lead's final reply (after every co-handler) resolves the ticket."""
    now = now or utcnow()
    if not reply.strip():
        raise DomainError("reply_required")
    ticket, a = _locked_assignment(assignment_id)
    _check_handler(a, actor)
    is_lead = a.role == AssignmentRole.LEAD
    if is_lead:
        guards.check_may_finish(ticket)  # e.g. a coordination meeting's decision on it still open
    pending = [x.department.code for x in pending_co_handlers(ticket, a)] if is_lead else []
    _assignment_step(ticket, a, AssignmentAction.submit, actor, now, {"solved": solved, "final": is_lead},
                     pending_co_handlers=pending)
    a.reply, a.reply_solved, a.submitted_at = reply.strip(), solved, now
    a.submit_minutes = working_minutes(a.dispatched_at, now)
    a.submitted_by_id = actor.id if actor else None
    if is_lead:
        _ticket_step(ticket, TicketAction.resolve, Role.handler, actor, now)
        ticket.resolved_at = now
        ticket.callback_due_at = callback_due(policy_for(ticket.category), request_clock(), now)
        notify_caller("caller_resolved", ticket_id=ticket.id, number=ticket.number, phone=ticket.caller_phone,
                      confidential=ticket.confidential, opted_in=ticket.caller_sms_opt_in,
                      round_=ticket.reopen_count + 1)
    else:
        lead = next((x for x in ticket.assignments if x.role == AssignmentRole.LEAD and x.round == a.round), None)
        if lead is not None:
            notify_department(lead.department_id, kind="co_handler_submitted", ticket_id=ticket.id,
                              data={"ticket": ticket.number, "department": a.department.code})
    return a


def callback_attempts(ticket: Ticket) -> list[Callback]:
    """This round's callback attempts."""
    return list(db.session.scalars(select(Callback).where(
        Callback.ticket_id == ticket.id, Callback.round == ticket.reopen_count + 1).order_by(Callback.attempt)))


@transactional
def record_callback(ticket_id: int, *, reached: bool, solved: bool | None, satisfaction: str | None,
                    comment: str, actor: User | None, now: datetime | None = None, via: str = "phone") -> Callback:
    """回访: up to two attempts. Satisfied → closed; unsatisfied or not solved → reopened under
    supervision (a false closure if the department said solved); unreachable twice → closed.
    ``via``: ``phone`` (an operator called) or ``link`` (the caller answered the satisfaction link)."""
    now = now or utcnow()
    ticket = lock_ticket(ticket_id)
    if ticket.status != TicketState.resolved:
        raise DomainError("not_awaiting_callback")
    if reached and (solved is None or not satisfaction):
        raise DomainError("callback_verdict_required")
    attempt = len(callback_attempts(ticket)) + 1
    closes = (reached and solved and satisfaction != Satisfaction.UNSATISFIED) or \
        (not reached and attempt >= policy_for(ticket.category).callback_attempts)
    if closes:
        guards.check_may_finish(ticket)  # refused before anything is written
    judged = judged_lead(ticket)
    cb = Callback(ticket_id=ticket.id, round=ticket.reopen_count + 1, attempt=attempt, at=now, reached=reached,
                  solved=solved if reached else None, comment=comment.strip(), operator_id=actor.id if actor else None,
                  satisfaction=Satisfaction(satisfaction) if reached else None,
                  department_id=judged.department_id if judged else None,
                  reply_solved=judged.reply_solved if judged else None, via=via)
    db.session.add(cb)
    events.record(ticket, "callback", actor_id=actor.id if actor else None, at=now,
                  data={"attempt": attempt, "reached": reached, "solved": cb.solved,
                        "satisfaction": satisfaction if reached else None, "via": via})
    if reached and solved and cb.satisfaction != Satisfaction.UNSATISFIED:
        _close(ticket, "satisfied", actor, now)
    elif reached:
        _reopen(ticket, actor, now, not_solved=not solved)
    elif attempt >= policy_for(ticket.category).callback_attempts:
        _close(ticket, "unreachable", actor, now)
    return cb


def judged_lead(ticket: Ticket) -> Assignment | None:
    """The lead assignment of the current round whose reply a callback judges (the latest submitted)."""
    leads = [a for a in ticket.assignments if a.role == AssignmentRole.LEAD and a.round == ticket.round
             and a.status == AssignmentState.submitted]
    return max(leads, key=lambda a: a.id) if leads else None


def working_minutes(dispatched_at: datetime, instant: datetime) -> float:
    """Working minutes from dispatch to ``instant`` on the working calendar (never negative)."""
    return max(0.0, request_clock().working_minutes_between(dispatched_at, instant))


def _close(ticket: Ticket, reason: str, actor: User | None, now: datetime) -> None:
    _ticket_step(ticket, TicketAction.close, Role.operator, actor, now, {"reason": reason})
    ticket.closed_at, ticket.close_reason = now, reason
    supervision.request_close(ticket, reason=f"ticket_closed:{reason}", actor_id=actor.id if actor else None, now=now)


def _reopen(ticket: Ticket, actor: User | None, now: datetime, *, not_solved: bool) -> list[Assignment]:
    """重办: back to the same lead with a fresh clock, under supervision one level up."""
    lead = max((a for a in ticket.assignments if a.role == AssignmentRole.LEAD), key=lambda a: (a.round, a.id))
    false_closure = bool(not_solved and lead.reply_solved)
    ticket.false_closure = ticket.false_closure or false_closure
    ticket.reopen_count += 1
    ticket.resolved_at = ticket.callback_due_at = None
    _ticket_step(ticket, TicketAction.reopen, Role.operator, actor, now, {"false_closure": false_closure})
    made = make_assignments(ticket, lead.department.code, (), joint=False, now=now)
    notify_new_assignments(ticket, made)
    notify_department(lead.department_id, kind="ticket_reopened", ticket_id=ticket.id,
                      data={"ticket": ticket.number})
    supervision.request_level(ticket, ticket.supervision_level + 1, trigger="unsatisfied_callback",
                              actor_id=actor.id if actor else None, now=now)
    return made
