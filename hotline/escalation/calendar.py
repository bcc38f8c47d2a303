"""The working calendar and clock as configured in the database (admin days, working hours)."""
from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context
from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.escalation.clock import WorkCalendar, WorkingClock, WorkingHours
from hotline.escalation.models import CalendarDay, Setting
from hotline.extensions import db

WORKING_HOURS_KEY = "working_hours"


def working_hours() -> WorkingHours:
    """The configured working hours (default 08:30–12:00, 14:30–18:00)."""
    row = db.session.get(Setting, WORKING_HOURS_KEY)
    tz = current_app.config["TIMEZONE"]
    if row is None:
        return WorkingHours(tz=tz)
    return WorkingHours(periods=WorkingHours.parse(row.value["periods"]).periods, tz=tz)


def work_calendar() -> WorkCalendar:
    """The official calendar with every admin-entered day applied over it."""
    overrides = {d: w for d, w in db.session.execute(select(CalendarDay.day, CalendarDay.is_workday))}
    return WorkCalendar(overrides=overrides)


def working_clock() -> WorkingClock:
    """The clock every deadline is computed on."""
    return WorkingClock(work_calendar(), working_hours())


def calendar_warning_years(now: datetime | None = None) -> list[int]:
    """Years without an official calendar that admins must enter now.

    The current year always counts; the next year counts from November, when the
    State Council publishes it. Until entered, the clock falls back to Monday–Friday.
    """
    now = now or utcnow()
    today: date = now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])).date()
    years = [today.year] + ([today.year + 1] if today.month >= 11 else [])
    return list(work_calendar().missing_years(years))


def request_clock() -> WorkingClock:
    """The working clock, once per request or job: the process's copy while the reference
    data's generation is unchanged (see :mod:`hotline.directory.reference`)."""
    if "working_clock" not in g:
        from hotline.directory.reference import snapshot

        g.working_clock = snapshot().clock
    return g.working_clock


def working_minutes_left(now: datetime, due: datetime | None) -> float:
    """Working minutes from ``now`` to ``due`` (negative once past)."""
    return request_clock().working_minutes_between(now, due) if due else 0.0


@sa_event.listens_for(Session, "after_commit")
def _forget_clock(session) -> None:
    """A commit may have changed the calendar or working hours: rebuild the clock next time."""
    if has_app_context():
        g.pop("working_clock", None)
