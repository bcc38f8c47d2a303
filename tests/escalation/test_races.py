"""Exactly once under races, and nothing lost when Redis is down."""
from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from hotline import ROOT
from hotline.db import utcnow
from hotline.demo.seed import seed_reference
from hotline.embedded_redis import EmbeddedRedis
from hotline.escalation import engine
from hotline.escalation.jobs import escalate, escalate_batch
from hotline.escalation.models import EscalationStep
from hotline.extensions import db
from hotline.queue import get_queue
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import Event, Ticket
from tests.factories import make_ticket


def _late_tickets(n: int) -> list[Ticket]:
    """Tickets received 10 days ago and never touched: their sign, contact and resolve steps are due."""
    seed_reference()
    past = utcnow() - timedelta(days=10)
    return [make_ticket(now=past, subject=f"竞争测试{i}", caller_phone=f"1380000{i:04d}") for i in range(n)]


@pytest.mark.real_clock_processes
def test_racing_workers_and_sweep_escalate_each_step_exactly_once(app, database_url, redis_url, tmp_path):
    _late_tickets(4)
    items = engine.due_items(utcnow())
    assert len(items) == 4 * 6  # sign/contact/resolve warning and breach of each assignment
    db.session.rollback()
    queue = get_queue("escalation")
    for _ in range(3):  # the same work three times over: timers, retries and two sweeps
        for item in items:
            queue.enqueue(escalate, *item)
        queue.enqueue(escalate_batch, items)
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "HOTLINE_INSTANCE": str(tmp_path)}
    rq = str(Path(sys.executable).with_name("rq"))
    workers = [subprocess.Popen([rq, "worker", "--burst", "-w", "hotline.worker.HotlineWorker",
                                 "--url", redis_url, "escalation"], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for _ in range(3)]
    for w in workers:
        assert w.wait(timeout=300) == 0, w.stderr.read().decode()[-2000:]
    db.session.expire_all()
    steps = db.session.execute(select(EscalationStep.target_id, EscalationStep.step)).all()
    assert len(steps) == len(set(steps)) == len(items)
    escalation_events = db.session.scalars(select(Event.action).where(Event.action.like("escalation_%"))).all()
    # caught up late, every warning's breach has passed too: the warnings are settled unwritten, the breaches written
    assert sorted(escalation_events) == sorted(f"escalation_{step}" for _t, _id, step in items
                                               if step.endswith("_breach"))
    levels = db.session.scalars(select(Ticket.supervision_level)).all()
    assert levels == [1, 1, 1, 1]  # one resolution breach each → level 1, not 3


def test_with_redis_down_intake_succeeds_and_the_sweep_catches_up(app, tmp_path, make_user):
    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    from flask import g

    app.config["REDIS_URL"] = server.url
    g.pop("redis", None)
    server.stop()  # Redis is down
    seed_reference()
    past = utcnow() - timedelta(days=10)
    ticket = create_ticket(IntakeData(channel="phone", kind="complaint", category_code="refusal",
                                      subject="Redis 故障时受理", description="窗口拒收申请材料，也不说明理由。",
                                      caller_name="测试", caller_phone="13800009999"),
                           operator_id=None, operator_name="王丽", now=past)
    assert ticket.status == "dispatched"  # saved and dispatched, no error to the operator
    g.pop("redis", None)
    server.start()  # Redis is back: its queues are empty, every timer was lost
    from hotline.escalation.jobs import sweep

    assert sweep() == 6
    from rq import SimpleWorker

    from hotline.queue import get_redis

    SimpleWorker([get_queue("escalation")], connection=get_redis()).work(burst=True)
    assert db.session.scalar(select(func.count()).select_from(EscalationStep)) == 6
    server.stop()
