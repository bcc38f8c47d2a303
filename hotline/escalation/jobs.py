"""Background jobs of the escalation package."""
from __future__ import annotations

import logging

import redis
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.auth.models import User
from hotline.db import utcnow
from hotline.escalation import batch, engine, outbox, recompute
from hotline.escalation.models import EscalationStep
from hotline.extensions import db
from hotline.job_runtime import job
from hotline.notifications.services import notify_users
from hotline.queue import enqueue, get_queue
from hotline.roles import Role
from hotline.worktime.calendar import calendar_warning_years

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
        admins = db.session.scalars(select(User.id).where(User.role == Role.admin, User.active)).all()
        notify_users(admins, kind="calendar_missing", data={"year": year})
        db.session.commit()
        warned.append(year)
        log.info("admins warned: no working calendar for %s", year)
    return warned


@job
def escalate(target_type: str, target_id: int, step: str) -> bool:
    """Take one escalation step if it is (still) due. Safe to run twice."""
    return engine.apply(target_type, target_id, step)


@job
def escalate_batch(items: list[tuple[str, int, str]]) -> int:
    """Take a batch of due steps found by the sweep; returns how many were taken now.

    Assignment steps (nearly all of them) are taken together, set-based, in one transaction, and
    supervision-level breaches in another (:mod:`hotline.escalation.batch`); callback and meeting
    decision steps one by one."""
    taken = batch.take_assignment_steps([(i, step) for kind, i, step in items if kind == "assignment"])
    taken += batch.take_case_steps([i for kind, i, _step in items if kind == "case"])
    return taken + sum(1 for kind, i, step in items
                       if kind not in ("assignment", "case") and engine.apply(kind, i, step))


SWEEP_BATCH = 200
MAX_BACKLOG = 250  # escalation jobs already waiting: the workers are behind, don't pile on


@job
def sweep() -> int:
    """Every minute (rq cron): find every due-but-untaken step in the database and enqueue it.

    The database is the schedule: due and warning instants are stored (and indexed) on the rows,
    so nothing is armed in Redis per deadline, an intake enqueues no job, and a step is taken
    within a minute of its instant. A Redis outage, a worker killed mid-job, or a deadline moved
    by an extension or a calendar change is found here again. While the
    workers still have a backlog it enqueues nothing: what it would find stays due in
    the database, and the first sweep after the queue drains picks it up.
    """
    outbox.handle_unhandled()  # supervision requests no session hook handled: needs no Redis
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
