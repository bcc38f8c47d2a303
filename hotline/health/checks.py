"""Readiness checks: the database, Redis, a worker's heartbeat and the cron scheduler's heartbeat.

Each check returns a small dict (``ok`` and, for heartbeats, the age in seconds) and
never raises; what went wrong is logged here, not shown to the unauthenticated caller.
The Redis client is the request path's (fail-fast timeouts), so ``/readyz`` answers
quickly while Redis is down.
"""
from __future__ import annotations

import logging
from datetime import UTC, datetime

import redis
from rq import Queue, Worker
from rq.cron_scheduler_registry import get_registry_key as cron_registry_key
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from hotline.extensions import db
from hotline.queue import get_redis

log = logging.getLogger(__name__)

WORKER_QUEUE = "escalation"  # a ready system has a worker that takes escalation jobs


def heartbeat_check(last: datetime | None, now: datetime, max_age: float) -> dict:
    """A heartbeat is fresh when it is at most ``max_age`` seconds old at ``now``."""
    if last is None:
        return {"ok": False, "age_seconds": None}
    age = max(0.0, (now - last).total_seconds())
    return {"ok": age <= max_age, "age_seconds": round(age, 1)}


def database() -> dict:
    """The database answers ``SELECT 1``."""
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return {"ok": True}
    except SQLAlchemyError:
        log.warning("readiness: database unreachable", exc_info=True)
        db.session.rollback()
        return {"ok": False}


def readiness(now: datetime, worker_max_age: float, cron_max_age: float) -> dict[str, dict]:
    """Every check by name: database, redis, worker, cron."""
    checks = {"database": database()}
    conn = get_redis()
    try:
        conn.ping()
        checks["redis"] = {"ok": True}
        checks["worker"] = heartbeat_check(_newest_worker_heartbeat(conn), now, worker_max_age)
        checks["cron"] = heartbeat_check(_newest_cron_heartbeat(conn), now, cron_max_age)
    except redis.RedisError:
        log.warning("readiness: Redis unreachable", exc_info=True)
        checks["redis"] = {"ok": False}
        checks.setdefault("worker", {"ok": False, "age_seconds": None})
        checks.setdefault("cron", {"ok": False, "age_seconds": None})
    return checks


def _newest_worker_heartbeat(conn: redis.Redis) -> datetime | None:
    """RQ workers keep ``last_heartbeat`` in their hash; an expired worker is not listed."""
    beats = [w.last_heartbeat for w in Worker.all(queue=Queue(WORKER_QUEUE, connection=conn))
             if w.last_heartbeat is not None]
    return max(beats, default=None)


def _newest_cron_heartbeat(conn: redis.Redis) -> datetime | None:
    """``rq cron`` scores itself in a sorted set with the time of each heartbeat (every tick, ≤ 60 s)."""
    newest = conn.zrevrange(cron_registry_key(), 0, 0, withscores=True)
    if not newest:
        return None
    return datetime.fromtimestamp(newest[0][1], tz=UTC)
