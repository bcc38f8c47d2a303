"""Escalation end to end: ``python -m bench.escalate --database-url URL [--workers 2]``.

Run it on a history loaded with ``python -m bench.generate … --open-share 1.0`` (open work whose
warning and breach instants have passed at the wall clock). It measures, in this order:

1. **Due** — :func:`hotline.escalation.engine.due_items` at the wall clock: how many steps are due.
2. **One batch in-process** — the first ``SWEEP_BATCH`` assignment items taken by
   :func:`hotline.escalation.batch.take_assignment_steps` under a statement log: statements and
   seconds per step (a late warning settled in silence counts as a step: it is a row claimed).
3. **All of it** — the rest is enqueued as :func:`hotline.escalation.jobs.sweep` does (one
   ``escalate_batch`` job per ``SWEEP_BATCH`` items, on a real Redis), then ``--workers`` production
   workers (``rq worker --burst -w hotline.worker.HotlineWorker escalation``) run at once until the
   queue is empty. That is one *round*; as the minute sweep would, rounds follow (``due_items`` lists
   at most ``limit`` (50,000) items of a kind at once, and taking a breach can make a
   supervision level due) until nothing is due, nothing was taken in a round, or ``--max-rounds``.
   Steps per second = step rows written ÷ the wall time from the first enqueue to the last round's
   end (the rounds' ``due_items`` queries included); the events written and the steps still due
   afterwards are reported too. Production workers are long-lived; the benchmark starts them anew
   each round, so it also times starting and stopping them on an empty queue (the *baseline*) and
   reports the rate net of one baseline per round, as ``bench.peer.run_peer`` reports the peer's
   ``escalate_tickets`` net of its start-up.

Prints one JSON line. The history is changed (the steps are taken): load a fresh one to run again.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import (
    ROOT,
    StatementLog,
    dialect_of,
    emit,
    log,
    make_app,
    redact,
    start_embedded_redis,
    stop_embedded_redis,
)


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.escalate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a history loaded by bench.generate --open-share 1")
    parser.add_argument("--redis", default="embedded", help="embedded (default) or a Redis URL (its "
                        "'escalation' queue is emptied!)")
    parser.add_argument("--workers", type=int, default=2, help="production workers run at once")
    parser.add_argument("--max-rounds", type=int, default=50, help="sweep rounds at most (default 50)")
    args = parser.parse_args(argv)
    server = start_embedded_redis() if args.redis == "embedded" else None
    redis_url = server.url if server else args.redis
    try:
        return _run(args, redis_url)
    finally:
        if server:
            stop_embedded_redis(server)


def _count(db, model, *where):
    from sqlalchemy import func, select

    n = db.session.scalar(select(func.count()).select_from(model).where(*where))
    db.session.rollback()
    return n


def _run(args, redis_url: str) -> dict:
    from rq import Queue

    from hotline.db import utcnow
    from hotline.escalation import batch, engine, jobs
    from hotline.escalation.models import EscalationStep
    from hotline.extensions import db
    from hotline.queue import connection_from_url, enqueue
    from hotline.tickets.models import Event

    app = make_app(args.database_url, redis_url)
    record: dict = {"bench": "escalate", "database": dialect_of(args.database_url), "url": redact(args.database_url),
                    "workers": args.workers, "batch_size": jobs.SWEEP_BATCH}
    queue = Queue("escalation", connection=connection_from_url(redis_url))
    queue.empty()
    with app.app_context():
        steps_before, events_before = _count(db, EscalationStep), _count(db, Event, Event.action.like("escalation_%"))
        items = engine.due_items(utcnow())
        db.session.rollback()
        record["due_steps"] = len(items)
        log(f"{len(items):,} steps due at the wall clock")
        first = [(i, step) for kind, i, step in items if kind == "assignment"][:jobs.SWEEP_BATCH]
        with StatementLog(db.engine) as statements:
            t = time.perf_counter()
            batch.take_assignment_steps(first)
            one_s = time.perf_counter() - t
        claimed = _count(db, EscalationStep) - steps_before
        record["one_batch"] = {"items": len(first), "steps": claimed, "s": round(one_s, 3),
                               "statements": len(statements.starts),
                               "statements_per_step": round(len(statements.starts) / max(claimed, 1), 3)}
        log(f"one batch in-process: {claimed} steps, {len(statements.starts)} statements, {one_s:.2f} s")
        done = set(first)
        rest = [item for item in items if not (item[0] == "assignment" and (item[1], item[2]) in done)]
        state = Path(tempfile.mkdtemp(prefix="bench-escalate-"))
        env = dict(os.environ, DATABASE_URL=args.database_url, REDIS_URL=redis_url, HOTLINE_INSTANCE=str(state),
                   SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key"))
        rq = str(Path(sys.executable).with_name("rq"))

        def run_workers() -> list[int]:
            workers = [subprocess.Popen([rq, "worker", "--burst", "-w", "hotline.worker.HotlineWorker", "--url",
                                         redis_url, "escalation"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.DEVNULL) for _ in range(args.workers)]
            return [w.wait() for w in workers]

        b0 = time.perf_counter()
        run_workers()  # nothing queued: what starting and stopping the workers costs a round
        baseline = time.perf_counter() - b0
        log(f"workers started and stopped on an empty queue in {baseline:.2f} s (the baseline of a round)")
        rounds, codes, enqueued_s, taken_before = [], [], 0.0, _count(db, EscalationStep)
        t = time.perf_counter()
        while rest and len(rounds) < args.max_rounds:
            r0 = time.perf_counter()
            for start in range(0, len(rest), jobs.SWEEP_BATCH):
                enqueue(jobs.escalate_batch, rest[start:start + jobs.SWEEP_BATCH], queue="escalation")
            enqueued_s += time.perf_counter() - r0
            codes = run_workers()
            taken = _count(db, EscalationStep) - taken_before
            taken_before += taken
            rounds.append({"listed": len(rest), "steps": taken, "s": round(time.perf_counter() - r0, 2)})
            log(f"round {len(rounds)}: {len(rest):,} items listed, {taken:,} step rows in {rounds[-1]['s']} s")
            if taken == 0:
                break
            rest = engine.due_items(utcnow())
            db.session.rollback()
        wall = time.perf_counter() - t
        steps = _count(db, EscalationStep) - steps_before - claimed
        net = wall - baseline * len(rounds)
        record["all"] = {"steps": steps, "wall_s": round(wall, 2), "enqueue_s": round(enqueued_s, 2),
                         "steps_per_s": round(steps / wall, 1) if wall else None,
                         "worker_baseline_s": round(baseline, 2),
                         "steps_per_s_net": round(steps / net, 1) if net > 0 else None, "worker_exit_codes": codes,
                         "failed_jobs": queue.failed_job_registry.count, "rounds": rounds}
        record["events_written"] = _count(db, Event, Event.action.like("escalation_%")) - events_before
        record["still_due"] = len(engine.due_items(utcnow()))
        db.session.rollback()
    log(f"{steps:,} steps by {args.workers} workers in {wall:.1f} s: {record['all']['steps_per_s']} steps/s "
        f"({record['all']['steps_per_s_net']} net of {len(rounds)} × {baseline:.2f} s of worker start and stop); "
        f"still due {record['still_due']}")
    emit(record)
    return record


if __name__ == "__main__":
    main()
