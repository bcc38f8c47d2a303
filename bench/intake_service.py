"""Throughput of the real intake service: ``python -m bench.intake_service --database-url URL --tickets N``.

Calls :func:`hotline.tickets.intake.create_ticket` N times in one process, one call per
simulated request (the session is removed after each call, outside the timing), with realistic
calls from :mod:`hotline.demo.corpus`: the category mix of the generator, inquiries answered on the
spot, operator overrides to joint handling, and confirmed repeats of tickets created earlier in
the run (merged or re-handled). The service does the routing, the ticket number, the
assignments with their deadlines on the working clock and the hash-chained events, and commits.

Works on an empty database (the schema and the reference data are created) or on a history
loaded by ``bench.generate`` (numbers continue from its ``ticket_counters``). Tickets are
received "now" (the wall clock), as at a real intake. After its commit ``create_ticket``
schedules the assignments' warning and breach timers in Redis (RQ), so a Redis is used: by
default the bundled server (``hotline.embedded_redis``) started in a temporary directory;
``--redis URL`` uses another, ``--redis none`` an unreachable address (the service then logs
a warning per timer and goes on — that path is measured too).

Prints one JSON line: tickets/s, the latency percentiles of one ``create_ticket`` call, the
CPU time of this process per ticket (on a shared machine steadier than the wall clock; the
database and Redis servers not included) and the SQL statements it ran (mean, max);
``--profile FILE`` writes a pyinstrument profile of the timed calls.
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import shutil
import tempfile
import time

from bench.common import UNUSED_REDIS, dialect_of, emit, log, make_app, redact, summary_ms
from hotline.demo import corpus
from hotline.demo.generator import CATEGORIES, CATEGORY_WEIGHTS, CHANNEL_WEIGHTS, CHANNELS

WARMUP = 20


def calls(n: int, rng: random.Random, run: str):
    """``n`` intake calls as (IntakeData factory, index of an earlier call it repeats or None)."""
    from hotline.tickets.intake import IntakeData

    weights = [w for _, w in CATEGORY_WEIGHTS]
    out = []
    for k in range(n):
        repeat_of = None
        if k > 10 and rng.random() < 0.06:
            repeat_of = rng.randrange(max(0, k - 300), k)
        e = corpus.enterprise(rng.randrange(200_000))
        pid, phone = corpus.enterprise_contact(e.index, rng.choice((0, 0, 1, 2)))
        category = rng.choices(CATEGORIES, weights)[0]
        if category is None:
            kind = "inquiry" if rng.random() < 0.7 else "suggestion"
        elif category in corpus.MISCONDUCT:
            kind = "report"
        else:
            kind = rng.choices(("complaint", "help", "inquiry"), (80, 15, 5))[0]
        channel = rng.choices(CHANNELS, CHANNEL_WEIGHTS)[0]
        m = corpus.matter(category, kind, rng.getrandbits(62), channel=channel, who=e.name)
        on_spot = kind == "inquiry" and rng.random() < 0.8
        lead, co = None, ()
        if not on_spot and category is None:
            lead = m.lead_hint or "bizenv_office"  # nothing to route by: the operator chooses
        elif not on_spot and kind not in ("report",) and category not in corpus.MISCONDUCT and rng.random() < 0.1:
            lead, co = "bizenv_office", (corpus.COUNTY_GOV[e.district],)  # operator makes it joint
        out.append((dict(
            channel=channel, kind=kind, subject=m.subject, description=m.description, category_code=category,
            caller_name=corpus.person_name(pid), caller_phone=phone, enterprise_name=e.name,
            credit_code=e.credit_code if rng.random() < 0.72 else None, district_code=e.district,
            urgency=rng.choices(("normal", "urgent", "emergency"), (90, 8, 2))[0],
            answered_on_spot=on_spot, answer=m.answer if on_spot else "", lead=lead, co_handlers=co,
            override_reason="话务员根据诉求内容指定承办单位" if lead else "",
            new_facts=rng.random() < 0.3, idempotency_key=f"bench:{run}:{k}"), repeat_of))
    return IntakeData, out


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_service", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--redis", default="embedded", help="embedded (default), none, or a Redis URL")
    parser.add_argument("--profile", metavar="FILE", help="write a pyinstrument text profile of the timed calls")
    args = parser.parse_args(argv)
    if args.tickets < 1:
        parser.error("--tickets must be positive")
    dialect = dialect_of(args.database_url)
    redis_server = None
    if args.redis == "embedded":
        from hotline.embedded_redis import EmbeddedRedis

        redis_server = EmbeddedRedis(tempfile.mkdtemp(prefix="bench-redis-"), persist=False).start()
        redis_url = redis_server.url
    elif args.redis == "none":
        redis_url = UNUSED_REDIS
    else:
        redis_url = args.redis
    try:
        logging.getLogger("hotline.queue").setLevel(logging.ERROR)  # one warning per timer without Redis
        return _run(make_app(args.database_url, redis_url), args, dialect)
    finally:
        if redis_server is not None:
            redis_server.stop()
            shutil.rmtree(redis_server.directory, ignore_errors=True)


def _run(app, args, dialect) -> dict:
    from sqlalchemy import event, func, select

    from hotline.auth.models import User
    from hotline.demo.seed import seed_reference
    from hotline.extensions import db
    from hotline.tickets.intake import IntakeError, create_ticket
    from hotline.tickets.models import Assignment, Event, Ticket

    rng = random.Random(args.seed)
    run = f"{os.getpid()}-{time.time_ns()}"
    intake_data, planned = calls(args.tickets + WARMUP, rng, run)
    with app.app_context():
        db.create_all()
        seed_reference()
        operator = db.session.scalar(select(User).where(User.username == "operator"))
        operator_id, operator_name = operator.id, operator.display_name
        before = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                  for m in (Ticket, Assignment, Event)}
        db.session.remove()
        statements = [0]

        def count(*_args):
            statements[0] += 1

        event.listen(db.engine, "before_cursor_execute", count)
        queries = []
        numbers: list[str | None] = []
        samples, rules, errors = [], {}, {}
        wall = profiler = None
        for k, (fields, repeat_of) in enumerate(planned):
            if repeat_of is not None and numbers[repeat_of] and planned[repeat_of][0]["category_code"]:
                earlier = planned[repeat_of][0]
                fields = dict(fields, repeat_of=numbers[repeat_of], enterprise_name=earlier["enterprise_name"],
                              credit_code=earlier["credit_code"], caller_phone=earlier["caller_phone"],
                              category_code=earlier["category_code"], kind=earlier["kind"], lead=None,
                              co_handlers=(), override_reason="", answered_on_spot=False, answer="")
                if fields["kind"] == "inquiry":
                    fields["kind"] = "complaint"
            if k == WARMUP:
                if args.profile:
                    from pyinstrument import Profiler

                    profiler = Profiler(interval=0.0005)
                    profiler.start()
                wall = time.perf_counter()
                cpu = time.process_time()
            statements[0] = 0
            t = time.perf_counter()
            try:
                ticket = create_ticket(intake_data(**fields), operator_id=operator_id, operator_name=operator_name)
                number, rule = ticket.number, str(ticket.routing_rule)
            except IntakeError as exc:
                db.session.rollback()
                number, rule = None, f"error:{exc.code}"
                errors[exc.code] = errors.get(exc.code, 0) + 1
            elapsed = time.perf_counter() - t
            ran = statements[0]
            numbers.append(number)
            db.session.remove()  # end of the simulated request (not timed)
            if k >= WARMUP:
                samples.append(elapsed)
                queries.append(ran)
                rules[rule] = rules.get(rule, 0) + 1
            if (k + 1) % 500 == 0:
                log(f"{k + 1} intakes")
        total = time.perf_counter() - wall
        cpu = time.process_time() - cpu
        event.remove(db.engine, "before_cursor_execute", count)
        if profiler is not None:
            profiler.stop()
            with open(args.profile, "w") as f:
                f.write(profiler.output_text(unicode=True, color=False))
            log(f"profile written to {args.profile}")
        after = {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                 for m in (Ticket, Assignment, Event)}
        db.session.remove()
    record = {
        "bench": "intake_service", "database": dialect, "url": redact(args.database_url), "seed": args.seed,
        "tickets": len(samples), "history_tickets": before["tickets"],
        "tickets_per_s": round(len(samples) / total, 1), **summary_ms(samples),
        "cpu_ms_per_ticket": round(cpu / len(samples) * 1000, 2),
        "sql_statements_per_ticket": {"mean": round(sum(queries) / len(queries), 1), "max": max(queries)},
        "rules": dict(sorted(rules.items(), key=lambda kv: -kv[1])), "errors": errors,
        "rows_written_incl_warmup": {name: after[name] - before[name] for name in after},
        "redis": args.redis if args.redis in ("embedded", "none") else redact(args.redis),
    }
    emit(record)
    return record


if __name__ == "__main__":
    main()
