"""The city's clock for requests: everything a user types or reads is in the hotline's timezone
(``TIMEZONE``, Asia/Shanghai by default); everything stored is an aware UTC instant.

One place for the conversions the views and the API need, so no module builds its own zone."""
from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from flask import current_app

END_OF_WORKING_DAY = time(18, 0)  # a deadline given as a date means the end of that working day


def zone() -> ZoneInfo:
    """The hotline's timezone."""
    return ZoneInfo(current_app.config["TIMEZONE"])


def local(dt: datetime | None) -> datetime | None:
    """An aware instant as the city's wall clock shows it."""
    return None if dt is None else dt.astimezone(zone())


def today(now: datetime) -> date:
    """The city's date at the aware instant ``now``."""
    return now.astimezone(zone()).date()


def typed(value: datetime | date, *, end_of_day: bool = False) -> datetime:
    """What a user typed in a form — a naive date-time read on the city's clock, or a date (its
    start, or with ``end_of_day`` the end of its working day) — as an aware instant."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone()) if value.tzinfo is None else value
    return datetime.combine(value, END_OF_WORKING_DAY if end_of_day else time(0, 0), zone())


def form_default(now: datetime) -> datetime:
    """``now`` for a form's date-time field: the city's wall clock, to the minute, naive."""
    return local(now).replace(tzinfo=None, second=0, microsecond=0)
