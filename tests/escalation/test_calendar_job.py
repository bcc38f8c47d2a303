"""The periodic calendar-coverage job, run by a real RQ worker on a real Redis."""
from __future__ import annotations

from datetime import UTC, date, datetime

import time_machine
from rq import SimpleWorker
from sqlalchemy import func, select

from hotline.escalation.jobs import check_calendar_coverage
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.queue import get_queue, get_redis
from hotline.worktime.calendar import calendar_warning_years
from hotline.worktime.models import CalendarDay, CalendarYear


def _notifications():
    return db.session.scalar(select(func.count()).select_from(Notification))


@time_machine.travel(datetime(2026, 11, 28, 2, 0, tzinfo=UTC), tick=False)
def test_admins_are_warned_once_about_next_years_missing_calendar(app, make_user, client, login):
    admin = make_user("admin")
    make_user("operator")
    queue = get_queue("default")
    queue.enqueue(check_calendar_coverage)
    queue.enqueue(check_calendar_coverage)  # a second run (retry, racing sweep) sends nothing
    SimpleWorker([queue], connection=get_redis()).work(burst=True)
    assert _notifications() == 1
    login(admin.username)
    page = client.get("/notifications").get_data(as_text=True)
    assert "2027" in page
    home = client.get("/").get_data(as_text=True)
    assert "2027" in home  # the admin's home page warns too


@time_machine.travel(datetime(2026, 11, 28, 2, 0, tzinfo=UTC), tick=False)
def test_entered_days_keep_the_warning_until_the_year_is_marked_complete(app, make_user):
    make_user("admin")
    db.session.add(CalendarDay(day=date(2027, 1, 1), is_workday=False, note="元旦"))
    db.session.commit()
    assert calendar_warning_years() == [2027]  # one day entered is not yet the year's calendar
    db.session.add(CalendarYear(year=2027, complete=True))
    db.session.commit()
    assert check_calendar_coverage() == []
    assert _notifications() == 0


@time_machine.travel(datetime(2026, 6, 1, 2, 0, tzinfo=UTC), tick=False)
def test_no_warning_before_november(app, make_user):
    make_user("admin")
    assert check_calendar_coverage() == []
