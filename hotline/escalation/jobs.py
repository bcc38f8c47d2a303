"""Background jobs of the escalation package."""
from __future__ import annotations

import logging
from datetime import datetime

import redis

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.auth.models import User, UserRole
from hotline.db import utcnow
from hotline.escalation import engine, ladder, recompute
from hotline.worktime.calendar import calendar_warning_years
from hotline.escalation.models import EscalationStep
from hotline.extensions import db
from hotline.jobs import job
from hotline.notifications.services import notify_users
from hotline.queue import enqueue, get_queue, schedule_many

log = logging.getLogger(__name__)


@job
def check_calendar_coverage() -> list[int]:
    """Warn admins, once per year, when the working calendar of a year is missing.

    Safe to run any number of times: the warning is recorded as an escalation
    step under a unique key, so a second run (or a racing worker) sends nothing.
    """
    warned = []
    for year in calendar_warning_years():
        step = EscalationStep(target_type="calendar", target_id=year, step="missing_calendar_warning")
        db.session.add(step)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            continue
        admins = db.session.scalars(select(User.id).where(User.role == UserRole.ADMIN, User.active)).all()
        notify_users(admins, kind="calendar_missing", data={"year": year})
        db.session.commit()
        warned.append(year)
        log.info("admins warned: no working calendar for %s", year)
    return warned


@job
def escalate(target_type: str, target_id: int, step: str) -> bool:
    """Timer or sweep job: take one escalation step if it is (still) due. Safe to run twice."""
    return engine.apply(target_type, target_id, step)


@job
def escalate_batch(items: list[tuple[str, int, str]]) -> int:
    """Take a batch of due steps found by the sweep; returns how many were taken now."""
    return sum(1 for target_type, target_id, step in items if engine.apply(target_type, target_id, step))


SWEEP_BATCH = 200
MAX_BACKLOG = 250  # escalation jobs already waiting: the workers are behind, don't pile on


@job
def sweep() -> int:
    """Every minute (rq cron): find every due-but-untaken step in the database and enqueue it.

    This is what makes escalation lossless: timers lost with Redis, a worker killed
    mid-job, or a deadline moved by an extension are all found here again. While the
    workers still have a backlog it enqueues nothing: what it would find stays due in
    the database, and the first sweep after the queue drains picks it up.
    """
    try:
        backlog = get_queue("escalation").count
    except redis.RedisError:
        return 0  # Redis down: nothing can be enqueued; the next sweep tries again
    if backlog >= MAX_BACKLOG:
        log.info("sweep skipped: %d escalation jobs still queued", backlog)
        return 0
    items = engine.due_items(utcnow())
    db.session.rollback()
    for start in range(0, len(items), SWEEP_BATCH):
        enqueue(escalate_batch, items[start:start + SWEEP_BATCH], queue="escalation")
    if items:
        log.info("sweep: %d due escalation steps enqueued", len(items))
    return len(items)


def schedule_assignment_timers(assignments) -> int:
    """After a dispatch commits: one timer per warning and breach instant of each assignment.

    A timer that fires after the assignment moved on, or after an extension moved the
    deadline, finds nothing to do (the job re-checks); the sweep covers lost timers.
    """
    return schedule_steps([(getattr(a, column), a.id, str(step))
                           for a in assignments for step, (column, _states) in ladder.ASSIGNMENT_STEPS.items()
                           if getattr(a, column) is not None])


def schedule_steps(steps: list[tuple[datetime, int, str]]) -> int:
    """After a commit: one timer per (instant, assignment id, step), in one Redis round trip."""
    calls = [(instant, ("assignment", assignment_id, step)) for instant, assignment_id, step in steps]
    return schedule_many(escalate, calls, queue="escalation")


@job
def recompute_deadlines(run_id: int) -> bool:
    """After an admin changed the rules of time: recompute open deadlines (see
    :mod:`hotline.escalation.recompute`). Safe to run twice; a long run continues in a new job."""
    finished = recompute.run(run_id)
    if not finished:
        enqueue(recompute_deadlines, run_id, queue="default")
    return finished


@job
def resume_deadline_recomputes() -> int:
    """Every few minutes (rq cron): enqueue again each recomputation that made no progress for a while
    (Redis was down when it was requested, or its worker died). Returns how many."""
    ids = recompute.stale_runs(utcnow())
    db.session.rollback()
    for run_id in ids:
        enqueue(recompute_deadlines, run_id, queue="default")
    return len(ids)
