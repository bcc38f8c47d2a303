"""The audit's composite figures: average working times, the department ranking, volumes."""
from __future__ import annotations

import itertools
import math
import statistics
from dataclasses import dataclass, field

from sqlalchemy import func, select

from hotline.audit import measures
from hotline.audit.measures import Figure, Slice
from hotline.audit.periods import Period
from hotline.directory.models import Category, Department, District
from hotline.extensions import db
from hotline.tickets.models import Assignment, Ticket
from hotline.worktime.models import Setting

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
    now_figs, before_figs = _department_figures(period), _department_figures(previous)
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


def _department_figures(period: Period) -> dict[str, dict[int, Figure]]:
    from hotline.audit import rollups

    rollup = rollups.fresh(period)
    return rollup.by_department(SCORED) if rollup else measures.by_department_many(SCORED, period)


def dashboard_data(period: Period, s: Slice, keys, tz: str) -> dict:
    """Everything the dashboard shows for a month and slice: from the month's fresh rollup when
    there is one for the whole city, computed live otherwise (``computed_at`` tells which)."""
    from hotline.audit import rollups

    rollup = rollups.fresh(period) if s == Slice() else None
    if rollup is not None:
        return {"figures": rollup.figures(keys), "durations": rollup.durations(), "volume": rollup.volume(),
                "top_categories": rollup.top("top_categories", Category),
                "top_districts": rollup.top("top_districts", District), "computed_at": rollup.computed_at}
    return {"figures": measures.compute_many(keys, period, s), "durations": durations(period, s),
            "volume": volume_by_day(period, tz), "top_categories": top_categories(period),
            "top_districts": top_districts(period), "computed_at": None}


def department_data(period: Period, department_id: int, keys) -> dict:
    """A department's figures and working times beside the city's (assignment and callback measures)."""
    from hotline.audit import rollups

    rollup = rollups.fresh(period)
    if rollup is not None:
        return {"own": rollup.department_figures(keys, department_id), "city": rollup.figures(keys),
                "durations": rollup.durations(department_id), "city_durations": rollup.durations(),
                "computed_at": rollup.computed_at}
    own_slice = Slice(department_id=department_id)
    return {"own": measures.compute_many(keys, period, own_slice), "city": measures.compute_many(keys, period),
            "durations": durations(period, own_slice), "city_durations": durations(period), "computed_at": None}


def city_figures(period: Period, keys) -> dict[str, Figure]:
    """The city's figures of a month (from its fresh rollup when there is one)."""
    from hotline.audit import rollups

    rollup = rollups.fresh(period)
    return rollup.figures(keys) if rollup else measures.compute_many(keys, period)


@dataclass
class Durations:
    """Working minutes from dispatch to sign, first contact and submit: mean, p50, p90 and count."""

    stats: dict[str, dict[str, float | None]] = field(default_factory=dict)


MINUTES = {"sign": Assignment.sign_minutes, "contact": Assignment.contact_minutes,
           "submit": Assignment.submit_minutes}


def empty_stats() -> dict:
    """Statistics of no rows: every figure "—"."""
    return {key: {"n": 0, "mean": None, "p50": None, "p90": None} for key in MINUTES}


def _stats_sql(period: Period, s: Slice, grouped: bool) -> dict:
    """``{department_id or None: stats}`` of the stored working minutes, aggregated by the database.

    PostgreSQL computes the percentiles itself (``percentile_disc``); SQLite returns the sorted
    values. Both use the same nearest-rank definition (:func:`_pct`).
    """
    conds = [Assignment.dispatched_at >= period.start, Assignment.dispatched_at < period.end,
             Ticket.kind.in_(measures.COMPLAINT_KINDS), *measures.slice_conditions("assignment", s)]
    group = [Assignment.department_id] if grouped else []

    def scoped(q):
        return q.join(Ticket, Ticket.id == Assignment.ticket_id).where(*conds)

    out: dict = {}
    if db.engine.dialect.name == "postgresql":
        cols = []
        for col in MINUTES.values():
            cols += [func.count(col), func.avg(col), func.percentile_disc(0.5).within_group(col),
                     func.percentile_disc(0.9).within_group(col)]
        q = scoped(select(*group, *cols).select_from(Assignment))
        for row in db.session.execute(q.group_by(*group) if grouped else q):
            dept, values = (row[0], row[1:]) if grouped else (None, row)
            out[dept] = {key: {"n": values[4 * i], "mean": float(values[4 * i + 1])
                               if values[4 * i + 1] is not None else None,
                               "p50": values[4 * i + 2], "p90": values[4 * i + 3]}
                         for i, key in enumerate(MINUTES)}
        return out or ({} if grouped else {None: empty_stats()})
    for key, col in MINUTES.items():
        q = scoped(select(*group, col).select_from(Assignment)).where(col.isnot(None)).order_by(*group, col)
        rows = db.session.execute(q).all()
        for dept, values in itertools.groupby(rows, key=lambda r: r[0] if grouped else None):
            vals = [r[-1] for r in values]
            stats = out.setdefault(dept, empty_stats())
            stats[key] = {"n": len(vals), "mean": statistics.fmean(vals), "p50": _pct(vals, 0.5),
                          "p90": _pct(vals, 0.9)}
    return out or ({} if grouped else {None: empty_stats()})


def durations(period: Period, s: Slice = Slice()) -> Durations:
    """Average and percentile working times of assignments of complaint-kind tickets (no inquiry)
    dispatched in the period.

    The working minutes are stored on the assignment when it is signed, first contacted and
    submitted (``lifecycle.working_minutes``), so this is one aggregate over the month's rows.
    """
    return Durations(stats=_stats_sql(period, s, grouped=False).get(None) or empty_stats())


def durations_by_department(period: Period) -> dict[int, Durations]:
    """:func:`durations` for every department with assignments dispatched in the period."""
    return {d: Durations(stats=v) for d, v in _stats_sql(period, Slice(), grouped=True).items()}


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
    """The most frequent categories or districts of complaint-kind tickets (no inquiry) received in the period."""
    q = (select(model, func.count()).join(Ticket, column == model.id)
         .where(Ticket.received_at >= period.start, Ticket.received_at < period.end,
                Ticket.kind.in_(measures.COMPLAINT_KINDS))
         .group_by(model.id).order_by(func.count().desc()).limit(limit))
    return [(m, n) for m, n in db.session.execute(q)]


def top_categories(period: Period) -> list[tuple[Category, int]]:
    """Top categories."""
    return top(period, Ticket.category_id, Category)


def top_districts(period: Period) -> list[tuple[District, int]]:
    """Top counties and districts."""
    return top(period, Ticket.district_id, District)


def until_today(volume: list[tuple[str, int]], now, tz: str) -> list[tuple[str, int]]:
    """The per-day volume up to the city's today: the days still to come are not plotted as zeros."""
    from zoneinfo import ZoneInfo

    today = now.astimezone(ZoneInfo(tz)).date().isoformat()
    return [(day, n) for day, n in volume if day <= today]


def named(top_rows: list[tuple[object, int]], locale: str) -> list[tuple[str, int]]:
    """Top categories or districts as (name in ``locale``, count), for a chart's labels."""
    return [(row.name(locale), n) for row, n in top_rows]


DEMO_HISTORY_KEY = "demo_history"  # written by hotline.demo.history when the demo's past is loaded


def demo_history() -> dict | None:
    """The demo history's record (seed, size, first and last day) when this installation holds one."""
    row = db.session.get(Setting, DEMO_HISTORY_KEY)
    return dict(row.value) if row is not None else None
