"""A save while Redis is stopped or hung stays fast and keeps the ticket; the sweep catches up later."""
from __future__ import annotations

import socket
import time
from datetime import timedelta

import time_machine
from flask import g
from rq import SimpleWorker
from sqlalchemy import func, select

from hotline.embedded_redis import EmbeddedRedis
from hotline.escalation.jobs import sweep
from hotline.escalation.models import EscalationStep
from hotline.extensions import db
from hotline.queue import get_queue, get_redis
from hotline.tickets.models import Event, Ticket
from tests.conftest import csrf_from
from tests.factories import form_data

SAVE_BOUND = 1.5  # seconds, wall clock, on a loaded 2-core machine; the Redis share is ≤ 0.2 s


def _use_redis(app, url: str) -> None:
    app.config["REDIS_URL"] = url
    g.pop("redis", None)


def _timed_intake(client) -> tuple[float, str]:
    """POST the intake form; (seconds the POST took, the new ticket's number)."""
    token = csrf_from(client.get("/tickets/new").get_data(as_text=True))
    data = {**form_data(urgency="urgent"), "csrf_token": token}
    started = time.monotonic()
    response = client.post("/tickets/new", data=data)
    elapsed = time.monotonic() - started
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return elapsed, response.headers["Location"].rsplit("/", 1)[-1]


def test_a_save_with_redis_stopped_is_fast_and_the_sweep_catches_up(app, operator_client, tmp_path):  # noqa: F811
    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    _use_redis(app, server.url)
    server.stop()  # Redis is down
    elapsed, number = _timed_intake(operator_client)
    assert elapsed < SAVE_BOUND, f"a save took {elapsed:.2f} s with Redis down"
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket is not None and ticket.status == "dispatched"
    [assignment] = ticket.assignments

    server.start()  # Redis is back, empty: every timer of the save was lost
    try:
        g.pop("redis", None)
        assert get_queue("escalation").scheduled_job_registry.count == 0
        after_breach = assignment.sign_due_at + timedelta(minutes=1)
        with time_machine.travel(after_breach, tick=False):
            assert sweep() >= 1  # at least the sign-for breach, found in the database
            SimpleWorker([get_queue("escalation")], connection=get_redis()).work(burst=True)
        db.session.expire_all()
        taken = db.session.scalars(select(EscalationStep.step).where(
            EscalationStep.target_type == "assignment", EscalationStep.target_id == assignment.id)).all()
        assert "sign_breach" in taken and len(taken) == len(set(taken))
        breach_events = db.session.scalars(select(Event).where(
            Event.ticket_id == ticket.id, Event.action == "escalation_sign_breach")).all()
        assert len(breach_events) == 1
    finally:
        server.stop()


def test_a_save_with_redis_hung_is_fast(app, operator_client):  # noqa: F811
    hung = socket.socket()  # accepts connections into its backlog and never answers
    hung.bind(("127.0.0.1", 0))
    hung.listen(1)
    try:
        _use_redis(app, f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        elapsed, number = _timed_intake(operator_client)
        assert elapsed < SAVE_BOUND, f"a save took {elapsed:.2f} s with Redis hung"
        assert db.session.scalar(select(Ticket.status).where(Ticket.number == number)) == "dispatched"
    finally:
        hung.close()


def test_after_redis_restarts_the_next_save_enqueues_its_notices_at_once(app, operator_client, tmp_path):  # noqa: F811
    """The web process keeps its Redis connection between requests; when Redis restarts under it, the
    next save does not lose its send jobs to the stale connection (they would wait for the sweep)."""
    from hotline.notifications.models import Delivery

    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    try:
        _use_redis(app, server.url)
        _timed_intake(operator_client)
        g.pop("redis", None)  # a new request
        first_client = get_redis()
        assert get_queue("default").count > 0  # the first save's notices were enqueued

        server.stop()
        server.start()  # Redis is back, empty; the process's pooled connection is stale
        g.pop("redis", None)
        elapsed, number = _timed_intake(operator_client)
        g.pop("redis", None)
        assert get_redis() is first_client  # one client for the process, not one per request
        ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.number == number))
        notices = db.session.scalar(select(func.count()).select_from(Delivery).where(Delivery.ticket_id == ticket_id))
        assert notices > 0
        assert get_queue("default").count == notices, "the save after the restart lost its send jobs"
        assert elapsed < SAVE_BOUND
    finally:
        server.stop()
