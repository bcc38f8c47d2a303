"""Failed-login throttling: the rules, as pure functions of failure instants and ``now``.

Nothing here can lock anyone out of an account from elsewhere. Failures count per
**(account, address)** pair and per **address**, where the address is the client's own (behind a
reverse proxy, ``TRUSTED_PROXY_COUNT`` must be set so it is not the proxy's):

- after ``delay_after`` failures of a pair, each further attempt from that address on that account
  must wait a delay that doubles from one second up to ``delay_cap`` (progressive delay);
- ``pair_max`` failures of a pair within ``window`` lock that account *from that address only*;
- ``address_max`` failures from one address within ``window``, whatever the accounts, lock that
  address (password spraying).

A lock ends by itself when enough failures have left the sliding window, or when an admin unlocks
it. An attempt refused by a delay or a lock is not itself counted, and no password is checked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

_LIMIT = re.compile(r"^\s*(\d+)\s*(?:/|per)\s*(\d+)?\s*(second|minute|hour|day)s?\s*$", re.IGNORECASE)
_UNIT = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


@dataclass(frozen=True)
class Limits:
    """The throttle's settings."""

    pair_max: int = 10
    address_max: int = 30
    window: timedelta = timedelta(minutes=15)
    delay_after: int = 3
    delay_cap: timedelta = timedelta(seconds=60)


@dataclass(frozen=True)
class Decision:
    """Whether an attempt may proceed: ``wait_until`` is set for a delay, ``locked`` (``"pair"`` or
    ``"address"``) with ``wait_until`` for a lock."""

    wait_until: datetime | None = None
    locked: str | None = None

    @property
    def allowed(self) -> bool:
        """The password may be checked."""
        return self.wait_until is None


def parse_limit(text: str) -> tuple[int, timedelta]:
    """``"10 per 15 minutes"`` (or ``"30/hour"``) → (10, 15 minutes); ValueError otherwise."""
    match = _LIMIT.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"not a limit like '10 per 15 minutes': {text!r}")
    amount, multiple, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3).lower()
    return amount, timedelta(seconds=multiple * _UNIT[unit])


def limits_from(pair: str, address: str, delay_after: int, delay_cap_seconds: int) -> Limits:
    """Limits from the configuration's strings; both limits share the longer window."""
    pair_max, pair_window = parse_limit(pair)
    address_max, address_window = parse_limit(address)
    return Limits(pair_max=pair_max, address_max=address_max, window=max(pair_window, address_window),
                  delay_after=max(0, delay_after), delay_cap=timedelta(seconds=max(1, delay_cap_seconds)))


def delay_after_failures(count: int, limits: Limits) -> timedelta:
    """The wait before the next attempt after ``count`` failures of a pair: none for the first
    ``delay_after``, then 1 s, 2 s, 4 s … up to ``delay_cap``."""
    if count < limits.delay_after or count < 1:
        return timedelta(0)
    steps = min(count - limits.delay_after, 20)
    return min(timedelta(seconds=2**steps), limits.delay_cap)


def _unlocks_at(times: list[datetime], maximum: int, window: timedelta) -> datetime:
    """When a sorted list of at least ``maximum`` failures falls back below ``maximum`` in the window."""
    return times[len(times) - maximum] + window


def decide(pair_times: list[datetime], address_times: list[datetime], now: datetime, limits: Limits) -> Decision:
    """May an attempt go ahead at ``now``, given the pair's and the address's failure instants
    (any order; those outside the window are ignored)?"""
    since = now - limits.window
    pair = sorted(t for t in pair_times if t > since)
    address = sorted(t for t in address_times if t > since)
    if len(address) >= limits.address_max:
        return Decision(wait_until=_unlocks_at(address, limits.address_max, limits.window), locked="address")
    if len(pair) >= limits.pair_max:
        return Decision(wait_until=_unlocks_at(pair, limits.pair_max, limits.window), locked="pair")
    if pair:
        ready = pair[-1] + delay_after_failures(len(pair), limits)
        if now < ready:
            return Decision(wait_until=ready)
    return Decision()

