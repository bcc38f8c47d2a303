"""How notifications plug into every transaction (one function, called from the app factory).

``install`` registers three session hooks:

- ``before_commit``: the e-mail and SMS deliveries of the notices the transaction added are written
  in it (:func:`hotline.notifications.services.write_deliveries`), so they commit or roll back with
  the fact they tell of;
- ``after_commit``: their send jobs are enqueued (ids only; a Redis outage costs one fail-fast
  attempt and leaves the rows pending for the sweep);
- ``after_rollback``: the notices of a rolled-back transaction are forgotten.
"""
from __future__ import annotations

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from hotline.notifications import sending, services

_INSTALLED = False


def _before_commit(session: Session) -> None:
    services.write_deliveries(session)


def _after_commit(session: Session) -> None:
    ids = session.info.pop(services.TO_ENQUEUE, None)
    if ids:
        sending.enqueue_deliveries(ids)


def _after_rollback(session: Session) -> None:
    for key in (services.STAFF_PENDING, services.CALLER_PENDING, services.TO_ENQUEUE):
        session.info.pop(key, None)


def install(app) -> None:
    """Write deliveries with their transaction and enqueue them after it (once per process)."""
    global _INSTALLED
    if not _INSTALLED:
        sa_event.listen(Session, "before_commit", _before_commit)
        sa_event.listen(Session, "after_commit", _after_commit)
        sa_event.listen(Session, "after_rollback", _after_rollback)
        _INSTALLED = True
