"""How notifications plug into every transaction: two session hooks, installed with every other
listener by :func:`hotline.hooks.install_session_hooks`.

- :func:`write_deliveries` (before every commit, after escalation's outbox and the history
  checkpoints): the e-mail and SMS deliveries of the notices the transaction added are written in
  it (:func:`hotline.notifications.services.write_deliveries`), so they commit or roll back with the
  fact they tell of;
- :func:`enqueue_deliveries` (after every commit, before the per-transaction caches are dropped):
  their send jobs are enqueued (ids only; a Redis outage costs one fail-fast attempt and leaves the
  rows pending for the minute sweep).

A rollback forgets the pending notices with the other per-transaction caches (:mod:`hotline.txcache`).
"""
from __future__ import annotations

from sqlalchemy.orm import Session

from hotline.notifications import sending, services


def write_deliveries(session: Session) -> None:
    services.write_deliveries(session)


def enqueue_deliveries(session: Session) -> None:
    ids = session.info.pop(services.TO_ENQUEUE, None)
    if ids:
        sending.enqueue_deliveries(ids)
