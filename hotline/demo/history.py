"""The demo's past: about six months of tickets, so a fresh install's dashboard, ranking and
drill-downs have something to show.

The history comes from the benchmarks' generator (:mod:`hotline.demo.generator`, the code
``bench.generate`` loads millions of tickets with): deterministic for its seed, played on the
working clock the way the services write tickets, events hash-chained (``hotline verify-events``
checks them), ending the day before the seed runs so that old tickets are closed and recent ones
still open with their deadlines ahead or just passed. It is marked as demo data: every ticket's
intake key starts with ``demo-history:`` and the ``demo_history`` setting records the seed, the
size and the dates (the dashboard says so).

It is loaded once, into a database without tickets (the first ``hotline seed-demo``), because the
generator numbers its rows from 1; later runs leave it alone.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from hotline.db import utcnow
from hotline.extensions import db

MARK = "demo_history"  # the audit dashboard reads it (hotline.audit.report.DEMO_HISTORY_KEY)
KEY_PREFIX = "demo-history:"
TICKETS = 3000
DAYS = 182
SEED = 2026


def reference_ids() -> dict:
    """The ids the generator writes with: departments, categories, districts, the demo operator and
    supervisor (the reference data must be loaded)."""
    from hotline.auth.models import User
    from hotline.directory.models import Category, Department, District

    depts = {d.code: d.id for d in db.session.scalars(select(Department))}
    refs = {
        "department_ids": depts,
        "category_ids": {c.code: c.id for c in db.session.scalars(select(Category))},
        "district_ids": {d.code: d.id for d in db.session.scalars(select(District))},
        "operator_id": db.session.scalar(select(User.id).where(User.username == "operator")),
        "supervisor_id": db.session.scalar(select(User.id).where(User.username == "supervisor")),
    }
    codes = sorted(depts)
    refs["dept_codes"] = [None] + codes  # index 0: none
    refs["dept_index"] = {c: k + 1 for k, c in enumerate(codes)}
    refs["dept_index_by_id"] = {depts[c]: k + 1 for k, c in enumerate(codes)}
    return refs


class _SessionWriter:
    """Takes the generator's chunks and inserts them on the session's connection (one transaction)."""

    def __init__(self) -> None:
        from hotline.demo.generator import TABLES, TICKET_COLUMNS

        self.conn = db.session.connection()
        mark = "?" if self.conn.dialect.paramstyle == "qmark" else "%s"
        self.sql = {t: f'INSERT INTO {t} ({", ".join(cols)}) VALUES ({", ".join([mark] * len(cols))})'
                    for t, cols in TABLES.items()}
        self.number_at, self.key_at = TICKET_COLUMNS.index("number"), TICKET_COLUMNS.index("idempotency_key")

    def write(self, table: str, rows) -> None:
        """Insert rows (tuples in the generator's column order); tickets get their demo mark."""
        if table == "tickets":
            rows = [(*r[:self.key_at], KEY_PREFIX + r[self.number_at], *r[self.key_at + 1:]) for r in rows]
        if rows:
            self.conn.exec_driver_sql(self.sql[table], list(rows))

    def put(self, chunk) -> None:
        """The generator's loader interface: ``[(table, rows), …]``."""
        for table, rows in chunk:
            self.write(table, rows)


def _restart_sequences() -> None:
    """PostgreSQL: continue each id sequence after the rows written with explicit ids."""
    from hotline.demo.generator import BULK_TABLES

    if db.engine.dialect.name != "postgresql":
        return
    for table in ("matter_chains", *BULK_TABLES):
        db.session.execute(db.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                   f"GREATEST((SELECT max(id) FROM {table}), 1))"))


def _anchor_heads(now: datetime) -> None:
    """Checkpoint each loaded chain's head in the loading transaction, as the application does for the
    events it writes (one set-based statement), so ``hotline verify-events`` vouches for the past."""
    from hotline.tickets.models import HistoryCheckpoint

    statement = db.text(
        "INSERT INTO history_checkpoints (ticket_id, seq, hash, created_at) "
        "SELECT e.ticket_id, e.seq, e.hash, :now FROM events e "
        "WHERE e.seq = (SELECT max(x.seq) FROM events x WHERE x.ticket_id = e.ticket_id)"
    ).bindparams(db.bindparam("now", type_=HistoryCheckpoint.created_at.type))
    db.session.execute(statement, {"now": now})


def seed_history(now: datetime | None = None, tickets: int = TICKETS, days: int = DAYS, seed: int = SEED) -> int:
    """Load the demo's past (``tickets`` tickets over the ``days`` days before ``now``'s city date) once,
    into a database that has no tickets yet; returns how many history tickets there are (0 if none
    could be loaded because tickets were there first)."""
    from hotline.demo.generator import History
    from hotline.tickets.models import Ticket
    from hotline.worktime.models import Setting

    done = db.session.get(Setting, MARK)
    if done is not None:
        return int(done.value.get("tickets", 0))
    if db.session.scalar(select(func.count()).select_from(Ticket)):
        return 0
    today = (now or utcnow()).astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    end = today - timedelta(days=1)
    start = end - timedelta(days=days - 1)
    history = History(tickets, seed, start, end, db.engine.dialect.name, reference_ids())
    history.plan()
    writer = _SessionWriter()
    writer.write("matter_chains", history.chains())
    history.generate(writer)
    writer.write("ticket_counters", history.counter_rows())
    _anchor_heads(utcnow())
    _restart_sequences()
    db.session.add(Setting(key=MARK, value={"tickets": tickets, "seed": seed, "start": start.isoformat(),
                                            "end": end.isoformat(), "loaded_at": utcnow().isoformat()}))
    db.session.commit()
    return tickets


def loaded() -> dict | None:
    """The demo history's record (seed, size, dates) when one was loaded, else None."""
    from hotline.worktime.models import Setting

    row = db.session.get(Setting, MARK)
    return dict(row.value) if row is not None else None
