"""The working-time clock: official working days plus daily working hours.

Pure module: no Flask, no database and no reading of the system clock.
Instants are timezone-aware datetimes; any time zone is accepted and every
returned instant is in UTC. Naive datetimes raise ``ValueError``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import chinese_calendar

UTC = dt.UTC
Period = tuple[dt.time, dt.time]
_MAX_IDLE_DAYS = 3 * 366  # give up if no working day is found within ~3 years
_PROBE_YEARS = range(1990, 2101)


def as_utc(instant: dt.datetime) -> dt.datetime:
    """Return ``instant`` converted to UTC; raise ``ValueError`` if it is naive."""
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"naive datetime not allowed: {instant!r}")
    return instant.astimezone(UTC)


@functools.cache
def default_official_years() -> range:
    """Years for which the bundled ``chinese_calendar`` data is available."""
    known = []
    for year in _PROBE_YEARS:
        try:
            chinese_calendar.is_workday(dt.date(year, 6, 1))
        except NotImplementedError:
            continue
        known.append(year)
    return range(min(known), max(known) + 1) if known else range(0)


@dataclass(frozen=True)
class WorkingHours:
    """Daily working periods (local wall-clock times) in the time zone ``tz``."""

    periods: tuple[Period, ...] = (
        (dt.time(8, 30), dt.time(12, 0)),
        (dt.time(14, 30), dt.time(18, 0)),
    )
    tz: str = "Asia/Shanghai"

    def __post_init__(self) -> None:
        if not self.periods:
            raise ValueError("working hours need at least one period")
        previous_end: dt.time | None = None
        for start, end in self.periods:
            if start.tzinfo is not None or end.tzinfo is not None:
                raise ValueError("period times must be naive wall-clock times")
            if not start < end:
                raise ValueError(f"empty or inverted period {start}-{end}")
            if previous_end is not None and start < previous_end:
                raise ValueError("periods must be ordered and non-overlapping")
            previous_end = end
        try:
            ZoneInfo(self.tz)
        except (KeyError, ValueError) as exc:
            raise ValueError(f"unknown time zone {self.tz!r}") from exc

    @property
    def zone(self) -> ZoneInfo:
        """The ``ZoneInfo`` of ``tz``."""
        return ZoneInfo(self.tz)

    @property
    def minutes_per_day(self) -> float:
        """Working minutes in one full working day (420 for the defaults)."""
        day = dt.date(2000, 1, 1)
        total = sum((dt.datetime.combine(day, end) - dt.datetime.combine(day, start)
                     for start, end in self.periods), dt.timedelta())
        return total / dt.timedelta(minutes=1)

    @classmethod
    def parse(cls, text: str, tz: str = "Asia/Shanghai") -> WorkingHours:
        """Parse ``"08:30-12:00,14:30-18:00"`` (the inverse of :meth:`format`)."""
        periods = []
        for chunk in text.split(","):
            try:
                start, end = chunk.strip().split("-")
                periods.append((dt.time.fromisoformat(start.strip()),
                                dt.time.fromisoformat(end.strip())))
            except ValueError as exc:
                raise ValueError(f"bad working-hours period {chunk!r}") from exc
        return cls(tuple(periods), tz)

    def format(self) -> str:
        """Render the periods as ``"08:30-12:00,14:30-18:00"``."""
        return ",".join(f"{s:%H:%M}-{e:%H:%M}" for s, e in self.periods)


class WorkCalendar:
    """Which dates are working days.

    Precedence: admin ``overrides`` (True = working day, False = day off),
    then the official calendar (holidays and make-up working days 调休) for
    ``official_years``, then a Monday–Friday fallback.

    ``known_years`` are years an administrator marked complete: they count as
    covered even where no override falls in them. Which overrides to apply is
    the caller's choice (the database loader passes only the days of bundled or
    complete years, so a year still being entered keeps the fallback).
    """

    def __init__(self, overrides: Mapping[dt.date, bool] | None = None,
                 official_years: range | None = None, known_years: Iterable[int] = ()) -> None:
        self._overrides = dict(overrides or {})
        if official_years is None:
            official_years = default_official_years()
        self._official = official_years
        self._known = frozenset(known_years)
        self._cache: dict[dt.date, bool] = {}

    def is_workday(self, day: dt.date) -> bool:
        """True if ``day`` is a working day (results are cached per day)."""
        cached = self._cache.get(day)
        if cached is None:
            cached = self._cache[day] = self._compute(day)
        return cached

    def _compute(self, day: dt.date) -> bool:
        if day in self._overrides:
            return bool(self._overrides[day])
        if day.year in self._official:
            try:
                return chinese_calendar.is_workday(day)
            except NotImplementedError:
                pass
        return day.weekday() < 5

    def has_official_data(self, year: int) -> bool:
        """True if the official calendar, a complete mark or an admin override covers ``year``."""
        return year in self._official or year in self._known or any(d.year == year for d in self._overrides)

    def missing_years(self, years: Iterable[int]) -> list[int]:
        """The years among ``years`` that fall back to Monday–Friday."""
        return [y for y in years if not self.has_official_data(y)]


class WorkingClock:
    """Arithmetic on working time: a :class:`WorkCalendar` plus :class:`WorkingHours`.

    Working periods are half-open ``[start, end)`` in local time; all
    durations are measured on real (UTC) time, so the code is DST-safe.
    """

    def __init__(self, calendar: WorkCalendar, hours: WorkingHours | None = None) -> None:
        self.calendar = calendar
        self.hours = hours or WorkingHours()

    def _intervals_from(self, instant: dt.datetime) -> Iterator[tuple[dt.datetime, dt.datetime]]:
        """Yield UTC working intervals from the local day of ``instant`` onward."""
        zone = self.hours.zone
        day = instant.astimezone(zone).date()
        idle = 0
        while True:
            if self.calendar.is_workday(day):
                idle = 0
                for start, end in self.hours.periods:
                    yield (dt.datetime.combine(day, start, zone).astimezone(UTC),
                           dt.datetime.combine(day, end, zone).astimezone(UTC))
            else:
                idle += 1
                if idle > _MAX_IDLE_DAYS:
                    raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days of {day}")
            day += dt.timedelta(days=1)

    def next_working_instant(self, t: dt.datetime) -> dt.datetime:
        """``t`` (in UTC) if inside working hours, else the next period start."""
        t = as_utc(t)
        for start, end in self._intervals_from(t):
            if end > t:
                return max(start, t)
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_minutes(self, start: dt.datetime, minutes: float) -> dt.datetime:
        """The instant when ``minutes`` working minutes have elapsed from ``start``.

        Counting begins at the next working instant; a result exactly at the
        end of a period stays there (18:00, not the next morning). Zero
        returns ``start`` unchanged (in UTC); negative raises ``ValueError``.
        """
        start = as_utc(start)
        if minutes < 0:
            raise ValueError("minutes must not be negative")
        remaining = dt.timedelta(minutes=minutes)
        if not remaining:
            return start
        for period_start, period_end in self._intervals_from(start):
            if period_end <= start:
                continue
            begin = max(period_start, start)
            available = period_end - begin
            if remaining <= available:
                return begin + remaining
            remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def add_working_hours(self, start: dt.datetime, hours: float) -> dt.datetime:
        """``add_working_minutes(start, hours * 60)``."""
        return self.add_working_minutes(start, hours * 60)

    def add_working_days(self, start: dt.datetime, days: float) -> dt.datetime:
        """Add ``days`` working days, a working day being one full day of hours.

        Defined as ``add_working_minutes(start, days * hours.minutes_per_day)``:
        5 working days from Monday 10:00 end next Monday 10:00 when no
        holiday interferes.
        """
        return self.add_working_minutes(start, days * self.hours.minutes_per_day)

    def working_minutes_between(self, a: dt.datetime, b: dt.datetime) -> float:
        """Working minutes from ``a`` to ``b`` (negative if ``b`` is before ``a``)."""
        a, b = as_utc(a), as_utc(b)
        if b < a:
            return -self.working_minutes_between(b, a)
        total = dt.timedelta()
        for start, end in self._intervals_from(a):
            if start >= b:
                break
            overlap = min(end, b) - max(start, a)
            if overlap > dt.timedelta():
                total += overlap
        return total / dt.timedelta(minutes=1)
