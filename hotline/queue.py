"""Redis and RQ wiring: one place sets retries, timeouts and failure TTLs.

Redis carries work, never state that matters: :func:`enqueue` logs and swallows a
Redis outage, because the database holds every deadline and the sweep finds it later.
On the request path a Redis call fails fast (``REDIS_SOCKET_TIMEOUT`` and
``REDIS_CONNECT_TIMEOUT``, 0.2 s by default, and no retry), so a save during an outage
costs a fraction of a second; the worker keeps longer timeouts and redis-py's retries.
"""
from __future__ import annotations

import logging
import os
from datetime import datetime

import redis
from flask import current_app, g
from redis.backoff import NoBackoff
from redis.retry import Retry as RedisRetry
from rq import Queue, Retry
from rq.job import JobStatus

log = logging.getLogger(__name__)

QUEUES = ("escalation", "default", "reports")
RETRY = Retry(max=3, interval=[10, 60, 300])
JOB_TIMEOUT = 300
FAILURE_TTL = 30 * 24 * 3600


def connection_from_url(url: str, *, socket_timeout: float = 5.0, connect_timeout: float = 2.0,
                        retry: bool = True) -> redis.Redis:
    """A Redis client for ``url`` (``redis://``, ``rediss://`` or ``unix://``).

    ``retry=False`` makes one attempt per command (the request path must not wait
    through redis-py's default retries with backoff, seconds while Redis is down).
    """
    options = {} if retry else {"retry": no_retry()}
    return redis.Redis.from_url(url, socket_timeout=socket_timeout, socket_connect_timeout=connect_timeout,
                                **options)


def no_retry() -> RedisRetry:
    """A redis-py retry policy that does not retry."""
    return RedisRetry(NoBackoff(), 0)


def get_redis() -> redis.Redis:
    """The Redis client for the configured ``REDIS_URL`` and timeouts: one per process and settings,
    kept for the request (or job) in ``g``.

    Its connection pool outlives the request, so a request reuses a connection instead of opening one
    (and RQ asks the server's version once per client, not at every enqueue). A pooled connection that
    Redis closed (a restart) is noticed by redis-py when it is taken from the pool, and replaced.
    """
    if "redis" not in g:
        config = current_app.config
        key = (os.getpid(), config["REDIS_URL"], config["REDIS_SOCKET_TIMEOUT"], config["REDIS_CONNECT_TIMEOUT"],
               bool(config["REDIS_RETRY"]))
        clients = current_app.extensions.setdefault("hotline.redis", {})
        client = clients.get(key)
        if client is None:
            client = clients[key] = connection_from_url(
                config["REDIS_URL"], socket_timeout=config["REDIS_SOCKET_TIMEOUT"],
                connect_timeout=config["REDIS_CONNECT_TIMEOUT"], retry=config["REDIS_RETRY"])
        g.redis = client
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
