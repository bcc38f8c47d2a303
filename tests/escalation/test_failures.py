"""Failures: a job dying halfway leaves work the sweep finds again; failed jobs are shown to admins."""
from __future__ import annotations

from datetime import timedelta

import pytest
from rq import SimpleWorker
from sqlalchemy import func, select

from hotline.db import utcnow
from hotline.demo.seed import seed_reference
from hotline.escalation import engine
from hotline.escalation.jobs import escalate
from hotline.escalation.models import EscalationStep
from hotline.extensions import db
from hotline.queue import get_queue, get_redis
from tests.conftest import csrf_from
from tests.factories import make_ticket


def test_a_job_dying_halfway_records_nothing_and_the_sweep_retakes_it(app, monkeypatch):
    seed_reference()
    ticket = make_ticket(now=utcnow() - timedelta(days=10))  # received 10 days ago, never touched
    a = ticket.assignments[0]

    def die(*args, **kwargs):
        raise SystemExit("worker killed")  # what a killed work horse looks like from inside

    monkeypatch.setattr(engine, "notify_department", die)
    with pytest.raises(SystemExit):
        engine.apply("assignment", a.id, "sign_breach")
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(EscalationStep)) == 0
    monkeypatch.undo()
    due = engine.due_items(utcnow())
    assert ("assignment", a.id, "sign_breach") in due
    for item in due:
        engine.apply(*item)
    assert db.session.scalar(select(func.count()).select_from(EscalationStep).where(
        EscalationStep.step == "sign_breach")) == 1


def test_failed_jobs_are_visible_to_admins_and_can_be_requeued(app, client, login, make_user):
    queue = get_queue("escalation")
    queue.enqueue(escalate, "no-such-target", 1, "sign_breach")
    SimpleWorker([queue], connection=get_redis()).work(burst=True)
    admin = make_user("admin")
    login(admin.username)
    html = client.get("/admin/jobs").get_data(as_text=True)
    assert "no-such-target" in html and "ValueError" in html
    job_id = queue.failed_job_registry.get_job_ids()[0]
    token = csrf_from(html)
    assert client.post(f"/admin/jobs/escalation/{job_id}/requeue", data={"csrf_token": token}).status_code == 302
    assert job_id in queue.get_job_ids()
