"""Escalation reads the tickets package's supervision requests (its outbox) and acts on them.

``install`` registers one ``before_commit`` session hook (called from the app factory): the requests
a transaction added (``session.info[tickets.supervision.PENDING]``) are handled in that same
transaction, so a case opens, rises or ends atomically with the ticket fact that asked for it. The
minute sweep calls :func:`handle_unhandled` for any row still unhandled (written with the hook not
installed, or by raw SQL), so no request is lost.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import event as sa_event
from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.db import utcnow
from hotline.escalation import services
from hotline.extensions import db
from hotline.tickets.models import SupervisionRequest
from hotline.tickets.supervision import PENDING

_INSTALLED = False


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


def _before_commit(session: Session) -> None:
    pending = session.info.pop(PENDING, None)
    for request in pending or ():
        if request in session:
            handle(request)


def install(app) -> None:
    """Handle supervision requests in the transaction that wrote them (once per process)."""
    global _INSTALLED
    if not _INSTALLED:
        # first among the before-commit hooks: the events it writes are anchored by the history checkpoint
        sa_event.listen(Session, "before_commit", _before_commit, insert=True)
        sa_event.listen(Session, "after_rollback", lambda session: session.info.pop(PENDING, None))
        _INSTALLED = True


def handle_unhandled(limit: int = 500) -> int:
    """Handle requests left unhandled, oldest first, ticket by ticket under its lock; commits. Returns how many."""
    from hotline.tickets.services import lock_ticket

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
