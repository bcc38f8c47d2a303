"""Checks that packages above tickets add before a ticket may be resolved or closed.

A coordination meeting's open decision on a ticket keeps it from being resolved or closed, but the
tickets package must not import the meetings package: meetings registers a check here at app setup
(:func:`register_finish_check`, called from the factory through ``hotline.meetings.wiring``), and
the lifecycle services ask :func:`check_may_finish` before a lead's final reply and before closing.
"""
from __future__ import annotations

from collections.abc import Callable

from flask import current_app

from hotline.tickets.states import DomainError

#: ``app.extensions`` key: name → check(ticket) returning None (may finish) or (code, params).
FINISH_CHECKS = "hotline.ticket_finish_checks"

FinishCheck = Callable[[object], "tuple[str, dict] | None"]


def register_finish_check(app, name: str, check: FinishCheck) -> None:
    """Let a package above tickets refuse a ticket's resolution or closure with a domain error code."""
    app.extensions.setdefault(FINISH_CHECKS, {})[name] = check


def check_may_finish(ticket) -> None:
    """Raise ``DomainError`` when a registered check refuses to let ``ticket`` be resolved or closed."""
    for check in current_app.extensions.get(FINISH_CHECKS, {}).values():
        refusal = check(ticket)
        if refusal is not None:
            code, params = refusal
            raise DomainError(code, **params)
