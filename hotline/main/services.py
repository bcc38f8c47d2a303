"""Figures for the home page."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select

from hotline.auth.models import User, UserRole
from hotline.worktime.calendar import calendar_warning_years
from hotline.extensions import db
from hotline.tickets.models import Assignment, Ticket


@dataclass
class HomeSummary:
    """What the home page shows: ticket counts by state and any calendar warning."""

    ticket_states: dict[str, int] = field(default_factory=dict)
    assignment_states: dict[str, int] = field(default_factory=dict)
    missing_calendar_years: list[int] = field(default_factory=list)


def home_summary(user: User) -> HomeSummary:
    """Counts of tickets (all, or the handler's department's assignments) by state."""
    summary = HomeSummary()
    if user.role == UserRole.HANDLER:
        rows = db.session.execute(
            select(Assignment.status, func.count()).where(Assignment.department_id == user.department_id)
            .group_by(Assignment.status)
        )
        summary.assignment_states = {str(s): n for s, n in rows}
    else:
        rows = db.session.execute(select(Ticket.status, func.count()).group_by(Ticket.status))
        summary.ticket_states = {str(s): n for s, n in rows}
    if user.role in (UserRole.ADMIN, UserRole.SUPERVISOR):
        summary.missing_calendar_years = calendar_warning_years()
    return summary
