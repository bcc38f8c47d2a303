"""Recomputing open deadlines after the rules of time change (DOMAIN.md, "When the rules of time change").

An admin service records a :class:`DeadlineRecompute` with :func:`request` in the transaction of
its change, commits, then calls :func:`start`, which enqueues the job by id. The job
(:func:`hotline.escalation.jobs.recompute_deadlines`) calls :func:`run`: it selects the tickets
with a deadline still to come in one statement, then works through them in batches, each batch
one transaction that locks its tickets, computes their deadlines again on the rules as they are
now (:mod:`hotline.escalation.deadline_changes`), writes what moved with one event per ticket,
and records its progress; the escalation sweep takes the moved steps at their new instants.

Running it twice is harmless: a deadline already recomputed does not move again, so the second
run writes nothing. A run that stops (a worker killed, Redis down) is picked up again by
:func:`stale_runs` from the last ticket it finished.
"""
from __future__ import annotations

import time as _time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select, true, union
from sqlalchemy.orm import selectinload

from hotline.db import utcnow
from hotline.directory.models import Category, TimeLimitPolicy
from hotline.escalation import deadline_changes as rules
from hotline.escalation.models import CaseStatus, DeadlineRecompute, RecomputeStatus, SupervisionCase
from hotline.extensions import db
from hotline.tickets import events
from hotline.tickets.models import Assignment, AssignmentRole, Ticket
from hotline.worktime.limits import Policy

BATCH = 200
STALE = timedelta(minutes=10)  # a run without progress for this long is resumed
BUDGET_SECONDS = 120  # one job's share; the rest continues in a new job (RQ's timeout is 300 s)


def request(cause: dict[str, Any], actor_id: int | None) -> DeadlineRecompute:
    """Record that the rules changed, in the caller's transaction (commit, then :func:`start`)."""
    rules.reason_text(cause)  # refuses an unknown cause before anything is stored
    now = utcnow()
    run = DeadlineRecompute(cause=cause, requested_by_id=actor_id, status=RecomputeStatus.QUEUED,
                            requested_at=now, heartbeat_at=now)
    db.session.add(run)
    return run


def start(run_id: int) -> None:
    """After the commit: enqueue the job (a Redis outage only delays it: see :func:`stale_runs`)."""
    from hotline.escalation.jobs import recompute_deadlines
    from hotline.queue import enqueue

    enqueue(recompute_deadlines, run_id, queue="default")


# --- which tickets -----------------------------------------------------------------------------


def _scope(cause: dict[str, Any], due_col, category_col):
    """SQL: the rows ``cause`` can have moved (see :func:`deadline_changes.cause_applies`)."""
    kind = cause["kind"]
    if kind == "hours":
        return true()
    if kind == "calendar":
        return due_col >= rules.year_start(int(cause["year"]), current_app.config["TIMEZONE"])
    if kind == "policy":
        return category_col.in_(select(Category.id).where(Category.policy_id == cause["policy_id"]))
    return category_col.in_(list(cause["category_ids"]))


def candidate_ticket_ids(cause: dict[str, Any], now: datetime, after: int = 0) -> list[int]:
    """Tickets (id order, above ``after``) with an open step, ticket deadline or supervision level
    not yet due at ``now`` that ``cause`` can have moved — one statement."""
    selects = []
    for _step, due, _warn, states in rules.ASSIGNMENT_STEPS:
        col = getattr(Assignment, due)
        selects.append(select(Assignment.ticket_id.label("ticket_id")).join(Ticket, Ticket.id == Assignment.ticket_id)
                       .where(Assignment.status.in_(sorted(states)), col > now, Assignment.ticket_id > after,
                              _scope(cause, col, Ticket.category_id)))
    for status, col in (("received", Ticket.dispatch_due_at), ("resolved", Ticket.callback_due_at)):
        selects.append(select(Ticket.id.label("ticket_id")).where(
            Ticket.status == status, col > now, Ticket.id > after, _scope(cause, col, Ticket.category_id)))
    selects.append(select(SupervisionCase.ticket_id.label("ticket_id"))
                   .join(Ticket, Ticket.id == SupervisionCase.ticket_id)
                   .where(SupervisionCase.status == CaseStatus.OPEN, SupervisionCase.due_at > now,
                          SupervisionCase.ticket_id > after, _scope(cause, SupervisionCase.due_at, Ticket.category_id)))
    ids = union(*selects).subquery()
    return list(db.session.scalars(select(ids.c.ticket_id).order_by(ids.c.ticket_id)))


# --- the run -----------------------------------------------------------------------------------


def run(run_id: int, *, budget_seconds: float = BUDGET_SECONDS) -> bool:
    """Recompute the deadlines a run covers; True when it is finished (or was already).

    Stops at the first batch boundary after ``budget_seconds`` and returns False: the caller
    enqueues the rest. Each batch commits on its own, so progress survives a stopped worker.
    """
    now = utcnow()
    row = _locked_run(run_id)
    if row is None or row.status == RecomputeStatus.FINISHED:
        db.session.rollback()
        return True
    if row.status == RecomputeStatus.QUEUED:
        ids = candidate_ticket_ids(row.cause, now)
        row.status, row.started_at, row.total, row.done, row.last_ticket_id = \
            RecomputeStatus.RUNNING, now, len(ids), 0, 0
    else:
        ids = candidate_ticket_ids(row.cause, now, after=row.last_ticket_id)
    row.heartbeat_at = now
    db.session.commit()
    stop_at = _time.monotonic() + budget_seconds
    for start_at in range(0, len(ids), BATCH):
        _process(run_id, ids[start_at:start_at + BATCH])
        if start_at + BATCH < len(ids) and _time.monotonic() > stop_at:
            return False  # at least one batch per job, so every job makes progress
    row = _locked_run(run_id)
    if row.status != RecomputeStatus.FINISHED:
        row.status, row.finished_at = RecomputeStatus.FINISHED, utcnow()
        row.done, row.heartbeat_at = row.total, row.finished_at
    db.session.commit()
    return True


def _locked_run(run_id: int) -> DeadlineRecompute | None:
    return db.session.scalar(select(DeadlineRecompute).where(DeadlineRecompute.id == run_id).with_for_update()
                             .execution_options(populate_existing=True))


def _process(run_id: int, ids: list[int]) -> None:
    """One batch in one transaction: lock, recompute, write what moved, record progress, commit, re-arm."""
    now = utcnow()
    row = _locked_run(run_id)
    ids = [i for i in ids if i > row.last_ticket_id]  # another worker on this run may have done them
    if not ids:
        db.session.rollback()
        return
    tickets = db.session.scalars(
        select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.id).with_for_update()
        .options(selectinload(Ticket.assignments).selectinload(Assignment.department))
        .execution_options(populate_existing=True)).all()
    cases: dict[int, list[SupervisionCase]] = {}
    for case in db.session.scalars(select(SupervisionCase).where(
            SupervisionCase.ticket_id.in_(ids), SupervisionCase.status == CaseStatus.OPEN)):
        cases.setdefault(case.ticket_id, []).append(case)
    from hotline.directory.reference import snapshot

    clock = snapshot().clock  # the rules as committed now: the same clock the pages use
    policies = _policies({t.category_id for t in tickets})
    others = _other_causes(run_id)
    changed = 0
    for ticket in tickets:
        policy_id, policy = policies.get(ticket.category_id, (None, Policy()))
        open_cases = cases.get(ticket.id, [])
        moved = _ticket_changes(ticket, open_cases, policy, clock, now)
        if moved:
            changed += 1
            _write(ticket, open_cases, moved, row, others, policy_id, now)
    row.done, row.changed = min(row.total, row.done + len(ids)), row.changed + changed
    row.last_ticket_id, row.heartbeat_at = max(ids), now
    db.session.commit()  # the sweep takes the moved steps at their new instants (the database is the schedule)


def _policies(category_ids: set[int | None]) -> dict[int, tuple[int | None, Policy]]:
    """Each category's policy id and rules (the defaults when it has none), as ``policy_for``."""
    out = {}
    for cid, pid, limits in db.session.execute(
            select(Category.id, TimeLimitPolicy.id, TimeLimitPolicy.limits)
            .outerjoin(TimeLimitPolicy, TimeLimitPolicy.id == Category.policy_id)
            .where(Category.id.in_([c for c in category_ids if c is not None]))):
        out[cid] = (pid, Policy.from_dict(limits) if pid is not None else Policy())
    return out


def _other_causes(run_id: int) -> list[dict[str, Any]]:
    """Causes of the other unfinished runs: their changes are committed, so this batch applies them too."""
    return list(db.session.scalars(select(DeadlineRecompute.cause).where(
        DeadlineRecompute.status != RecomputeStatus.FINISHED, DeadlineRecompute.id != run_id)
        .order_by(DeadlineRecompute.id)))


def _assignment_clock(ticket: Ticket, a: Assignment) -> rules.AssignmentClock:
    co = a.role == AssignmentRole.CO
    joint = co or any(x.role == AssignmentRole.CO and x.dispatched_at == a.dispatched_at for x in ticket.assignments)
    return rules.AssignmentClock(
        id=a.id, status=str(a.status), department=a.department.code, dispatched_at=a.dispatched_at,
        urgency=str(ticket.urgency), joint=joint, co_handler=co, extension_days=a.extension_days,
        instants={due: getattr(a, due) for _s, due, _w, _st in rules.ASSIGNMENT_STEPS} |
                 {warn: getattr(a, warn) for _s, _d, warn, _st in rules.ASSIGNMENT_STEPS if warn})


def _ticket_changes(ticket: Ticket, cases: list[SupervisionCase], policy: Policy, clock, now) -> list[rules.Change]:
    moved = []
    for a in ticket.assignments:
        if str(a.status) in rules.OPEN_ASSIGNMENT:
            moved += rules.assignment_changes(_assignment_clock(ticket, a), policy, clock, now)
    moved += rules.ticket_changes(
        ticket_id=ticket.id, status=str(ticket.status), policy=policy, clock=clock, now=now,
        received_at=ticket.received_at, dispatch_due_at=ticket.dispatch_due_at,
        resolved_at=ticket.resolved_at, callback_due_at=ticket.callback_due_at)
    for case in cases:
        change = rules.case_change(case_id=case.id, level=case.level, opened_at=case.opened_at, due_at=case.due_at,
                                   policy=policy, clock=clock, now=now)
        if change:
            moved.append(change)
    return moved


def _write(ticket: Ticket, cases: list[SupervisionCase], moved: list[rules.Change], row: DeadlineRecompute,
           others: list[dict[str, Any]], policy_id: int | None, now: datetime) -> None:
    """Store the new instants and append one event saying why (the admin who changed the rules acts)."""
    rows = {("ticket", ticket.id): ticket} | {("assignment", a.id): a for a in ticket.assignments} | {
        ("case", c.id): c for c in cases}
    for change in moved:
        target = rows[(change.target, change.target_id)]
        for column, value in change.columns.items():
            setattr(target, column, value)
    instants = [i for c in moved for i in (c.old_due, c.new_due)]
    tz = current_app.config["TIMEZONE"]
    causes = [row.cause] + [c for c in others if c != row.cause and rules.cause_applies(
        c, category_id=ticket.category_id, policy_id=policy_id, instants=instants, tz=tz)]
    assignments = {c.target_id for c in moved if c.target == "assignment"}
    only = next(iter(assignments)) if len(assignments) == 1 and all(c.target == "assignment" for c in moved) else None
    events.record(ticket, "deadline_recomputed", actor_id=row.requested_by_id, at=now, assignment_id=only, data={
        "reason": "; ".join(rules.reason_text(c) for c in causes), "causes": causes, "run": row.id,
        "departments": sorted({c.department for c in moved if c.department}),
        "changes": [c.to_dict() for c in moved]})


# --- what the admin sees -----------------------------------------------------------------------


@dataclass(frozen=True)
class RunStatus:
    """A run as the settings pages show it."""

    id: int
    cause: dict[str, Any]
    status: str
    requested_at: datetime
    requested_by: str | None
    finished_at: datetime | None
    total: int
    done: int
    changed: int


def recent_runs(limit: int = 3) -> list[RunStatus]:
    """Every unfinished run, then the latest finished ones, newest first (at most ``limit`` finished)."""
    from hotline.auth.models import User

    def rows(query):
        return db.session.execute(query.add_columns(User.display_name)
                                  .outerjoin(User, User.id == DeadlineRecompute.requested_by_id)
                                  .order_by(DeadlineRecompute.id.desc())).all()

    base = select(DeadlineRecompute)
    found = rows(base.where(DeadlineRecompute.status != RecomputeStatus.FINISHED)) + rows(
        base.where(DeadlineRecompute.status == RecomputeStatus.FINISHED).limit(limit))
    return [RunStatus(r.id, r.cause, str(r.status), r.requested_at, name, r.finished_at, r.total, r.done, r.changed)
            for r, name in found]


def in_progress() -> bool:
    """Whether any recomputation is still waiting or running (deadlines may still move)."""
    return db.session.scalar(select(DeadlineRecompute.id).where(
        DeadlineRecompute.status != RecomputeStatus.FINISHED).limit(1)) is not None


def stale_runs(now: datetime) -> list[int]:
    """Unfinished runs with no progress for :data:`STALE` (never enqueued, or their worker died)."""
    return list(db.session.scalars(select(DeadlineRecompute.id).where(
        DeadlineRecompute.status != RecomputeStatus.FINISHED, DeadlineRecompute.heartbeat_at < now - STALE)
        .order_by(DeadlineRecompute.id)))
