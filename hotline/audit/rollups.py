"""Closed months' figures, precomputed by a job and kept correct after late events.

A month is rolled up once it is **closed** (it ended) and **settled**: no assignment dispatched
in it still waits for a sign-for or contact limit that has not passed, so none of its figures
changes any more with the passing of time — only with a late event (a callback, a reopen, a
late submission, a return, an approved extension …). Every such change is logged in
``audit_changes`` by a ``before_flush`` hook in the same transaction as the change, naming the
earliest month it can touch (a ticket's received month, an assignment's dispatch month, a
callback's month); a rollup of that month or any later one is **stale** while such a row exists,
and the dashboard then computes the month live. The job (:func:`refresh`) reads the change rows,
recomputes every rolled-up month they touch, and deletes exactly the rows it read — a change it
did not see (committed while it ran) stays, so the month stays stale until the next run.
A rollup records the :data:`DEFINITION` it was computed with; one of other definitions (computed
before a measure changed) is never served and is recomputed by the next run.
See docs/MEASURES.md, "What is precomputed".
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app, has_app_context
from sqlalchemy import and_, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hotline import txcache
from hotline.audit import measures
from hotline.audit.measures import Figure
from hotline.audit.models import AuditChange, AuditRollup
from hotline.audit.periods import Period
from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets.models import Assignment, Callback, Extension, Ticket
from hotline.tickets.states import AssignmentState

MARKED = txcache.LATE_MONTH_LOGGED
#: The definitions of the measures a rollup is computed with. Bump it whenever a measure's base or
#: hit, a duration or the layout of ``compute``'s data changes. 1: before inquiries were taken out of
#: the complaint measures; 2: inquiries apart (in no complaint measure, their own table); 3: parts
#: withdrawn by the lead's return (joint handling) are left out like returned ones.
DEFINITION = 3
LAST_HOUR = timedelta(hours=1)
ALL_KEYS = tuple(measures.MEASURES)
DEPARTMENT_KEYS = tuple(k for k, m in measures.MEASURES.items() if m.entity != "ticket")


def _tz() -> str:
    return current_app.config["TIMEZONE"] if has_app_context() else "Asia/Shanghai"


def _instant(session: Session, obj) -> datetime | None:
    """The earliest instant whose month a change to ``obj`` can touch (None: not a measured row)."""
    if isinstance(obj, Ticket):
        return obj.received_at
    if isinstance(obj, Assignment):
        return obj.dispatched_at
    if isinstance(obj, Callback):
        return obj.at
    if isinstance(obj, Extension) and obj.assignment_id is not None:
        with session.no_autoflush:
            a = session.get(Assignment, obj.assignment_id)
        return a.dispatched_at if a is not None else None
    return None


def log_late_changes(session: Session, _context, _instances) -> None:
    """Log a change to a row of a closed month, in the transaction that makes it."""
    earliest = None
    for obj in itertools.chain(session.new, session.dirty, session.deleted):
        if obj in session.dirty and not session.is_modified(obj):
            continue
        instant = _instant(session, obj)
        if instant is not None and (earliest is None or instant < earliest):
            earliest = instant
    if earliest is None:
        return
    tz = _tz()
    now = utcnow()
    current = Period.containing(now, tz)
    if earliest >= current.start and current.end - now > LAST_HOUR:
        # the current month is never rolled up (in its last hour, log anyway: the commit may come after midnight)
        return
    month = Period.containing(earliest, tz).label
    marked = session.info.get(MARKED)
    if marked is not None and marked <= month:
        return  # this transaction already logged this month or an earlier one
    session.info[MARKED] = month
    session.add(AuditChange(month=month))


def settled(period: Period, now: datetime) -> bool:
    """Whether the month's figures no longer depend on ``now`` (it ended and no limit is pending)."""
    if now < period.end:
        return False
    pending = select(Assignment.id).where(
        Assignment.dispatched_at >= period.start, Assignment.dispatched_at < period.end,
        Assignment.status.notin_((AssignmentState.returned, AssignmentState.withdrawn)),
        or_(and_(Assignment.signed_at.is_(None), Assignment.sign_due_at > now),
            and_(Assignment.first_contact_at.is_(None), Assignment.contact_due_at > now))).limit(1)
    return db.session.scalar(pending) is None


def compute(period: Period, now: datetime) -> dict:
    """Every figure the dashboard, the department view and the ranking read, as plain JSON."""
    from hotline.audit import report

    tz = _tz()
    figures = measures.compute_many(ALL_KEYS, period, as_of=now)
    departments = measures.by_department_many(DEPARTMENT_KEYS, period, as_of=now)
    return {
        "as_of": now.isoformat(),
        "figures": {k: [f.hits, f.base] for k, f in figures.items()},
        "departments": {k: {str(d): [f.hits, f.base] for d, f in by.items()} for k, by in departments.items()},
        "durations": report.durations(period).stats,
        "department_durations": {str(d): v.stats for d, v in report.durations_by_department(period).items()},
        "volume": report.volume_by_day(period, tz),
        "top_categories": [[c.id, n] for c, n in report.top_categories(period)],
        "top_districts": [[d.id, n] for d, n in report.top_districts(period)],
    }


@dataclass
class Rollup:
    """A fresh rollup of one month, read as the live functions' return values."""

    row: AuditRollup

    @property
    def computed_at(self) -> datetime:
        """When the figures were computed (nothing that could change them happened since)."""
        return self.row.computed_at

    def figures(self, keys) -> dict[str, Figure]:
        """The city's figures."""
        return {k: Figure(*self.row.data["figures"][k]) for k in keys}

    def department_figures(self, keys, department_id: int) -> dict[str, Figure]:
        """One department's figures (assignment and callback measures)."""
        deps = self.row.data["departments"]
        return {k: Figure(*deps[k].get(str(department_id), (0, 0))) for k in keys}

    def by_department(self, keys) -> dict[str, dict[int, Figure]]:
        """Every department's figures, as :func:`measures.by_department_many`."""
        deps = self.row.data["departments"]
        return {k: {int(d): Figure(*v) for d, v in deps[k].items()} for k in keys}

    def durations(self, department_id: int | None = None):
        """The working-time statistics of the city or of one department."""
        from hotline.audit.report import Durations, empty_stats

        if department_id is None:
            return Durations(stats=self.row.data["durations"])
        return Durations(stats=self.row.data["department_durations"].get(str(department_id)) or empty_stats())

    def volume(self) -> list[tuple[str, int]]:
        """Tickets received per day."""
        return [(d, n) for d, n in self.row.data["volume"]]

    def top(self, name: str, model) -> list[tuple[object, int]]:
        """Top categories or districts, with their current names."""
        pairs = self.row.data[name]
        rows = {m.id: m for m in db.session.scalars(select(model).where(model.id.in_([i for i, _ in pairs])))}
        return [(rows[i], n) for i, n in pairs if i in rows]


def fresh(period: Period) -> Rollup | None:
    """The month's rollup if it exists and no late change has touched it since (the whole city and
    every department; other slices are always computed live). A rollup computed with other
    definitions of the measures (:data:`DEFINITION`) is not served."""
    row = db.session.get(AuditRollup, period.label)
    if row is None or row.definition != DEFINITION:
        return None
    stale = db.session.scalar(select(AuditChange.id).where(AuditChange.month <= period.label).limit(1))
    return None if stale is not None else Rollup(row)


def _months(first: datetime, now: datetime, tz: str) -> list[Period]:
    """Every closed month from the one containing ``first`` to the one before ``now``'s."""
    out, period, current = [], Period.containing(first, tz), Period.containing(now, tz)
    while period.start < current.start:
        out.append(period)
        period = Period.containing(period.end, tz)
    return out


def refresh(now: datetime | None = None) -> list[str]:
    """Roll up every closed, settled month that has no rollup, a stale one or one computed with other
    definitions of the measures; returns the months done.

    Safe when two runs overlap (the cron job and ``hotline audit-rollups``, two workers): a month is
    saved only over the version this run read, so an older computation never replaces a newer one;
    a month this run could not save keeps its change rows, so it stays live until the next run.
    """
    now = now or utcnow()
    tz = _tz()
    existing, outdated = {}, set()
    for month, version, definition in db.session.execute(
            select(AuditRollup.month, AuditRollup.version, AuditRollup.definition)):
        existing[month] = version
        if definition != DEFINITION:
            outdated.add(month)
    changes = db.session.execute(select(AuditChange.id, AuditChange.month)).all()
    first = db.session.scalar(select(func.min(Ticket.received_at)))
    db.session.rollback()
    if first is None:
        return []
    earliest_change = min((m for _, m in changes), default=None)
    done: list[str] = []
    for period in _months(first, now, tz):
        touched = earliest_change is not None and period.label >= earliest_change
        if period.label in existing and not touched and period.label not in outdated:
            continue
        if not settled(period, now):
            continue
        started = time.perf_counter()
        data = compute(period, now)
        if _save(period.label, existing.get(period.label), data, now, round(time.perf_counter() - started, 3)):
            done.append(period.label)
    rolled = set(existing) | set(done)
    # A change row is handled when every rolled-up month it touches was recomputed in this run.
    handled = [cid for cid, month in changes if all(m in done for m in rolled if m >= month)]
    for i in range(0, len(handled), 1000):
        db.session.execute(delete(AuditChange).where(AuditChange.id.in_(handled[i:i + 1000])))
    db.session.commit()
    return done


def _save(month: str, version: int | None, data: dict, now: datetime, seconds: float) -> bool:
    """Store a month's rollup over ``version`` (None: there was none); False if another run got there first."""
    if version is None:
        try:
            db.session.execute(insert(AuditRollup).values(month=month, computed_at=now, data=data, seconds=seconds,
                                                          version=1, definition=DEFINITION))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            return False
        return True
    saved = db.session.execute(update(AuditRollup).where(AuditRollup.month == month, AuditRollup.version == version)
                               .values(computed_at=now, data=data, seconds=seconds, version=version + 1,
                                       definition=DEFINITION))
    if saved.rowcount != 1:
        db.session.rollback()
        return False
    db.session.commit()
    return True
