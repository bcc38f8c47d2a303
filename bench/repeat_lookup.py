"""Time repeat detection on a loaded history: ``python -m bench.repeat_lookup --database-url URL``.

Calls :func:`hotline.tickets.lookup.repeat_candidates` — the query and the ranking the intake
panel runs while the operator is on the call — for realistic new matters, inside an app
context: about half name an enterprise found in the history (its credit code when the caller
gives it, and its normalized name), half come from a phone number found in the history, and a
few (5 %) are unknown callers. Each matter's text is a fresh complaint of the sampled ticket's
category (``hotline.demo.corpus``). ``now`` is the morning after the generated history.

Prints one JSON line: latency percentiles of the whole call, of the SQL statement alone
(cursor execute, via SQLAlchemy events) and of the ranking (``repeats.rank_candidates``),
the rows the query returned, and the history size. ``--explain`` adds the plan of the slowest
query (``EXPLAIN (ANALYZE, BUFFERS)`` on PostgreSQL, ``EXPLAIN QUERY PLAN`` on SQLite);
``--profile FILE`` writes a pyinstrument profile of the timed loop.
"""
from __future__ import annotations

import argparse
import random
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from bench.common import dialect_of, emit, explain, log, make_app, redact, summary_ms
from hotline.demo import corpus

DEFAULT_NOW = datetime(2026, 11, 28, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
UNKNOWN_SHARE = 0.05
WARMUP = 20


def sample_matters(session, n: int, rng: random.Random):
    """``n`` new matters (kind of query, NewMatter) drawn from the stored history."""
    from sqlalchemy import func, select

    from hotline.directory.models import Category
    from hotline.tickets import repeats
    from hotline.tickets.models import Ticket

    max_id = session.scalar(select(func.max(Ticket.id))) or 0
    if not max_id:
        raise SystemExit("no tickets: load a history with python -m bench.generate first")
    matters = []
    for k in range(n):
        key = rng.getrandbits(62)
        r = rng.random()
        if r < UNKNOWN_SHARE:
            e = corpus.enterprise(50_000_000 + rng.randrange(10**6))  # beyond any generated pool
            text = corpus.matter("deadline_missed", "complaint", key, channel="phone", who=e.name)
            matters.append(("unknown", repeats.NewMatter(
                credit_code=e.credit_code, enterprise_norm=e.norm,
                phone=corpus.phone(900_000_000 + rng.randrange(10**7)), category_code="deadline_missed",
                text=f"{text.subject}\n{text.description}")))
            continue
        by_enterprise = k % 2 == 0  # alternate: half name an enterprise, half come from a known phone
        for _ in range(100):  # an enterprise query needs a ticket that names one
            row = session.execute(
                select(Ticket.enterprise_name, Ticket.enterprise_norm, Ticket.credit_code, Ticket.caller_phone,
                       Category.code)
                .outerjoin(Category, Ticket.category_id == Category.id)
                .where(Ticket.id >= rng.randrange(1, max_id + 1)).order_by(Ticket.id).limit(1)).first()
            if row is not None and (row[1] or not by_enterprise):
                break
        else:
            by_enterprise = False  # a tiny history of private callers only
        name, norm, credit, phone, category = row
        category = category or "deadline_missed"
        text = corpus.matter(category, "complaint", key, channel="phone", who=name if by_enterprise else "")
        if by_enterprise:
            new = repeats.NewMatter(credit_code=credit, enterprise_norm=norm,
                                    phone=corpus.phone(900_000_000 + rng.randrange(10**7)) if rng.random() < 0.5
                                    else None, category_code=category, text=f"{text.subject}\n{text.description}")
            matters.append(("enterprise", new))
        else:
            new = repeats.NewMatter(credit_code=None, enterprise_norm=None, phone=phone, category_code=category,
                                    text=f"{text.subject}\n{text.description}")
            matters.append(("phone", new))
    return matters


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.repeat_lookup", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--now", type=datetime.fromisoformat, default=DEFAULT_NOW,
                        help="the instant of the calls (ISO 8601 with offset; default the morning after the history)")
    parser.add_argument("--explain", action="store_true", help="add the plan of the slowest query")
    parser.add_argument("--profile", metavar="FILE", help="write a pyinstrument text profile of the timed loop")
    args = parser.parse_args(argv)
    if args.queries < 1:
        parser.error("--queries must be positive")
    dialect = dialect_of(args.database_url)
    app = make_app(args.database_url)

    from sqlalchemy import event, func, select

    from hotline.extensions import db
    from hotline.tickets import lookup, repeats
    from hotline.tickets.models import Ticket

    rng = random.Random(args.seed)
    now = args.now
    with app.app_context():
        window = app.config["REPEAT_WINDOW_DAYS"]
        history = db.session.scalar(select(func.count()).select_from(Ticket))
        in_window = db.session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.received_at >= repeats.window_start(now, window)))
        matters = sample_matters(db.session, args.queries + WARMUP, rng)
        db.session.rollback()

        # instrumentation: SQL execute time, and the ranking's input size and time
        current = {"sql": 0.0, "rows": 0, "rank": 0.0, "statement": None}

        def before(conn, cursor, statement, parameters, context, executemany):
            conn.info["bench_t"] = time.perf_counter()

        def after(conn, cursor, statement, parameters, context, executemany):
            current["sql"] += time.perf_counter() - conn.info.pop("bench_t", time.perf_counter())
            if "FROM tickets" in statement:
                current["statement"] = (statement, parameters)

        event.listen(db.engine, "before_cursor_execute", before)
        event.listen(db.engine, "after_cursor_execute", after)
        real_rank = repeats.rank_candidates

        def timed_rank(new, past, **kw):
            past = list(past)
            current["rows"] = len(past)
            t = time.perf_counter()
            try:
                return real_rank(new, past, **kw)
            finally:
                current["rank"] = time.perf_counter() - t

        repeats.rank_candidates = timed_rank
        profiler = None
        results = []
        try:
            for k, (kind, new) in enumerate(matters):
                db.session.rollback()  # a request ends its transaction…
                db.session.execute(db.text("SELECT 1"))  # …and the next one has a connection (not timed)
                current.update(sql=0.0, rows=0, rank=0.0, statement=None)
                if k == WARMUP and args.profile:
                    from pyinstrument import Profiler

                    profiler = Profiler(interval=0.0005)
                    profiler.start()
                t = time.perf_counter()
                found = lookup.repeat_candidates(new, now=now, window_days=window)
                elapsed = time.perf_counter() - t
                if k >= WARMUP:
                    results.append((elapsed, current["sql"], current["rank"], current["rows"], len(found), kind,
                                    current["statement"]))
        finally:
            repeats.rank_candidates = real_rank
            if profiler is not None:
                profiler.stop()
                with open(args.profile, "w") as f:
                    f.write(profiler.output_text(unicode=True, color=False, show_all=False))
                log(f"profile written to {args.profile}")
        db.session.rollback()
        record = {
            "bench": "repeat_lookup", "database": dialect, "url": redact(args.database_url),
            "history_tickets": history, "window_tickets": in_window, "window_days": window,
            "now": now.isoformat(), "queries": len(results), "seed": args.seed,
            **summary_ms([r[0] for r in results]),
            "sql": summary_ms([r[1] for r in results]),
            "rank": summary_ms([r[2] for r in results]),
            "rows_mean": round(sum(r[3] for r in results) / len(results), 1),
            "rows_max": max(r[3] for r in results),
            "candidates_mean": round(sum(r[4] for r in results) / len(results), 2),
            "by_kind_p95_ms": {},
        }
        for kind in ("enterprise", "phone", "unknown"):
            subset = [r[0] for r in results if r[5] == kind]
            if subset:
                record["by_kind_p95_ms"][kind] = summary_ms(subset)["p95_ms"]
                record.setdefault("by_kind_queries", {})[kind] = len(subset)
        if args.explain:
            slowest = max(results, key=lambda r: r[0])
            record["slowest"] = {"ms": round(slowest[0] * 1000, 2), "kind": slowest[5], "rows": slowest[3]}
            record["explain"] = explain(db, *slowest[6]) if slowest[6] else None
        db.session.rollback()
    emit(record)
    return record


if __name__ == "__main__":
    main()
