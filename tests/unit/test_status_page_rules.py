"""The status page's pure rules: limits, the typed number, the digits."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from hotline.public import rules

NOW = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)
LIMITS = rules.Limits(address_max=3, address_window=timedelta(minutes=15), number_max=2,
                      number_window=timedelta(hours=1))


def test_an_address_under_its_limit_may_look_up():
    assert rules.refused_until([NOW - timedelta(minutes=1)] * 2, [], NOW, LIMITS) is None


def test_an_address_at_its_limit_waits_until_its_oldest_lookup_leaves_the_window():
    times = [NOW - timedelta(minutes=10), NOW - timedelta(minutes=5), NOW - timedelta(minutes=1)]
    assert rules.refused_until(times, [], NOW, LIMITS) == NOW + timedelta(minutes=5)
    assert rules.refused_until(times, [], NOW + timedelta(minutes=5, seconds=1), LIMITS) is None


def test_failed_lookups_of_one_number_stop_further_lookups_of_it():
    failures = [NOW - timedelta(minutes=50), NOW - timedelta(minutes=20)]
    assert rules.refused_until([], failures, NOW, LIMITS) == NOW + timedelta(minutes=10)
    assert rules.refused_until([], failures[1:], NOW, LIMITS) is None


def test_the_typed_number_ignores_spaces_and_case():
    assert rules.normalize_number(" 261203 - 00042 ") == "261203-00042"
    assert rules.normalize_number("ab-1") == "AB-1"
    assert len(rules.normalize_number("9" * 100)) == 40


def test_only_the_last_four_digits_match():
    assert rules.digits_match("13812345678", "5678")
    assert rules.digits_match("13812345678", " 5678 ")
    assert not rules.digits_match("13812345678", "1234")
    assert not rules.digits_match(None, "5678") and not rules.digits_match("123", "0123")


@given(st.text(max_size=12))
def test_no_typed_text_matches_a_missing_phone(typed):
    assert not rules.digits_match(None, typed)
