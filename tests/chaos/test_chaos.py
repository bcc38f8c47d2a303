"""Chaos on the real embedded stack: `hotline up` while its Redis, worker and cron are SIGKILLed in turn.

An operator keeps entering tickets over HTTP (logged in through the form, CSRF and all) and
a prober keeps asking ``/healthz``, while the test kills the embedded Redis, then the RQ
worker, then ``rq cron``, each time waiting for the supervisor to bring it back. Between
kills it writes "late" tickets (dispatched three weeks ago, through the intake service with
``now`` in the past), whose every escalation step is already due. It then asserts what a
user of the hotline would notice: no ticket was lost (every 302 has its row), every due
escalation step was taken exactly once (one step row, one history event), and the web app
answered every request. Bounded: about a minute and a half; it stops the stack itself and
leaves none of its processes behind.
"""
from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path

import psutil
import pytest
from sqlalchemy import func, select

import config as config_module
from hotline import ROOT, create_app
from hotline.db import utcnow
from hotline.escalation.ladder import ASSIGNMENT_STEPS
from hotline.escalation.models import EscalationStep, SupervisionCase
from hotline.extensions import db
from hotline.tickets.models import Assignment, Event, Ticket
from tests.factories import form_data
from tests.test_procs import _free_port, _wait_for

pytestmark = [
    pytest.mark.chaos,
    pytest.mark.real_clock_processes,
    pytest.mark.skipif(bool(os.environ.get("DATABASE_URL") or os.environ.get("REDIS_URL")),
                       reason="runs on the embedded stack (SQLite + embedded Redis), CI's first pass"),
]

CATCH_UP = 75  # seconds allowed, after the last kill, for every due step to be taken
LATE_BY = timedelta(days=21)  # every limit of a ticket dispatched this long ago has passed, holidays or not
# the steps that must be taken; a warning whose breach has passed may be skipped (DOMAIN.md), never doubled
BREACHES = [step for step in ASSIGNMENT_STEPS if step.endswith("_breach")]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 comes back as an HTTPError carrying its Location


class Operator:
    """An operator's browser session: cookies, CSRF tokens from the forms, no redirect following."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect())

    def request(self, path: str, data: dict | None = None) -> tuple[int, dict, str]:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with self.opener.open(self.base + path, data=body, timeout=15) as resp:
                return resp.status, dict(resp.headers), resp.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, dict(exc.headers), exc.read().decode(errors="replace")

    def csrf(self, path: str) -> str:
        status, _, html = self.request(path)
        assert status == 200, f"GET {path} answered {status}"
        match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html) or \
            re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def log_in(self, username: str, password: str) -> None:
        status, headers, _ = self.request("/login", {"username": username, "password": password,
                                                     "csrf_token": self.csrf("/login")})
        assert status == 302 and "/login" not in headers.get("Location", ""), f"login answered {status}"


class Traffic:
    """Two threads: an operator entering tickets, a prober on /healthz; every answer is counted."""

    def __init__(self, base: str, operator: Operator) -> None:
        self.base, self.operator = base, operator
        self.saved: list[str] = []  # ticket numbers of every intake answered 302
        self.failures: list[str] = []  # any answer but 2xx/3xx, or no answer at all
        self.requests = 0
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._enter_tickets, daemon=True),
                        threading.Thread(target=self._probe, daemon=True)]

    def __enter__(self) -> Traffic:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(30)

    def _note(self, what: str, status: int | None) -> None:
        self.requests += 1
        if status is None or not 200 <= status < 400:
            self.failures.append(f"{what}: {status}")

    def _enter_tickets(self) -> None:
        n = 0
        while not self.stop.is_set():
            n += 1
            try:
                token = self.operator.csrf("/tickets/new")
                self._note("GET /tickets/new", 200)
                data = form_data(intake_key=uuid.uuid4().hex, caller_phone=f"139{n:08d}", credit_code="",
                                 enterprise_name=f"临汾市混沌测试第{n}号有限公司", subject=f"混沌测试第{n}单")
                status, headers, _ = self.operator.request("/tickets/new", {**data, "csrf_token": token})
            except (OSError, AssertionError) as exc:
                self._note(f"intake #{n} ({exc})", None)
                continue
            self._note(f"POST /tickets/new #{n}", status)
            if status == 302:
                self.saved.append(headers["Location"].rsplit("/", 1)[-1])
            self.stop.wait(0.1)  # an operator's pace, sped up; leaves the machine's two cores some air

    def _probe(self) -> None:
        while not self.stop.wait(0.25):
            try:
                with urllib.request.urlopen(self.base + "/healthz", timeout=5) as resp:
                    self._note("GET /healthz", resp.status)
            except urllib.error.HTTPError as exc:
                self._note("GET /healthz", exc.code)
            except OSError as exc:
                self._note(f"GET /healthz ({exc})", None)


class _StackConfig(config_module.Config):
    """This process's view of the stack under test: its SQLite file and its embedded Redis."""

    def __init__(self, instance: Path) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = f"sqlite:///{instance / 'hotline.db'}"
        self.REDIS_URL = f"unix://{instance / 'redis.sock'}"
        self.RATELIMIT_STORAGE_URI = config_module._limits_uri(self.REDIS_URL)


def _child(up: psutil.Process, part: str) -> psutil.Process | None:
    """The supervisor's direct child whose command line contains ``part``."""
    for child in up.children():
        try:
            if part in " ".join(child.cmdline()):
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def _kill_and_wait_for_restart(up: psutil.Process, part: str, timeout: float = 30) -> None:
    victim = _child(up, part)
    assert victim is not None, f"no {part!r} under hotline up"
    victim.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        fresh = _child(up, part)
        if fresh is not None and fresh.pid != victim.pid:
            return
        time.sleep(0.2)
    raise AssertionError(f"{part!r} was not restarted within {timeout} s")


def _settle(up: psutil.Process, quiet: float = 3, timeout: float = 40) -> None:
    """Wait until the supervisor's children have kept the same pids for ``quiet`` seconds."""
    deadline = time.monotonic() + timeout
    pids, since = None, time.monotonic()
    while time.monotonic() < deadline:
        now_pids = sorted(p.pid for p in up.children())
        if now_pids != pids:
            pids, since = now_pids, time.monotonic()
        elif len(pids) == 4 and time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)
    raise AssertionError(f"the stack did not settle within {timeout} s")


def _write_late_tickets(count: int, tag: str) -> list[int]:
    """Tickets dispatched three weeks ago through the intake service: all their steps are due."""
    from hotline.tickets.intake import IntakeData, create_ticket

    ids = []
    for i in range(count):
        ticket = create_ticket(IntakeData(channel="phone", kind="complaint", category_code="refusal",
                                          subject=f"逾期未签收{tag}-{i}",
                                          description="窗口拒收申请材料，至今无人答复。",
                                          caller_name="测试", caller_phone=f"137{tag}{i:04d}"),
                               operator_id=None, operator_name="王丽", now=utcnow() - LATE_BY)
        ids.append(ticket.id)
    return ids


def _untaken_due_steps(ticket_ids: list[int]) -> list[tuple[int, str]]:
    """(assignment, breach step) of the late tickets that are due and have no step row yet."""
    db.session.expire_all()
    now = utcnow()
    taken = set(db.session.execute(select(EscalationStep.target_id, EscalationStep.step).where(
        EscalationStep.target_type == "assignment")).all())
    missing = []
    for a in db.session.scalars(select(Assignment).where(Assignment.ticket_id.in_(ticket_ids))):
        for step in BREACHES:
            column, states = ASSIGNMENT_STEPS[step]
            due = getattr(a, column)
            if due is not None and due <= now and str(a.status) in states and (a.id, str(step)) not in taken:
                missing.append((a.id, str(step)))
    db.session.rollback()
    return missing


def test_killing_redis_worker_and_cron_loses_no_ticket_and_no_escalation(tmp_path: Path):
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(HOTLINE_INSTANCE=str(tmp_path), HOTLINE_PORT=str(port), SECRET_KEY="chaos-test")
    log_path = tmp_path / "hotline-up.log"
    with open(log_path, "w") as log:  # a file, not a pipe: a full pipe would stall the stack
        proc = subprocess.Popen([str(Path(sys.executable).with_name("hotline")), "up", "--no-seed",
                                 "--web-workers", "2"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    up = psutil.Process(proc.pid)
    seen: dict[int, psutil.Process] = {}  # every process the stack ever ran, to be sure none is left
    app = create_app(_StackConfig(tmp_path))

    def remember() -> None:
        for p in up.children(recursive=True):
            seen.setdefault(p.pid, p)

    try:
        assert _wait_for(base + "/healthz", proc) == 200
        remember()
        with app.app_context():
            from hotline.demo.data import DEMO_PASSWORD
            from hotline.demo.seed import seed_reference

            seed_reference()  # the city and its demo logins, no demo tickets
            operator = Operator(base)
            operator.log_in("operator", DEMO_PASSWORD)
            late: list[int] = []
            with Traffic(base, operator) as traffic:
                for tag, victim in (("01", "redis-server"), ("02", "rq worker"), ("03", "rq cron")):
                    _settle(up)  # the previous kill's ripples (a worker exiting on a lost Redis) are over
                    late += _write_late_tickets(2, tag)  # their timers are due: the worker gets busy
                    time.sleep(1.5)
                    remember()
                    _kill_and_wait_for_restart(up, victim)
                    remember()
                _settle(up)
            deadline = time.monotonic() + CATCH_UP
            while _untaken_due_steps(late) and time.monotonic() < deadline:
                remember()
                time.sleep(1)

            assert traffic.failures == [], f"the web failed {len(traffic.failures)} of {traffic.requests} requests"
            assert len(traffic.saved) >= 5, "too few tickets were entered to mean anything"
            stored = set(db.session.scalars(select(Ticket.number).where(Ticket.number.in_(traffic.saved))))
            assert stored == set(traffic.saved), f"lost tickets: {sorted(set(traffic.saved) - stored)}"
            assert _untaken_due_steps(late) == [], "due escalation steps never taken"
            _assert_each_step_taken_exactly_once(late)
        assert _wait_until_ready(base), "/readyz did not come back to 200 after the chaos"
        output = log_path.read_text()
        for name in ("redis", "worker", "cron"):
            assert re.search(rf"hotline: {name} \(pid \d+\) exited with -9", output), f"{name} kill not seen"
            assert f"hotline: restarted {name}" in output
        assert "hotline: web (pid" not in output, "the web app went down"
        remember()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
        _, alive = psutil.wait_procs(list(seen.values()), timeout=20)
        assert alive == [], f"left behind: {[p.pid for p in alive]}"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for p in seen.values():  # only what this stack started
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        with app.app_context():
            db.engine.dispose()


def _wait_until_ready(base: str, timeout: float = 30) -> bool:
    """Redis, a worker heartbeat and a cron heartbeat all back: /readyz says 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base + "/readyz", timeout=5) as resp:
                if resp.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def _assert_each_step_taken_exactly_once(ticket_ids: list[int]) -> None:
    """One step row and one history event per (assignment, breach), at most one per warning;
    one level-1 supervision case per ticket (its lead's resolution breach)."""
    assignments = db.session.scalars(select(Assignment).where(Assignment.ticket_id.in_(ticket_ids))).all()
    assert len(assignments) == len(ticket_ids)
    for a in assignments:
        for step in ASSIGNMENT_STEPS:
            rows = db.session.scalar(select(func.count()).select_from(EscalationStep).where(
                EscalationStep.target_type == "assignment", EscalationStep.target_id == a.id,
                EscalationStep.step == str(step)))
            events = db.session.scalar(select(func.count()).select_from(Event).where(
                Event.assignment_id == a.id, Event.action == f"escalation_{step}"))
            # A warning whose breach had already passed when it was processed is settled without an
            # event (DOMAIN: the breach is written, not the warning); every due breach has exactly one.
            allowed = [(1, 1)] if step in BREACHES else [(0, 0), (1, 0)]
            assert (rows, events) in allowed, f"assignment {a.id} {step}: {rows} step rows, {events} events"
    doubled = db.session.execute(select(Event.assignment_id, Event.action).where(
        Event.assignment_id.is_not(None), Event.action.like("escalation_%")).group_by(
        Event.assignment_id, Event.action).having(func.count() > 1)).all()
    assert doubled == [], f"escalation steps recorded twice in a history: {doubled}"
    cases = db.session.execute(select(SupervisionCase.ticket_id, func.count()).where(
        SupervisionCase.ticket_id.in_(ticket_ids)).group_by(SupervisionCase.ticket_id)).all()
    assert sorted(cases) == sorted((t, 1) for t in ticket_ids)
