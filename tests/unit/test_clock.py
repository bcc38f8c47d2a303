"""Tests for the working-time clock (hotline.worktime.clock).

Calendar facts used below come from chinese_calendar 1.11.0: National Day 2026
is 10-01..10-07 off, Thursday 10-08 a working day, Saturday 10-10 a make-up
working day; Mid-autumn 09-25..27 off with make-up Sunday 09-20; Spring
Festival 02-15..23 off with make-up Saturdays 02-14 and 02-28.
"""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hotline.worktime import clock as clock_module
from hotline.worktime.clock import WorkCalendar, WorkingClock, WorkingHours

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC

OFFICIAL = WorkingClock(WorkCalendar())
# Admin overrides: Wednesday 2026-03-04 off, Saturday 2026-03-07 working.
OVERRIDDEN = WorkingClock(WorkCalendar({dt.date(2026, 3, 4): False, dt.date(2026, 3, 7): True}))
CLOCKS = {"official": OFFICIAL, "override": OVERRIDDEN}


def sh(*args: int) -> dt.datetime:
    """A Shanghai local instant."""
    return dt.datetime(*args, tzinfo=SH)


# (case, clock, start, working minutes, expected end)
TABLE = [
    ("weekday morning", "official", sh(2026, 3, 4, 9, 0), 60, sh(2026, 3, 4, 10, 0)),
    ("across lunch", "official", sh(2026, 3, 4, 11, 0), 120, sh(2026, 3, 4, 15, 30)),
    ("start during lunch", "official", sh(2026, 3, 4, 12, 30), 30, sh(2026, 3, 4, 15, 0)),
    ("start at night", "official", sh(2026, 3, 4, 22, 0), 30, sh(2026, 3, 5, 9, 0)),
    ("start before dawn", "official", sh(2026, 3, 5, 6, 0), 30, sh(2026, 3, 5, 9, 0)),
    ("ends exactly 18:00", "official", sh(2026, 3, 4, 17, 0), 60, sh(2026, 3, 4, 18, 0)),
    ("ends exactly 12:00", "official", sh(2026, 3, 4, 11, 0), 60, sh(2026, 3, 4, 12, 0)),
    ("friday into monday", "official", sh(2026, 3, 6, 17, 0), 120, sh(2026, 3, 9, 9, 30)),
    ("start on sunday", "official", sh(2026, 3, 8, 10, 0), 60, sh(2026, 3, 9, 9, 30)),
    ("5 working days", "official", sh(2026, 3, 2, 10, 0), 5 * 420, sh(2026, 3, 9, 10, 0)),
    ("15 working days", "official", sh(2026, 3, 2, 10, 0), 15 * 420, sh(2026, 3, 23, 10, 0)),
    ("into national day", "official", sh(2026, 9, 30, 17, 0), 120, sh(2026, 10, 8, 9, 30)),
    ("inside national day", "official", sh(2026, 10, 3, 10, 0), 60, sh(2026, 10, 8, 9, 30)),
    ("make-up saturday", "official", sh(2026, 10, 9, 17, 0), 120, sh(2026, 10, 10, 9, 30)),
    ("5 days over national day", "official", sh(2026, 9, 28, 10, 0), 5 * 420,
     sh(2026, 10, 10, 10, 0)),
    ("make-up sunday", "official", sh(2026, 9, 18, 17, 0), 120, sh(2026, 9, 20, 9, 30)),
    ("into mid-autumn", "official", sh(2026, 9, 24, 17, 0), 120, sh(2026, 9, 28, 9, 30)),
    ("spring festival eve", "official", sh(2026, 2, 13, 17, 0), 120, sh(2026, 2, 14, 9, 30)),
    ("over spring festival", "official", sh(2026, 2, 14, 17, 0), 120, sh(2026, 2, 24, 9, 30)),
    ("2027 new year is mon-fri", "official", sh(2027, 1, 1, 9, 0), 60, sh(2027, 1, 1, 10, 0)),
    ("2027 weekend fallback", "official", sh(2027, 1, 1, 17, 0), 120, sh(2027, 1, 4, 9, 30)),
    ("override day off", "override", sh(2026, 3, 3, 17, 0), 120, sh(2026, 3, 5, 9, 30)),
    ("override saturday", "override", sh(2026, 3, 6, 17, 0), 120, sh(2026, 3, 7, 9, 30)),
]


@pytest.mark.parametrize(("clock", "start", "minutes", "end"),
                         [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_add_working_minutes(clock: str, start: dt.datetime, minutes: int, end: dt.datetime):
    result = CLOCKS[clock].add_working_minutes(start, minutes)
    assert result == end
    assert result.tzinfo is UTC


@pytest.mark.parametrize(("clock", "start", "minutes", "end"),
                         [row[1:] for row in TABLE], ids=[row[0] for row in TABLE])
def test_working_minutes_between(clock: str, start: dt.datetime, minutes: int,
                                 end: dt.datetime):
    assert CLOCKS[clock].working_minutes_between(start, end) == minutes
    assert CLOCKS[clock].working_minutes_between(end, start) == -minutes


def test_holiday_week_has_no_working_time():
    assert OFFICIAL.working_minutes_between(sh(2026, 9, 30, 18, 0), sh(2026, 10, 8, 8, 30)) == 0
    assert OFFICIAL.working_minutes_between(sh(2026, 3, 4, 12, 0), sh(2026, 3, 4, 14, 30)) == 0


def test_calendar_follows_chinese_calendar_data():
    cal = WorkCalendar()
    assert not cal.is_workday(dt.date(2026, 10, 1))
    assert not cal.is_workday(dt.date(2026, 10, 7))
    assert cal.is_workday(dt.date(2026, 10, 10))  # Saturday, make-up day
    assert cal.is_workday(dt.date(2026, 9, 20))  # Sunday, make-up day
    assert not cal.is_workday(dt.date(2026, 2, 16))  # Spring Festival Monday
    assert cal.is_workday(dt.date(2027, 1, 1))  # no data: Friday counts
    assert not cal.is_workday(dt.date(2027, 1, 2))


def test_overrides_win_over_official_data():
    cal = WorkCalendar({dt.date(2026, 10, 1): True, dt.date(2026, 10, 10): False})
    assert cal.is_workday(dt.date(2026, 10, 1))
    assert not cal.is_workday(dt.date(2026, 10, 10))


def test_default_official_years_and_missing_years():
    assert clock_module.default_official_years() == range(2004, 2027)
    cal = WorkCalendar()
    assert cal.has_official_data(2026)
    assert not cal.has_official_data(2027)
    assert cal.missing_years(range(2025, 2029)) == [2027, 2028]
    entered = WorkCalendar({dt.date(2027, 1, 1): False})
    assert entered.has_official_data(2027)
    assert entered.missing_years(range(2025, 2029)) == [2028]


def test_explicit_official_years_limit_the_data():
    cal = WorkCalendar(official_years=range(2004, 2026))
    assert cal.missing_years([2025, 2026]) == [2026]
    assert not cal.is_workday(dt.date(2026, 10, 10))  # plain Saturday without the data


def test_is_workday_is_cached(monkeypatch: pytest.MonkeyPatch):
    calls = []
    real = chinese_calendar.is_workday
    monkeypatch.setattr(chinese_calendar, "is_workday", lambda d: calls.append(d) or real(d))
    cal = WorkCalendar()
    assert cal.is_workday(dt.date(2026, 10, 10)) and cal.is_workday(dt.date(2026, 10, 10))
    assert calls == [dt.date(2026, 10, 10)]


def test_zero_minutes_returns_start_unchanged_in_utc():
    night = sh(2026, 3, 4, 22, 0)
    result = OFFICIAL.add_working_minutes(night, 0)
    assert result == night and result.tzinfo is UTC


def test_utc_in_utc_out():
    # 08:00 Shanghai = 00:00 UTC; 30 minutes after 08:30 local = 01:00 UTC.
    result = OFFICIAL.add_working_minutes(dt.datetime(2026, 3, 4, 0, 0, tzinfo=UTC), 30)
    assert result == dt.datetime(2026, 3, 4, 1, 0, tzinfo=UTC)
    assert result.tzinfo is UTC
    assert OFFICIAL.next_working_instant(dt.datetime(2026, 3, 3, 16, 0, tzinfo=UTC)) == \
        dt.datetime(2026, 3, 4, 0, 30, tzinfo=UTC)


def test_other_input_time_zone():
    london = dt.datetime(2026, 3, 4, 2, 0, tzinfo=ZoneInfo("Europe/London"))  # 10:00 Shanghai
    assert OFFICIAL.add_working_minutes(london, 60) == sh(2026, 3, 4, 11, 0)


@pytest.mark.parametrize(("t", "expected"), [
    (sh(2026, 3, 4, 9, 0), sh(2026, 3, 4, 9, 0)),
    (sh(2026, 3, 4, 12, 0), sh(2026, 3, 4, 14, 30)),
    (sh(2026, 3, 4, 18, 0), sh(2026, 3, 5, 8, 30)),
    (sh(2026, 10, 1, 9, 0), sh(2026, 10, 8, 8, 30)),
])
def test_next_working_instant(t: dt.datetime, expected: dt.datetime):
    assert OFFICIAL.next_working_instant(t) == expected


def test_add_working_hours_and_days():
    assert OFFICIAL.add_working_hours(sh(2026, 3, 4, 9, 0), 4.5) == sh(2026, 3, 4, 16, 0)
    assert OFFICIAL.add_working_days(sh(2026, 3, 2, 10, 0), 5) == sh(2026, 3, 9, 10, 0)
    assert OFFICIAL.add_working_days(sh(2026, 3, 2, 10, 0), 0.5) == sh(2026, 3, 2, 16, 0)


@pytest.mark.parametrize("call", [
    lambda: OFFICIAL.add_working_minutes(dt.datetime(2026, 3, 4, 9, 0), 10),
    lambda: OFFICIAL.working_minutes_between(dt.datetime(2026, 3, 4, 9, 0), sh(2026, 3, 5)),
    lambda: OFFICIAL.next_working_instant(dt.datetime(2026, 3, 4, 9, 0)),
    lambda: OFFICIAL.add_working_minutes(sh(2026, 3, 4, 9, 0), -1),
], ids=["naive add", "naive between", "naive next", "negative minutes"])
def test_invalid_arguments_raise(call):
    with pytest.raises(ValueError):
        call()


def test_search_is_bounded():
    class NeverWorks(WorkCalendar):
        def is_workday(self, day: dt.date) -> bool:
            return False

    with pytest.raises(ValueError, match="no working day"):
        WorkingClock(NeverWorks()).add_working_minutes(sh(2026, 3, 4, 9, 0), 1)


def test_working_hours_parse_format_and_validation():
    hours = WorkingHours()
    assert hours.minutes_per_day == 420
    assert hours.format() == "08:30-12:00,14:30-18:00"
    assert WorkingHours.parse(" 08:30-12:00 , 14:30-18:00") == hours
    assert WorkingHours.parse("09:00-17:00").minutes_per_day == 480
    for bad in ["", "08:30", "12:00-08:30", "08:00-12:00,11:00-13:00", "14:00-18:00,08:00-12:00",
                "8h-12h"]:
        with pytest.raises(ValueError):
            WorkingHours.parse(bad)
    with pytest.raises(ValueError):
        WorkingHours(periods=())
    with pytest.raises(ValueError):
        WorkingHours(tz="Mars/Olympus")


def test_custom_hours():
    clock = WorkingClock(WorkCalendar(), WorkingHours.parse("09:00-17:00"))
    assert clock.add_working_days(sh(2026, 3, 6, 16, 0), 1) == sh(2026, 3, 9, 16, 0)
    assert clock.add_working_minutes(sh(2026, 3, 6, 8, 0), 480) == sh(2026, 3, 6, 17, 0)


@settings(max_examples=200, deadline=None, database=None)
@given(
    t=st.datetimes(min_value=dt.datetime(2025, 1, 1), max_value=dt.datetime(2027, 12, 31),
                   timezones=st.sampled_from([SH, UTC])),
    d1=st.integers(0, 20000),
    d2=st.integers(0, 20000),
)
def test_property_add_then_between_round_trips_and_is_monotonic(t, d1, d2):
    end1 = OFFICIAL.add_working_minutes(t, d1)
    assert OFFICIAL.working_minutes_between(t, end1) == pytest.approx(d1, abs=1e-6)
    end2 = OFFICIAL.add_working_minutes(t, d2)
    assert (end1 < end2) == (d1 < d2)
    assert (end1 == end2) == (d1 == d2)
    assert end1 >= t
