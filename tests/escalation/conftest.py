"""Escalation fixtures: a real Redis, RQ's scheduler and a burst worker, and time travel."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rq import SimpleWorker
from rq.scheduler import RQScheduler

from hotline.queue import QUEUES, get_queue, get_redis

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args) -> datetime:
    """An instant given in the city's wall time."""
    return datetime(*args, tzinfo=SHANGHAI)


def run_jobs_at(instant: datetime) -> None:
    """At ``instant``: the minute sweep runs (as rq cron would), due scheduled jobs move to their
    queues, then every queued job runs."""
    from hotline.escalation.jobs import sweep

    with time_machine.travel(instant, tick=False):
        sweep()
        queues = [get_queue(name) for name in QUEUES]
        scheduler = RQScheduler(queues, connection=get_redis())
        scheduler.acquire_locks()
        scheduler.enqueue_scheduled_jobs()
        scheduler.release_locks()
        SimpleWorker(queues, connection=get_redis()).work(burst=True)


@pytest.fixture
def jobs():
    """``jobs(instant)`` runs the timers and queued jobs due at that instant."""
    return run_jobs_at
