"""``hotline up``: run the whole system — embedded Redis, web, worker, scheduler — and keep it running.

Every child is started in its own process group and asked (via ``PR_SET_PDEATHSIG``)
to die if this process manager dies. A child that exits on its own is restarted after an
exponential backoff (:func:`on_exit`, a pure function of plain values): the embedded
Redis, the worker and ``rq cron`` are always restarted, and never take the web app
down with them. Whatever the dead child left in its process group is killed first.
Ctrl-C or SIGTERM stops the web app, the worker and the cron scheduler first, then
the embedded Redis, and leaves no orphan.
"""
from __future__ import annotations

import ctypes
import enum
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hotline.embedded_redis import EmbeddedRedis, EmbeddedRedisError
from hotline.queue import QUEUES

PR_SET_PDEATHSIG = 1
TICK = 0.2  # seconds between two looks at the children


# --- the policy: pure, no processes -------------------------------------------------------------

@dataclass(frozen=True)
class RestartPolicy:
    """How a child that exited on its own is brought back.

    The n-th consecutive failure waits ``first_delay * factor ** (n - 1)`` seconds, at
    most ``max_delay``; a child that ran ``stable_after`` seconds or more before exiting
    starts again from the first delay. After ``give_up_after`` consecutive failures
    (None: never) the process manager gives up and stops everything.
    """

    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0
    stable_after: float = 60.0
    give_up_after: int | None = None


class Action(enum.StrEnum):
    """What the process manager does about a child that exited."""

    RESTART = "restart"
    GIVE_UP = "give_up"  # stop everything, exit 1
    NOTHING = "nothing"  # we are stopping anyway


@dataclass(frozen=True)
class Decision:
    """The action, the delay before a restart, and the count of consecutive failures so far."""

    action: Action
    delay: float
    failures: int


def on_exit(policy: RestartPolicy, failures: int, ran_for: float, stopping: bool) -> Decision:
    """Decide about a child that exited after running ``ran_for`` seconds, having failed
    ``failures`` times in a row before this run; ``stopping`` means a stop was requested."""
    if stopping:
        return Decision(Action.NOTHING, 0.0, failures)
    failures = 1 if ran_for >= policy.stable_after else failures + 1
    if policy.give_up_after is not None and failures > policy.give_up_after:
        return Decision(Action.GIVE_UP, 0.0, failures)
    delay = min(policy.max_delay, policy.first_delay * policy.factor ** (failures - 1))
    return Decision(Action.RESTART, delay, failures)


BACKGROUND = RestartPolicy()
# The web app restarts too, but one that cannot even start (its port taken) is reported, not retried forever.
WEB = RestartPolicy(give_up_after=5)


# --- processes ----------------------------------------------------------------------------------

def die_with_parent(sig: int = signal.SIGTERM, expected_parent: int | None = None) -> bool:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux).

    Returns False if the parent (``expected_parent``, when given) is already gone,
    so the caller can exit instead of running on as an orphan.
    """
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, sig)
    except OSError:
        pass
    return expected_parent is None or os.getppid() == expected_parent


def _child_preexec() -> None:
    """In the child, before exec: own process group; SIGTERM when the process manager dies."""
    os.setsid()
    die_with_parent(signal.SIGTERM)


def _bin(name: str) -> str:
    """A console script installed beside this Python."""
    return str(Path(sys.executable).with_name(name))


def child_commands(host: str, port: int, web_workers: int, redis_url: str) -> dict[str, list[str]]:
    """The web app (gunicorn), one RQ worker with scheduler, and the single cron scheduler.

    The worker heartbeats at least every 45 s (``--worker-ttl 60``) so ``/readyz`` sees a
    dead one soon, and re-takes RQ's scheduler lock within a minute of a restart.
    """
    return {
        "web": [_bin("gunicorn"), "--workers", str(web_workers), "--bind", f"{host}:{port}",
                "--access-logfile", "-", "--graceful-timeout", "10", "wsgi:app"],
        "worker": [_bin("rq"), "worker", "--with-scheduler", "-w", "hotline.worker.HotlineWorker",
                   "--worker-ttl", "60", "--maintenance-interval", "60", "--url", redis_url, *QUEUES],
        "cron": [_bin("rq"), "cron", "--url", redis_url, "hotline.cron_config"],
    }


@dataclass
class Child:
    """One supervised process: how to start it, and what happened to it so far."""

    name: str
    start: Callable[[], subprocess.Popen]
    policy: RestartPolicy
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0
    restart_at: float | None = None
    restarts: int = 0


def _say(message: str) -> None:
    print(f"hotline: {message}", flush=True)


class Supervisor:
    """Starts the children, restarts the ones that die, and stops them all on a signal."""

    def __init__(self, instance: Path, host: str, port: int, web_workers: int) -> None:
        self.instance, self.host, self.port, self.web_workers = instance, host, port, web_workers
        self.redis: EmbeddedRedis | None = None
        self.children: dict[str, Child] = {}
        self.stopping = False

    def start_redis(self) -> None:
        """Start (and from now on supervise) the embedded Redis, unless ``REDIS_URL`` names a server."""
        if os.environ.get("REDIS_URL"):
            return
        self.redis = EmbeddedRedis(self.instance)
        child = Child("redis", self._start_embedded_redis, BACKGROUND)
        child.proc, child.started_at = child.start(), time.monotonic()  # a first start that fails is fatal
        self.children["redis"] = child
        _say(f"started redis (pid {child.proc.pid})")
        os.environ["REDIS_URL"] = self.redis.url
        _say(f"embedded Redis on {self.redis.socket}")

    def _start_embedded_redis(self) -> subprocess.Popen:
        self.redis.start(preexec_fn=_child_preexec)
        return self.redis.process

    def start_children(self) -> None:
        """Start web, worker and cron."""
        now = time.monotonic()
        commands = child_commands(self.host, self.port, self.web_workers, os.environ["REDIS_URL"])
        for name, cmd in commands.items():
            child = Child(name, _popen_factory(cmd), WEB if name == "web" else BACKGROUND)
            self.children[name] = child
            self._launch(child, now)

    def _launch(self, child: Child, now: float) -> None:
        """Start ``child``; a start that fails counts as an exit after 0 s."""
        child.restart_at = None
        try:
            child.proc = child.start()
        except (OSError, EmbeddedRedisError) as exc:
            _say(f"{child.name} did not start: {exc}")
            child.proc = None
            self._decide(child, ran_for=0.0, now=now)
            return
        child.started_at = now
        verb = "restarted" if child.restarts else "started"
        _say(f"{verb} {child.name} (pid {child.proc.pid})")

    def _decide(self, child: Child, ran_for: float, now: float) -> Action:
        decision = on_exit(child.policy, child.failures, ran_for, self.stopping)
        child.failures = decision.failures
        if decision.action == Action.RESTART:
            child.restart_at = now + decision.delay
            child.restarts += 1
            _say(f"restarting {child.name} in {decision.delay:g} s (failure {decision.failures} in a row)")
        elif decision.action == Action.GIVE_UP:
            _say(f"{child.name} failed {decision.failures} times in a row; giving up and stopping everything")
        return decision.action

    def check(self, now: float) -> Action:
        """One look at every child: note exits, start the ones whose backoff is over."""
        for child in self.children.values():
            proc = child.proc
            if proc is not None and proc.poll() is not None:
                ran_for = now - child.started_at
                _say(f"{child.name} (pid {proc.pid}) exited with {proc.returncode} after {ran_for:.1f} s")
                _signal_group(proc, signal.SIGKILL)  # whatever it left behind in its group
                child.proc = None
                if child.name == "redis":
                    self.redis.stop()  # its stale socket
                if self._decide(child, ran_for, now) == Action.GIVE_UP:
                    return Action.GIVE_UP
            if child.proc is None and child.restart_at is not None and now >= child.restart_at \
                    and not self.stopping:
                self._launch(child, now)
        return Action.NOTHING

    def watch(self) -> int:
        """Supervise until a signal asks us to stop (exit 0) or a child is given up on (exit 1)."""
        while not self.stopping:
            if self.check(time.monotonic()) == Action.GIVE_UP:
                return 1
            time.sleep(TICK)
        return 0

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM every child's process group, wait, SIGKILL stragglers; Redis goes last."""
        self.stopping = True
        redis_child = self.children.get("redis")
        others = [c.proc for c in self.children.values() if c is not redis_child and c.proc is not None]
        _stop_all(others, timeout)
        if self.redis is not None:
            self.redis.stop()  # SIGTERM, wait, SIGKILL; removes the socket
            if redis_child is not None and redis_child.proc is not None:
                _signal_group(redis_child.proc, signal.SIGKILL)
        _say("stopped")

    def request_stop(self, signum, frame) -> None:
        """Signal handler: leave the watch loop."""
        self.stopping = True


def _popen_factory(cmd: list[str]) -> Callable[[], subprocess.Popen]:
    return lambda: subprocess.Popen(cmd, preexec_fn=_child_preexec)


def _stop_all(procs: list[subprocess.Popen], timeout: float) -> None:
    for proc in procs:
        _signal_group(proc, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    for proc in procs:
        try:
            proc.wait(max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            _signal_group(proc, signal.SIGKILL)
            proc.wait()
        _signal_group(proc, signal.SIGKILL)  # any grandchild left in the group


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def run(instance: Path, host: str, port: int, web_workers: int, prepare) -> int:
    """Start Redis, ``prepare()`` (migrate, seed), the children; supervise; return the exit status."""
    sup = Supervisor(instance, host, port, web_workers)
    signal.signal(signal.SIGINT, sup.request_stop)
    signal.signal(signal.SIGTERM, sup.request_stop)
    try:
        sup.start_redis()
        prepare()
        sup.start_children()
        _say(f"open http://{host}:{port}/ — Ctrl-C stops everything")
        return sup.watch()
    finally:
        sup.stop()
