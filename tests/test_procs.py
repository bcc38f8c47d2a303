"""`hotline up` runs web, worker, scheduler and the embedded Redis, restarts what dies, and Ctrl-C
stops them all. The restart policy is a pure function, tested first without any process."""
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
from hotline.procs import BACKGROUND, WEB, Action, Child, RestartPolicy, Supervisor, on_exit

# --- the policy, without processes -------------------------------------------------------------

def _delays(policy: RestartPolicy, runs: list[float]) -> list[tuple[str, float, int]]:
    """Feed ``on_exit`` a child's successive run lengths; what it decided each time."""
    failures, out = 0, []
    for ran_for in runs:
        d = on_exit(policy, failures, ran_for, stopping=False)
        failures = d.failures
        out.append((str(d.action), d.delay, d.failures))
    return out


def test_quick_failures_back_off_exponentially_up_to_the_cap():
    policy = RestartPolicy(first_delay=1, factor=2, max_delay=30, stable_after=60)
    decided = _delays(policy, [0.5] * 7)
    assert [d for _, d, _ in decided] == [1, 2, 4, 8, 16, 30, 30]
    assert [n for _, _, n in decided] == [1, 2, 3, 4, 5, 6, 7]
    assert {a for a, _, _ in decided} == {"restart"}


def test_a_stable_run_resets_the_backoff():
    policy = RestartPolicy(first_delay=1, factor=2, max_delay=30, stable_after=60)
    decided = _delays(policy, [1, 1, 1, 60, 1, 3600])
    assert [d for _, d, _ in decided] == [1, 2, 4, 1, 2, 1]


def test_background_children_are_never_given_up_the_web_is_after_repeated_start_failures():
    assert {a for a, _, _ in _delays(BACKGROUND, [0.1] * 50)} == {"restart"}
    decided = _delays(WEB, [0.1] * 6)
    assert [a for a, _, _ in decided] == ["restart"] * 5 + ["give_up"]
    assert _delays(WEB, [0.1] * 5 + [WEB.stable_after] + [0.1])[-1][0] == "restart"


def test_nothing_is_restarted_while_stopping():
    assert on_exit(BACKGROUND, 3, 0.1, stopping=True).action == Action.NOTHING


# --- the supervisor loop on small stand-in processes ---------------------------------------------

@pytest.mark.slow
def test_a_dying_background_child_is_restarted_with_backoff_and_the_web_keeps_running():
    sup = Supervisor(Path("."), "127.0.0.1", 0, 1)
    quick = RestartPolicy(first_delay=0.2, factor=2, max_delay=0.8, stable_after=60)
    started: list[str] = []

    def popen(name, cmd):
        def start():
            started.append(name)
            return subprocess.Popen(cmd, start_new_session=True)
        return start

    sup.children = {"web": Child("web", popen("web", ["sleep", "30"]), WEB),
                    "worker": Child("worker", popen("worker", ["sh", "-c", "exit 3"]), quick)}
    try:
        now = time.monotonic()
        for child in sup.children.values():
            sup._launch(child, now)
        web_pid = sup.children["web"].proc.pid
        deadline = time.monotonic() + 2.5  # 0.2 + 0.4 + 0.8 + 0.8 s of backoff fit, a fifth start does not
        while time.monotonic() < deadline:
            assert sup.check(time.monotonic()) == Action.NOTHING
            time.sleep(0.05)
        assert 4 <= started.count("worker") <= 5
        assert sup.children["worker"].failures >= 3
        assert sup.children["web"].proc.pid == web_pid and sup.children["web"].proc.poll() is None
    finally:
        sup.stop(timeout=5)
    assert sup.children["web"].proc.poll() is not None


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


@pytest.mark.slow
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


@pytest.mark.slow
def test_a_web_app_that_keeps_dying_at_start_is_given_up_and_everything_stops():
    sup = Supervisor(Path("."), "127.0.0.1", 0, 1)
    policy = RestartPolicy(first_delay=0.1, factor=1, max_delay=0.1, stable_after=60, give_up_after=2)
    sup.children = {"web": Child("web", lambda: subprocess.Popen(["sh", "-c", "exit 1"], start_new_session=True),
                                 policy),
                    "worker": Child("worker", lambda: subprocess.Popen(["sleep", "30"], start_new_session=True),
                                    BACKGROUND)}
    try:
        for child in sup.children.values():
            sup._launch(child, time.monotonic())
        deadline, action = time.monotonic() + 10, Action.NOTHING
        while action != Action.GIVE_UP and time.monotonic() < deadline:
            action = sup.check(time.monotonic())
            time.sleep(0.05)
        assert action == Action.GIVE_UP and sup.children["web"].failures == 3
    finally:
        sup.stop(timeout=5)
    assert sup.children["worker"].proc.poll() is not None


@pytest.mark.slow
def test_worker_and_cron_started_during_a_redis_outage_come_up_when_redis_returns(tmp_path: Path):
    """``rq worker`` and ``rq cron`` exit when Redis is down; the supervisor's backoff brings them back."""
    from rq import Worker
    from rq.cron_scheduler_registry import get_registry_key

    from hotline.embedded_redis import EmbeddedRedis
    from hotline.procs import _popen_factory, child_commands
    from hotline.queue import connection_from_url

    server = EmbeddedRedis(tmp_path / "redis", persist=False)  # not started yet: Redis is down
    commands = child_commands("127.0.0.1", 0, 1, server.url)
    quick = RestartPolicy(first_delay=0.5, factor=2, max_delay=2, stable_after=60)
    sup = Supervisor(tmp_path, "127.0.0.1", 0, 1)
    sup.children = {name: Child(name, _popen_factory(commands[name]), quick) for name in ("worker", "cron")}
    try:
        now = time.monotonic()
        for child in sup.children.values():
            sup._launch(child, now)
        deadline = time.monotonic() + 60
        while min(c.failures for c in sup.children.values()) < 2 and time.monotonic() < deadline:
            sup.check(time.monotonic())
            time.sleep(0.1)
        assert all(c.failures >= 2 for c in sup.children.values()), "they did not fail without Redis"
        server.start()  # Redis is back
        conn = connection_from_url(server.url)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            sup.check(time.monotonic())
            if Worker.all(connection=conn) and conn.zcard(get_registry_key()):
                break
            time.sleep(0.2)
        assert Worker.all(connection=conn), "no worker registered after Redis came back"
        assert conn.zcard(get_registry_key()) == 1, "no cron heartbeat after Redis came back"
        assert all(c.proc is not None and c.proc.poll() is None for c in sup.children.values())
    finally:
        sup.stop(timeout=10)
        server.stop()


@pytest.mark.slow
def test_the_worker_runs_its_jobs_in_one_long_lived_process(tmp_path: Path):
    """No work horse per job: two jobs report the worker's own pid, and no child process appears."""
    from rq import Queue

    from hotline.embedded_redis import EmbeddedRedis
    from hotline.queue import connection_from_url

    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    worker = None
    try:
        queue = Queue("default", connection=connection_from_url(server.url))
        jobs = [queue.enqueue("os.getpid") for _ in range(2)]
        worker = subprocess.Popen([str(Path(sys.executable).with_name("rq")), "worker", "--burst",
                                   "-w", "hotline.worker.HotlineWorker", "--url", server.url, "default"],
                                  cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        assert worker.wait(timeout=120) == 0
        pids = {job.refresh() or job.return_value() for job in jobs}
        assert pids == {worker.pid}
    finally:
        if worker is not None and worker.poll() is None:
            worker.kill()
        server.stop()
