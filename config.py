"""Configuration classes for Hotline, read from the environment.

Embedded defaults (a SQLite file and an embedded Redis, both under ``instance/``)
let a newcomer run everything with one command; ``DATABASE_URL`` and
``REDIS_URL`` switch to real servers (PostgreSQL through psycopg 3, a Redis server).
"""
from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent


def instance_path() -> Path:
    """Directory for local state: the SQLite file, the embedded Redis, the secret key."""
    return Path(os.environ.get("HOTLINE_INSTANCE", BASE_DIR / "instance")).resolve()


def database_url(default_sqlite: Path) -> str:
    """``DATABASE_URL`` normalised for SQLAlchemy + psycopg 3, or the SQLite file."""
    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        return f"sqlite:///{default_sqlite}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def embedded_redis_socket() -> Path:
    """Unix socket of the embedded Redis server (started by ``hotline run`` or the tests)."""
    return instance_path() / "redis.sock"


def redis_url() -> str:
    """``REDIS_URL``, or the embedded server's unix socket."""
    return os.environ.get("REDIS_URL", "").strip() or f"unix://{embedded_redis_socket()}"


def secret_key() -> str:
    """``SECRET_KEY`` from the environment, or one generated once and kept in ``instance/``."""
    key = os.environ.get("SECRET_KEY", "").strip()
    if key:
        return key
    path = instance_path() / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_hex(32))
    return path.read_text().strip()


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _float(name: str, default: float) -> float:
    return float(os.environ.get(name, default))


def fail_fast_redis_options(socket_timeout: float, connect_timeout: float) -> dict:
    """redis-py options for a client on the request path: short timeouts and no retry."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_timeout": socket_timeout, "socket_connect_timeout": connect_timeout,
            "retry": Retry(NoBackoff(), 0)}


class Config:
    """Defaults for running locally on the embedded stack."""

    TESTING = False
    TIMEZONE = os.environ.get("HOTLINE_TIMEZONE", "Asia/Shanghai")
    BABEL_DEFAULT_LOCALE = os.environ.get("HOTLINE_DEFAULT_LOCALE", "zh_CN")
    BABEL_DEFAULT_TIMEZONE = TIMEZONE
    LANGUAGES = ("zh_CN", "en")
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = os.environ.get("HOTLINE_SECURE_COOKIES", "0") == "1"
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # "Remember me" lasts at most 14 days and ends with logout, a password change or a revocation.
    REMEMBER_COOKIE_DURATION = timedelta(days=min(14, max(1, _int("HOTLINE_REMEMBER_DAYS", 14))))
    PERMANENT_SESSION_LIFETIME = _int("HOTLINE_SESSION_MINUTES", 480) * 60
    WTF_CSRF_TIME_LIMIT = None  # a long call must not expire the intake form
    PASSWORD_HASH_METHOD = "scrypt"
    # How many reverse proxies in front of the app append to X-Forwarded-For / X-Forwarded-Proto.
    # 0 trusts no header (the app faces clients directly); behind one nginx, 1. Login limits and the
    # session list use the client address this yields.
    TRUSTED_PROXY_COUNT = _int("HOTLINE_TRUSTED_PROXIES", 0)
    # Failed logins: per (account, client address) and per client address; after a few failures of
    # a pair each further attempt waits a doubling delay. Nobody can lock out another address.
    LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS = os.environ.get("HOTLINE_LOGIN_LIMIT_ACCOUNT_ADDRESS", "10 per 15 minutes")
    LOGIN_RATE_LIMIT_ADDRESS = os.environ.get("HOTLINE_LOGIN_LIMIT_ADDRESS", "30 per 15 minutes")
    LOGIN_DELAY_AFTER_FAILURES = _int("HOTLINE_LOGIN_DELAY_AFTER", 3)
    LOGIN_DELAY_MAX_SECONDS = _int("HOTLINE_LOGIN_DELAY_MAX_SECONDS", 60)
    REPEAT_WINDOW_DAYS = _int("HOTLINE_REPEAT_WINDOW_DAYS", 180)
    # The hotline centre as callers and clerks reach it: the number through which a confidential
    # caller is contacted, the public numbers and the staffed hours shown on the login page.
    CENTRE_PHONE = os.environ.get("HOTLINE_CENTRE_PHONE", "0357-2096666")
    PUBLIC_NUMBERS = os.environ.get("HOTLINE_PUBLIC_NUMBERS", "0357-2096666 / 0357-2096999")
    STAFFED_HOURS = os.environ.get("HOTLINE_STAFFED_HOURS", "08:00–18:00")
    # The key that signs the daily digest of the history checkpoints (keep it outside the database:
    # whoever can rewrite the database must not also be able to re-sign its history).
    HISTORY_KEY = os.environ.get("HOTLINE_HISTORY_KEY", "")
    UPLOAD_MAX_BYTES = _int("HOTLINE_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
    MAX_CONTENT_LENGTH = UPLOAD_MAX_BYTES + 1024 * 1024  # a larger request body is refused (413)
    OPEN311_RATE_LIMIT = os.environ.get("HOTLINE_OPEN311_RATE_LIMIT", "300 per minute")
    OPEN311_CONTACT = os.environ.get(
        "HOTLINE_OPEN311_CONTACT", "Linfen business-environment hotline, 0357-2096666 / 0357-2096999")
    # Redis on the request path fails fast and does not retry: during an outage a save costs at
    # most a few tenths of a second, the commit stands and the sweep catches up. The RQ worker
    # replaces these with the WORKER_ values (hotline.worker.HotlineWorker).
    REDIS_SOCKET_TIMEOUT = _float("HOTLINE_REDIS_TIMEOUT", 0.2)
    REDIS_CONNECT_TIMEOUT = _float("HOTLINE_REDIS_CONNECT_TIMEOUT", 0.2)
    REDIS_RETRY = False
    WORKER_REDIS_SOCKET_TIMEOUT = _float("HOTLINE_WORKER_REDIS_TIMEOUT", 5.0)
    WORKER_REDIS_CONNECT_TIMEOUT = _float("HOTLINE_WORKER_REDIS_CONNECT_TIMEOUT", 2.0)
    # /readyz: how old the newest worker and cron-scheduler heartbeats may be (seconds)
    READY_WORKER_MAX_AGE = _int("HOTLINE_READY_WORKER_MAX_AGE", 180)
    READY_CRON_MAX_AGE = _int("HOTLINE_READY_CRON_MAX_AGE", 150)

    def __init__(self) -> None:
        inst = instance_path()
        self.INSTANCE_PATH = str(inst)
        self.SECRET_KEY = secret_key()
        self.SQLALCHEMY_DATABASE_URI = database_url(inst / "hotline.db")
        self.REDIS_URL = redis_url()
        self.RATELIMIT_STORAGE_URI = _limits_uri(self.REDIS_URL)
        self.RATELIMIT_STORAGE_OPTIONS = fail_fast_redis_options(self.REDIS_SOCKET_TIMEOUT,
                                                                 self.REDIS_CONNECT_TIMEOUT)
        self.UPLOAD_DIR = os.environ.get("HOTLINE_UPLOAD_DIR", str(inst / "uploads"))


class TestConfig(Config):
    """The test suite: real SQLite (or ``DATABASE_URL``) and a real Redis."""

    TESTING = True
    WTF_CSRF_ENABLED = True
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast hashing for the suite only
    TRUSTED_PROXY_COUNT = 0
    LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS = "10 per 15 minutes"
    LOGIN_RATE_LIMIT_ADDRESS = "30 per 15 minutes"
    LOGIN_DELAY_AFTER_FAILURES = 3
    LOGIN_DELAY_MAX_SECONDS = 60


class ProductionConfig(Config):
    """Production: PostgreSQL, a Redis server and an explicit secret are required."""

    SESSION_COOKIE_SECURE = os.environ.get("HOTLINE_SECURE_COOKIES", "1") == "1"
    REMEMBER_COOKIE_SECURE = SESSION_COOKIE_SECURE

    def __init__(self) -> None:
        missing = [n for n in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY") if not os.environ.get(n)]
        if missing:
            raise RuntimeError("ProductionConfig needs environment variables: " + ", ".join(missing))
        super().__init__()


def _limits_uri(url: str) -> str:
    """The ``limits`` library spells a Redis unix socket ``redis+unix://``."""
    if url.startswith("unix://"):
        return "redis+unix://" + url[len("unix://"):]
    return url


CONFIGS = {"default": Config, "test": TestConfig, "production": ProductionConfig}


def load(name: str | None = None) -> Config:
    """The configuration named by ``name`` or ``HOTLINE_CONFIG`` (default, test, production)."""
    name = name or os.environ.get("HOTLINE_CONFIG", "default")
    try:
        return CONFIGS[name]()
    except KeyError:
        raise RuntimeError(f"unknown HOTLINE_CONFIG {name!r}; choose one of {sorted(CONFIGS)}") from None
