"""Reporting periods (a day, a week, a month) in the city's time, as aware UTC bounds."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hotline.http import YEAR_MAX, YEAR_MIN


@dataclass(frozen=True)
class Period:
    """A half-open interval [start, end) with a label such as ``2026-11``."""

    start: datetime
    end: datetime
    label: str

    @classmethod
    def month(cls, label: str, tz: str) -> Period:
        """The calendar month ``YYYY-MM`` in zone ``tz``; ValueError if malformed or outside the
        years the hotline can mean (2000–2100: year 1 would overflow in UTC)."""
        year, month = (int(p) for p in label.split("-"))
        if not YEAR_MIN <= year <= YEAR_MAX:
            raise ValueError(f"month {label!r}: the year must be from {YEAR_MIN} to {YEAR_MAX}")
        first = date(year, month, 1)
        nxt = date(year + (month == 12), month % 12 + 1, 1)
        zone = ZoneInfo(tz)
        return cls(datetime.combine(first, time(), zone), datetime.combine(nxt, time(), zone), f"{first:%Y-%m}")

    @classmethod
    def containing(cls, instant: datetime, tz: str) -> Period:
        """The month that contains ``instant``."""
        return cls.month(f"{instant.astimezone(ZoneInfo(tz)):%Y-%m}", tz)

    def previous(self, tz: str) -> Period:
        """The month before."""
        return Period.containing(self.start - timedelta(days=1), tz)

    def days(self, tz: str) -> list[date]:
        """Every city-local day of the period."""
        zone = ZoneInfo(tz)
        first, last = self.start.astimezone(zone).date(), (self.end - timedelta(seconds=1)).astimezone(zone).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]
