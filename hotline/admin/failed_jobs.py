"""Failed background jobs, read from RQ's failed-job registries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis
from flask_babel import lazy_gettext as _l
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry

from hotline.queue import QUEUES, get_queue, get_redis

# What each queue carries, as the failed-jobs page names it.
QUEUE_LABELS = {"escalation": _l("Escalation (warnings, breaches, supervision levels)"),
                "default": _l("General background work"), "reports": _l("Reports and exports")}


@dataclass
class FailedJob:
    """What an admin needs to see of a failed job."""

    id: str
    description: str
    ended_at: datetime | None
    error: str


def failed_jobs(limit: int = 100) -> dict[str, list[FailedJob]] | None:
    """Failed jobs per queue, newest first; None when Redis cannot be reached."""
    out: dict[str, list[FailedJob]] = {}
    try:
        for name in QUEUES:
            registry = FailedJobRegistry(queue=get_queue(name))
            ids = registry.get_job_ids(0, limit - 1)
            jobs = [j for j in Job.fetch_many(ids, connection=get_redis()) if j is not None]
            out[name] = [FailedJob(id=j.id, description=j.description or j.func_name, ended_at=j.ended_at,
                                   error=(j.latest_result().exc_string if j.latest_result() else "") or "")
                         for j in jobs]
    except redis.RedisError:
        return None
    return out


def requeue(queue: str, job_id: str) -> bool:
    """Requeue one failed job; False if it is not (or no longer) there."""
    if queue not in QUEUES:
        return False
    try:
        FailedJobRegistry(queue=get_queue(queue)).requeue(job_id)
    except (NoSuchJobError, redis.RedisError, ValueError):
        return False
    return True
