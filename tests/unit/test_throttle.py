"""The failed-login throttle's rules, without an app: delays, locks and when they end."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hotline.auth.throttle import Limits, decide, delay_after_failures, limits_from, parse_limit

NOW = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)
LIMITS = Limits(pair_max=10, address_max=30, window=timedelta(minutes=15), delay_after=3,
                delay_cap=timedelta(seconds=60))


def _ago(*seconds: int) -> list[datetime]:
    return [NOW - timedelta(seconds=s) for s in seconds]


@pytest.mark.parametrize("text, expected", [
    ("10 per 15 minutes", (10, timedelta(minutes=15))),
    ("30/hour", (30, timedelta(hours=1))),
    ("5 per 1 day", (5, timedelta(days=1))),
])
def test_limits_read_like_the_rest_of_the_configuration(text, expected):
    assert parse_limit(text) == expected


@pytest.mark.parametrize("text", ["", "ten per minute", "0 per minute", "5 per fortnight"])
def test_a_malformed_limit_is_refused(text):
    with pytest.raises(ValueError):
        parse_limit(text)


def test_both_limits_share_the_longer_window():
    limits = limits_from("10 per 15 minutes", "30 per hour", 3, 60)
    assert (limits.pair_max, limits.address_max, limits.window) == (10, 30, timedelta(hours=1))


def test_the_delay_doubles_after_the_first_failures_and_stops_at_the_cap():
    delays = [delay_after_failures(n, LIMITS).total_seconds() for n in range(0, 12)]
    assert delays == [0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60, 60]


def test_an_attempt_inside_the_delay_waits_and_one_after_it_goes_ahead():
    pair = _ago(30, 20, 10, 1)  # four failures, the last a second ago: two seconds to wait
    waiting = decide(pair, pair, NOW, LIMITS)
    assert not waiting.allowed and waiting.locked is None and waiting.wait_until == NOW + timedelta(seconds=1)
    assert decide(pair, pair, NOW + timedelta(seconds=1), LIMITS).allowed


def test_the_pair_limit_locks_until_the_oldest_counted_failure_leaves_the_window():
    pair = _ago(*range(600, 0, -60))  # ten failures, a minute apart
    decision = decide(pair, pair, NOW, LIMITS)
    assert decision.locked == "pair" and decision.wait_until == NOW - timedelta(seconds=600) + LIMITS.window


def test_the_address_limit_counts_every_account_and_wins_over_the_pair():
    address = _ago(*range(30, 0, -1))
    decision = decide([], address, NOW, LIMITS)
    assert decision.locked == "address" and decision.wait_until == NOW - timedelta(seconds=30) + LIMITS.window


def test_failures_outside_the_window_do_not_count():
    old = _ago(*range(2000, 1000, -10))  # a hundred failures, all more than 15 minutes ago
    assert decide(old, old, NOW, LIMITS).allowed


def test_no_failures_no_wait():
    assert decide([], [], NOW, LIMITS).allowed
