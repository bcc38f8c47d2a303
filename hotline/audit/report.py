"""The audit's composite figures: average working times, the department ranking, volumes."""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field

from sqlalchemy import func, select

from hotline.audit import measures
from hotline.audit.measures import Figure, Slice
from hotline.audit.periods import Period
from hotline.directory.models import Category, Department, District
from hotline.escalation.models import Setting
from hotline.extensions import db
from hotline.tickets.models import Assignment, Kind, Ticket

DEFAULT_WEIGHTS = {"response": 0.2, "resolution": 0.4, "satisfaction": 0.4}
WEIGHTS_KEY = "score_weights"
SCORED = tuple(DEFAULT_WEIGHTS)


def weights() -> dict[str, float]:
    """The ranking weights (response 20 %, resolution 40 %, satisfaction 40 % unless configured)."""
    row = db.session.get(Setting, WEIGHTS_KEY)
    return {**DEFAULT_WEIGHTS, **(row.value if row else {})}


def set_weights(values: dict[str, float]) -> None:
    """Store ranking weights; they must be non-negative and sum to 1."""
    if set(values) != set(SCORED) or any(v < 0 for v in values.values()) or abs(sum(values.values()) - 1) > 1e-6:
        raise ValueError("weights must be response, resolution, satisfaction, non-negative, summing to 1")
    row = db.session.get(Setting, WEIGHTS_KEY) or Setting(key=WEIGHTS_KEY, value={})
    row.value = dict(values)
    db.session.add(row)
    db.session.commit()


def score(figures: dict[str, Figure], w: dict[str, float]) -> float | None:
    """Weighted score in points (0–100) over the measures that have a base; None if none has."""
    parts = [(w[k], figures[k].rate) for k in SCORED if figures[k].rate is not None]
    total = sum(weight for weight, _ in parts)
    return 100 * sum(weight * rate for weight, rate in parts) / total if total else None


@dataclass
class RankRow:
    """One department's figures, score and change against the previous period."""

    department: Department
    figures: dict[str, Figure]
    score: float | None
    previous: float | None = None
    rank: int | None = None

    @property
    def change(self) -> float | None:
        """Score points gained (+) or lost (−) since the previous period."""
        return None if self.score is None or self.previous is None else self.score - self.previous


def ranking(period: Period, previous: Period) -> list[RankRow]:
    """Departments ranked by weighted score (departments with no figures at all are left out)."""
    w = weights()
    now_figs = measures.by_department_many(SCORED, period)
    before_figs = measures.by_department_many(SCORED, previous)
    ids = set().union(*(f.keys() for f in now_figs.values()))
    depts = {d.id: d for d in db.session.scalars(select(Department).where(Department.id.in_(ids)))} if ids else {}
    empty = Figure(0, 0)
    rows = []
    for dept_id, dept in depts.items():
        figs = {k: now_figs[k].get(dept_id, empty) for k in SCORED}
        prev = {k: before_figs[k].get(dept_id, empty) for k in SCORED}
        rows.append(RankRow(dept, figs, score(figs, w), score(prev, w)))
    rows.sort(key=lambda r: (r.score is None, -(r.score or 0), r.department.name_zh))
    for i, row in enumerate(r for r in rows if r.score is not None):
        row.rank = i + 1
    return rows


@dataclass
class Durations:
    """Working minutes from dispatch to sign, first contact and submit: mean, p50, p90 and count."""

    stats: dict[str, dict[str, float | None]] = field(default_factory=dict)


MINUTES = {"sign": Assignment.sign_minutes, "contact": Assignment.contact_minutes,
           "submit": Assignment.submit_minutes}


def durations(period: Period, s: Slice = Slice()) -> Durations:
    """Average and percentile working times of assignments dispatched in the period.

    The working minutes are stored on the assignment when it is signed, first contacted and
    submitted (``lifecycle.working_minutes``), so this is one aggregate over the month's rows:
    PostgreSQL computes the percentiles itself (``percentile_disc``), SQLite returns the sorted
    values. Both use the same nearest-rank definition (:func:`_pct`).
    """
    conds = [Assignment.dispatched_at >= period.start, Assignment.dispatched_at < period.end,
             *measures.slice_conditions("assignment", s)]

    def scoped(q):
        if measures._ticket_columns("assignment", s):
            q = q.join(Ticket, Ticket.id == Assignment.ticket_id)
        return q.where(*conds)

    out = Durations()
    if db.engine.dialect.name == "postgresql":
        cols = []
        for col in MINUTES.values():
            cols += [func.count(col), func.avg(col), func.percentile_disc(0.5).within_group(col),
                     func.percentile_disc(0.9).within_group(col)]
        row = db.session.execute(scoped(select(*cols).select_from(Assignment))).one()
        for i, key in enumerate(MINUTES):
            n, mean, p50, p90 = row[4 * i:4 * i + 4]
            out.stats[key] = {"n": n, "mean": float(mean) if mean is not None else None,
                              "p50": p50, "p90": p90}
        return out
    for key, col in MINUTES.items():
        vals = list(db.session.scalars(scoped(select(col).select_from(Assignment)).where(col.isnot(None))
                                       .order_by(col)))
        out.stats[key] = {"n": len(vals), "mean": statistics.fmean(vals) if vals else None,
                          "p50": _pct(vals, 0.5), "p90": _pct(vals, 0.9)}
    return out


def _pct(sorted_values: list[float], q: float) -> float | None:
    """Nearest rank, as PostgreSQL's ``percentile_disc``: the first value whose cumulative share ≥ q."""
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return sorted_values[index]


def _local_day(column, tz: str):
    """The city-local calendar day of an instant column, computed by the database."""
    if db.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone(tz, column), "YYYY-MM-DD")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    offset = datetime.now(ZoneInfo(tz)).utcoffset().total_seconds() / 3600  # no DST in Asia/Shanghai
    return func.date(column, f"{offset:+.0f} hours")


def volume_by_day(period: Period, tz: str) -> list[tuple[str, int]]:
    """Tickets received per city-local day of the period (complaints and inquiries together)."""
    day = _local_day(Ticket.received_at, tz).label("day")
    rows = db.session.execute(select(day, func.count()).where(
        Ticket.received_at >= period.start, Ticket.received_at < period.end).group_by("day"))
    counts = {d.isoformat(): 0 for d in period.days(tz)}
    for d, n in rows:
        if d in counts:
            counts[d] = n
    return list(counts.items())


def top(period: Period, column, model, limit: int = 8) -> list[tuple[object, int]]:
    """The most frequent categories or districts of complaints received in the period."""
    q = (select(model, func.count()).join(Ticket, column == model.id)
         .where(Ticket.received_at >= period.start, Ticket.received_at < period.end, Ticket.kind != Kind.INQUIRY)
         .group_by(model.id).order_by(func.count().desc()).limit(limit))
    return [(m, n) for m, n in db.session.execute(q)]


def top_categories(period: Period) -> list[tuple[Category, int]]:
    """Top categories."""
    return top(period, Ticket.category_id, Category)


def top_districts(period: Period) -> list[tuple[District, int]]:
    """Top counties and districts."""
    return top(period, Ticket.district_id, District)
