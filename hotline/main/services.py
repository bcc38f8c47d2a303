"""Figures for the home page."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from hotline.auth.models import User
from hotline.db import utcnow
from hotline.extensions import db
from hotline.roles import Role
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.states import AssignmentState, TicketState
from hotline.worktime.calendar import calendar_warning_years


@dataclass
class HomeSummary:
    """What the home page shows: ticket counts by state and any calendar warning."""

    scope: str = "city"  # "department": a handler's home counts its department's assignments
    ticket_states: dict[str, int] = field(default_factory=dict)
    assignment_states: dict[str, int] = field(default_factory=dict)
    missing_calendar_years: list[int] = field(default_factory=list)
    todo: list[tuple[str, int, str]] = field(default_factory=list)  # (what, how many, endpoint)

    @property
    def counts(self) -> list[tuple[TicketState | AssignmentState, int]]:
        """The states that have tickets (or assignments), in the order of their lifecycle, with counts."""
        if self.scope == "department":
            return [(s, self.assignment_states[s]) for s in AssignmentState if self.assignment_states.get(s)]
        return [(s, self.ticket_states[s]) for s in TicketState if self.ticket_states.get(s)]


def home_summary(user: User) -> HomeSummary:
    """Counts of tickets (all, or the handler's department's assignments) by state."""
    summary = HomeSummary()
    if user.role == Role.handler:
        rows = db.session.execute(
            select(Assignment.status, func.count()).where(Assignment.department_id == user.department_id)
            .group_by(Assignment.status)
        )
        summary.assignment_states = {str(s): n for s, n in rows}
        summary.scope = "department"
    else:
        rows = db.session.execute(select(Ticket.status, func.count()).group_by(Ticket.status))
        summary.ticket_states = {str(s): n for s, n in rows}
    if user.role in (Role.admin, Role.supervisor):
        summary.missing_calendar_years = calendar_warning_years()
    if user.role == Role.operator:
        summary.todo = operator_todo(user, utcnow(), current_app.config["TIMEZONE"])
    return summary


def operator_todo(user: User, now: datetime, tz: str) -> list[tuple[str, int, str]]:
    """What an operator must do now, with counts: callbacks due by tonight (or late), tickets every
    department returned (to re-dispatch), and the operator's own tickets of today."""
    local = now.astimezone(ZoneInfo(tz))
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    tonight = midnight + timedelta(days=1)
    callbacks = db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.status == TicketState.resolved, Ticket.callback_due_at < tonight))
    returned = db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.status == TicketState.returned))
    mine = db.session.scalar(select(func.count()).select_from(Ticket).where(
        Ticket.operator_id == user.id, Ticket.received_at >= midnight))
    return [("callbacks_due", callbacks, "tickets.callbacks"), ("returned", returned, "tickets.returned"),
            ("mine_today", mine, "tickets.mine")]
