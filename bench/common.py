"""Shared helpers: an application bound to a DATABASE_URL, percentiles, JSON lines, machine facts."""
from __future__ import annotations

import atexit
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

# The app factory reads HOTLINE_INSTANCE and SECRET_KEY when a config is built; benchmarks
# keep their local state (secret key, uploads) in a throwaway directory, like tests/conftest.py.
_STATE = Path(tempfile.mkdtemp(prefix="hotline-bench-"))
atexit.register(shutil.rmtree, _STATE, ignore_errors=True)
os.environ.setdefault("HOTLINE_INSTANCE", str(_STATE / "instance"))
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key")

import config as config_module  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
UNUSED_REDIS = "redis://127.0.0.1:1/0"  # loading and timing need no Redis; nothing connects to it


def sqlalchemy_url(url: str) -> str:
    """``postgresql://`` → ``postgresql+psycopg://`` (psycopg 3), as config.database_url does."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def dialect_of(url: str) -> str:
    """``postgresql`` or ``sqlite``."""
    if url.startswith(("postgres://", "postgresql")):
        return "postgresql"
    if url.startswith("sqlite"):
        return "sqlite"
    raise SystemExit(f"unsupported database URL {url!r}: use postgresql://… or sqlite:///…")


class BenchConfig(config_module.Config):
    """The default configuration pointed at ``database_url`` (the approach of tests/conftest.py)."""

    def __init__(self, database_url: str, redis_url: str = UNUSED_REDIS) -> None:
        super().__init__()
        self.SQLALCHEMY_DATABASE_URI = sqlalchemy_url(database_url)
        self.REDIS_URL = redis_url
        self.RATELIMIT_STORAGE_URI = "memory://"
        self.UPLOAD_DIR = str(_STATE / "uploads")


def make_app(database_url: str, redis_url: str = UNUSED_REDIS):
    """A Hotline application bound to ``database_url``."""
    from hotline import create_app

    return create_app(BenchConfig(database_url, redis_url))


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of already sorted values, linear interpolation."""
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summary_ms(samples_s: list[float]) -> dict[str, float]:
    """p50/p95/p99/max/mean of durations in seconds, as milliseconds rounded to 0.01."""
    values = sorted(samples_s)
    out = {f"p{int(q * 100)}_ms": percentile(values, q) * 1000 for q in (0.5, 0.95, 0.99)}
    out["max_ms"] = values[-1] * 1000 if values else float("nan")
    out["mean_ms"] = sum(values) / len(values) * 1000 if values else float("nan")
    return {k: round(v, 2) for k, v in out.items()}


def emit(record: dict) -> None:
    """Print one JSON line on stdout."""
    print(json.dumps(record, ensure_ascii=False, sort_keys=False), flush=True)


def log(message: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def redact(url: str) -> str:
    """The URL without a password."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _first_line(cmd: list[str]) -> str | None:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout.strip().splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return None


def machine() -> dict:
    """Facts about the machine a figure was measured on."""
    cpu = None
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_kb = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    import sqlite3

    return {
        "nproc": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(mem_kb / 1024 / 1024, 1) if mem_kb else None,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "loadavg": os.getloadavg(),
    }


def server_version(app) -> str:
    """The database server's version string."""
    from hotline.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            return db.session.execute(db.text("SHOW server_version")).scalar_one()
        return "SQLite " + db.session.execute(db.text("select sqlite_version()")).scalar_one()


# --------------------------------------------------------------------------------------------
# Statement timing, plans, processes (bench.sweep, bench.dashboard, bench.queue_page, bench.intake_http)
# --------------------------------------------------------------------------------------------


class StatementLog:
    """Records every SQL statement an engine runs while active: (statement, parameters, seconds).

    A statement's time runs from its ``before_cursor_execute`` to the next statement's (or to
    :meth:`stop`), so it includes fetching the rows and building the Python objects — what the
    caller waits for. Use it around one call at a time.
    """

    def __init__(self, engine) -> None:
        self.engine = engine
        self.starts: list[tuple[float, str, object]] = []
        self.ends: list[float] = []
        self.end: float | None = None

    def _before(self, conn, cursor, statement, parameters, context, executemany):
        self.starts.append((time.perf_counter(), statement, parameters))

    def _after(self, conn, cursor, statement, parameters, context, executemany):
        self.ends.append(time.perf_counter())

    def __enter__(self) -> StatementLog:
        from sqlalchemy import event

        self.starts.clear()
        self.ends.clear()
        self.end = None
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        return self

    def stop(self) -> None:
        if self.end is None:
            self.end = time.perf_counter()

    def __exit__(self, *exc) -> None:
        from sqlalchemy import event

        self.stop()
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)

    @property
    def executions(self) -> list[tuple[str, object, float]]:
        """(statement, parameters, seconds of the cursor's execute): on PostgreSQL (psycopg's client-side
        cursor) the rows arrive within it; on SQLite only the first row."""
        return [(st, params, end - t) for (t, st, params), end in zip(self.starts, self.ends)]

    @property
    def statements(self) -> list[tuple[str, object, float]]:
        out = []
        for k, (t, statement, params) in enumerate(self.starts):
            nxt = self.starts[k + 1][0] if k + 1 < len(self.starts) else (self.end or time.perf_counter())
            out.append((statement, params, nxt - t))
        return out


def explain(db, statement: str, parameters) -> list[str]:
    """The plan of ``statement`` with its parameters, as lines: ``EXPLAIN (ANALYZE, BUFFERS)`` on
    PostgreSQL (the statement runs), ``EXPLAIN QUERY PLAN`` on SQLite."""
    conn = db.session.connection()
    raw = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        with raw.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement, parameters)
            lines = [r[0] for r in cur.fetchall()]
    else:
        cur = raw.execute("EXPLAIN QUERY PLAN " + statement, parameters)
        lines = [" ".join(str(x) for x in r) for r in cur.fetchall()]
    db.session.rollback()
    return lines


def compact_sql(statement: str) -> str:
    """One line, with the long column lists of its SELECTs shortened to ``…``."""
    import re

    one = " ".join(statement.split())
    if len(one) <= 120:
        return one
    return re.sub(r"SELECT ((?:(?!\bSELECT\b|\bFROM\b).)+?) FROM ",
                  lambda m: "SELECT … FROM " if len(m.group(1)) > 40 else m.group(0), one)


def key_plan_lines(lines: list[str], limit: int = 22) -> list[str]:
    """The informative lines of a PostgreSQL plan: nodes, conditions, filters, row counts, timing."""
    keep = ("->", "Index Cond", "Filter", "Rows Removed", "Sort Key", "Sort Method", "Hash Cond", "Buffers",
            "Execution Time", "Planning Time", "Recheck Cond", "Join Filter", "Workers")
    out = [lines[0]] if lines else []
    out += [ln for ln in lines[1:] if ln.strip().startswith(keep)]
    return out[:limit] + ([f"… ({len(out) - limit} more lines)"] if len(out) > limit else [])


def rss_tree_bytes(pid: int) -> dict[int, int]:
    """Resident set size of ``pid`` and of each of its descendants, in bytes (Linux /proc or psutil)."""
    try:
        import psutil

        try:
            root = psutil.Process(pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            return {}
        out = {}
        for p in procs:
            try:
                out[p.pid] = p.memory_info().rss
            except psutil.Error:
                pass
        return out
    except ImportError:
        pass
    parents: dict[int, int] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
                parents[int(d.name)] = int(stat[stat.rindex(")") + 2:].split()[1])
            except (OSError, ValueError, IndexError):
                pass
    wanted, frontier = {pid}, [pid]
    while frontier:
        p = frontier.pop()
        for child, parent in parents.items():
            if parent == p and child not in wanted:
                wanted.add(child)
                frontier.append(child)
    out = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for p in wanted:
        try:
            out[p] = int((Path("/proc") / str(p) / "statm").read_text().split()[1]) * page
        except (OSError, ValueError, IndexError):
            pass
    return out


class RssSampler:
    """Samples the RSS of a process tree in a thread: peak of the root, of any one descendant, of the sum."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        import threading

        self.pid, self.interval = pid, interval
        self.peak_root = self.peak_child = self.peak_total = 0
        self.samples = 0
        self.max_processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        rss = rss_tree_bytes(self.pid)
        if not rss:
            return
        self.samples += 1
        self.max_processes = max(self.max_processes, len(rss))
        self.peak_root = max(self.peak_root, rss.get(self.pid, 0))
        self.peak_child = max([self.peak_child] + [v for p, v in rss.items() if p != self.pid])
        self.peak_total = max(self.peak_total, sum(rss.values()))

    def start(self) -> RssSampler:
        self._thread.start()
        return self

    def stop(self) -> dict:
        self._stop.set()
        self._thread.join()
        mib = 1024 * 1024
        return {"peak_root_mib": round(self.peak_root / mib, 1), "peak_child_mib": round(self.peak_child / mib, 1),
                "peak_total_mib": round(self.peak_total / mib, 1), "max_processes": self.max_processes,
                "samples": self.samples, "interval_s": self.interval}


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def code_version() -> dict:
    """The commit measured and the files of hotline/ that differ from it (work in progress)."""
    import hashlib

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout
        except (OSError, subprocess.SubprocessError):
            return ""

    changed = [line[3:] for line in git("status", "--porcelain", "--", "hotline", "templates", "config.py",
                                        "wsgi.py").splitlines()]
    diff = git("diff", "HEAD", "--", "hotline", "templates", "config.py", "wsgi.py")
    return {"head": git("rev-parse", "--short", "HEAD").strip() or None, "uncommitted_app_files": changed,
            "uncommitted_diff_sha256": hashlib.sha256(diff.encode()).hexdigest()[:12] if diff else None}


def start_embedded_redis():
    """A throwaway embedded Redis (no persistence) in a temporary directory; ``.stop()`` and remove it."""
    from hotline.embedded_redis import EmbeddedRedis

    return EmbeddedRedis(tempfile.mkdtemp(prefix="bench-redis-"), persist=False).start()


def stop_embedded_redis(server) -> None:
    if server is not None:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


def sigterm_as_exit() -> None:
    """Turn SIGTERM into SystemExit so ``finally`` blocks stop the servers a benchmark started."""
    import signal

    def _exit(signum, frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _exit)
