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
