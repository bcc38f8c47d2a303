"""Intake over HTTP through gunicorn: ``python -m bench.intake_http --database-url URL``.

Starts the production web server, ``gunicorn -w N -b 127.0.0.1:PORT wsgi:app`` (N = number of
cores unless ``--workers``), with ``DATABASE_URL``, ``REDIS_URL`` (an embedded Redis started here
in a temporary directory, or ``--redis URL``), ``SECRET_KEY`` and ``HOTLINE_INSTANCE`` (a
temporary directory). Before that it creates the schema if missing, loads the reference data
(``seed_reference``) and K operator accounts ``bench-op-01`` … (created once, kept).

Then K simulated operators — threads, each with its own connection and cookie jar — log in
through the real login form (CSRF token parsed from the page) and repeat: ``GET /tickets/new``
(fresh CSRF token and ``intake_key``), ``POST /tickets/new`` with the real form filled from
:func:`bench.intake_service.calls` (the category mix of the generator, enterprises with valid
credit codes, normalized phones, inquiries answered on the spot, operator overrides to joint
handling; no confirmed repeats). The redirect to the new ticket is not followed. Runs for
``--duration`` seconds after ``--warmup`` seconds (or until ``--tickets`` are saved); a ticket
is a ``302`` answer to the POST. Reported: tickets/s, p50/p95/p99 of the POST and of the GET,
errors by kind, the peak RSS of the gunicorn master and of its workers (sampled every 0.1 s), the
CPU the load generator itself used (it shares the machine), and the code measured — the git
commit and which application files differed from it.

After the timed run, with gunicorn stopped, ``--count-tickets`` (default 50) more tickets are entered
in-process through the Flask test client, the same requests on the same database and Redis, to count
what one ticket costs: the SQL statements of its GET and POST, the RQ jobs it creates and the Redis
commands it sends (``per_ticket`` in the report; the timed run carries no instrumentation).

``--via api`` measures the JSON API instead: each simulated integration holds its own API key (an
operator-role key issued here, rate limit raised so that the limiter does not cap the run) and
repeats ``POST /api/v1/tickets`` with a JSON body built from the same calls (an ``Idempotency-Key``
each; inquiries the form would answer on the spot are sent as they are, the API has no "answered"
field); a ticket is a ``201`` answer. There is no GET per ticket in this mode.

gunicorn, its workers and the embedded Redis are stopped at the end whatever happens (also on
Ctrl-C or SIGTERM; gunicorn also gets SIGTERM if this process dies). Prints one JSON line.
"""
from __future__ import annotations

import argparse
import ctypes
import http.client
import json
import logging
import os
import random
import re
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from html import unescape
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

from bench.common import (
    ROOT,
    RssSampler,
    code_version,
    dialect_of,
    emit,
    free_port,
    log,
    make_app,
    redact,
    sigterm_as_exit,
    start_embedded_redis,
    stop_embedded_redis,
    summary_ms,
)

PASSWORD = "bench-operator-password"
INPUT = re.compile(r"<input\b[^>]*>")
ERROR = re.compile(r'<p class="error"[^>]*>([^<]*)</p>')
SUBJECT_MAX = 80  # IntakeForm.subject


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.intake_http", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--redis", default="embedded", help="embedded (default) or a Redis URL")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2, help="gunicorn workers (default: cores)")
    parser.add_argument("--operators", type=int, help="concurrent simulated operators (default: 2 × workers)")
    parser.add_argument("--duration", type=float, default=30.0, help="measured seconds (after the warm-up)")
    parser.add_argument("--warmup", type=float, default=3.0, help="seconds not measured at the start")
    parser.add_argument("--tickets", type=int, help="stop once this many tickets were saved in the measured window")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int, help="default: a free port")
    parser.add_argument("--via", choices=("form", "api"), default="form",
                        help="the web form (GET + POST per ticket, default) or the JSON API (POST per ticket)")
    parser.add_argument("--count-tickets", type=int, default=50,
                        help="tickets of the instrumented pass after the timed run (0: none)")
    args = parser.parse_args(argv)
    args.operators = args.operators or 2 * args.workers
    if args.workers < 1 or args.operators < 1:
        parser.error("--workers and --operators must be positive")
    sigterm_as_exit()
    dialect = dialect_of(args.database_url)
    server = start_embedded_redis() if args.redis == "embedded" else None
    redis_url = server.url if server else args.redis
    try:
        return _run(args, dialect, redis_url)
    finally:
        stop_embedded_redis(server)


# --------------------------------------------------------------------------------------------
# Preparation and the server
# --------------------------------------------------------------------------------------------


def prepare(database_url: str, redis_url: str, operators: int, api_keys: bool = False) -> dict:
    """Schema, reference data and the operator accounts (and, with ``api_keys``, one fresh
    operator-role API key per simulated integration); returns facts about the database."""
    from sqlalchemy import func, select

    from hotline.auth.models import User
    from hotline.auth.services import create_user
    from hotline.demo.seed import seed_reference
    from hotline.extensions import db
    from hotline.tickets.models import Ticket

    app = make_app(database_url, redis_url)
    with app.app_context():
        db.create_all()
        seed_reference()
        for k in range(1, operators + 1):
            name = f"bench-op-{k:02d}"
            if db.session.scalar(select(User.id).where(User.username == name)) is None:
                create_user(username=name, display_name=f"基准话务员{k:02d}", password=PASSWORD, role="operator")
        keys = []
        if api_keys:
            from hotline.api import keys as api_key_service

            run = time.time_ns()
            for k in range(1, operators + 1):
                _key, raw = api_key_service.issue(name=f"bench-api-{run}-{k:02d}", role="operator",
                                                  department_id=None, rate_limit="100000/minute",
                                                  created_by_id=None)
                keys.append(raw)
            db.session.commit()
        tickets = db.session.scalar(select(func.count()).select_from(Ticket))
        db.session.remove()
        db.engine.dispose()
    return {"tickets": tickets, "api_keys": keys}


def _die_with_parent() -> None:
    """In the child, before exec: own process group, and SIGTERM when this benchmark dies."""
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


class Gunicorn:
    """``gunicorn -w N -b 127.0.0.1:PORT wsgi:app`` in its own process group."""

    def __init__(self, workers: int, port: int, env: dict, state: Path) -> None:
        self.workers, self.port, self.env, self.state = workers, port, env, state
        self.proc: subprocess.Popen | None = None
        self.errlog = state / "gunicorn.log"

    @property
    def command(self) -> list[str]:
        return [str(Path(sys.executable).with_name("gunicorn")), "-w", str(self.workers), "-b",
                f"127.0.0.1:{self.port}", "--timeout", "120", "--graceful-timeout", "5", "--error-logfile",
                str(self.errlog), "wsgi:app"]

    #: Where the server runs, and the page that answers 200 once it is up (a subclass serves another app).
    cwd = ROOT
    ready_path = "/login"

    def start(self, timeout: float = 60.0) -> None:
        self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=self.env, preexec_fn=_die_with_parent,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited with {self.proc.returncode}:\n{self.log_tail()}")
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", self.ready_path)
                status = conn.getresponse().status
                conn.close()
                if status == 200 and len(self.worker_pids()) >= self.workers:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise SystemExit(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def worker_pids(self) -> list[int]:
        try:
            import psutil

            return [c.pid for c in psutil.Process(self.proc.pid).children()]
        except ImportError:
            from bench.common import rss_tree_bytes

            return [p for p in rss_tree_bytes(self.proc.pid) if p != self.proc.pid]

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None:
            return
        for sig, wait in ((signal.SIGTERM, 15), (signal.SIGKILL, 5)):
            try:
                os.killpg(proc.pid, sig)
            except (ProcessLookupError, PermissionError):
                break
            try:
                proc.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything left in its group
        except (ProcessLookupError, PermissionError):
            pass

    def log_tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.errlog.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


# --------------------------------------------------------------------------------------------
# The simulated operators
# --------------------------------------------------------------------------------------------


def _inputs(html: str) -> dict[str, str]:
    """name → value of the page's <input> elements."""
    out = {}
    for tag in INPUT.findall(html):
        name = re.search(r'\bname="([^"]*)"', tag)
        value = re.search(r'\bvalue="([^"]*)"', tag)
        if name:
            out.setdefault(unescape(name.group(1)), unescape(value.group(1)) if value else "")
    return out


class Browser:
    """One operator's connection and cookie jar (http.client; reconnects when the server closes)."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: list[tuple[str, str]] | None = None,
                json_body: dict | None = None, extra: dict | None = None):
        headers = {"Accept-Language": "zh-CN", **(extra or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if method != "GET":
                self.conn.close()
                raise
            self.conn.close()
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        data = resp.read()
        for header in resp.headers.get_all("Set-Cookie") or ():
            jar = SimpleCookie()
            jar.load(header)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        return resp.status, resp.headers, data.decode("utf-8", "replace")

    def close(self) -> None:
        self.conn.close()


def form_fields(fields: dict, csrf: str, intake_key: str) -> list[tuple[str, str]]:
    """An IntakeData-shaped dict (bench.intake_service.calls) as the intake form posts it."""
    out = [("csrf_token", csrf), ("intake_key", intake_key), ("channel", fields["channel"]),
           ("caller_phone", fields["caller_phone"] or ""), ("caller_name", fields["caller_name"]),
           ("credit_code", fields["credit_code"] or ""), ("enterprise_name", fields["enterprise_name"]),
           ("district", fields["district_code"] or ""), ("kind", fields["kind"]),
           ("category", fields["category_code"] or ""), ("urgency", fields["urgency"]),
           ("subject", fields["subject"][:SUBJECT_MAX]), ("description", fields["description"]),
           ("answer", fields["answer"]), ("repeat_of", ""), ("lead", fields["lead"] or ""),
           ("override_reason", fields["override_reason"]), ("submit", "save")]
    if fields["answered_on_spot"]:
        out.append(("answered_on_spot", "y"))
    out += [("co_handlers", c) for c in fields["co_handlers"]]
    return out


def api_body(fields: dict) -> dict:
    """An IntakeData-shaped dict (bench.intake_service.calls) as an integration posts it to /api/v1/tickets."""
    body = {"channel": fields["channel"], "kind": fields["kind"], "subject": fields["subject"][:SUBJECT_MAX],
            "description": fields["description"], "urgency": fields["urgency"]}
    for key, value in (("category", fields["category_code"]), ("caller_name", fields["caller_name"]),
                       ("caller_phone", fields["caller_phone"]), ("enterprise_name", fields["enterprise_name"]),
                       ("credit_code", fields["credit_code"]), ("district", fields["district_code"]),
                       ("lead", fields["lead"]), ("override_reason", fields["override_reason"])):
        if value:
            body[key] = value
    if fields["co_handlers"]:
        body["co_handlers"] = list(fields["co_handlers"])
    return body


class Operator(threading.Thread):
    """Logs in, then intakes calls until told to stop."""

    def __init__(self, k: int, port: int, seed: int, stop: threading.Event, shared: dict,
                 api_key: str | None = None) -> None:
        super().__init__(daemon=True, name=f"operator-{k}")
        self.api_key = api_key
        self.k, self.port, self.stop_event, self.shared = k, port, stop, shared
        self.rng = random.Random(seed * 1000 + k)
        self.run_id = f"{os.getpid()}-{time.time_ns()}-{k}"
        self.pending: list = []
        self.made = 0
        self.posts: list[tuple[float, float, int]] = []  # (finished at, seconds, status)
        self.gets: list[tuple[float, float]] = []
        self.errors: Counter = Counter()
        self.messages: Counter = Counter()
        self.numbers: list[str] = []
        self.fatal: str | None = None

    def _next_call(self) -> dict:
        if not self.pending:
            from bench.intake_service import calls

            _cls, planned = calls(200, self.rng, f"{self.run_id}-{self.made}")
            self.pending = [f for f, _repeat in planned]
            self.made += 200
        return self.pending.pop()

    def run(self) -> None:
        if self.api_key:
            return self._run_api()
        b = Browser(self.port)
        try:
            status, _h, html = b.request("GET", "/login")
            csrf = _inputs(html).get("csrf_token")
            status, headers, html = b.request("POST", "/login", [
                ("csrf_token", csrf or ""), ("username", f"bench-op-{self.k:02d}"), ("password", PASSWORD)])
            if status != 302:
                self.fatal = f"login answered {status}"
                return
            while not self.stop_event.is_set():
                t = time.perf_counter()
                try:
                    status, _h, html = b.request("GET", "/tickets/new")
                except (OSError, http.client.HTTPException) as exc:
                    self.errors[f"GET {type(exc).__name__}"] += 1
                    continue
                self.gets.append((time.perf_counter(), time.perf_counter() - t))
                if status != 200:
                    self.errors[f"GET {status}"] += 1
                    continue
                values = _inputs(html)
                form = form_fields(self._next_call(), values.get("csrf_token", ""), values.get("intake_key", ""))
                t = time.perf_counter()
                try:
                    status, headers, html = b.request("POST", "/tickets/new", form)
                except (OSError, http.client.HTTPException) as exc:
                    self.errors[f"POST {type(exc).__name__}"] += 1
                    continue
                done = time.perf_counter()
                self.posts.append((done, done - t, status))
                if status == 302:
                    self.numbers.append(headers.get("Location", "").rstrip("/").rsplit("/", 1)[-1])
                else:
                    self.errors[f"POST {status}"] += 1
                    for msg in ERROR.findall(html)[:3]:
                        self.messages[unescape(msg.strip())[:120]] += 1
        except BaseException as exc:  # reported; the main thread stops everything
            self.fatal = f"{type(exc).__name__}: {exc}"
        finally:
            b.close()


    def _run_api(self) -> None:
        b = Browser(self.port)
        auth = {"Authorization": f"Bearer {self.api_key}", "Accept": "application/json"}
        try:
            n = 0
            while not self.stop_event.is_set():
                n += 1
                body = api_body(self._next_call())
                t = time.perf_counter()
                try:
                    status, headers, text = b.request("POST", "/api/v1/tickets", json_body=body,
                                                      extra={**auth, "Idempotency-Key": f"{self.run_id}-{n}"})
                except (OSError, http.client.HTTPException) as exc:
                    self.errors[f"POST {type(exc).__name__}"] += 1
                    continue
                done = time.perf_counter()
                self.posts.append((done, done - t, status))
                if status == 201:
                    self.numbers.append(json.loads(text)["number"])
                else:
                    self.errors[f"POST {status}"] += 1
                    self.messages[text[:120]] += 1
        except BaseException as exc:  # reported; the main thread stops everything
            self.fatal = f"{type(exc).__name__}: {exc}"
        finally:
            b.close()


# --------------------------------------------------------------------------------------------


def _run(args, dialect: str, redis_url: str) -> dict:
    from sqlalchemy import func, select

    logging.getLogger("hotline").setLevel(logging.ERROR)
    version = code_version()
    log(f"code: git {version['head']}, uncommitted application files: {version['uncommitted_app_files'] or 'none'}")
    before = prepare(args.database_url, redis_url, args.operators, api_keys=args.via == "api")
    created_status = 201 if args.via == "api" else 302
    state = Path(tempfile.mkdtemp(prefix="bench-http-"))
    port = args.port or free_port()
    env = dict(os.environ, DATABASE_URL=args.database_url, REDIS_URL=redis_url,
               SECRET_KEY=os.environ.get("SECRET_KEY", "bench-only-secret-key"),
               HOTLINE_INSTANCE=str(state / "instance"), HOTLINE_CONFIG="default",
               HOTLINE_UPLOAD_DIR=str(state / "uploads"))
    server = Gunicorn(args.workers, port, env, state)
    record: dict = {"bench": "intake_http", "via": args.via, "database": dialect, "url": redact(args.database_url),
                    "redis": "embedded" if args.redis == "embedded" else redact(args.redis), "code": version,
                    "history_tickets": before["tickets"], "workers": args.workers, "operators": args.operators,
                    "server": f"gunicorn -w {args.workers} -b 127.0.0.1:PORT wsgi:app (sync workers)"}
    stop = threading.Event()
    ops: list[Operator] = []
    cpu0 = resource.getrusage(resource.RUSAGE_SELF)
    try:
        server.start()
        sampler = RssSampler(server.proc.pid).start()
        log(f"gunicorn up on port {port} with {args.workers} workers; {args.operators} operators start")
        keys = before["api_keys"] or [None] * args.operators
        ops = [Operator(k, port, args.seed, stop, {}, api_key=keys[k - 1]) for k in range(1, args.operators + 1)]
        started = time.perf_counter()
        for op in ops:
            op.start()
        window_start = started + args.warmup
        deadline = window_start + args.duration
        while time.perf_counter() < deadline:
            time.sleep(0.2)
            if all(not op.is_alive() for op in ops):
                break
            if args.tickets and sum(1 for op in ops for done, _s, st in op.posts
                                    if st == created_status and done >= window_start) >= args.tickets:
                break
        window_end = time.perf_counter()
        stop.set()
        for op in ops:
            op.join(120)
        memory = sampler.stop()
    finally:
        stop.set()
        server.stop()
        gunicorn_log = server.log_tail()
        shutil.rmtree(state, ignore_errors=True)
    cpu1 = resource.getrusage(resource.RUSAGE_SELF)
    fatal = [f"operator {op.k}: {op.fatal}" for op in ops if op.fatal]
    window = window_end - window_start
    posts = [(s, st) for op in ops for done, s, st in op.posts if window_start <= done <= window_end]
    ok = [s for s, st in posts if st == created_status]
    gets = [s for op in ops for done, s in op.gets if window_start <= done <= window_end]
    errors = sum((op.errors for op in ops), Counter())
    messages = sum((op.messages for op in ops), Counter())
    numbers = [n for op in ops for n in op.numbers]
    app = make_app(args.database_url, redis_url)
    with app.app_context():
        from hotline.extensions import db
        from hotline.tickets.models import Ticket

        after = db.session.scalar(select(func.count()).select_from(Ticket))
        db.session.remove()
        db.engine.dispose()
    record.update({
        "window_s": round(window, 2), "warmup_s": args.warmup, "tickets": len(ok),
        "tickets_per_s": round(len(ok) / window, 2) if window > 0 else None,
        "post": summary_ms(ok), "get": summary_ms(gets) if gets else None, "posts_in_window": len(posts),
        "errors": dict(errors), "error_messages": dict(messages.most_common(5)), "fatal": fatal,
        "tickets_created_total": after - before["tickets"], "numbers_distinct": len(set(numbers)),
        "numbers_total": len(numbers), "memory": memory,
        "load_generator_cpu_s": round((cpu1.ru_utime + cpu1.ru_stime) - (cpu0.ru_utime + cpu0.ru_stime), 1),
        "loadavg": os.getloadavg(),
    })
    if args.count_tickets > 0 and ok:
        record["per_ticket"] = counted_pass(args.database_url, redis_url, args.via, args.count_tickets, args.seed,
                                            before["api_keys"][0] if before["api_keys"] else None)
    if fatal or not ok:
        log("gunicorn log:\n" + gunicorn_log)
    log(f"{len(ok)} tickets in {window:.1f} s = {record['tickets_per_s']}/s; POST p50 {record['post']['p50_ms']} ms, "
        f"p95 {record['post']['p95_ms']} ms; errors {dict(errors) or 'none'}; peak RSS worker "
        f"{memory['peak_child_mib']} MiB, all {memory['peak_total_mib']} MiB")
    emit(record)
    if fatal or not ok:
        raise SystemExit("intake over HTTP failed: " + ("; ".join(fatal) or "no ticket was saved"))
    return record


def counted_pass(database_url: str, redis_url: str, via: str, n: int, seed: int, api_key: str | None) -> dict:
    """What one ticket costs, counted: ``n`` more tickets (after 5 not counted) entered in-process
    through the Flask test client, the same requests as a simulated operator's (form: GET and POST
    as ``bench-op-01``, CSRF on; API: POST with the first key), on the same database and Redis, no
    worker running. Counted: the SQL statements of each request (mean and max), the RQ jobs created
    (jobs waiting in every queue and scheduled registry, after minus before) and the Redis commands the
    server processed (``INFO commandstats``, the ``INFO`` calls themselves left out), per ticket."""
    import uuid

    from rq import Queue
    from rq.registry import ScheduledJobRegistry
    from sqlalchemy import event
    from werkzeug.datastructures import MultiDict

    from bench.intake_service import calls
    from hotline.extensions import db
    from hotline.queue import QUEUES, connection_from_url

    app = make_app(database_url, redis_url)
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    redis = connection_from_url(redis_url)

    def jobs() -> int:
        return sum(Queue(q, connection=redis).count + ScheduledJobRegistry(q, connection=redis).count
                   for q in QUEUES)

    def commands() -> int:
        return sum(v["calls"] for k, v in redis.info("commandstats").items() if k != "cmdstat_info")

    _cls, planned = calls(n + 5, random.Random(seed + 7), f"counted-{time.time_ns()}")
    pending = [f for f, _repeat in planned]
    statements = [0]
    get_counts: list[int] = []
    post_counts: list[int] = []
    headers = {"Accept-Language": "zh-CN"}
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
    if via == "form":
        page = client.get("/login").get_data(as_text=True)
        response = client.post("/login", data={"csrf_token": _inputs(page)["csrf_token"], "username": "bench-op-01",
                                               "password": PASSWORD})
        assert response.status_code == 302, response.status_code

    def one() -> tuple[int, int]:
        fields = pending.pop()
        statements[0] = 0
        if via == "api":
            response = client.post("/api/v1/tickets", data=json.dumps(api_body(fields), ensure_ascii=False),
                                   headers={**headers, "Authorization": f"Bearer {api_key}",
                                            "Content-Type": "application/json", "Idempotency-Key": uuid.uuid4().hex})
            assert response.status_code == 201, response.get_data(as_text=True)[:500]
            return 0, statements[0]
        values = _inputs(client.get("/tickets/new", headers=headers).get_data(as_text=True))
        got = statements[0]
        statements[0] = 0
        response = client.post("/tickets/new", headers=headers, data=MultiDict(
            form_fields(fields, values["csrf_token"], values["intake_key"])))
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return got, statements[0]

    for _ in range(5):
        one()
    jobs0, commands0 = jobs(), commands()
    for _ in range(n):
        got, posted = one()
        get_counts.append(got)
        post_counts.append(posted)
    jobs1, commands1 = jobs(), commands()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    result = {"tickets": n, "sql_post": {"mean": round(sum(post_counts) / n, 2), "max": max(post_counts)},
              "rq_jobs": round((jobs1 - jobs0) / n, 2), "redis_commands": round((commands1 - commands0) / n, 2)}
    if via == "form":
        result["sql_get"] = {"mean": round(sum(get_counts) / n, 2), "max": max(get_counts)}
    log(f"counted over {n} tickets: {result}")
    return result


if __name__ == "__main__":
    main()
