"""The working calendar and clock as configured in the database (admin days, working hours)."""
from __future__ import annotations

from datetime import date, datetime

from flask import current_app
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from hotline import citytime
from hotline.db import utcnow
from hotline.extensions import db
from hotline.worktime.clock import WorkCalendar, WorkingClock, WorkingHours, default_official_years
from hotline.worktime.models import CalendarDay, CalendarYear, Setting

WORKING_HOURS_KEY = "working_hours"


def working_hours() -> WorkingHours:
    """The configured working hours (default 08:30–12:00, 14:30–18:00)."""
    row = db.session.get(Setting, WORKING_HOURS_KEY)
    tz = current_app.config["TIMEZONE"]
    if row is None:
        return WorkingHours(tz=tz)
    return WorkingHours(periods=WorkingHours.parse(row.value["periods"]).periods, tz=tz)


def complete_years() -> set[int] | None:
    """The years an administrator marked complete.

    None on a database older than the marks (an earlier migration that runs the clock): there,
    as before the marks existed, every year with an entered day counts as complete.
    """
    if not sa_inspect(db.session.connection()).has_table(CalendarYear.__tablename__):
        return None
    return set(db.session.scalars(select(CalendarYear.year).where(CalendarYear.complete)))


def year_is_known(year: int) -> bool:
    """Whether ``year``'s calendar applies: bundled official data, or marked complete by an admin.

    The days entered for any other year are a draft: the clock keeps Monday–Friday there.
    """
    return year in default_official_years() or year in (complete_years() or ())


def work_calendar() -> WorkCalendar:
    """The official calendar with the admin-entered days of known years applied over it.

    Days entered for a year that is neither bundled nor marked complete are left out:
    that year falls back to Monday–Friday until an admin marks it complete.
    """
    complete = complete_years()
    official = default_official_years()
    days = db.session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all()
    if complete is None:
        return WorkCalendar(overrides=dict(days), official_years=official)
    overrides = {d: w for d, w in days if d.year in official or d.year in complete}
    return WorkCalendar(overrides=overrides, official_years=official, known_years=complete)


def working_clock() -> WorkingClock:
    """The clock every deadline is computed on."""
    return WorkingClock(work_calendar(), working_hours())


def calendar_warning_years(now: datetime | None = None) -> list[int]:
    """Years without an official calendar that admins must enter now.

    The current year always counts; the next year counts from November, when the
    State Council publishes it. Until entered, the clock falls back to Monday–Friday.
    """
    now = now or utcnow()
    today: date = citytime.today(now)
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return list(work_calendar().missing_years(years))


