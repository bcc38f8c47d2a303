"""Real parts outside the system, on loopback: an SMTP server (aiosmtpd) that keeps what it receives,
and an HTTP SMS gateway that answers, refuses (503) or hangs, as a test tells it to."""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rq import SimpleWorker
from rq.scheduler import RQScheduler
from sqlalchemy import select

from hotline.auth.models import User
from hotline.extensions import db
from hotline.notifications.models import ContactPoint
from hotline.queue import QUEUES, get_queue, get_redis
from hotline.roles import Role


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Inbox:
    """What the SMTP server received: (sender, recipients, message bytes)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler hook
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server(app):
    """An SMTP server on loopback; the app sends its mail there (no TLS: loopback only)."""
    from aiosmtpd.controller import Controller

    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none", SMTP_SENDER="hotline@linfen.test",
                      SMTP_TIMEOUT=5.0)
    try:
        yield inbox
    finally:
        controller.stop()


class Gateway:
    """The SMS gateway's state: ``mode`` is ``ok``, ``fail`` (HTTP 503) or ``hang`` (answers too late)."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.received: list[dict] = []
        self.auth: list[str] = []
        self.refused = 0


def _handler(gateway: Gateway):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if gateway.mode == "hang":
                time.sleep(1.5)
            if gateway.mode != "ok":
                gateway.refused += 1
                self.send_response(503)
                self.end_headers()
                return
            gateway.received.append(body)
            gateway.auth.append(self.headers.get("Authorization", ""))
            answer = json.dumps({"id": f"m{len(gateway.received)}"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):  # keep the test output quiet
            pass

    return Handler


@pytest.fixture
def sms_gateway(app):
    """An HTTP SMS gateway on loopback; the app's ``http`` provider posts to it (0.5 s timeout)."""
    gateway = Gateway()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(gateway))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config.update(SMS_PROVIDER="http", SMS_GATEWAY_URL=f"http://127.0.0.1:{server.server_port}/send",
                      SMS_GATEWAY_KEY="test-key", SMS_TIMEOUT=0.5)
    try:
        yield gateway
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def reachable_handlers(city):
    """Every demo handler gives an e-mail address and a mobile number."""
    handlers = db.session.scalars(select(User).where(User.role == Role.handler)).all()
    for n, user in enumerate(handlers):
        db.session.add(ContactPoint(user_id=user.id, email=f"{user.username}@linfen.test", mobile=f"1390000{n:04d}"))
    db.session.commit()
    return handlers


def run_queued_jobs() -> None:
    """Move due retries to their queues, then run every queued job (as a worker with its scheduler would)."""
    queues = [get_queue(name) for name in QUEUES]
    scheduler = RQScheduler(queues, connection=get_redis())
    scheduler.acquire_locks()
    scheduler.enqueue_scheduled_jobs()
    scheduler.release_locks()
    SimpleWorker(queues, connection=get_redis()).work(burst=True)
