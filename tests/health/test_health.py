"""/healthz answers whatever else is down; /readyz names each check and says 200 only when all pass."""
from __future__ import annotations

import time
from datetime import timedelta

import time_machine
from flask import g
from rq import Worker
from rq.cron import CronScheduler

from hotline import create_app
from hotline.db import utcnow
from hotline.extensions import limiter
from hotline.health.checks import heartbeat_check
from hotline.queue import get_redis
from tests.conftest import _TestConfig


def _redis_down(app, tmp_path) -> None:
    """Point the app at a Redis socket nobody listens on."""
    app.config["REDIS_URL"] = f"unix://{tmp_path / 'nobody.sock'}"
    g.pop("redis", None)


def _worker_and_cron_alive() -> None:
    """What a running ``rq worker`` and ``rq cron`` leave in Redis: a worker hash, a cron heartbeat."""
    Worker(["escalation", "default"], connection=get_redis()).register_birth()
    CronScheduler(connection=get_redis()).register_birth()


def test_healthz_answers_without_login_even_with_redis_down(app, client, tmp_path):
    _redis_down(app, tmp_path)
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"


def test_readyz_is_503_and_names_the_missing_worker_and_cron(client):
    response = client.get("/readyz")  # no login: not redirected to /login
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "fail"
    assert body["checks"]["database"] == {"ok": True}
    assert body["checks"]["redis"] == {"ok": True}
    assert body["checks"]["worker"] == {"ok": False, "age_seconds": None}
    assert body["checks"]["cron"] == {"ok": False, "age_seconds": None}


def test_readyz_is_200_with_a_fresh_worker_and_cron_heartbeat(client):
    _worker_and_cron_alive()
    response = client.get("/readyz")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "worker", "cron"}
    assert all(check["ok"] for check in body["checks"].values())
    assert body["checks"]["worker"]["age_seconds"] < 5 and body["checks"]["cron"]["age_seconds"] < 5


def test_readyz_fails_when_the_cron_heartbeat_is_stale(app, client):
    _worker_and_cron_alive()
    later = utcnow() + timedelta(seconds=app.config["READY_CRON_MAX_AGE"] + 30)
    with time_machine.travel(later, tick=False):
        Worker(["escalation"], connection=get_redis()).register_birth()  # a worker still beating then
        body = client.get("/readyz").get_json()
    assert body["status"] == "fail"
    assert body["checks"]["worker"]["ok"] is True
    assert body["checks"]["cron"]["ok"] is False
    assert body["checks"]["cron"]["age_seconds"] >= app.config["READY_CRON_MAX_AGE"] + 29


def test_readyz_with_redis_down_answers_503_fast(app, client, tmp_path):
    _worker_and_cron_alive()
    _redis_down(app, tmp_path)
    started = time.monotonic()
    response = client.get("/readyz")
    assert time.monotonic() - started < 1.0
    assert response.status_code == 503
    checks = response.get_json()["checks"]
    assert checks["database"]["ok"] is True
    assert checks["redis"] == {"ok": False}
    assert checks["worker"]["ok"] is False and checks["cron"]["ok"] is False


def test_health_endpoints_are_exempt_from_rate_limits(database_url, redis_url, monkeypatch):
    class Limited(_TestConfig):
        RATELIMIT_APPLICATION = "3 per minute"  # a limit shared by every route that is not exempt

    # the limiter is one object for every app of the run: give the limit back after this test
    monkeypatch.setattr(limiter.limit_manager, "_application_limits", [])
    app = create_app(Limited(database_url, redis_url))
    client = app.test_client()
    statuses = {client.get(path).status_code for path in ("/healthz", "/readyz") for _ in range(6)}
    assert statuses <= {200, 503}
    assert [client.get("/login").status_code for _ in range(4)][-1] == 429  # the limit does bite elsewhere


def test_heartbeat_age_rule():
    now = utcnow()
    assert heartbeat_check(None, now, 60) == {"ok": False, "age_seconds": None}
    assert heartbeat_check(now - timedelta(seconds=60), now, 60) == {"ok": True, "age_seconds": 60.0}
    assert heartbeat_check(now - timedelta(seconds=61), now, 60) == {"ok": False, "age_seconds": 61.0}
