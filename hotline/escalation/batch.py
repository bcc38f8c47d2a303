"""Taking many due assignment steps, or supervision-level breaches, at once (set-based escalation).

One transaction per batch, a fixed handful of statements whatever its size:

1. the batch's tickets are locked in one statement, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so
   several workers take disjoint work and none waits (a skipped ticket stays due: the next sweep
   brings it again); on SQLite the write transaction is serialised (``BEGIN IMMEDIATE``);
2. their assignments are read in one statement, and the pure ladder decides which steps are due and
   which warnings come too late (settled unwritten, their breach taken instead);
3. the steps are claimed with one ``INSERT … ON CONFLICT DO NOTHING RETURNING`` under the unique
   (target, step) key, so a step another worker or an earlier run took is not taken twice;
4. the chain heads are read in one statement, and the events of the claimed steps are appended per
   ticket in order, all written by one insert; their notifications go to handlers read in one
   statement, all written by one insert; a resolution breach opens supervision as
   :func:`hotline.escalation.services.supervise` would, its new cases written by one insert and the
   cases they escalate by one update (:class:`_Supervision`);
5. one commit (the chain heads' checkpoints in one insert).

Supervision cases whose level was not cleared in time go the same way (:func:`take_case_steps`).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from hotline.db import insert_rows, utcnow
from hotline.directory import reference
from hotline.escalation import ladder, services
from hotline.escalation.ladder import Effect, Step
from hotline.escalation.models import CaseStatus, EscalationStep, SupervisionCase
from hotline.extensions import db
from hotline.meetings.projects import notify_commissioners_of
from hotline.notifications.models import Notification
from hotline.notifications.services import handlers_of, notify_users
from hotline.tickets import events
from hotline.tickets.models import Assignment, AssignmentRole, Event, Ticket
from hotline.worktime.limits import Policy


def _facts(a: Assignment) -> ladder.AssignmentFacts:
    return ladder.AssignmentFacts(status=str(a.status), is_lead=a.role == AssignmentRole.LEAD,
                                  instants={c: getattr(a, c) for c, _ in ladder.ASSIGNMENT_STEPS.values()})


def _plan(assignments: dict[int, Assignment], items: Iterable[tuple[int, Step]], now: datetime):
    """The rows to claim: (assignment, step, data, writes_event), each (assignment, step) once."""
    rows: dict[tuple[int, Step], tuple[Assignment, Step, dict, bool]] = {}
    for assignment_id, step in items:
        a = assignments.get(assignment_id)
        if a is None or (assignment_id, step) in rows:
            continue
        facts = _facts(a)
        if not ladder.assignment_step_due(step, facts, now):
            continue
        due = getattr(a, ladder.ASSIGNMENT_STEPS[step][0])
        breach = ladder.superseding_breach(step, facts, now)
        if breach is None:
            rows[(assignment_id, step)] = (a, step, {"due_at": due.isoformat()}, True)
            continue
        # late: the warning is settled unwritten, and its breach is taken in its place
        rows[(assignment_id, step)] = (a, step, {"due_at": due.isoformat(), "superseded_by": str(breach)}, False)
        if (assignment_id, breach) not in rows and ladder.assignment_step_due(breach, facts, now):
            breach_due = getattr(a, ladder.ASSIGNMENT_STEPS[breach][0])
            rows[(assignment_id, breach)] = (a, breach, {"due_at": breach_due.isoformat()}, True)
    return list(rows.values())


def _claim(target_type: str, claims: Iterable[tuple[int, Step, dict]], now: datetime) -> set[tuple[int, str]]:
    """Insert the step rows (target id, step, data) in one statement under the unique (target, step)
    key; the (target id, step) pairs this batch won (a step taken before, or by another worker, is not)."""
    rows = [{"target_type": target_type, "target_id": target_id, "step": str(step), "data": data,
             "created_at": now} for target_id, step, data in claims]
    won = insert_rows(db.session, EscalationStep.__table__, rows, conflict=("target_type", "target_id", "step"),
                      returning=("target_id", "step"))
    return {(target_id, step) for target_id, step in won}


def take_assignment_steps(items: Iterable[tuple[int, str]], now: datetime | None = None) -> int:
    """Take every due, untaken step among (assignment id, step) ``items`` in one transaction; commits.

    Returns how many steps wrote their effect (a late warning settled in silence does not count).
    Safe to run twice, and from several workers at once.
    """
    now = now or utcnow()
    items = [(int(i), Step(s)) for i, s in items]
    ids = sorted({i for i, _ in items})
    if not ids:
        return 0
    tickets = _lock(db.session.scalars(select(Assignment.ticket_id).where(Assignment.id.in_(ids))))
    assignments = {a.id: a for a in db.session.scalars(
        select(Assignment).where(Assignment.id.in_(ids), Assignment.ticket_id.in_(list(tickets)))
        .options(joinedload(Assignment.department)).execution_options(populate_existing=True))}
    plan = _plan(assignments, items, now)
    won = _claim("assignment", [(a.id, step, data) for a, step, data, _ in plan], now)
    taken = [(a, step) for a, step, _, writes in plan if writes and (a.id, str(step)) in won]
    if taken:
        with db.session.no_autoflush:  # every event and notice goes out in one flush, at the commit
            _effects(tickets, taken, now)
    db.session.commit()
    return len(taken)


def _lock(ticket_ids: Iterable[int]) -> dict[int, Ticket]:
    """Lock the tickets in one statement (``FOR UPDATE SKIP LOCKED``: a ticket another worker holds is
    left out, its steps stay due); the ones locked, by id, reloaded."""
    return {t.id: t for t in db.session.scalars(
        select(Ticket).where(Ticket.id.in_(sorted(set(ticket_ids)))).order_by(Ticket.id)
        .with_for_update(skip_locked=True).execution_options(populate_existing=True))}


class _Supervision:
    """Supervision a batch opens, written as rows: what :func:`hotline.escalation.services.supervise`
    does for one ticket (never lowers a level; the ticket's open cases are marked escalated; a new
    case at the level, due by the ticket's policy on the working clock; the ticket's level raised; a
    ``supervision_opened`` event), for many, in a fixed number of statements — the open cases read in
    one, escalated by one update, the new cases written by one insert. The tickets are the batch's
    locked ones: their new level is flushed with the commit."""

    def __init__(self, ticket_ids: set[int]) -> None:
        self.open_cases: dict[int, list[int]] = {}
        if ticket_ids:
            for case_id, ticket_id in db.session.execute(select(SupervisionCase.id, SupervisionCase.ticket_id).where(
                    SupervisionCase.ticket_id.in_(sorted(ticket_ids)), SupervisionCase.status == CaseStatus.OPEN)):
                self.open_cases.setdefault(ticket_id, []).append(case_id)
        self.escalated: list[int] = []
        self.new: dict[int, dict] = {}  # ticket id → the latest case row this batch opened for it
        self.rows: list[dict] = []

    def open(self, ticket: Ticket, level: int, trigger: str, now: datetime, event_rows: list[dict]) -> int | None:
        """Open supervision of ``ticket`` at ``level`` (its event appended to ``event_rows``); the level
        opened, or None when the ticket is already supervised at that level or above."""
        level = services.level_to_open(ticket, level)
        if level is None:
            return None
        self.escalated += self.open_cases.pop(ticket.id, [])
        if ticket.id in self.new:  # opened earlier in this batch: escalated in turn
            self.new[ticket.id].update(status=CaseStatus.ESCALATED, closed_at=now)
        row = {**services.new_case(ticket, level, trigger, now, _policy(ticket)), "status": CaseStatus.OPEN,
               "closed_at": None, "closed_by_id": None, "close_reason": ""}
        self.rows.append(row)
        self.new[ticket.id] = row
        before, ticket.supervision_level = ticket.supervision_level, level
        event_rows.append(events.row(ticket, "supervision_opened", actor_id=None, at=now,
                                     data=services.opened_data(level, before, trigger, row["due_at"])))
        return level

    def write(self, now: datetime) -> None:
        if self.escalated:
            db.session.execute(update(SupervisionCase).where(SupervisionCase.id.in_(sorted(self.escalated)))
                               .values(status=CaseStatus.ESCALATED, closed_at=now)
                               .execution_options(synchronize_session=False))
        insert_rows(db.session, SupervisionCase.__table__, self.rows)


def _policy(ticket: Ticket) -> Policy:
    """The ticket's time-limit policy: from the process's reference data (an inactive category's from
    its row)."""
    ref = reference.snapshot()
    code = ref.code_of("categories", ticket.category_id)
    if code is not None:
        return ref.policy(ref.categories[code])
    from hotline.tickets.intake import policy_for

    return policy_for(ticket.category)


def take_case_steps(case_ids: Iterable[int], now: datetime | None = None) -> int:
    """Take every due, untaken supervision-level breach among ``case_ids`` in one transaction; commits.

    For many cases what :func:`hotline.escalation.engine.apply_case_step` does for one: the breach is
    claimed under the same unique key, an ``escalation_level_breach`` event is appended to the ticket's
    history, the next level is opened (a level 3 case stays open) and the supervisors are told. At most
    one case of a ticket is taken in a batch (opening a level escalates the ticket's other open cases; a
    second one, if any, is no longer due at the next sweep). Returns how many were taken; safe to run
    twice, and from several workers at once.
    """
    now = now or utcnow()
    ids = sorted({int(i) for i in case_ids})
    if not ids:
        return 0
    tickets = _lock(db.session.scalars(select(SupervisionCase.ticket_id).where(SupervisionCase.id.in_(ids))))
    plan: dict[int, SupervisionCase] = {}
    for case in db.session.scalars(
            select(SupervisionCase).where(SupervisionCase.id.in_(ids), SupervisionCase.ticket_id.in_(list(tickets)))
            .order_by(SupervisionCase.due_at, SupervisionCase.id).execution_options(populate_existing=True)):
        if case.ticket_id not in plan and ladder.case_step_due(str(case.status), case.due_at, now):
            plan[case.ticket_id] = case
    won = _claim("case", [(c.id, Step.level_breach, {"level": c.level}) for c in plan.values()], now)
    taken = [c for c in plan.values() if (c.id, str(Step.level_breach)) in won]
    if taken:
        with db.session.no_autoflush:  # every event and notice goes out in one flush, at the commit
            _case_effects(tickets, taken, now)
    db.session.commit()
    return len(taken)


def _case_effects(tickets: dict[int, Ticket], taken: list[SupervisionCase], now: datetime) -> None:
    """The level breaches' events, next levels and notices (as :func:`_effects` for assignments)."""
    from hotline.escalation.engine import supervisor_ids

    events.prime_heads({c.ticket_id for c in taken})
    supervision = _Supervision({c.ticket_id for c in taken})
    supervisors = supervisor_ids()
    event_rows: list[dict] = []
    notices: list[dict] = []
    for case in sorted(taken, key=lambda c: c.ticket_id):
        ticket = tickets[case.ticket_id]
        event_rows.append(events.row(ticket, "escalation_level_breach", actor_id=None, at=now,
                                     data={"case": case.id, "level": case.level, "due_at": case.due_at.isoformat()}))
        level = case.level
        if case.level < ladder.MAX_LEVEL:
            level = supervision.open(ticket, ladder.next_level(case.level), "level_breach", now, event_rows) or level
        notify_users(supervisors, kind="escalation_level_breach", ticket_id=ticket.id,
                     data={"ticket": ticket.number, "level": level}, rows=notices)
    supervision.write(now)
    insert_rows(db.session, Event.__table__, event_rows)
    insert_rows(db.session, Notification.__table__, notices)
    notify_commissioners_of(db.session, [(r["ticket_id"], r["action"]) for r in event_rows], tickets)


def _effects(tickets: dict[int, Ticket], taken: list[tuple[Assignment, Step]], now: datetime) -> None:
    """Events (per ticket, in order), notifications and supervision for the steps this batch won.

    The steps' events and notifications are written as rows, one insert each (the objects a flush
    would write one by one cost a batch most of its time); the commissioners' notices their flush hook
    would add are asked for here. Supervision goes through the services, as every other path's does.
    """
    events.prime_heads({a.ticket_id for a, _ in taken})
    handlers = handlers_of({a.department_id for a, _ in taken})
    supervising = {a.ticket_id for a, step in taken if ladder.assignment_effect(step, _facts(a)) == Effect.supervise}
    supervision = _Supervision(supervising)
    supervisors = None
    event_rows: list[dict] = []
    notices: list[dict] = []
    for a, step in sorted(taken, key=lambda x: (x[0].ticket_id, getattr(x[0], ladder.ASSIGNMENT_STEPS[x[1]][0]))):
        ticket = tickets[a.ticket_id]
        due = getattr(a, ladder.ASSIGNMENT_STEPS[step][0])
        effect = ladder.assignment_effect(step, _facts(a))
        event_rows.append(events.row(ticket, f"escalation_{step}", actor_id=None, assignment_id=a.id, at=now,
                                     data={"department": a.department.code, "due_at": due.isoformat(),
                                           "effect": str(effect)}))
        data = {"ticket": ticket.number, "step": str(step), "department": a.department.code}
        notify_users(handlers.get(a.department_id, ()), kind=f"escalation_{step}", ticket_id=ticket.id, data=data,
                     rows=notices)
        if effect in (Effect.breach_notice, Effect.supervise) and supervisors is None:
            from hotline.escalation.engine import supervisor_ids

            supervisors = supervisor_ids()
        if effect == Effect.breach_notice:
            notify_users(supervisors, kind=f"escalation_{step}", ticket_id=ticket.id, data=data, rows=notices)
        elif effect == Effect.supervise:
            level = supervision.open(ticket, ladder.supervise_level(ticket.supervision_level), "resolve_breach",
                                     now, event_rows)
            if level is not None:
                notify_users(supervisors, kind="supervision_opened", ticket_id=ticket.id,
                             data={**data, "level": level}, rows=notices)
    supervision.write(now)
    insert_rows(db.session, Event.__table__, event_rows)
    insert_rows(db.session, Notification.__table__, notices)
    notify_commissioners_of(db.session, [(r["ticket_id"], r["action"]) for r in event_rows], tickets)
