"""The escalation sweep against many open assignments: ``python -m bench.sweep --database-url URL``.

Run it on a history loaded with ``python -m bench.generate … --open-share 1.0`` (every dispatched
ticket held open at a random instant between its dispatch and its resolution, so most warning
and breach instants have passed at the end of the history). It measures, in this order:

1. **Query** — :func:`hotline.escalation.engine.due_items` at ``now`` (default: the end of the
   history, the latest ``received_at``), nothing taken yet: the eight step queries (six assignment
   steps, the supervision level breach, the callback breach), each capped at ``limit`` = 50,000 rows
   by the engine. ``--repeat`` runs (the first one is reported separately as *cold*).
2. **Enqueue** — what :func:`hotline.escalation.jobs.sweep` does with the items: one
   ``escalate_batch`` job per ``SWEEP_BATCH`` (200) items, through ``hotline.queue.enqueue``, to a
   real Redis (the embedded server unless ``--redis URL``); then the real ``jobs.sweep()`` once
   end to end (it uses the wall clock as ``now``). The queue is emptied after each.
3. **Worker** (``--worker-batches W``, default 2) — the production worker,
   ``rq worker --burst --max-jobs 1+W -w hotline.worker.HotlineWorker escalation``, runs the
   sweep job (as ``rq cron`` enqueues it) and then the first W batches it enqueued; the peak RSS
   of the worker and of its forked work horses is sampled every 0.1 s, and the steps it took are
   counted. Applying every due step (hundreds of thousands) would take hours, so only W batches run;
   the rest of the queue is emptied.
4. **Steady state** (``--take-all``) — every step due at ``now`` is marked taken by one bulk
   ``INSERT … SELECT`` into ``escalation_steps`` (the rows ``apply`` writes there; the tickets get no
   events or notifications, which the sweep does not read), the table is analysed, and
   ``due_items`` is timed again: it now finds nothing but must prove it for every open assignment.
   The inserted rows are deleted afterwards (the worker's real steps stay).

``--explain`` adds the plan of the slowest step query of (1) and of (4) (``EXPLAIN (ANALYZE,
BUFFERS)`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite). Prints one JSON line.
"""
from __future__ import annotations

import argparse
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import (
    ROOT,
    RssSampler,
    StatementLog,
    dialect_of,
    emit,
    explain,
    key_plan_lines,
    log,
    make_app,
    redact,
    sigterm_as_exit,
    start_embedded_redis,
    stop_embedded_redis,
)

STEPS = ("sign_warn", "sign_breach", "contact_warn", "contact_breach", "resolve_warn", "resolve_breach",
         "level_breach", "callback_breach", "decision_warn", "decision_breach")  # decisions: meetings' deadlines


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.sweep", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a history loaded by bench.generate")
    parser.add_argument("--redis", default="embedded", help="embedded (default) or a Redis URL (its "
                        "'escalation' queue is emptied!)")
    parser.add_argument("--now", type=datetime.fromisoformat,
                        help="aware ISO instant for due_items (default: the latest received_at)")
    parser.add_argument("--repeat", type=int, default=3, help="timed due_items runs per phase")
    parser.add_argument("--worker-batches", type=int, default=2, help="batches the rq worker applies (0: none)")
    parser.add_argument("--take-all", action="store_true", help="also time the sweep with every due step taken")
    parser.add_argument("--explain", action="store_true", help="plans of the slowest step queries")
    args = parser.parse_args(argv)
    if args.now is not None and args.now.tzinfo is None:
        parser.error("--now needs a zone, e.g. 2026-11-27T16:00:00+00:00")
    sigterm_as_exit()
    dialect = dialect_of(args.database_url)
    server = start_embedded_redis() if args.redis == "embedded" else None
    redis_url = server.url if server else args.redis
    try:
        logging.getLogger("hotline").setLevel(logging.WARNING)
        return _run(make_app(args.database_url, redis_url), args, dialect, redis_url)
    finally:
        stop_embedded_redis(server)


def _time_due_items(db, engine, now, repeat: int):
    """``repeat`` timed runs of due_items; (runs, items of the last run, statements of the slowest run)."""
    runs, items, slowest = [], [], None
    for _ in range(repeat):
        db.session.rollback()
        with StatementLog(db.engine) as stmts:
            t = time.perf_counter()
            items = engine.due_items(now)
            elapsed = time.perf_counter() - t
            stmts.stop()
        db.session.rollback()
        per_step = stmts.statements
        if len(per_step) != len(STEPS):
            raise SystemExit(f"due_items ran {len(per_step)} statements, expected {len(STEPS)}: the engine "
                             "changed; update bench.sweep.STEPS")
        found = {s: 0 for s in STEPS}
        for _type, _id, step in items:
            found[step] += 1
        run = {"s": round(elapsed, 3), "items": len(items), "found": found,
               "step_s": {s: round(st[2], 3) for s, st in zip(STEPS, per_step, strict=True)}}
        runs.append(run)
        if slowest is None or elapsed >= slowest[0]:
            slowest = (elapsed, per_step)
    return runs, items, slowest[1]


def _summary(runs: list[dict]) -> dict:
    times = [r["s"] for r in runs]
    warm = times[1:] or times
    return {"cold_s": times[0], "warm_median_s": round(statistics.median(warm), 3), "warm_max_s": max(warm),
            "items": runs[-1]["items"], "found": runs[-1]["found"],
            "step_s_median": {s: round(statistics.median(r["step_s"][s] for r in (runs[1:] or runs)), 3)
                              for s in STEPS},
            "runs_s": times}


def _explain_slowest(db, statements) -> dict:
    k = max(range(len(statements)), key=lambda i: statements[i][2])
    statement, params, seconds = statements[k]
    lines = explain(db, statement, params)
    return {"step": STEPS[k], "seconds": round(seconds, 3), "plan": lines,
            "key_lines": key_plan_lines(lines) if db.engine.dialect.name == "postgresql" else lines}


def _due_conditions(now):
    """(step, model, target type, SQL condition) of every step, as engine.due_items states them."""
    from hotline.escalation import ladder
    from hotline.escalation.models import CaseStatus, SupervisionCase
    from hotline.tickets.models import Assignment, Ticket
    from hotline.tickets.states import TicketState

    out = []
    for step, (column, states) in ladder.ASSIGNMENT_STEPS.items():
        col = getattr(Assignment, column)
        out.append((str(step), Assignment, "assignment", Assignment.status.in_(list(states)) & (col <= now)))
    out.append(("level_breach", SupervisionCase, "case",
                (SupervisionCase.status == CaseStatus.OPEN) & (SupervisionCase.due_at <= now)))
    out.append(("callback_breach", Ticket, "ticket",
                (Ticket.status == TicketState.resolved) & (Ticket.callback_due_at <= now)))
    from hotline.meetings import rules as meeting_rules
    from hotline.meetings.models import Decision

    for step, column in meeting_rules.DECISION_STEPS.items():  # the deadlines of meetings' decisions
        out.append((step, Decision, "decision",
                    (Decision.status == meeting_rules.DecisionState.open) & (getattr(Decision, column) <= now)))
    return out


def _run(app, args, dialect: str, redis_url: str) -> dict:
    from rq import Queue
    from sqlalchemy import JSON, func, insert, literal, select

    from hotline.db import UTCDateTime, utcnow
    from hotline.escalation import engine, jobs
    from hotline.escalation.models import EscalationStep, SupervisionCase
    from hotline.extensions import db
    from hotline.queue import connection_from_url, enqueue
    from hotline.tickets.models import Assignment, Ticket

    record: dict = {"bench": "sweep", "database": dialect, "url": redact(args.database_url),
                    "redis": "embedded" if args.redis == "embedded" else redact(args.redis)}
    redis = connection_from_url(redis_url)
    queue = Queue("escalation", connection=redis)
    with app.app_context():
        open_states = [str(s) for s in engine.OPEN_ASSIGNMENT]
        record["assignments"] = db.session.scalar(select(func.count()).select_from(Assignment))
        by_status = dict(db.session.execute(select(Assignment.status, func.count()).group_by(Assignment.status)).all())
        record["assignments_by_status"] = {str(k): v for k, v in sorted(by_status.items(), key=lambda kv: -kv[1])}
        record["open_assignments"] = sum(v for k, v in by_status.items() if str(k) in open_states)
        record["tickets"] = db.session.scalar(select(func.count()).select_from(Ticket))
        record["open_cases"] = db.session.scalar(select(func.count()).select_from(SupervisionCase)
                                                 .where(SupervisionCase.status == "open"))
        record["steps_taken_before"] = db.session.scalar(select(func.count()).select_from(EscalationStep))
        now = args.now or db.session.scalar(select(func.max(Ticket.received_at)))
        now = now.astimezone(UTC)
        record["now"] = now.isoformat()
        conditions = _due_conditions(now)
        record["due_uncapped"] = {step: db.session.scalar(select(func.count()).select_from(model).where(cond))
                                  for step, model, _t, cond in conditions}
        record["limit_per_step"] = 50_000
        db.session.rollback()
        log(f"{record['open_assignments']:,} open assignments; due at {now:%Y-%m-%d %H:%M}Z: "
            f"{sum(record['due_uncapped'].values()):,} steps")

        # 1. the query, nothing taken
        runs, items, statements = _time_due_items(db, engine, now, args.repeat)
        record["query"] = _summary(runs)
        log(f"due_items: cold {runs[0]['s']} s, warm median {record['query']['warm_median_s']} s, "
            f"{len(items):,} items")
        if args.explain:
            record["query"]["explain"] = _explain_slowest(db, statements)

        # 2. enqueue, as jobs.sweep does, to a real Redis
        queue.empty()
        info_before = redis.info("memory")["used_memory"]
        t = time.perf_counter()
        batches = 0
        for start in range(0, len(items), jobs.SWEEP_BATCH):
            if enqueue(jobs.escalate_batch, items[start:start + jobs.SWEEP_BATCH], queue="escalation") is None:
                raise SystemExit("Redis refused the enqueue")
            batches += 1
        enqueue_s = time.perf_counter() - t
        record["enqueue"] = {"s": round(enqueue_s, 3), "batches": batches, "batch_size": jobs.SWEEP_BATCH,
                             "redis_used_mib": round((redis.info("memory")["used_memory"] - info_before) / 2**20, 1)}
        record["sweep_total_s"] = round(record["query"]["warm_median_s"] + enqueue_s, 3)
        queue.empty()
        t = time.perf_counter()
        found = jobs.sweep()
        record["jobs_sweep"] = {"s": round(time.perf_counter() - t, 3), "items": found, "now": "wall clock",
                                "wall_clock": utcnow().isoformat(timespec="seconds")}
        queue.empty()
        log(f"enqueue of {batches} batches: {enqueue_s:.2f} s; jobs.sweep() end to end "
            f"{record['jobs_sweep']['s']} s ({found:,} items at the wall clock)")

        # 3. the production worker: the sweep job, then W batches
        if args.worker_batches > 0:
            record["worker"] = _worker(app, args, redis_url, queue, db, EscalationStep)

        # 4. steady state: every due step taken
        if args.take_all:
            record["taken"] = _take_all(db, engine, now, args, conditions, EscalationStep, insert, select, literal,
                                        func, JSON, UTCDateTime)
    emit(record)
    return record


def _worker(app, args, redis_url: str, queue, db, EscalationStep) -> dict:
    """``rq worker --burst`` on the sweep job and the first W batches; peak RSS of the worker tree."""
    from sqlalchemy import func, select

    from hotline.escalation import jobs

    queue.empty()
    taken_before = db.session.scalar(select(func.count()).select_from(EscalationStep))
    db.session.rollback()
    sweep_job = queue.enqueue(jobs.sweep, job_timeout=600)  # as hotline.cron_config registers it
    state = Path(tempfile.mkdtemp(prefix="bench-worker-"))
    env = dict(os.environ, DATABASE_URL=args.database_url, REDIS_URL=redis_url, HOTLINE_INSTANCE=str(state),
               SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key"))
    rq = str(Path(sys.executable).with_name("rq"))
    cmd = [rq, "worker", "--burst", "--max-jobs", str(1 + args.worker_batches), "-w", "hotline.worker.HotlineWorker",
           "--url", redis_url, "escalation"]
    logfile = state / "worker.log"
    t = time.perf_counter()
    with open(logfile, "w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        sampler = RssSampler(proc.pid).start()
        try:
            code = proc.wait(timeout=1800)
        except BaseException:
            os.killpg(proc.pid, 9)
            proc.wait()
            raise
        finally:
            mem = sampler.stop()
    elapsed = time.perf_counter() - t
    left = queue.count
    durations = _job_durations(queue)
    sweep_job.refresh()
    sweep_s = ((sweep_job.ended_at - sweep_job.started_at).total_seconds()
               if sweep_job.ended_at and sweep_job.started_at else None)
    queue.empty()
    taken = db.session.scalar(select(func.count()).select_from(EscalationStep)) - taken_before
    db.session.rollback()
    tail = logfile.read_text(errors="replace").splitlines()[-15:]
    shutil.rmtree(state, ignore_errors=True)
    failed = [ln for ln in tail if "Traceback" in ln or "Error" in ln or "failed" in ln.lower()]
    if code != 0 or failed:
        log("worker log:\n" + "\n".join(tail))
    result = {"command": " ".join(cmd[1:]).replace(redis_url, "$REDIS_URL"), "exit": code,
              "s": round(elapsed, 2), "jobs": 1 + args.worker_batches, "steps_taken": taken,
              "steps_per_s": round(taken / elapsed, 1) if elapsed else None, "left_in_queue": left,
              "sweep_job_s": round(sweep_s, 3) if sweep_s is not None else None,
              "sweep_job_items": sweep_job.return_value(), "batch_job_s": durations,
              "memory": mem, "log_errors": failed[:3]}
    log(f"worker: {taken} steps in {elapsed:.1f} s; peak RSS worker {mem['peak_root_mib']} MiB, "
        f"work horse {mem['peak_child_mib']} MiB")
    return result


def _job_durations(queue) -> list[float]:
    """Run times of the escalate_batch jobs the worker finished (from RQ's finished-job registry)."""
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    ids = FinishedJobRegistry(queue=queue).get_job_ids()
    out = []
    for job in Job.fetch_many(ids, connection=queue.connection):
        if job is not None and job.func_name.endswith("escalate_batch") and job.started_at and job.ended_at:
            out.append(round((job.ended_at - job.started_at).total_seconds(), 2))
    return out


def _take_all(db, engine, now, args, conditions, EscalationStep, insert, select, literal, func, JSON, UTCDateTime):
    """Mark every due step taken (bulk), time due_items again, then remove those rows."""
    from hotline.escalation.models import EscalationStep as ES

    first_new = (db.session.scalar(select(func.max(ES.id))) or 0) + 1
    before = db.session.scalar(select(func.count()).select_from(ES))
    t = time.perf_counter()
    for step, model, target_type, cond in conditions:
        taken = select(ES.id).where(ES.target_type == target_type, ES.target_id == model.id, ES.step == step)
        rows = select(literal(target_type), model.id, literal(step), literal(now, UTCDateTime),
                      literal({"bench": "take_all"}, JSON)).where(cond, ~taken.exists())
        db.session.execute(insert(ES).from_select(["target_type", "target_id", "step", "created_at", "data"], rows))
    db.session.commit()
    inserted = db.session.scalar(select(func.count()).select_from(ES)) - before
    _analyze(db)
    insert_s = time.perf_counter() - t
    log(f"take-all: {inserted:,} escalation_steps rows inserted in {insert_s:.1f} s")
    try:
        runs, items, statements = _time_due_items(db, engine, now, args.repeat)
        out = {"inserted": inserted, "insert_s": round(insert_s, 1),
               "escalation_steps_rows": db.session.scalar(select(func.count()).select_from(ES)), **_summary(runs)}
        db.session.rollback()
        log(f"due_items with every due step taken: cold {runs[0]['s']} s, warm median {out['warm_median_s']} s, "
            f"{len(items)} items")
        if args.explain:
            out["explain"] = _explain_slowest(db, statements)
    finally:
        db.session.rollback()
        db.session.execute(ES.__table__.delete().where(ES.id >= first_new))
        db.session.commit()
        _analyze(db)
    return out


def _analyze(db) -> None:
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM (ANALYZE) escalation_steps")
    else:
        db.session.execute(db.text("ANALYZE escalation_steps"))
        db.session.commit()


if __name__ == "__main__":
    main()
