"""How escalation plugs into the app without the packages below it knowing (called from the factory)."""
from __future__ import annotations

from sqlalchemy import select

from hotline.escalation import outbox
from hotline.escalation.models import SupervisionCase
from hotline.extensions import db
from hotline.tickets.queries import register_detail_extra


def cases_of(ticket) -> list[SupervisionCase]:
    """A ticket's supervision cases, oldest first (the ticket page lists them)."""
    return list(db.session.scalars(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id)
                                   .order_by(SupervisionCase.opened_at)))


def install(app) -> None:
    """The supervision-request hook (tickets' outbox, handled before each commit) and the ticket page's
    supervision cases."""
    outbox.install(app)
    register_detail_extra(app, "cases", cases_of)
