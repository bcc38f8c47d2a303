"""`hotline up` runs web, worker, scheduler and the embedded Redis, and Ctrl-C stops them all."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from hotline import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for(url: str, proc: subprocess.Popen, timeout: float = 90) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"hotline up exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as resp:
                return resp.status
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"{url} did not answer within {timeout} s")


def _descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_up_serves_and_a_signal_stops_every_child(tmp_path: Path, sig):
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env.update(HOTLINE_INSTANCE=str(tmp_path), HOTLINE_PORT=str(port), SECRET_KEY="supervisor-test")
    hotline_bin = str(Path(sys.executable).with_name("hotline"))
    proc = subprocess.Popen([hotline_bin, "up", "--web-workers", "1"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    children: list[psutil.Process] = []
    try:
        assert _wait_for(f"http://127.0.0.1:{port}/login", proc) == 200
        children = _descendants(proc.pid)
        names = " ".join(" ".join(c.cmdline()) for c in children)
        for part in ("redis-server", "gunicorn", "worker --with-scheduler", " cron "):
            assert part in names, f"{part!r} not running: {names}"
        assert (tmp_path / "redis.sock").exists() and (tmp_path / "hotline.db").exists()
        proc.send_signal(sig)
        assert proc.wait(timeout=60) == 0
        gone, alive = psutil.wait_procs(children, timeout=20)
        assert alive == [], f"orphans left: {[p.cmdline() for p in alive]}"
        assert not (tmp_path / "redis.sock").exists()
    finally:
        if proc.poll() is None:
            proc.kill()
        output = proc.stdout.read() if proc.stdout else ""
        for child in children:  # only what this `hotline up` started, never the suite's own Redis
            if child.is_running():
                child.kill()
    assert "first run" in output and "stopped" in output
