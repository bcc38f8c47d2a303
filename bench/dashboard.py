"""The audit's month dashboard against a history: ``python -m bench.dashboard --database-url URL``.

Times, for the latest full month of the history (``--month`` to choose another), every figure the
dashboard view (``hotline.audit.views.dashboard``) computes, each as its own call:
``measures.compute_many`` of the dashboard's keys (complaint measures and the inquiry table)
(one statement per scope; each scope is also timed
alone as ``scope:…``, not counted in the sum), ``report.ranking`` (this month and the previous
one, per department), ``report.durations`` (working minutes from dispatch to sign, contact and
submit), ``report.volume_by_day``, ``report.top_categories``, ``report.top_districts`` and
``report.weights``; then the whole page, ``GET /audit/?month=…``, through the Flask test client
logged in as the demo supervisor through the real login form (no network, no gunicorn).

Each is run ``--repeat`` times: the first run is reported as *cold* (right after a load the
database's caches are cold too), the median of the rest as *warm*. For every component the SQL
statements of its last run are re-executed on the driver and timed alone (*SQL s*), so that the
rest is Python (building rows, the working-clock arithmetic of ``durations``, rendering).
``--explain`` adds the plan of the page's slowest statement.

The monthly ranking report (``GET /audit/ranking/report?month=…``, 排名通报) is timed the same
way. The page is measured twice: **live** (no rollup of the month: what a month costs while a late
event has made its rollup stale, and what the current month always costs), then with the month's
**rollup** (``hotline.audit.rollups``: computed here as the job would, timed as ``rollup``) — what
a closed month costs normally. The rollup row is removed again at the end. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import re
import statistics
import time
from datetime import timedelta
from zoneinfo import ZoneInfo

from bench.common import (
    StatementLog,
    compact_sql,
    dialect_of,
    emit,
    explain,
    key_plan_lines,
    log,
    make_app,
    redact,
)

RATE_KEYS = ("response", "sign_on_time", "on_time", "resolution", "satisfaction")
OTHER_KEYS = ("return", "extension", "reopen", "repeat", "false_closure",
              "on_the_spot", "inquiry_dispatched", "inquiry_closed")  # the inquiry table's own rows
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a history loaded by bench.generate")
    parser.add_argument("--month", help="YYYY-MM (default: the latest full month of the history)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--explain", action="store_true", help="plan of the page's slowest statement")
    parser.add_argument("--profile", metavar="FILE", help="pyinstrument text profile of one page request")
    parser.add_argument("--roll-up-previous", action="store_true",
                        help="also roll up the month before (the ranking's change reads it), as the job would")
    args = parser.parse_args(argv)
    return _run(make_app(args.database_url), args, dialect_of(args.database_url))


def latest_full_month(last_received, tz: str) -> str:
    """The month of ``last_received`` if the history reaches its last day, else the month before."""
    day = last_received.astimezone(ZoneInfo(tz)).date()
    if (day + timedelta(days=1)).month != day.month:
        return f"{day:%Y-%m}"
    first = day.replace(day=1) - timedelta(days=1)
    return f"{first:%Y-%m}"


def _raw_sql_seconds(db, statements) -> float:
    """Execute the statements again on the driver, fetch every row, and return the total time."""
    conn = db.session.connection()
    raw = conn.connection.driver_connection
    total = 0.0
    for statement, params, _s in statements:
        t = time.perf_counter()
        if conn.dialect.name == "postgresql":
            with raw.cursor() as cur:
                cur.execute(statement, params)
                if cur.description:
                    cur.fetchall()
        else:
            raw.execute(statement, params).fetchall()
        total += time.perf_counter() - t
    db.session.rollback()
    return total


def _time(db, fn, repeat: int) -> dict:
    runs, stmts = [], []
    for _ in range(repeat):
        db.session.rollback()
        db.session.expire_all()
        with StatementLog(db.engine) as log_:
            t = time.perf_counter()
            fn()
            runs.append(time.perf_counter() - t)
            log_.stop()
        stmts = log_.statements
    db.session.rollback()
    warm = runs[1:] or runs
    return {"cold_s": round(runs[0], 4), "warm_s": round(statistics.median(warm), 4), "statements": len(stmts),
            "sql_s": round(_raw_sql_seconds(db, stmts), 4)}


def _run(app, args, dialect: str) -> dict:
    from sqlalchemy import func, select

    from hotline.audit import measures, report
    from hotline.audit.periods import Period
    from hotline.extensions import db
    from hotline.tickets.models import Assignment, Ticket

    tz = app.config["TIMEZONE"]
    record: dict = {"bench": "dashboard", "database": dialect, "url": redact(args.database_url)}
    with app.app_context():
        record["history_tickets"] = db.session.scalar(select(func.count()).select_from(Ticket))
        last = db.session.scalar(select(func.max(Ticket.received_at)))
        if last is None:
            raise SystemExit("no tickets: load a history with bench.generate first")
        month = args.month or latest_full_month(last, tz)
        period = Period.month(month, tz)
        previous = period.previous(tz)
        record["month"] = month
        record["month_tickets"] = db.session.scalar(select(func.count()).select_from(Ticket).where(
            Ticket.received_at >= period.start, Ticket.received_at < period.end))
        record["month_assignments"] = db.session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.dispatched_at >= period.start, Assignment.dispatched_at < period.end))
        db.session.rollback()
        log(f"{record['history_tickets']:,} tickets; month {month}: {record['month_tickets']:,} tickets, "
            f"{record['month_assignments']:,} assignments dispatched")
        components = {}
        with app.test_request_context():
            keys = (*RATE_KEYS, *OTHER_KEYS)
            components["figures"] = _time(db, lambda: measures.compute_many(keys, period), args.repeat)
            for scope in measures.SCOPES:  # the same figures, one statement (one scan) per scope
                scoped = tuple(k for k in keys if measures.MEASURES[k].scope == scope)
                components[f"scope:{scope}"] = _time(db, lambda ks=scoped: measures.compute_many(ks, period),
                                                     args.repeat)
            components["ranking"] = _time(db, lambda: report.ranking(period, previous), args.repeat)
            components["durations"] = _time(db, lambda: report.durations(period), args.repeat)
            components["volume_by_day"] = _time(db, lambda: report.volume_by_day(period, tz), args.repeat)
            components["top_categories"] = _time(db, lambda: report.top_categories(period), args.repeat)
            components["top_districts"] = _time(db, lambda: report.top_districts(period), args.repeat)
            components["weights"] = _time(db, report.weights, args.repeat)
        record["components"] = components
        counted = {k: c for k, c in components.items() if not k.startswith("scope:")}
        record["components_warm_sum_s"] = round(sum(c["warm_s"] for c in counted.values()), 3)
        record["components_cold_sum_s"] = round(sum(c["cold_s"] for c in counted.values()), 3)
        slow = sorted(components.items(), key=lambda kv: -kv[1]["warm_s"])[:4]
        log("slowest components (warm): " + ", ".join(f"{k} {v['warm_s']} s" for k, v in slow))
        engine = db.engine
        _drop_rollup(db, month)  # the live page first
        _drop_rollup(db, previous.label)
    record["page"] = _page(app, db, engine, month, args)  # outside any app context: each request pushes its own
    report_url = f"/audit/ranking/report?month={month}"
    record["report_page"] = _page(app, db, engine, month, args, url=report_url)
    log(f"page GET /audit/?month={month} live: cold {record['page']['cold_s']} s, warm {record['page']['warm_s']} s")
    with app.app_context():
        if args.roll_up_previous:
            record["rollup_previous"] = _roll_up(app, db, previous)
        record["rollup"] = _roll_up(app, db, period)
        log(f"rollup of {month} computed in {record['rollup']['compute_s']} s")
    record["page_rollup"] = _page(app, db, engine, month, args, rolled=True)
    record["report_page_rollup"] = _page(app, db, engine, month, args, rolled=True, url=report_url)
    log(f"ranking report {report_url}: live warm {record['report_page']['warm_s']} s, "
        f"with the rollup warm {record['report_page_rollup']['warm_s']} s")
    log(f"page with the month's rollup: cold {record['page_rollup']['cold_s']} s, "
        f"warm {record['page_rollup']['warm_s']} s")
    with app.app_context():
        _drop_rollup(db, month)
        _drop_rollup(db, previous.label)
    emit(record)
    return record


def _drop_rollup(db, month: str) -> None:
    from sqlalchemy import delete

    from hotline.audit.models import AuditRollup

    db.session.execute(delete(AuditRollup).where(AuditRollup.month == month))
    db.session.commit()


def _roll_up(app, db, period) -> dict:
    """What the rollup job does for one month: the settled check, every figure, the row."""
    from sqlalchemy import func, select

    from hotline.audit import rollups
    from hotline.audit.models import AuditChange, AuditRollup
    from hotline.db import utcnow

    now = utcnow()
    t = time.perf_counter()
    settled = rollups.settled(period, now)
    settled_s = time.perf_counter() - t
    t = time.perf_counter()
    data = rollups.compute(period, now)
    compute_s = time.perf_counter() - t
    db.session.merge(AuditRollup(month=period.label, computed_at=now, data=data, seconds=round(compute_s, 3),
                                 definition=rollups.DEFINITION))
    db.session.commit()
    changes = db.session.scalar(select(func.count()).select_from(AuditChange))
    if changes:
        raise SystemExit(f"{changes} rows in audit_changes: the rollup would not be served")
    return {"settled": settled, "settled_s": round(settled_s, 4), "compute_s": round(compute_s, 4)}


def _page(app, db, engine, month: str, args, rolled: bool = False, url: str | None = None) -> dict:
    client = app.test_client()
    page = client.get("/login")
    m = CSRF.search(page.get_data(as_text=True))
    if not m:
        raise SystemExit("no CSRF token on the login page")
    resp = client.post("/login", data={"username": "supervisor", "password": "hotline-demo",
                                       "csrf_token": m.group(1) or m.group(2)})
    if resp.status_code != 302:
        raise SystemExit(f"supervisor login failed ({resp.status_code}): was the history loaded by bench.generate?")
    dashboard = url is None
    url = url or f"/audit/?month={month}"
    runs, stmts, execs, size = [], [], [], 0
    for _ in range(args.repeat):
        with StatementLog(engine) as log_:
            t = time.perf_counter()
            resp = client.get(url)
            body = resp.get_data()
            runs.append(time.perf_counter() - t)
            log_.stop()
        if resp.status_code != 200:
            raise SystemExit(f"GET {url} answered {resp.status_code}")
        if dashboard and rolled != (b'id="precomputed"' in body):
            raise SystemExit(f"GET {url}: expected the {'rolled-up' if rolled else 'live'} page")
        stmts, execs, size = log_.statements, log_.executions, len(body)
    warm = runs[1:] or runs
    out = {"url": url, "cold_s": round(runs[0], 4), "warm_s": round(statistics.median(warm), 4),
           "runs_s": [round(r, 4) for r in runs], "statements": len(stmts), "bytes": size}
    with app.app_context():
        out["sql_s"] = round(_raw_sql_seconds(db, stmts), 4)
        top = sorted(execs, key=lambda s: -s[2])[:3]
        out["slowest_statements"] = [{"s": round(s, 4), "sql": compact_sql(st)[:240]} for st, _p, s in top]
        if args.explain and top and not rolled and dashboard:
            lines = explain(db, top[0][0], top[0][1])
            out["explain"] = {"plan": lines, "key_lines": key_plan_lines(lines) if db.engine.dialect.name ==
                              "postgresql" else lines, "sql": compact_sql(top[0][0])[:400]}
    if args.profile and not rolled and dashboard:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001)
        profiler.start()
        client.get(url)
        profiler.stop()
        with open(args.profile, "w") as f:
            f.write(profiler.output_text(unicode=True, color=False))
        log(f"profile written to {args.profile}")
    return out


if __name__ == "__main__":
    main()
