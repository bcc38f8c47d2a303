"""Translated labels for the domain's enumerations and notification kinds."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

ROLES = {"operator": _l("Operator"), "handler": _l("Handler"), "supervisor": _l("Supervisor"),
         "admin": _l("Administrator")}

TICKET_STATES = {
    "received": _l("Received"), "dispatched": _l("Dispatched"), "in_progress": _l("In progress"),
    "resolved": _l("Resolved, awaiting callback"), "closed": _l("Closed"), "returned": _l("Returned"),
    "reopened": _l("Reopened"), "merged": _l("Merged"), "answered": _l("Answered on the spot"),
}

ASSIGNMENT_STATES = {
    "dispatched": _l("To sign for"), "signed": _l("Signed for"), "contacted": _l("Caller contacted"),
    "submitted": _l("Reply submitted"), "returned": _l("Returned"),
}

DEPARTMENT_KINDS = {
    "city_department": _l("City department"), "county": _l("County or district"),
    "development_zone": _l("Development zone"), "discipline_commission": _l("Discipline commission"),
    "public_utility": _l("Public utility"), "hotline_centre": _l("Hotline centre"),
}


def role_label(role: str) -> str:
    """The role's name in the current language."""
    return str(ROLES.get(str(role), role))


def notification_text(n) -> str:
    """One line describing a notification in the current language."""
    if n.kind == "calendar_missing":
        return _("The working calendar for %(year)s is missing: an administrator must enter it.",
                 year=n.data.get("year"))
    return _("Notification: %(kind)s", kind=n.kind)
