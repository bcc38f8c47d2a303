"""Template helpers: role-fitted navigation, local times, the unread-notification count."""
from __future__ import annotations

from flask import Flask, request
from flask_babel import format_datetime, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from hotline.extensions import db

# (endpoint, label, roles that see it); the first matching endpoint is each role's home.
NAVIGATION = (
    ("main.index", _l("Home"), ("operator", "handler", "supervisor", "admin")),
    ("admin.users", _l("Users"), ("admin",)),
    ("admin.departments", _l("Departments"), ("admin",)),
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


def init_app(app: Flask) -> None:
    """Register the context processor and filters."""

    @app.context_processor
    def _context():
        if not current_user.is_authenticated:
            return {"nav": [], "unread": 0, "locale": str(get_locale())}
        return {
            "nav": navigation_for(current_user.role, app),
            "unread": unread_count(current_user.id),
            "locale": str(get_locale()),
            "endpoint": request.endpoint,
        }

    from hotline import labels

    app.jinja_env.globals.update(
        role_label=labels.role_label,
        notification_text=labels.notification_text,
        ticket_state_labels=labels.TICKET_STATES,
        assignment_state_labels=labels.ASSIGNMENT_STATES,
        department_kind_labels=labels.DEPARTMENT_KINDS,
    )

    @app.template_filter("dt")
    def _dt(value, fmt: str = "yyyy-MM-dd HH:mm"):
        return format_datetime(value, fmt) if value else "—"
