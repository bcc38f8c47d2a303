"""``hotline up``: run the whole system — embedded Redis, web, worker, scheduler — and stop it cleanly.

Every child is started in its own process group and asked (via ``PR_SET_PDEATHSIG``)
to die if this supervisor dies; Ctrl-C or SIGTERM stops the web app, the worker and
the cron scheduler first, then the embedded Redis, and leaves no orphan.
"""
from __future__ import annotations

import ctypes
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from hotline.embedded_redis import EmbeddedRedis
from hotline.queue import QUEUES

PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """In the child, before exec: get SIGTERM when the supervisor dies; own process group."""
    os.setsid()
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except OSError:
        pass


def _bin(name: str) -> str:
    """A console script installed beside this Python."""
    return str(Path(sys.executable).with_name(name))


def child_commands(host: str, port: int, web_workers: int) -> dict[str, list[str]]:
    """The web app (gunicorn), one RQ worker with scheduler, and the single cron scheduler."""
    return {
        "web": [_bin("gunicorn"), "--workers", str(web_workers), "--bind", f"{host}:{port}",
                "--access-logfile", "-", "--graceful-timeout", "10", "wsgi:app"],
        "worker": [_bin("rq"), "worker", "--with-scheduler", "-w", "hotline.worker.HotlineWorker",
                   "--url", os.environ["REDIS_URL"], *QUEUES],
        "cron": [_bin("rq"), "cron", "--url", os.environ["REDIS_URL"], "hotline.cron_config"],
    }


class Supervisor:
    """Starts the children, watches them, and stops them all on a signal or a death."""

    def __init__(self, instance: Path, host: str, port: int, web_workers: int) -> None:
        self.instance, self.host, self.port, self.web_workers = instance, host, port, web_workers
        self.redis: EmbeddedRedis | None = None
        self.children: dict[str, subprocess.Popen] = {}
        self.stopping = False

    def start_redis(self) -> None:
        """Start the embedded Redis unless ``REDIS_URL`` points at a server."""
        if os.environ.get("REDIS_URL"):
            return
        self.redis = EmbeddedRedis(self.instance).start(preexec_fn=_die_with_parent)
        os.environ["REDIS_URL"] = self.redis.url
        print(f"hotline: embedded Redis on {self.redis.socket}", flush=True)

    def start_children(self) -> None:
        """Start web, worker and cron."""
        for name, cmd in child_commands(self.host, self.port, self.web_workers).items():
            self.children[name] = subprocess.Popen(cmd, preexec_fn=_die_with_parent)
            print(f"hotline: started {name} (pid {self.children[name].pid})", flush=True)

    def watch(self) -> int:
        """Wait until a signal asks us to stop (exit 0) or a child dies (exit 1)."""
        while not self.stopping:
            for name, proc in self.children.items():
                if proc.poll() is not None:
                    print(f"hotline: {name} exited with {proc.returncode}; stopping everything", flush=True)
                    return 1
            time.sleep(0.5)
        return 0

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every child's process group, wait, SIGKILL stragglers; Redis goes last."""
        for proc in self.children.values():
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for proc in self.children.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
            _signal_group(proc, signal.SIGKILL)  # any grandchild left in the group
        if self.redis is not None:
            self.redis.stop()
        print("hotline: stopped", flush=True)

    def request_stop(self, signum, frame) -> None:
        """Signal handler: leave the watch loop."""
        self.stopping = True


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run(instance: Path, host: str, port: int, web_workers: int, prepare) -> int:
    """Start Redis, ``prepare()`` (migrate, seed), the children; return the exit status."""
    sup = Supervisor(instance, host, port, web_workers)
    signal.signal(signal.SIGINT, sup.request_stop)
    signal.signal(signal.SIGTERM, sup.request_stop)
    try:
        sup.start_redis()
        prepare()
        sup.start_children()
        print(f"hotline: open http://{host}:{port}/ — Ctrl-C stops everything", flush=True)
        return sup.watch()
    finally:
        sup.stop()
