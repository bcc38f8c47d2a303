"""Redis and RQ wiring: one place sets retries, timeouts and failure TTLs.

Redis carries work, never state that matters: :func:`enqueue` logs and swallows a
Redis outage, because the database holds every deadline and the sweep finds it later.
"""
from __future__ import annotations

import logging
from datetime import datetime

import redis
from flask import current_app, g
from rq import Queue, Retry
from rq.job import JobStatus

log = logging.getLogger(__name__)

QUEUES = ("escalation", "default", "reports")
RETRY = Retry(max=3, interval=[10, 60, 300])
JOB_TIMEOUT = 300
FAILURE_TTL = 30 * 24 * 3600


def connection_from_url(url: str) -> redis.Redis:
    """A Redis client for ``url`` (``redis://``, ``rediss://`` or ``unix://``)."""
    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=2)


def get_redis() -> redis.Redis:
    """The request's (or job's) Redis client for the configured ``REDIS_URL``."""
    if "redis" not in g:
        g.redis = connection_from_url(current_app.config["REDIS_URL"])
    return g.redis


def get_queue(name: str = "default") -> Queue:
    """An RQ queue by workload name."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}")
    return Queue(name, connection=get_redis())


def enqueue(func, *args, queue: str = "default", at: datetime | None = None, job_id: str | None = None,
            **kwargs):
    """Enqueue ``func(*args, **kwargs)`` now or at the aware instant ``at``; None if Redis is down.

    Call only after the rows the job reads are committed. Jobs must re-check
    state: a fixed ``job_id`` does not deduplicate a scheduled job in RQ.
    """
    if at is not None and at.tzinfo is None:
        raise ValueError("enqueue_at needs an aware datetime")
    options = dict(retry=RETRY, job_timeout=JOB_TIMEOUT, failure_ttl=FAILURE_TTL, job_id=job_id)
    try:
        q = get_queue(queue)
        if at is not None:
            return q.enqueue_at(at, func, *args, **kwargs, **options)
        return q.enqueue(func, *args, **kwargs, **options)
    except redis.RedisError as exc:
        log.warning("Redis unavailable, %s not enqueued (the sweep will catch up): %s", func.__name__, exc)
        return None


def schedule_many(func, calls: list[tuple[datetime, tuple]], *, queue: str = "default") -> int:
    """Schedule ``func(*args)`` at each aware instant in one Redis round trip; 0 if Redis is down.

    The timers of one dispatch (several per assignment) go together, so an intake
    pays for one pipeline instead of a round trip per timer.
    """
    if not calls:
        return 0
    try:
        q = get_queue(queue)
        with q.connection.pipeline() as pipe:
            for at, args in calls:
                if at.tzinfo is None:
                    raise ValueError("schedule_many needs aware datetimes")
                job = q.create_job(func, args=args, status=JobStatus.SCHEDULED, retry=RETRY, timeout=JOB_TIMEOUT,
                                   failure_ttl=FAILURE_TTL)
                q.schedule_job(job, at, pipeline=pipe)
            pipe.execute()
    except redis.RedisError as exc:
        log.warning("Redis unavailable, %d timers of %s not scheduled (the sweep will catch up): %s",
                    len(calls), func.__name__, exc)
        return 0
    return len(calls)
