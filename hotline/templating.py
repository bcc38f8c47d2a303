"""Template helpers: role-fitted navigation, local times, the unread-notification count."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from hotline.extensions import db
from hotline.tickets.confidential import subject as subject_of

# (endpoint, label, roles that see it); the first matching endpoint is each role's home.
NAVIGATION = (
    ("main.index", _l("Home"), ("operator", "handler", "supervisor", "admin", "leader", "commissioner")),
    ("tickets.intake", _l("New ticket"), ("operator",)),
    ("tickets.mine", _l("My tickets"), ("operator",)),
    ("workbench.queue", _l("Workbench"), ("handler",)),
    ("tickets.callbacks", _l("Callbacks"), ("operator",)),
    ("tickets.returned", _l("Returned"), ("operator", "supervisor")),
    ("supervision.console", _l("Supervision"), ("supervisor", "admin")),
    ("audit.dashboard", _l("Dashboard"), ("supervisor", "admin")),
    ("audit.department", _l("Our figures"), ("handler",)),
    ("supervision.extensions", _l("Extension requests"), ("supervisor",)),
    ("meetings.index", _l("Meetings"), ("supervisor", "leader", "admin", "operator")),
    ("meetings.decisions", _l("Meeting decisions"), ("handler",)),
    ("projects.index", _l("Projects"), ("supervisor", "leader", "admin", "commissioner")),
    ("tickets.search", _l("Search"), ("operator", "supervisor", "admin")),
    ("admin.users", _l("Users"), ("admin",)),
    ("admin.departments", _l("Departments"), ("admin",)),
    # one entry for the working-time settings: their pages share tabs (calendar, hours, policies)
    ("settings.calendar", _l("Working time"), ("admin",)),
    ("api_keys.index", _l("API keys"), ("admin",)),
    ("admin.jobs", _l("Failed jobs"), ("admin",)),
    ("deliveries.my_channels", _l("My channels"), ("handler", "supervisor")),
)


def navigation_for(role: str, app: Flask) -> list[tuple[str, str]]:
    """The navigation entries a role sees, skipping endpoints not registered."""
    return [(ep, label) for ep, label, roles in NAVIGATION if role in roles and ep in app.view_functions]


def unread_count(user_id: int) -> int:
    """How many notifications the user has not read."""
    from hotline.notifications.models import Notification

    return db.session.scalar(
        select(func.count()).select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ) or 0


def nav_badges(user) -> dict[str, str]:
    """Counts shown beside navigation entries: a handler's assignments to sign for and overdue."""
    if user.role != "handler" or not user.department_id:
        return {}
    from hotline.db import utcnow
    from hotline.tickets.models import Assignment
    from hotline.workbench.queries import queue_condition

    now = utcnow()
    counts = [db.session.scalar(select(func.count()).select_from(Assignment).where(
        Assignment.department_id == user.department_id, queue_condition(q, now))) or 0 for q in ("to_sign", "overdue")]
    return {"workbench.queue": f"{counts[0]} / {counts[1]}"} if any(counts) else {}


def init_app(app: Flask) -> None:
    """Register the context processor and filters."""

    @app.context_processor
    def _context():
        centre = {"phone": app.config["CENTRE_PHONE"], "numbers": app.config["PUBLIC_NUMBERS"],
                  "hours": app.config["STAFFED_HOURS"]}  # the hotline centre, from configuration
        if not current_user.is_authenticated:
            return {"nav": [], "nav_badges": {}, "unread": 0, "locale": str(get_locale()), "centre": centre}
        return {
            "centre": centre,
            "nav": navigation_for(current_user.role, app),
            "nav_badges": nav_badges(current_user),
            "unread": unread_count(current_user.id),
            "locale": str(get_locale()),
            "endpoint": request.endpoint,
        }

    from hotline import labels, permissions
    from hotline.directory.reference import working_minutes_left
    from hotline.tickets import identity

    app.jinja_env.globals.update(allowed=permissions.allowed, ticket_url=permissions.ticket_url)
    app.jinja_env.globals.update(
        event_label=labels.event_label, reason_text=labels.reason_text,
        intake_error_text=labels.intake_error_text, department_name=labels.department_name,
        mask_phone=identity.mask_phone, mask_name=identity.mask_name, mask_enterprise=identity.mask_enterprise,
        queue_label=labels.queue_label,
        console_queue_label=labels.console_queue_label, measure_label=labels.measure_label,
        part_label=labels.part_label, respondent_label=labels.respondent_label, case_name=labels.case_name,
        todo_label=labels.todo_label, limit_now=labels.limit_now, limit_label=labels.limit_label,
        time_left=labels.time_left, subject_of=subject_of, rate=labels.rate,
        minutes_as_hours=labels.minutes_as_hours, worktime=labels.worktime,
        working_minutes_left=working_minutes_left, notification_text=labels.notification_text,
    )

    # the one filter for every labelled enumeration: {{ ticket.status|label }}, {{ code|label('Trigger') }}
    app.jinja_env.filters.update(label=labels.label, department_name=labels.department_name,
                                 match_label=labels.match_label)

    @app.template_filter("dt")
    def _dt(value, fmt: str = "yyyy-MM-dd HH:mm"):
        return format_datetime(value, fmt) if value else "—"
