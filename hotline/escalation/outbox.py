"""Escalation reads the tickets package's supervision requests (its outbox) and acts on them.

:func:`handle_pending` is a ``before_commit`` session hook, the first one (installed by
:func:`hotline.hooks.install_session_hooks`): the requests a transaction added
(``txcache.SUPERVISION_PENDING``) are handled in that same transaction, so a case opens, rises or
ends atomically with the ticket fact that asked for it. The minute sweep calls
:func:`handle_unhandled` for any row still unhandled (written with the hook not installed, or by raw
SQL), so no request is lost.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.escalation import services
from hotline.extensions import db
from hotline.tickets.models import SupervisionRequest
from hotline.tickets.supervision import PENDING


def handle(request: SupervisionRequest, now: datetime | None = None) -> None:
    """Act on one request in the current transaction and mark it handled (the caller commits)."""
    if request.handled_at is not None:
        return
    ticket = request.ticket
    if request.kind == "raise":
        services.supervise(ticket, request.level, trigger=request.trigger, actor_id=request.actor_id,
                           now=request.requested_at)
    else:
        services.close_cases(ticket, reason=request.trigger, actor_id=request.actor_id, now=request.requested_at)
    request.handled_at = now or utcnow()


def handle_pending(session: Session) -> None:
    """Handle the supervision requests this transaction added, before it commits (a session hook)."""
    pending = session.info.pop(PENDING, None)
    for request in pending or ():
        if request in session:
            handle(request)


def handle_unhandled(limit: int = 500) -> int:
    """Handle requests left unhandled, oldest first, ticket by ticket under its lock; commits. Returns how many."""
    from hotline.tickets.intake import lock_ticket

    rows = db.session.execute(select(SupervisionRequest.id, SupervisionRequest.ticket_id)
                              .where(SupervisionRequest.handled_at.is_(None))
                              .order_by(SupervisionRequest.requested_at, SupervisionRequest.id).limit(limit)).all()
    done = 0
    for request_id, ticket_id in rows:
        lock_ticket(ticket_id)
        request = db.session.get(SupervisionRequest, request_id, populate_existing=True)
        if request.handled_at is None:
            handle(request)
            done += 1
        db.session.commit()
    return done
