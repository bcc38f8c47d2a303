"""How escalation plugs into the app without the packages below it knowing (called from the factory)."""
from __future__ import annotations

from sqlalchemy import select

from hotline.escalation.models import SupervisionCase
from hotline.extensions import db
from hotline.tickets.queries import register_detail_extra


def cases_of(ticket) -> list[SupervisionCase]:
    """A ticket's supervision cases, oldest first (the ticket page lists them)."""
    return list(db.session.scalars(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id)
                                   .order_by(SupervisionCase.opened_at)))


def install(app) -> None:
    """The ticket page's supervision cases. (Escalation's session hook, which handles the tickets'
    supervision requests before each commit, is installed with every other session hook by
    :func:`hotline.hooks.install_session_hooks`.)"""
    register_detail_extra(app, "cases", cases_of)
