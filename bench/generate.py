"""Bulk-load a deterministic ticket history: ``python -m bench.generate --database-url URL --tickets N``.

Builds the schema (``db.create_all``), loads the reference data (``seed_reference``), then writes
N tickets with their assignments, events (hash-chained, verifiable), callbacks, repeat chains
and ticket counters straight into the tables — not through the services, which would take
hours for millions. PostgreSQL is loaded with ``COPY`` (psycopg 3), SQLite with ``executemany``
in one transaction (``synchronous=OFF``, WAL). Secondary indexes are dropped for the load and
built afterwards; then ``VACUUM ANALYZE`` (PostgreSQL) or ``ANALYZE`` (SQLite).

What the history holds (received times, enterprises and texts, repeats, each ticket played through
its lifecycle on the working clock, ``--open-share``) is described once, in :mod:`hotline.demo.generator`.

Written: matter_chains, tickets, assignments (with warning instants), contact_attempts,
extensions, events (hash-chained; a sample is verified with ``hotline.tickets.events``),
callbacks, supervision_cases, supervision_actions, ticket_counters. Not written: notifications,
attachments, supervision notices, and the escalation engine's automatic warning and breach
steps (``escalation_*`` events, ``escalation_steps``) for late work.

The generator itself is :mod:`hotline.demo.generator` (``hotline seed-demo`` loads the demo's past with it);
this module writes its rows in bulk.
"""
from __future__ import annotations

import argparse
import queue
import random
import sqlite3
import threading
import time
from datetime import date

from bench.common import dialect_of, emit, log, make_app, redact
from hotline.demo.generator import (
    BULK_TABLES,
    CHAIN_COLUMNS,
    COUNTER_COLUMNS,
    DEFAULT_END,
    DEFAULT_START,
    OPEN_STATES,
    TABLES,
    History,
)

# --------------------------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------------------------


class PostgresWriter:
    """COPY into tables on one psycopg connection, one transaction."""

    def __init__(self, url: str) -> None:
        import psycopg
        from sqlalchemy.engine import make_url

        from bench.common import sqlalchemy_url

        u = make_url(sqlalchemy_url(url))
        self.conn = psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                                    dbname=u.database, **dict(u.query))
        with self.conn.cursor() as cur:
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET maintenance_work_mem = '512MB'")

    def write(self, table: str, columns, rows) -> None:
        with self.conn.cursor() as cur:
            with cur.copy(f'COPY {table} ({", ".join(columns)}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row(row)

    def commit(self) -> None:
        self.conn.commit()

    def finish_sequences(self) -> None:
        with self.conn.cursor() as cur:
            for table in ("matter_chains", *BULK_TABLES):
                cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"GREATEST((SELECT max(id) FROM {table}), 1))")

    def close(self) -> None:
        self.conn.close()


class SqliteWriter:
    """executemany in one transaction with synchronous=OFF and WAL."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.conn = sqlite3.connect(make_url(url).database, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode=WAL", "synchronous=OFF", "foreign_keys=ON", "cache_size=-262144",
                       "temp_store=MEMORY"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.conn.execute("BEGIN")

    def write(self, table: str, columns, rows) -> None:
        marks = ", ".join("?" * len(columns))
        self.conn.executemany(f'INSERT INTO {table} ({", ".join(columns)}) VALUES ({marks})', rows)

    def commit(self) -> None:
        self.conn.execute("COMMIT")
        self.conn.execute("BEGIN")

    def finish_sequences(self) -> None:
        pass  # INTEGER PRIMARY KEY continues after max(rowid)

    def close(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("COMMIT")
        self.conn.close()


class Loader(threading.Thread):
    """Writes chunks from a queue while the main thread generates the next ones (the database —
    PostgreSQL's backend, or SQLite with the GIL released — works in parallel)."""

    def __init__(self, writer) -> None:
        super().__init__(daemon=True)
        self.writer = writer
        self.queue: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.busy_s = 0.0

    def run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                return
            if self.error is not None:
                continue
            try:
                start = time.perf_counter()
                for table, rows in item:
                    if rows:
                        self.writer.write(table, TABLES[table], rows)
                self.busy_s += time.perf_counter() - start
            except BaseException as exc:  # re-raised by the main thread
                self.error = exc

    def put(self, chunk) -> None:
        if self.error is not None:
            raise self.error
        self.queue.put(chunk)

    def close(self) -> None:
        self.queue.put(None)
        self.join()
        if self.error is not None:
            raise self.error



# --------------------------------------------------------------------------------------------
# Schema, reference data, indexes
# --------------------------------------------------------------------------------------------


def prepare(app, reset: bool) -> dict:
    """Create the schema and reference data; return the ids the generator needs."""
    from sqlalchemy import func, inspect, select

    from hotline.demo.history import reference_ids
    from hotline.demo.seed import seed_reference
    from hotline.extensions import db
    from hotline.tickets.models import Ticket

    with app.app_context():
        if reset:
            db.drop_all()
        elif inspect(db.engine).has_table("tickets"):
            existing = db.session.scalar(select(func.count()).select_from(Ticket))
            db.session.rollback()
            if existing:
                raise SystemExit(f"the database already holds {existing} tickets; pass --reset to replace them")
        db.create_all()
        _check_columns(db.metadata)
        seed_reference()
        refs = reference_ids()
        db.session.commit()
        db.engine.dispose()
    return refs


def _check_columns(metadata) -> None:
    """Fail early if the models changed under the generator: every written column must exist and
    every column it does not write must be nullable or have a default."""
    for table, columns in TABLES.items():
        t = metadata.tables[table]
        names = {c.name for c in t.columns}
        unknown = set(columns) - names
        if unknown:
            raise SystemExit(f"bench.generate writes {table}.{sorted(unknown)}, which the models no longer have")
        for c in t.columns:
            if c.name not in columns and not c.nullable and c.default is None and c.server_default is None:
                raise SystemExit(f"{table}.{c.name} is required by the models but not written by bench.generate")


def secondary_indexes(metadata):
    """Non-unique indexes of the bulk tables (dropped for the load, built after it)."""
    return [ix for name in BULK_TABLES for ix in sorted(metadata.tables[name].indexes, key=lambda x: x.name)
            if not ix.unique]


def drop_indexes(app) -> list:
    from hotline.extensions import db

    with app.app_context():
        indexes = secondary_indexes(db.metadata)
        with db.engine.begin() as conn:
            for ix in indexes:
                conn.execute(db.text(f"DROP INDEX IF EXISTS {ix.name}"))
        db.engine.dispose()
    return indexes


def create_indexes(app, indexes) -> None:
    from hotline.extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(db.text("SET maintenance_work_mem = '512MB'"))
            for ix in indexes:
                ix.create(bind=conn, checkfirst=True)
        db.engine.dispose()


def analyze(app) -> None:
    from hotline.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(db.text("VACUUM (ANALYZE)"))
        else:
            with db.engine.begin() as conn:
                conn.execute(db.text("ANALYZE"))
        db.engine.dispose()


def verify_sample(app, n: int, rng: random.Random, k: int = 20) -> int:
    """Verify the hash chains of ``k`` random tickets with the project's verifier."""
    from hotline.extensions import db
    from hotline.tickets.events import verify_ticket

    with app.app_context():
        for _ in range(k):
            tid = rng.randrange(1, n + 1)
            broken = verify_ticket(tid)
            if broken is not None:
                raise AssertionError(f"ticket {tid}: event chain broken at {broken}")
        db.session.rollback()
        db.engine.dispose()
    return k


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.generate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgresql://… or sqlite:////path.db")
    parser.add_argument("--tickets", type=int, required=True, help="how many tickets (10 .. 10,000,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--reset", action="store_true", help="drop every table first")
    parser.add_argument("--start", type=date.fromisoformat, default=DEFAULT_START, help="first day (city time)")
    parser.add_argument("--end", type=date.fromisoformat, default=DEFAULT_END, help="last day (city time)")
    parser.add_argument("--keep-indexes", action="store_true", help="load with every index in place")
    parser.add_argument("--open-share", type=float, default=0.0, metavar="SHARE",
                        help="share (0..1) of dispatched tickets held open: cut at a random instant between "
                             "their dispatch and their resolution (for bench.sweep; default 0)")
    args = parser.parse_args(argv)
    if args.tickets < 1:
        parser.error("--tickets must be positive")
    dialect = dialect_of(args.database_url)
    started = time.perf_counter()
    phases = {}
    app = make_app(args.database_url)
    refs = prepare(app, args.reset)
    phases["schema_s"] = time.perf_counter() - started
    indexes = [] if args.keep_indexes else drop_indexes(app)
    t = time.perf_counter()
    if not 0.0 <= args.open_share <= 1.0:
        parser.error("--open-share must be between 0 and 1")
    history = History(args.tickets, args.seed, args.start, args.end, dialect, refs, args.open_share)
    history.plan()
    phases["plan_s"] = time.perf_counter() - t
    log(f"planned {args.tickets:,} tickets, {history.repeats:,} repeats, {len(history.chain_rows):,} chains "
        f"in {phases['plan_s']:.1f}s")
    t = time.perf_counter()
    writer = PostgresWriter(args.database_url) if dialect == "postgresql" else SqliteWriter(args.database_url)
    try:
        writer.write("matter_chains", CHAIN_COLUMNS, history.chains())
        loader = Loader(writer)
        loader.start()
        try:
            history.generate(loader, log=log)
        finally:
            loader.close()
        writer.write("ticket_counters", COUNTER_COLUMNS, history.counter_rows())
        writer.finish_sequences()
        writer.commit()
    finally:
        writer.close()
    phases["load_s"] = time.perf_counter() - t
    phases["load_writer_busy_s"] = loader.busy_s
    assert history.counts["tickets"] == args.tickets
    t = time.perf_counter()
    create_indexes(app, indexes)
    phases["index_s"] = time.perf_counter() - t
    t = time.perf_counter()
    analyze(app)
    phases["analyze_s"] = time.perf_counter() - t
    verified = verify_sample(app, args.tickets, random.Random(args.seed))
    elapsed = time.perf_counter() - started
    states = dict(sorted(history.states.items(), key=lambda kv: -kv[1]))
    missing = sorted(set(OPEN_STATES | {"closed", "merged", "answered"}) - set(states))
    record = {
        "bench": "generate", "database": dialect, "url": redact(args.database_url), "seed": args.seed,
        "tickets": args.tickets, **{t: history.counts[t] for t in BULK_TABLES if t != "tickets"},
        "chains": len(history.chain_rows),
        "ticket_counters": len(history.day_counts), "repeats": history.repeats,
        "open_share": args.open_share, "held_open_tickets": history.open_tickets,
        "open_assignments": history.open_assignments,
        "repeat_rate": round(history.repeats / args.tickets, 4),
        "merged": states.get("merged", 0), "states": states, "states_missing": missing,
        "enterprises": history.n_enterprises, "history": f"{args.start}..{args.end}",
        "chains_verified": verified, "indexes_rebuilt": len(indexes),
        "phases_s": {k: round(v, 2) for k, v in phases.items()}, "elapsed_s": round(elapsed, 2),
        "tickets_per_s": round(args.tickets / elapsed, 1),
    }
    emit(record)
    return record


if __name__ == "__main__":
    main()
