"""The peer's write path, timed: ``python -m bench.peer.run_peer --database-url URL``.

Run ``bench.peer.setup_peer`` on the same database first (it installs django-helpdesk 2.6.1 in its
own virtualenv and loads the history). Then, in this order:

1. **Web form** — the peer served by ``gunicorn -w N --chdir bench/peer/project
   peerdesk.wsgi:application`` (sync workers, N = ``--workers``, default 2) on a free loopback port;
   ``--clients`` threads (default 8), each logged in as its own staff account through the login form
   (CSRF token from the page), repeat ``GET /tickets/submit/`` (django-helpdesk's staff "create
   ticket" form, with a fresh CSRF token) and ``POST /tickets/submit/`` with the form filled from
   :func:`bench.intake_service.calls` — the calls Hotline's ``bench.intake_http`` enters, mapped by
   :func:`bench.peer.setup_peer.peer_ticket` (caller and enterprise in the description, urgency as
   priority). A ticket is a 302 to the new ticket (not followed).
2. **API** — the same clients ``POST /api/tickets/`` (its Django REST framework API) with JSON;
   ``--api-auth session`` (default) sends the session cookie and the ``X-CSRFToken`` header, as a
   logged-in page's script would; ``basic`` sends HTTP Basic credentials, which makes Django check
   the password — a PBKDF2 hash, on purpose slow — on every request. A ticket is a 201.
3. **Escalation** — gunicorn stopped: ``manage.py peer_due --count 0`` (nothing due) and
   ``manage.py escalate_tickets`` timed as the baseline (interpreter and Django start-up, the queue
   query); then ``peer_due --count N`` (``--escalate``, default 2,000) and ``escalate_tickets``
   timed again. Reported: the escalated tickets (``last_escalation`` since the start), tickets/s of
   the whole command, and net of the baseline. ``escalate_days`` is cleared afterwards.
4. **SQL statements per request** — a separate, instrumented pass (``manage.py peer_sqlcount``,
   in-process through Django's test client; ``--sql-requests`` of each request kind,
   ``--sql-escalate`` tickets escalated): the timed runs above carry no instrumentation.

Each of (1) and (2) runs ``--duration`` seconds after ``--warmup`` seconds (or until ``--count``
tickets were saved in the measured window); reported: tickets/s, p50/p95/p99 of the POST (and of
the form's GET), errors by kind, the peak RSS of gunicorn, the CPU the load generator used.
gunicorn is stopped at the end whatever happens. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import base64
import http.client
import json
import os
import random
import re
import resource
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.common import RssSampler, emit, free_port, log, redact, sigterm_as_exit, summary_ms
from bench.intake_http import Gunicorn
from bench.peer.setup_peer import (
    DEFAULT_VENV,
    PASSWORD,
    PEER,
    PROJECT,
    manage,
    peer_env,
    peer_ticket,
    venv_python,
)

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
PHASES = ("form", "api", "escalate")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.peer.run_peer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="the peer's database, set up by bench.peer.setup_peer")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent clients (default 8)")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds per phase (after the warm-up)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured at the start of a phase")
    parser.add_argument("--count", type=int, help="stop a phase once this many tickets were saved in its window")
    parser.add_argument("--escalate", type=int, default=2000, help="tickets made due for escalate_tickets")
    parser.add_argument("--phases", default=",".join(PHASES), help=f"comma-separated, of {', '.join(PHASES)}")
    parser.add_argument("--api-auth", choices=("session", "basic"), default="session")
    parser.add_argument("--sql-requests", type=int, default=20, help="instrumented pass: requests of each kind "
                        "(0: no SQL counts)")
    parser.add_argument("--sql-escalate", type=int, default=200, help="instrumented pass: tickets escalated")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, help="default: a free port")
    args = parser.parse_args(argv)
    phases = [p.strip() for p in args.phases.split(",") if p.strip()]
    if set(phases) - set(PHASES):
        parser.error(f"unknown phases {sorted(set(phases) - set(PHASES))}")
    if args.workers < 1 or args.clients < 1:
        parser.error("--workers and --clients must be positive")
    if not venv_python(args.venv).exists():
        raise SystemExit(f"no peer virtualenv in {args.venv}: run python -m bench.peer.setup_peer first")
    sigterm_as_exit()
    return run(args, phases)


def run(args, phases: list[str]) -> dict:
    prepared = manage(args.venv, args.database_url, "peer_prepare", "--users", str(args.clients),
                      "--password", PASSWORD)
    before = manage(args.venv, args.database_url, "peer_stats")
    record: dict = {"bench": "peer", "peer": PEER, "database": "postgresql", "url": redact(args.database_url),
                    "versions": _versions(args.venv), "history_tickets": before["tickets"],
                    "history_by_status": before["by_status"], "workers": args.workers, "clients": args.clients,
                    "server": f"gunicorn -w {args.workers} -b 127.0.0.1:PORT --chdir bench/peer/project "
                              "peerdesk.wsgi:application (sync workers)", "api_auth": args.api_auth}
    started = datetime.now(UTC)
    web = [p for p in phases if p in ("form", "api")]
    if web:
        record.update(_web_phases(args, web, prepared["queue_id"]))
        created = manage(args.venv, args.database_url, "peer_stats", "--since", started.isoformat())
        record["tickets_created_total"] = created["created_since"]
    if "escalate" in phases:
        record["escalate"] = _escalation(args)
    if args.sql_requests > 0:
        log(f"instrumented pass: {args.sql_requests} requests of each kind, {args.sql_escalate} escalations")
        record["sql_statements"] = manage(args.venv, args.database_url, "peer_sqlcount", "--requests",
                                          str(args.sql_requests), "--escalate", str(args.sql_escalate))
    after = manage(args.venv, args.database_url, "peer_stats")
    record["tickets_after"] = after["tickets"]
    record["loadavg"] = os.getloadavg()
    failed = [f"{p}: {record[p]['fatal'] or 'no ticket saved'}" for p in web
              if record.get(p) and (record[p]["fatal"] or not record[p]["tickets"])]
    emit(record)
    if failed:
        raise SystemExit("peer benchmark failed: " + "; ".join(failed))
    return record


def _versions(venv: Path) -> dict:
    """The versions installed in the peer's virtualenv."""
    names = ("django-helpdesk", "Django", "djangorestframework", "gunicorn", "psycopg")
    out = subprocess.run([str(venv_python(venv)), "-c", "import sys; from importlib.metadata import version; "
                          "print(*[version(n) for n in sys.argv[1:]])", *names], capture_output=True, text=True)
    return dict(zip(names, out.stdout.split()))


# --------------------------------------------------------------------------------------------
# The server and the clients
# --------------------------------------------------------------------------------------------


class PeerGunicorn(Gunicorn):
    """The peer's gunicorn, from its own virtualenv; ready when ``/login/`` answers 200."""

    cwd = PROJECT
    ready_path = "/login/"

    def __init__(self, venv: Path, workers: int, port: int, env: dict, state: Path) -> None:
        super().__init__(workers, port, env, state)
        self.venv = venv

    @property
    def command(self) -> list[str]:
        return [str(self.venv / "bin" / "gunicorn"), "-w", str(self.workers), "-b", f"127.0.0.1:{self.port}",
                "--chdir", str(PROJECT), "--timeout", "120", "--graceful-timeout", "5", "--error-logfile",
                str(self.errlog), "peerdesk.wsgi:application"]



class Client:
    """One client's connection and cookie jar (http.client; reconnects when the server closes)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        headers = {"Accept-Language": "zh-CN", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()
            if method != "GET":
                raise
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        data = resp.read()
        for header in resp.headers.get_all("Set-Cookie") or ():
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return resp.status, resp.headers, data.decode("utf-8", "replace")

    def form(self, path: str, fields: list[tuple[str, str]]):
        return self.request("POST", path, urlencode(fields).encode(),
                            {"Content-Type": "application/x-www-form-urlencoded"})

    def login(self, username: str) -> int:
        _s, _h, html = self.request("GET", "/login/")
        token = CSRF_INPUT.search(html)
        status, _h, _b = self.form("/login/", [("csrfmiddlewaretoken", unescape(token.group(1)) if token else ""),
                                               ("username", username), ("password", PASSWORD), ("next", "/")])
        return status

    def close(self) -> None:
        self.conn.close()


class Staff(threading.Thread):
    """A staff member entering tickets through the form or the API until told to stop."""

    def __init__(self, k: int, phase: str, port: int, queue_id: int, args, stop: threading.Event) -> None:
        super().__init__(daemon=True, name=f"peer-{phase}-{k}")
        self.k, self.phase, self.port, self.queue_id, self.args, self.stop_event = k, phase, port, queue_id, args, stop
        self.username = f"peer-staff-{k:02d}"
        self.rng = random.Random(args.seed * 1000 + k + (500 if phase == "api" else 0))
        self.run_id = f"{os.getpid()}-{time.time_ns()}-{phase}-{k}"
        self.pending: list[dict] = []
        self.made = 0
        self.posts: list[tuple[float, float, int]] = []  # (finished at, seconds, status)
        self.gets: list[tuple[float, float]] = []
        self.errors: Counter = Counter()
        self.samples: Counter = Counter()
        self.fatal: str | None = None

    def _next_ticket(self) -> dict:
        if not self.pending:
            from bench.intake_service import calls

            _cls, planned = calls(200, self.rng, f"{self.run_id}-{self.made}")
            self.pending = [peer_ticket(f) for f, _repeat in planned]
            self.made += 200
        return self.pending.pop()

    def run(self) -> None:
        c = Client(self.port)
        try:
            if self.phase == "form" or self.args.api_auth == "session":
                status = c.login(self.username)
                if status != 302:
                    self.fatal = f"login answered {status}"
                    return
            one = self._one_form if self.phase == "form" else self._one_api
            while not self.stop_event.is_set():
                one(c)
        except BaseException as exc:  # reported; the main thread stops everything
            self.fatal = f"{type(exc).__name__}: {exc}"
        finally:
            c.close()

    def _one_form(self, c: Client) -> None:
        t = time.perf_counter()
        try:
            status, _h, html = c.request("GET", "/tickets/submit/")
        except (OSError, http.client.HTTPException) as exc:
            self.errors[f"GET {type(exc).__name__}"] += 1
            return
        self.gets.append((time.perf_counter(), time.perf_counter() - t))
        token = CSRF_INPUT.search(html)
        if status != 200 or not token:
            self.errors[f"GET {status}"] += 1
            return
        ticket = self._next_ticket()
        fields = [("csrfmiddlewaretoken", unescape(token.group(1))), ("queue", str(self.queue_id)),
                  ("title", ticket["title"]), ("body", ticket["description"]), ("priority", str(ticket["priority"])),
                  ("due_date", ""), ("submitter_email", ticket["submitter_email"]), ("assigned_to", "")]
        self._post(lambda: c.form("/tickets/submit/", fields), 302)

    def _one_api(self, c: Client) -> None:
        ticket = self._next_ticket()
        body = json.dumps({"queue": self.queue_id, **ticket}).encode()
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.args.api_auth == "session":
            headers["X-CSRFToken"] = c.cookies.get("csrftoken", "")
        else:
            headers["Authorization"] = "Basic " + base64.b64encode(f"{self.username}:{PASSWORD}".encode()).decode()
        self._post(lambda: c.request("POST", "/api/tickets/", body, headers), 201)

    def _post(self, send, ok: int) -> None:
        t = time.perf_counter()
        try:
            status, _h, text = send()
        except (OSError, http.client.HTTPException) as exc:
            self.errors[f"POST {type(exc).__name__}"] += 1
            return
        done = time.perf_counter()
        self.posts.append((done, done - t, status))
        if status != ok:
            self.errors[f"POST {status}"] += 1
            self.samples[" ".join(text.split())[:160]] += 1


# --------------------------------------------------------------------------------------------
# The phases
# --------------------------------------------------------------------------------------------


def _web_phases(args, phases: list[str], queue_id: int) -> dict:
    state = Path(tempfile.mkdtemp(prefix="bench-peer-"))
    port = args.port or free_port()
    server = PeerGunicorn(args.venv, args.workers, port,
                          peer_env(args.database_url, PEER_MEDIA_ROOT=str(state / "media")), state)
    out: dict = {}
    try:
        server.start()
        sampler = RssSampler(server.proc.pid).start()
        log(f"peer gunicorn up on port {port} with {args.workers} workers")
        for phase in phases:
            out[phase] = _phase(args, phase, port, queue_id)
        out["memory"] = sampler.stop()
    finally:
        server.stop()
        tail = server.log_tail()
        shutil.rmtree(state, ignore_errors=True)
    if any(out.get(p, {}).get("fatal") or not out.get(p, {}).get("tickets") for p in phases):
        log("peer gunicorn log:\n" + tail)
    return out


def _phase(args, phase: str, port: int, queue_id: int) -> dict:
    """``--clients`` staff threads entering tickets through ``phase`` for the warm-up and the window."""
    ok = 302 if phase == "form" else 201
    stop = threading.Event()
    staff = [Staff(k, phase, port, queue_id, args, stop) for k in range(1, args.clients + 1)]
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    for s in staff:
        s.start()
    window_start = started + args.warmup
    deadline = window_start + args.duration
    while time.perf_counter() < deadline:
        time.sleep(0.2)
        if all(not s.is_alive() for s in staff):
            break
        if args.count and sum(1 for s in staff for done, _t, st in s.posts
                              if st == ok and done >= window_start) >= args.count:
            break
    window_end = time.perf_counter()
    stop.set()
    for s in staff:
        s.join(120)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    window = window_end - window_start
    posts = [(t, st) for s in staff for done, t, st in s.posts if window_start <= done <= window_end]
    good = [t for t, st in posts if st == ok]
    gets = [t for s in staff for done, t in s.gets if window_start <= done <= window_end]
    errors = sum((s.errors for s in staff), Counter())
    samples = sum((s.samples for s in staff), Counter())
    fatal = [f"client {s.k}: {s.fatal}" for s in staff if s.fatal]
    res = {"window_s": round(window, 2), "warmup_s": args.warmup, "tickets": len(good),
           "tickets_per_s": round(len(good) / window, 2) if window > 0 else None, "post": summary_ms(good),
           "posts_in_window": len(posts), "errors": dict(errors), "error_samples": dict(samples.most_common(3)),
           "fatal": fatal, "load_generator_cpu_s": round((cpu1.ru_utime + cpu1.ru_stime)
                                                         - (cpu0.ru_utime + cpu0.ru_stime), 1)}
    if phase == "form":
        res["get"] = summary_ms(gets)
    log(f"{phase}: {len(good)} tickets in {window:.1f} s = {res['tickets_per_s']}/s; POST p50 {res['post']['p50_ms']} "
        f"ms, p99 {res['post']['p99_ms']} ms; errors {dict(errors) or 'none'}")
    return res


def _escalation(args) -> dict:
    """``manage.py escalate_tickets`` with nothing due, then with ``--escalate`` tickets due."""
    py, managepy = str(venv_python(args.venv)), str(PROJECT / "manage.py")
    env = peer_env(args.database_url)

    def timed_escalate() -> float:
        t = time.perf_counter()
        subprocess.run([py, managepy, "escalate_tickets"], cwd=PROJECT, env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=3600)
        return time.perf_counter() - t

    try:
        manage(args.venv, args.database_url, "peer_due", "--count", "0")
        baseline = timed_escalate()
        due = manage(args.venv, args.database_url, "peer_due", "--count", str(args.escalate))
        since = datetime.now(UTC)
        log(f"escalation: {due['due']:,} tickets due ({due['open_not_due']:,} other open tickets not due)")
        seconds = timed_escalate()
        escalated = manage(args.venv, args.database_url, "peer_stats", "--since", since.isoformat())["escalated_since"]
    finally:
        manage(args.venv, args.database_url, "peer_due", "--off")
    net = seconds - baseline
    res = {"command": "manage.py escalate_tickets", "due": due["due"], "open_not_due": due["open_not_due"],
           "escalated": escalated, "command_s": round(seconds, 3), "baseline_s": round(baseline, 3),
           "tickets_per_s": round(escalated / seconds, 1) if seconds > 0 else None,
           "tickets_per_s_net": round(escalated / net, 1) if escalated and net > 0 else None}
    log(f"escalate_tickets: {escalated:,} escalated in {seconds:.2f} s (nothing due: {baseline:.2f} s) = "
        f"{res['tickets_per_s']}/s, net {res['tickets_per_s_net']}/s")
    return res


if __name__ == "__main__":
    main()
