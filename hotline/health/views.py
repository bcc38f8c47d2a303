"""``/healthz`` (liveness) and ``/readyz`` (readiness): no login, no rate limit, small JSON."""
from __future__ import annotations

from flask import Blueprint, current_app, jsonify

from hotline.db import utcnow
from hotline.extensions import limiter
from hotline.health import checks

bp = Blueprint("health", __name__)


@bp.route("/healthz")
@limiter.exempt
def healthz():
    """Liveness: the process answers; nothing else is consulted."""
    return _no_store(jsonify(status="ok")), 200


@bp.route("/readyz")
@limiter.exempt
def readyz():
    """Readiness: database, Redis, a fresh worker heartbeat and a fresh cron heartbeat; 200 or 503."""
    config = current_app.config
    results = checks.readiness(utcnow(), config["READY_WORKER_MAX_AGE"], config["READY_CRON_MAX_AGE"])
    ready = all(r["ok"] for r in results.values())
    body = jsonify(status="ok" if ready else "fail", checks=results)
    return _no_store(body), 200 if ready else 503


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response
