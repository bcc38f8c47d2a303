"""Background jobs of the notifications package: one send, and the sweep for lost sends."""
from __future__ import annotations

import logging

from hotline.db import utcnow
from hotline.extensions import db
from hotline.job_runtime import job
from hotline.notifications import sending

log = logging.getLogger(__name__)


@job
def send_delivery(delivery_id: int) -> str:
    """Send one e-mail or SMS (retried by RQ with backoff while it fails). Safe to run twice."""
    return sending.send(delivery_id)


@job
def sweep_deliveries() -> int:
    """Every minute (rq cron): enqueue again each pending delivery whose try is overdue — written or
    retried while Redis was down, or lost with a worker. Returns how many were enqueued."""
    ids = sending.due_for_retry(utcnow())
    db.session.rollback()
    enqueued = sending.enqueue_deliveries(ids)
    if enqueued:
        log.info("delivery sweep: %d pending deliveries enqueued again", enqueued)
    return enqueued
