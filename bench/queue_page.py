"""A handler's queue page at scale: ``python -m bench.queue_page --database-url URL``.

Logs in through the real login form (Flask test client, no network) as a handler of the busiest
department of the history (the most assignments; ``--department CODE`` to choose; the user
``bench-handler-<code>`` is created if missing) and requests ``GET /work/?queue=Q`` for each of the
five queues (``to_sign``, ``in_progress``, ``due_soon``, ``overdue``, ``submitted``): the first
page, the second page through the keyset cursor of the page's "next page" link
(``after=<due>_<id>``), and a deep page (the 20th, following the cursors) where the queue is that
long. Each is requested ``--requests`` times after 3 warm-up requests; p50/p95/p99 of the whole
request (routing, the queue query, the five queue counts, the navigation badges, rendering), and
of its SQL alone (the cursors' execute times summed). The report names each page's slowest
statement (median execute time over the requests) and ``--explain`` adds its plan. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import re
import statistics
import time
from collections import defaultdict
from html import unescape

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
    summary_ms,
)

QUEUES = ("to_sign", "in_progress", "due_soon", "overdue", "submitted")
NEXT = re.compile(r'href="([^"]*after=[^"]+)"')
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"|<input[^>]*value="([^"]+)"[^>]*name="csrf_token"')
PASSWORD = "bench-handler-password"
AIM_P95_MS = 50.0


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.queue_page", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a history loaded by bench.generate")
    parser.add_argument("--department", help="department code (default: the one with the most assignments)")
    parser.add_argument("--requests", type=int, default=100, help="timed requests per page")
    parser.add_argument("--deep-page", type=int, default=20, help="also time this page number (0: no)")
    parser.add_argument("--explain", action="store_true", help="plan of each page's slowest statement")
    args = parser.parse_args(argv)
    return _run(make_app(args.database_url), args, dialect_of(args.database_url))


def _handler(db, department_code: str | None):
    from sqlalchemy import func, select

    from hotline.auth.models import User
    from hotline.auth.services import create_user
    from hotline.directory.models import Department
    from hotline.tickets.models import Assignment

    if department_code:
        dept = db.session.scalar(select(Department).where(Department.code == department_code))
        if dept is None:
            raise SystemExit(f"no department {department_code!r}")
    else:
        dept_id = db.session.execute(select(Assignment.department_id, func.count()).group_by(Assignment.department_id)
                                     .order_by(func.count().desc()).limit(1)).first()
        if dept_id is None:
            raise SystemExit("no assignments: load a history with bench.generate first")
        dept = db.session.get(Department, dept_id[0])
    username = f"bench-handler-{dept.code}"[:64]
    if db.session.scalar(select(User.id).where(User.username == username)) is None:
        create_user(username=username, display_name="基准测试承办人", password=PASSWORD, role="handler",
                    department_id=dept.id)
    total = db.session.scalar(select(func.count()).select_from(Assignment).where(Assignment.department_id == dept.id))
    db.session.rollback()
    return dept.code, dept.name_zh, dept.id, username, total


def _login(client, username: str) -> None:
    m = CSRF.search(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"username": username, "password": PASSWORD,
                                       "csrf_token": m.group(1) or m.group(2)})
    if resp.status_code != 302:
        raise SystemExit(f"login as {username} failed ({resp.status_code})")


def _next_url(html: str) -> str | None:
    m = NEXT.search(html)
    return unescape(m.group(1)) if m else None


def _measure(app, db, engine, client, url: str, n: int, explain_it: bool) -> dict:
    for _ in range(3):
        client.get(url)
    samples, by_sql = [], defaultdict(list)
    counts, sql_times = [], []
    for _ in range(n):
        with StatementLog(engine) as stmts:
            t = time.perf_counter()
            resp = client.get(url)
            resp.get_data()
            samples.append(time.perf_counter() - t)
            stmts.stop()
        if resp.status_code != 200:
            raise SystemExit(f"GET {url} answered {resp.status_code}")
        counts.append(len(stmts.executions))
        sql_times.append(sum(s for _st, _p, s in stmts.executions))
        for k, (statement, params, seconds) in enumerate(stmts.executions):
            by_sql[(k, statement)].append((seconds, params))  # the k-th statement of the request
    out = {"url": url, **summary_ms(samples), "statements": max(counts),
           "sql_p50_ms": summary_ms(sql_times)["p50_ms"], "sql_p95_ms": summary_ms(sql_times)["p95_ms"]}
    slowest = sorted(by_sql.items(), key=lambda kv: -statistics.median(s for s, _ in kv[1]))[:3]
    out["slowest_sql"] = [{"median_ms": round(statistics.median(s for s, _ in v) * 1000, 2), "times": len(v),
                           "sql": compact_sql(k[1])[:260], "params": _params(v[-1][1])} for k, v in slowest]
    if explain_it and slowest:
        (_k, statement), runs = slowest[0]
        with app.app_context():
            lines = explain(db, statement, runs[-1][1])
        out["explain"] = key_plan_lines(lines) if engine.dialect.name == "postgresql" else lines
    return out


def _params(params) -> str:
    """The statement's parameters, short (to tell apart statements with the same text)."""
    if isinstance(params, dict):
        return ", ".join(f"{k}={v}" for k, v in params.items())[:160]
    return repr(params)[:160]


def _run(app, args, dialect: str) -> dict:
    from sqlalchemy import func, select

    from hotline.db import utcnow
    from hotline.extensions import db
    from hotline.tickets.models import Assignment, Ticket
    from hotline.workbench import queries

    record: dict = {"bench": "queue_page", "database": dialect, "url": redact(args.database_url)}
    with app.app_context():
        record["history_tickets"] = db.session.scalar(select(func.count()).select_from(Ticket))
        record["assignments"] = db.session.scalar(select(func.count()).select_from(Assignment))
        code, name, dept_id, username, total = _handler(db, args.department)
        engine = db.engine
        record["department"] = {"code": code, "name": name, "assignments": total,
                                "queues": queries.queue_counts(dept_id, utcnow())}
        db.session.rollback()
    log(f"{record['history_tickets']:,} tickets; department {code} ({name}): {total:,} assignments, "
        f"queues {record['department']['queues']}")
    client = app.test_client()
    _login(client, username)
    pages = []
    for queue in QUEUES:
        url = f"/work/?queue={queue}"
        first = client.get(url).get_data(as_text=True)
        res = _measure(app, db, engine, client, url, args.requests, args.explain)
        res.update(queue=queue, page=1)
        pages.append(res)
        nxt = _next_url(first)
        page = 2
        while nxt:
            if page == 2 or page == args.deep_page:
                res = _measure(app, db, engine, client, nxt, args.requests, args.explain)
                res.update(queue=queue, page=page)
                pages.append(res)
            if page >= max(2, args.deep_page):
                break
            nxt = _next_url(client.get(nxt).get_data(as_text=True))
            page += 1
        log(", ".join(f"{queue} p{p['page']}: p95 {p['p95_ms']} ms" for p in pages if p["queue"] == queue))
    record["pages"] = pages
    record["aim_p95_ms"] = AIM_P95_MS
    record["worst_p95_ms"] = max(p["p95_ms"] for p in pages)
    emit(record)
    return record


if __name__ == "__main__":
    main()
