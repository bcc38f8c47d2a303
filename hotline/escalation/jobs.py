"""Background jobs of the escalation package."""
from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.auth.models import User, UserRole
from hotline.escalation.calendar import calendar_warning_years
from hotline.escalation.models import EscalationStep
from hotline.extensions import db
from hotline.jobs import job
from hotline.notifications.services import notify_users

log = logging.getLogger(__name__)


@job
def check_calendar_coverage() -> list[int]:
    """Warn admins, once per year, when the working calendar of a year is missing.

    Safe to run any number of times: the warning is recorded as an escalation
    step under a unique key, so a second run (or a racing worker) sends nothing.
    """
    warned = []
    for year in calendar_warning_years():
        step = EscalationStep(target_type="calendar", target_id=year, step="missing_calendar_warning")
        db.session.add(step)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            continue
        admins = db.session.scalars(select(User.id).where(User.role == UserRole.ADMIN, User.active)).all()
        notify_users(admins, kind="calendar_missing", data={"year": year})
        db.session.commit()
        warned.append(year)
        log.info("admins warned: no working calendar for %s", year)
    return warned
