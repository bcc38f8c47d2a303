"""Applying escalation steps exactly once, and finding the ones that are due.

The database is the source of truth: every deadline lives in a column, and every
step taken is a row of ``escalation_steps`` under a unique (target, step) key,
inserted in the same transaction as its effect. Timers and the sweep only bring
work; :func:`apply_step` re-checks, so running it twice — or from two workers at
once — changes nothing the second time.
"""
from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import String, and_, cast, exists, literal, select
from sqlalchemy.exc import IntegrityError

from hotline.auth.models import User
from hotline.db import utcnow
from hotline.escalation import ladder, services
from hotline.escalation.ladder import Effect, Step
from hotline.escalation.models import CaseStatus, EscalationStep, SupervisionCase
from hotline.extensions import db
from hotline.meetings import rules as meeting_rules
from hotline.meetings.models import Decision
from hotline.notifications.services import notify_department, notify_users
from hotline.roles import Role
from hotline.tickets import events
from hotline.tickets.intake import lock_ticket
from hotline.tickets.models import Assignment, AssignmentRole, Ticket
from hotline.tickets.states import AssignmentState, TicketState

log = logging.getLogger(__name__)

OPEN_ASSIGNMENT = (AssignmentState.dispatched, AssignmentState.signed, AssignmentState.contacted)


def _facts(a: Assignment) -> ladder.AssignmentFacts:
    return ladder.AssignmentFacts(status=str(a.status), is_lead=a.role == AssignmentRole.LEAD,
                                  instants={c: getattr(a, c) for c, _ in ladder.ASSIGNMENT_STEPS.values()})


def _record(target_type: str, target_id: int, step: str, data: dict) -> bool:
    """Insert the step's row; False if another worker (or an earlier run) already took the step.

    It is the transaction's first write, so on a conflict the caller rolls the whole
    transaction back (no SAVEPOINT: pysqlite would commit on releasing an outermost one).
    """
    db.session.add(EscalationStep(target_type=target_type, target_id=target_id, step=step, data=data))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def supervisor_ids() -> list[int]:
    """The active supervisors, who are told of breaches and supervision."""
    return list(db.session.scalars(select(User.id).where(User.role == Role.supervisor, User.active)))


_supervisors = supervisor_ids


def apply_assignment_step(assignment_id: int, step: Step, now: datetime | None = None) -> bool:
    """Take an assignment's warning or breach step if it is due and not yet taken; True if taken.

    A warning whose breach instant has also passed is recorded as settled without an event or a
    notice, and the breach is taken in its place (True if that breach was taken now).
    """
    now = now or utcnow()
    ticket_id = db.session.scalar(select(Assignment.ticket_id).where(Assignment.id == assignment_id))
    if ticket_id is None:
        return False
    ticket = lock_ticket(ticket_id)
    a = db.session.get(Assignment, assignment_id, populate_existing=True)
    facts = _facts(a)
    if not ladder.assignment_step_due(step, facts, now):
        db.session.rollback()
        return False
    due = getattr(a, ladder.ASSIGNMENT_STEPS[step][0])
    breach = ladder.superseding_breach(step, facts, now)
    if breach is not None:  # late: the warning is settled unwritten, and the breach is taken instead
        if not _record("assignment", a.id, str(step), {"due_at": due.isoformat(), "superseded_by": str(breach)}):
            return False
        db.session.commit()
        return apply_assignment_step(assignment_id, breach, now)
    if not _record("assignment", a.id, str(step), {"due_at": due.isoformat()}):
        return False
    effect = ladder.assignment_effect(step, facts)
    events.record(ticket, f"escalation_{step}", actor_id=None, assignment_id=a.id, at=now,
                  data={"department": a.department.code, "due_at": due.isoformat(), "effect": str(effect)})
    data = {"ticket": ticket.number, "step": str(step), "department": a.department.code}
    notify_department(a.department_id, kind=f"escalation_{step}", ticket_id=ticket.id, data=data)
    if effect == Effect.breach_notice:
        notify_users(_supervisors(), kind=f"escalation_{step}", ticket_id=ticket.id, data=data)
    elif effect == Effect.supervise:
        case = services.supervise(ticket, ladder.supervise_level(ticket.supervision_level),
                                  trigger="resolve_breach", actor_id=None, now=now)
        if case is not None:
            notify_users(_supervisors(), kind="supervision_opened", ticket_id=ticket.id,
                         data={**data, "level": case.level})
    db.session.commit()
    return True


def apply_case_step(case_id: int, now: datetime | None = None) -> bool:
    """A supervision level not cleared by its deadline raises the next level (up to 3)."""
    now = now or utcnow()
    ticket_id = db.session.scalar(select(SupervisionCase.ticket_id).where(SupervisionCase.id == case_id))
    if ticket_id is None:
        return False
    ticket = lock_ticket(ticket_id)
    case = db.session.get(SupervisionCase, case_id, populate_existing=True)
    if not ladder.case_step_due(str(case.status), case.due_at, now):
        db.session.rollback()
        return False
    if not _record("case", case.id, str(Step.level_breach), {"level": case.level}):
        return False
    events.record(ticket, "escalation_level_breach", actor_id=None, at=now,
                  data={"case": case.id, "level": case.level, "due_at": case.due_at.isoformat()})
    if case.level < ladder.MAX_LEVEL:
        new = services.supervise(ticket, ladder.next_level(case.level), trigger="level_breach",
                                 actor_id=None, now=now)
        level = new.level if new else case.level
    else:
        level = case.level  # level 3 stays open; its breach is reported to the supervisors
    notify_users(_supervisors(), kind="escalation_level_breach", ticket_id=ticket.id,
                 data={"ticket": ticket.number, "level": level})
    db.session.commit()
    return True


def apply_callback_step(ticket_id: int, now: datetime | None = None) -> bool:
    """A callback not made within its limit is reported to the operators once."""
    now = now or utcnow()
    ticket = lock_ticket(ticket_id)
    if ticket is None or not ladder.callback_step_due(str(ticket.status), ticket.callback_due_at, now):
        db.session.rollback()
        return False
    if not _record("ticket", ticket.id, callback_step_key(ticket.reopen_count + 1),
                   {"due_at": ticket.callback_due_at.isoformat()}):
        return False
    events.record(ticket, "escalation_callback_breach", actor_id=None, at=now,
                  data={"due_at": ticket.callback_due_at.isoformat()})
    operators = db.session.scalars(select(User.id).where(User.role == Role.operator, User.active)).all()
    notify_users(operators, kind="escalation_callback_breach", ticket_id=ticket.id, data={"ticket": ticket.number})
    db.session.commit()
    return True


def apply_decision_step(decision_id: int, step: str, now: datetime | None = None) -> bool:
    """Take a coordination meeting decision's warning (75 % of its limit) or breach, once.

    Like an assignment's: a late warning is settled unwritten and the breach taken instead. A breach
    tells the department, the supervisors and the convener, and puts the ticket under supervision
    (one level up) — the same ladder as a lead's resolution breach.
    """
    now = now or utcnow()
    ticket_id = db.session.scalar(select(Decision.ticket_id).where(Decision.id == decision_id))
    if ticket_id is None:
        return False
    ticket = lock_ticket(ticket_id)
    d = db.session.get(Decision, decision_id, populate_existing=True)
    instants = {column: getattr(d, column) for column in meeting_rules.DECISION_STEPS.values()}
    if not meeting_rules.decision_step_due(step, str(d.status), instants, now):
        db.session.rollback()
        return False
    due = instants[meeting_rules.DECISION_STEPS[step]]
    breach = meeting_rules.superseding_breach(step, str(d.status), instants, now)
    if breach is not None:
        if not _record("decision", d.id, step, {"due_at": due.isoformat(), "superseded_by": breach}):
            return False
        db.session.commit()
        return apply_decision_step(decision_id, breach, now)
    if not _record("decision", d.id, step, {"due_at": due.isoformat()}):
        return False
    events.record(ticket, f"escalation_{step}", actor_id=None, at=now,
                  data={"department": d.department.code, "decision": d.id, "due_at": due.isoformat()})
    data = {"ticket": ticket.number, "step": step, "department": d.department.code}
    notify_department(d.department_id, kind=f"escalation_{step}", ticket_id=ticket.id, data=data)
    if step == "decision_breach":
        notify_users(sorted({*_supervisors(), d.meeting.convener_id}), kind=f"escalation_{step}",
                     ticket_id=ticket.id, data=data)
        case = services.supervise(ticket, ladder.supervise_level(ticket.supervision_level),
                                  trigger="decision_breach", actor_id=None, now=now)
        if case is not None:
            notify_users(_supervisors(), kind="supervision_opened", ticket_id=ticket.id,
                         data={**data, "level": case.level})
    db.session.commit()
    return True


def callback_step_key(round_: int) -> str:
    """A late callback is reported once per round (a reopened ticket is called back again)."""
    return f"{Step.callback_breach}:{round_}"


def _not_taken(target_type: str, target_id_col, step):
    return ~exists().where(and_(EscalationStep.target_type == target_type, EscalationStep.target_id == target_id_col,
                                EscalationStep.step == step))


def due_items(now: datetime, limit: int = 50_000) -> list[tuple[str, int, str]]:
    """Every due-but-untaken step in the database: (target type, id, step)."""
    items: list[tuple[str, int, str]] = []
    for step, (column, states) in ladder.ASSIGNMENT_STEPS.items():
        col = getattr(Assignment, column)
        ids = db.session.scalars(select(Assignment.id).where(
            Assignment.status.in_(list(states)), col <= now, _not_taken("assignment", Assignment.id, str(step)))
            .order_by(col).limit(limit)).all()
        items += [("assignment", i, str(step)) for i in ids]
    ids = db.session.scalars(select(SupervisionCase.id).join(Ticket, Ticket.id == SupervisionCase.ticket_id).where(
        SupervisionCase.status == CaseStatus.OPEN, SupervisionCase.due_at <= now,
        Ticket.status.notin_([TicketState.closed, TicketState.merged, TicketState.answered]),
        _not_taken("case", SupervisionCase.id, str(Step.level_breach))).limit(limit)).all()
    items += [("case", i, str(Step.level_breach)) for i in ids]
    round_key = literal(f"{Step.callback_breach}:") + cast(Ticket.reopen_count + 1, String)
    ids = db.session.scalars(select(Ticket.id).where(
        Ticket.status == TicketState.resolved, Ticket.callback_due_at <= now,
        _not_taken("ticket", Ticket.id, round_key)).limit(limit)).all()
    items += [("ticket", i, str(Step.callback_breach)) for i in ids]
    for step, column in meeting_rules.DECISION_STEPS.items():
        col = getattr(Decision, column)
        ids = db.session.scalars(select(Decision.id).where(
            Decision.status == meeting_rules.DecisionState.open, col <= now,
            _not_taken("decision", Decision.id, step)).order_by(col).limit(limit)).all()
        items += [("decision", i, step) for i in ids]
    return items


def apply(target_type: str, target_id: int, step: str, now: datetime | None = None) -> bool:
    """Dispatch one item to its step function."""
    if target_type == "assignment":
        return apply_assignment_step(target_id, Step(step), now)
    if target_type == "case":
        return apply_case_step(target_id, now)
    if target_type == "ticket":
        return apply_callback_step(target_id, now)
    if target_type == "decision":
        return apply_decision_step(target_id, step, now)
    raise ValueError(f"unknown escalation target {target_type!r}")
