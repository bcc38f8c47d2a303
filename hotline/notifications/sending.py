"""Sending one delivery, and handing deliveries to the queue.

A send job claims its delivery (a conditional ``UPDATE``: two runs of the job, or the job and a
sweep's copy, never send it at the same time), commits the claim, talks to the server with no
transaction open, and records the outcome. A failure is recorded (``attempts``, ``last_error``,
the next try by :func:`hotline.notifications.rules.after_failure`) and re-raised so RQ retries it
with backoff; after the last try the delivery is ``failed`` and stays on the admins' page. If Redis
is down when a delivery is written or retried, the row stays ``pending`` and the minute sweep
(:func:`due_for_retry`) enqueues it again: losing Redis delays a message, never loses it.
"""
from __future__ import annotations

import logging
from datetime import datetime, timedelta

import redis
from flask import current_app
from rq import Queue, Retry
from sqlalchemy import or_, select, update

from hotline.db import utcnow
from hotline.extensions import db
from hotline.notifications import rules
from hotline.notifications.channels import CHANNELS, DeliveryError, NotConfigured
from hotline.notifications.models import Delivery
from hotline.queue import FAILURE_TTL, get_queue

log = logging.getLogger(__name__)

QUEUE = "default"
SEND_TIMEOUT = 120  # seconds a worker holds a claimed delivery (and RQ's job timeout for a send)
SWEEP_GRACE = timedelta(minutes=2)  # a retry this late was lost with Redis: the sweep enqueues it again


def retry_policy(config) -> Retry | None:
    """RQ's retry for a send job: the remaining tries, waiting by the backoff rule."""
    attempts = int(config["NOTIFY_MAX_ATTEMPTS"])
    if attempts <= 1:
        return None
    return Retry(max=attempts - 1, interval=rules.retry_intervals(
        attempts, base=int(config["NOTIFY_RETRY_BASE_SECONDS"]), cap=int(config["NOTIFY_RETRY_CAP_SECONDS"])))


def enqueue_deliveries(ids: list[int]) -> int:
    """Enqueue one send job per delivery in one Redis round trip; 0 when Redis is down (the rows stay
    pending and the sweep enqueues them later)."""
    if not ids:
        return 0
    from hotline.notifications.jobs import send_delivery

    retry = retry_policy(current_app.config)
    try:
        queue = get_queue(QUEUE)
        with queue.connection.pipeline() as pipe:
            queue.enqueue_many([Queue.prepare_data(send_delivery, args=(i,), retry=retry, timeout=SEND_TIMEOUT,
                                                   failure_ttl=FAILURE_TTL) for i in ids], pipeline=pipe)
            pipe.execute()
    except redis.RedisError as exc:
        log.warning("Redis unavailable, %d deliveries not enqueued (the sweep will catch up): %s", len(ids), exc)
        return 0
    return len(ids)


def _claim(delivery_id: int, now: datetime) -> bool:
    """Take the delivery for this run if it is still pending and nobody holds it; commits."""
    result = db.session.execute(update(Delivery).where(
        Delivery.id == delivery_id, Delivery.status == "pending",
        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
    ).values(claimed_until=now + timedelta(seconds=SEND_TIMEOUT)).execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def send(delivery_id: int) -> str:
    """Send one delivery now: ``sent``, ``failed`` (its last try failed), or ``skipped`` (already sent,
    failed for good, or being sent by another run). A failed try that may be retried raises
    :class:`DeliveryError` after it is recorded."""
    if not _claim(delivery_id, utcnow()):
        return "skipped"
    delivery = db.session.get(Delivery, delivery_id, populate_existing=True)
    channel, config = CHANNELS[delivery.channel], current_app.config
    address, subject, body = delivery.address, delivery.subject, delivery.body
    db.session.rollback()  # no transaction stays open while the server is talked to
    try:
        ref = channel.send(address, subject, body, config)
    except DeliveryError as exc:  # not configured: trying again changes nothing until an admin acts
        status = _record_failure(delivery_id, str(exc), final=isinstance(exc, NotConfigured))
        if status == "pending":
            raise
        log.warning("delivery %s failed for good: %s", delivery_id, exc)
        return "failed"
    delivery = db.session.get(Delivery, delivery_id, populate_existing=True)
    now = utcnow()
    delivery.status, delivery.sent_at, delivery.last_attempt_at = "sent", now, now
    delivery.attempts += 1
    delivery.provider_ref, delivery.claimed_until = (ref or "")[:200], None
    db.session.commit()
    return "sent"


def _record_failure(delivery_id: int, error: str, *, final: bool = False) -> str:
    """Record a failed try (``final``: no further try); returns the delivery's new status."""
    config, now = current_app.config, utcnow()
    delivery = db.session.get(Delivery, delivery_id, populate_existing=True)
    delivery.attempts += 1
    delivery.last_attempt_at, delivery.last_error, delivery.claimed_until = now, error[:1000], None
    delivery.status, delivery.next_attempt_at = rules.after_failure(
        delivery.attempts, now, max_attempts=delivery.attempts if final else int(config["NOTIFY_MAX_ATTEMPTS"]),
        base=int(config["NOTIFY_RETRY_BASE_SECONDS"]), cap=int(config["NOTIFY_RETRY_CAP_SECONDS"]))
    db.session.commit()
    return delivery.status


def due_for_retry(now: datetime, limit: int = 500) -> list[int]:
    """Pending deliveries whose try is overdue by more than the grace (their job was lost)."""
    return list(db.session.scalars(select(Delivery.id).where(
        Delivery.status == "pending", Delivery.next_attempt_at <= now - SWEEP_GRACE,
        or_(Delivery.claimed_until.is_(None), Delivery.claimed_until < now),
    ).order_by(Delivery.next_attempt_at, Delivery.id).limit(limit)))


def retry_now(delivery_id: int) -> bool:
    """An admin sends a failed delivery again: it is pending once more, with its tries counted anew."""
    delivery = db.session.get(Delivery, delivery_id)
    if delivery is None or delivery.status != "failed":
        return False
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, utcnow()
    db.session.commit()
    enqueue_deliveries([delivery_id])
    return True
