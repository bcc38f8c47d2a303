"""Who may do what on a page, decided in one place so templates never test roles or states.

Each rule is a plain function of the user's role and the object shown; templates ask
``allowed('redispatch', ticket)`` (the current user's role is filled in), views and tests may call
:func:`allows` directly. The services still enforce every rule: these only decide what is offered."""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import url_for
from flask_login import current_user

_RULES: dict[str, Callable[[str, Any], bool]] = {
    # an operator re-dispatches a ticket every department returned
    "redispatch": lambda role, ticket: role == "operator" and (ticket is None or ticket.status == "returned"),
    # supervisors (and admins, who read everything) open a supervision case
    "open_case": lambda role, _case: role in ("supervisor", "admin"),
    # only a supervisor acts on a case, and only while it is open
    "work_case": lambda role, case: role == "supervisor" and case.status == "open",
    # the ranking's weights are an administrator's setting
    "set_weights": lambda role, _obj: role == "admin",
}


def allows(role: str, action: str, obj: Any = None) -> bool:
    """Whether a user of ``role`` is offered ``action`` on ``obj``; an unknown action is refused."""
    rule = _RULES.get(action)
    return bool(rule and rule(str(role), obj))


def allowed(action: str, obj: Any = None) -> bool:
    """:func:`allows` for the logged-in user (a template global)."""
    return current_user.is_authenticated and allows(current_user.role, action, obj)


def ticket_url(number: str) -> str:
    """Where a ticket opens for the logged-in user: a department's workbench view for a handler, the
    full ticket for the centre's staff."""
    if current_user.is_authenticated and current_user.role == "handler":
        return url_for("workbench.ticket", number=number)
    return url_for("tickets.detail", number=number)
