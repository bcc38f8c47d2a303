"""The floor of a web-form intake on this stack and machine: ``python -m bench.ceiling --database-url URL``.

Hotline's intake over HTTP (``bench.intake_http``) is compared with django-helpdesk's form in the
same run (``bench.peer.run_peer``); a ratio aim such as "4× the peer" only makes sense next to what
*any* Flask application can do here with the same request shape. This measures that: a minimal
application (:mod:`bench.ceiling_app` — Flask, Flask-SQLAlchemy, Flask-Login's cookie session,
Flask-WTF's CSRF token, WTForms, Jinja; no routing, numbering, deadlines, Redis or translations)
served by ``gunicorn -w N 'bench.ceiling_app:create_app()'`` (sync workers, default 2), driven by
``bench.intake_http``'s own simulated operators, unchanged: K threads (default 8), each with its
own connection and cookie jar, log in through the login form (CSRF token parsed from the page;
the password hash is checked there only) and repeat ``GET /tickets/new`` (fresh CSRF token and
``intake_key``) and ``POST /tickets/new`` with the intake form filled from
:func:`bench.intake_service.calls`; a ticket is a ``302`` answer to the POST (not followed). The
application validates the CSRF token and a dozen fields, inserts one row into ``ceiling_tickets``
(sixteen columns) and one into ``ceiling_events``, commits and flashes.

``--level bare`` saves ORM objects; ``--level plain`` runs the two ``INSERT`` statements as SQL
text (``INSERT … RETURNING id`` for the ticket), the user loader too. The tables (``ceiling_…``)
and K accounts ``bench-op-01`` … are created in the given database if missing; nothing else is
touched. Runs ``--duration`` seconds after ``--warmup`` seconds. Reported, like
``bench.intake_http``: tickets/s, p50/p95/p99 of the POST and of the GET, errors by kind, the
peak RSS of gunicorn and its workers (a worker's peak is its steady size plus the 32 MiB scrypt takes
to check a password at login), the CPU the load generator itself used (it shares the
machine with the server and the database), and the code measured. gunicorn is stopped at the end
whatever happens. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

from bench.common import (
    ROOT,
    RssSampler,
    code_version,
    dialect_of,
    emit,
    free_port,
    log,
    redact,
    sigterm_as_exit,
    summary_ms,
)
from bench.intake_http import PASSWORD, Gunicorn, Operator

APP = "bench.ceiling_app:create_app()"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="a PostgreSQL database (postgresql+psycopg://…)")
    parser.add_argument("--level", choices=("bare", "plain"), default="bare",
                        help="bare: ORM objects (default); plain: the INSERTs as SQL text")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--operators", type=int, default=8, help="concurrent simulated operators (default 8)")
    parser.add_argument("--duration", type=float, default=20.0, help="measured seconds (after the warm-up)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured at the start")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, help="default: a free port")
    args = parser.parse_args(argv)
    if args.workers < 1 or args.operators < 1:
        parser.error("--workers and --operators must be positive")
    if dialect_of(args.database_url) != "postgresql":
        parser.error("--database-url must be a PostgreSQL database")
    sigterm_as_exit()
    return run(args)


class CeilingGunicorn(Gunicorn):
    """``gunicorn -w N 'bench.ceiling_app:create_app()'`` from the repository root."""

    cwd = ROOT
    ready_path = "/login"

    @property
    def command(self) -> list[str]:
        return [str(Path(sys.executable).with_name("gunicorn")), "-w", str(self.workers), "-b",
                f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "5", "--error-logfile",
                str(self.errlog), APP]


def prepare(database_url: str, operators: int) -> int:
    """The ``ceiling_`` tables and the operator accounts; returns the tickets already saved."""
    from sqlalchemy import func, select
    from werkzeug.security import generate_password_hash

    from bench.ceiling_app import CeilingTicket, CeilingUser, create_app, db

    app = create_app(database_url)
    with app.app_context():
        db.create_all()
        for k in range(1, operators + 1):
            name = f"bench-op-{k:02d}"
            if db.session.scalar(select(CeilingUser.id).where(CeilingUser.username == name)) is None:
                db.session.add(CeilingUser(username=name, display_name=f"基准话务员{k:02d}",
                                           password_hash=generate_password_hash(PASSWORD)))
        db.session.commit()
        tickets = db.session.scalar(select(func.count()).select_from(CeilingTicket))
        db.session.remove()
        db.engine.dispose()
    return tickets


def count_tickets(database_url: str) -> int:
    """Rows in ``ceiling_tickets``."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM ceiling_tickets")).scalar_one()
    finally:
        engine.dispose()


def ceiling_version() -> dict:
    """``code_version()`` plus the bench's own files that differ from the commit."""
    version = code_version()
    out = subprocess.run(["git", "status", "--porcelain", "--", "bench/ceiling.py", "bench/ceiling_app.py"],
                         cwd=ROOT, capture_output=True, text=True).stdout
    version["uncommitted_bench_files"] = [line[3:] for line in out.splitlines()]
    return version


def drive(ops: list[Operator], stop: threading.Event, warmup: float, duration: float) -> tuple[float, float]:
    """Start the operators, wait out the warm-up and the measured window, stop them; the window."""
    for op in ops:
        op.start()
    window_start = time.perf_counter() + warmup
    deadline = window_start + duration
    while time.perf_counter() < deadline and any(op.is_alive() for op in ops):
        time.sleep(0.2)
    window_end = time.perf_counter()
    stop.set()
    for op in ops:
        op.join(120)
    return window_start, window_end


def run(args) -> dict:
    """Serve, drive, measure; prints and returns the record."""
    version = ceiling_version()
    log(f"code: git {version['head']}, uncommitted bench files: {version['uncommitted_bench_files'] or 'none'}")
    before = prepare(args.database_url, args.operators)
    state = Path(tempfile.mkdtemp(prefix="bench-ceiling-"))
    port = args.port or free_port()
    env = dict(os.environ, CEILING_DATABASE_URL=args.database_url, CEILING_LEVEL=args.level,
               SECRET_KEY=os.environ.get("SECRET_KEY", "ceiling-bench-only-secret-key"))
    server = CeilingGunicorn(args.workers, port, env, state)
    stop = threading.Event()
    ops: list[Operator] = []
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    try:
        server.start()
        sampler = RssSampler(server.proc.pid).start()
        log(f"gunicorn ({args.level}) up on port {port} with {args.workers} workers; {args.operators} operators start")
        ops = [Operator(k, port, args.seed, stop, {}) for k in range(1, args.operators + 1)]
        window_start, window_end = drive(ops, stop, args.warmup, args.duration)
        memory = sampler.stop()
    finally:
        stop.set()
        server.stop()
        gunicorn_log = server.log_tail()
        shutil.rmtree(state, ignore_errors=True)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    record = _record(args, ops, window_start, window_end, before, memory, version)
    record["load_generator_cpu_s"] = round((cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime), 1)
    if record["fatal"] or not record["tickets"]:
        log("gunicorn log:\n" + gunicorn_log)
    log(f"{record['tickets']} tickets in {record['window_s']} s = {record['tickets_per_s']}/s; POST p50 "
        f"{record['post']['p50_ms']} ms, p95 {record['post']['p95_ms']} ms; GET p50 {record['get']['p50_ms']} ms; "
        f"errors {record['errors'] or 'none'}; load generator CPU {record['load_generator_cpu_s']} s; "
        f"peak RSS worker {memory['peak_child_mib']} MiB, all {memory['peak_total_mib']} MiB")
    emit(record)
    if record["fatal"] or not record["tickets"]:
        raise SystemExit("ceiling failed: " + ("; ".join(record["fatal"]) or "no ticket was saved"))
    return record


def _record(args, ops, window_start, window_end, before, memory, version) -> dict:
    """The JSON record of a run (as ``bench.intake_http``'s, for the figures they share)."""
    window = window_end - window_start
    posts = [(s, st) for op in ops for done, s, st in op.posts if window_start <= done <= window_end]
    ok = [s for s, st in posts if st == 302]
    gets = [s for op in ops for done, s in op.gets if window_start <= done <= window_end]
    numbers = [n for op in ops for n in op.numbers]
    return {
        "bench": "ceiling", "level": args.level, "database": "postgresql", "url": redact(args.database_url),
        "code": version, "history_tickets": before, "workers": args.workers, "operators": args.operators,
        "server": f"gunicorn -w {args.workers} -b 127.0.0.1:PORT '{APP}' (sync workers)",
        "window_s": round(window, 2), "warmup_s": args.warmup, "tickets": len(ok),
        "tickets_per_s": round(len(ok) / window, 2) if window > 0 else None,
        "post": summary_ms(ok), "get": summary_ms(gets), "posts_in_window": len(posts),
        "errors": dict(sum((op.errors for op in ops), Counter())),
        "error_messages": dict(sum((op.messages for op in ops), Counter()).most_common(5)),
        "fatal": [f"operator {op.k}: {op.fatal}" for op in ops if op.fatal],
        "tickets_created_total": count_tickets(args.database_url) - before,
        "numbers_distinct": len(set(numbers)), "numbers_total": len(numbers), "memory": memory,
        "loadavg": os.getloadavg(),
    }


if __name__ == "__main__":
    main()
