"""The status page's rules, pure: rate limits, and what a lookup may show.

- Lookups are limited per client address (all lookups) and per ticket number as typed (failed
  lookups only), within a sliding window; a refused lookup checks nothing and is not counted.
- "No such ticket" and "wrong digits" are one answer: the limits count the typed number whether or
  not it exists, and the page says the same thing with the same status code.
- A confidential ticket shows nothing beyond its state; no ticket shows who called.
"""
from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Limits:
    """Lookups per address and failed lookups per ticket number, each within its window."""

    address_max: int = 20
    address_window: timedelta = timedelta(minutes=15)
    number_max: int = 5
    number_window: timedelta = timedelta(hours=1)

    @property
    def longest(self) -> timedelta:
        """The longest window: older lookups count for nothing."""
        return max(self.address_window, self.number_window)


def refused_until(address_times: list[datetime], number_failures: list[datetime], now: datetime,
                  limits: Limits) -> datetime | None:
    """When a lookup may go ahead again, or None if it may now."""
    by_address = sorted(t for t in address_times if t > now - limits.address_window)
    if len(by_address) >= limits.address_max:
        return by_address[len(by_address) - limits.address_max] + limits.address_window
    by_number = sorted(t for t in number_failures if t > now - limits.number_window)
    if len(by_number) >= limits.number_max:
        return by_number[len(by_number) - limits.number_max] + limits.number_window
    return None


def normalize_number(text: str | None) -> str:
    """A ticket number as typed: trimmed, upper case, inner spaces removed, at most 40 characters."""
    return "".join((text or "").split()).upper()[:40]


def last_four(phone: str | None) -> str:
    """The last four digits of a phone number ("" when it has fewer)."""
    digits = "".join(c for c in (phone or "") if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def digits_match(phone: str | None, typed: str) -> bool:
    """Whether ``typed`` is the phone's last four digits, compared in constant time. A missing
    ticket or phone compares against a dummy so both paths do the same work."""
    expected = last_four(phone) or "\0\0\0\0"
    return hmac.compare_digest(expected.encode(), (typed or "").strip().encode())
