"""Asking for supervision (督办) without calling escalation: the outbox the tickets package writes.

A repeat, an unsatisfied callback or a closing ticket is a fact of the ticket; what supervision
does about it (open or raise a case, with its deadline; clear the open cases) is escalation's
business. The services here add a :class:`SupervisionRequest` row to the caller's transaction and
remember it in ``session.info[PENDING]``; escalation's session hook handles it before that
transaction commits, and its sweep handles any row left unhandled.
"""
from __future__ import annotations

from datetime import datetime

from hotline import txcache
from hotline.extensions import db
from hotline.tickets.models import SupervisionRequest, Ticket

#: ``session.info`` key: the requests added in the current transaction, in order.
PENDING = txcache.SUPERVISION_PENDING


def _add(request: SupervisionRequest) -> SupervisionRequest:
    db.session.add(request)
    db.session.info.setdefault(PENDING, []).append(request)
    return request


def request_level(ticket: Ticket, level: int, *, trigger: str, actor_id: int | None,
                  now: datetime) -> SupervisionRequest:
    """Ask that ``ticket`` be supervised at ``level`` (1–3) because of ``trigger``; the caller commits."""
    return _add(SupervisionRequest(ticket=ticket, kind="raise", level=level, trigger=trigger, actor_id=actor_id,
                                   requested_at=now))


def request_close(ticket: Ticket, *, reason: str, actor_id: int | None, now: datetime) -> SupervisionRequest:
    """Say that ``ticket`` closed (``reason``): its open supervision ends with it; the caller commits."""
    return _add(SupervisionRequest(ticket=ticket, kind="close", trigger=reason, actor_id=actor_id,
                                   requested_at=now))
