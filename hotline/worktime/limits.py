"""Time-limit policies and the deadlines they produce.

Pure module: no Flask, no database and no reading of the system clock.
All instants are timezone-aware; returned instants are in UTC.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from hotline.enums import N_, LabelledEnum
from hotline.worktime.clock import WorkingClock, as_utc


class Unit(StrEnum):
    """The unit a limit is measured in."""

    WORKING_MINUTES = "working_minutes"
    WORKING_DAYS = "working_days"
    NATURAL_MINUTES = "natural_minutes"


class Urgency(LabelledEnum):
    """How urgent a ticket is; drives the first-contact limit."""

    NORMAL = "normal", N_("Normal")
    URGENT = "urgent", N_("Urgent")
    EMERGENCY = "emergency", N_("Emergency")


class ExtensionRefused(ValueError):
    """An extension request breaks the policy; ``code`` says which rule."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Limit:
    """A time limit: ``amount`` of ``unit``, counted from a start instant."""

    amount: float
    unit: Unit

    def __post_init__(self) -> None:
        object.__setattr__(self, "unit", Unit(self.unit))
        if isinstance(self.amount, bool) or not isinstance(self.amount, int | float):
            raise ValueError(f"limit amount must be a number, not {self.amount!r}")
        if not (math.isfinite(self.amount) and self.amount > 0):
            raise ValueError(f"limit amount must be positive, not {self.amount!r}")

    def _minutes(self, clock: WorkingClock, fraction: float = 1.0) -> float:
        """The limit (times ``fraction``) in working or natural minutes."""
        per_unit = clock.hours.minutes_per_day if self.unit is Unit.WORKING_DAYS else 1
        return self.amount * per_unit * fraction

    def _after(self, clock: WorkingClock, start: dt.datetime, minutes: float) -> dt.datetime:
        if self.unit is Unit.NATURAL_MINUTES:
            return as_utc(start) + dt.timedelta(minutes=minutes)
        return clock.add_working_minutes(start, minutes)

    def _elapsed(self, clock: WorkingClock, start: dt.datetime, now: dt.datetime) -> float:
        if self.unit is Unit.NATURAL_MINUTES:
            return (as_utc(now) - as_utc(start)) / dt.timedelta(minutes=1)
        return clock.working_minutes_between(start, now)

    def due(self, clock: WorkingClock, start: dt.datetime) -> dt.datetime:
        """The instant the limit is breached."""
        return self._after(clock, start, self._minutes(clock))

    def warn_at(self, clock: WorkingClock, start: dt.datetime, ratio: float = 0.75) -> dt.datetime:
        """The instant ``ratio`` of the limit has elapsed, in the limit's own unit."""
        if not 0 <= ratio <= 1:
            raise ValueError("ratio must be between 0 and 1")
        return self._after(clock, start, self._minutes(clock, ratio))

    def elapsed_fraction(self, clock: WorkingClock, start: dt.datetime,
                         now: dt.datetime) -> float:
        """Share of the limit used at ``now`` (above 1 once breached)."""
        return self._elapsed(clock, start, now) / self._minutes(clock)

    def remaining(self, clock: WorkingClock, start: dt.datetime, now: dt.datetime) -> float:
        """Minutes left at ``now`` (working minutes for working units, else natural).

        Negative once the limit is breached.
        """
        return self._minutes(clock) - self._elapsed(clock, start, now)

    def extended(self, working_days: int) -> Limit:
        """This limit lengthened by ``working_days`` (working units only)."""
        if working_days < 0:
            raise ValueError("extension days must not be negative")
        if working_days == 0:
            return self
        if self.unit is Unit.WORKING_DAYS:
            return Limit(self.amount + working_days, self.unit)
        raise ValueError(f"cannot extend a {self.unit} limit by working days")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form: ``{"amount": 5, "unit": "working_days"}``."""
        return {"amount": self.amount, "unit": str(self.unit)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Limit:
        """Inverse of :meth:`to_dict`; unknown or missing keys raise ``ValueError``."""
        if not isinstance(data, Mapping) or set(data) != {"amount", "unit"}:
            raise ValueError(f"a limit needs exactly 'amount' and 'unit': {data!r}")
        return cls(data["amount"], Unit(data["unit"]))


def _wd(amount: float) -> Limit:
    return Limit(amount, Unit.WORKING_DAYS)


def _default_contact() -> Mapping[Urgency, Limit]:
    return {
        Urgency.NORMAL: Limit(24 * 60, Unit.NATURAL_MINUTES),
        Urgency.URGENT: Limit(120, Unit.NATURAL_MINUTES),
        Urgency.EMERGENCY: Limit(30, Unit.NATURAL_MINUTES),
    }


_INT_FIELDS = {"max_extensions": 0, "max_extension_days": 1, "callback_attempts": 1}


@dataclass(frozen=True)
class Policy:
    """Every configurable time limit (defaults from DOMAIN.md "Time limits")."""

    dispatch: Limit = _wd(0.5)
    sign: Limit = Limit(120, Unit.WORKING_MINUTES)
    contact: Mapping[Urgency, Limit] = field(default_factory=_default_contact)
    return_window: Limit = _wd(1)
    resolve: Limit = _wd(5)
    joint_resolve: Limit = _wd(15)
    co_answer: Limit = _wd(10)
    max_extensions: int = 3
    max_extension_days: int = 3
    callback: Limit = _wd(2)
    callback_attempts: int = 2
    supervision_level: Limit = _wd(3)
    warn_ratio: float = 0.75

    def __post_init__(self) -> None:
        contact = {Urgency(k): v for k, v in dict(self.contact).items()}
        if set(contact) != set(Urgency):
            raise ValueError("contact limits need exactly the keys normal/urgent/emergency")
        object.__setattr__(self, "contact", MappingProxyType(contact))
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in _INT_FIELDS:
                if isinstance(value, bool) or not isinstance(value, int):
                    raise ValueError(f"{f.name} must be an integer")
                if value < _INT_FIELDS[f.name]:
                    raise ValueError(f"{f.name} must be at least {_INT_FIELDS[f.name]}")
            elif f.name not in ("contact", "warn_ratio") and not isinstance(value, Limit):
                raise ValueError(f"{f.name} must be a Limit")
        if not all(isinstance(v, Limit) for v in contact.values()):
            raise ValueError("contact values must be Limits")
        ratio = self.warn_ratio
        if isinstance(ratio, bool) or not isinstance(ratio, int | float) or not 0 < ratio < 1:
            raise ValueError("warn_ratio must be strictly between 0 and 1")

    def to_dict(self) -> dict[str, Any]:
        """JSON-friendly form for storage (e.g. a JSON column)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Limit):
                value = value.to_dict()
            elif f.name == "contact":
                value = {str(k): v.to_dict() for k, v in value.items()}
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Inverse of :meth:`to_dict`; missing keys take defaults, unknown raise."""
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ValueError(f"unknown policy keys: {sorted(unknown)}")
        kwargs: dict[str, Any] = {}
        for name, value in data.items():
            if name == "contact":
                if not isinstance(value, Mapping):
                    raise ValueError("contact must be a mapping")
                value = {k: Limit.from_dict(v) for k, v in value.items()}
            elif name not in _INT_FIELDS and name != "warn_ratio":
                value = Limit.from_dict(value)
            kwargs[name] = value
        return cls(**kwargs)


@dataclass(frozen=True)
class AssignmentDeadlines:
    """Deadlines of one department's assignment, all counted from dispatch."""

    sign_due: dt.datetime
    sign_warn: dt.datetime
    contact_due: dt.datetime
    contact_warn: dt.datetime
    return_due: dt.datetime
    resolve_due: dt.datetime
    resolve_warn: dt.datetime


def assignment_deadlines(policy: Policy, clock: WorkingClock, *, dispatched_at: dt.datetime,
                         urgency: Urgency | str, joint: bool, co_handler: bool,
                         extension_days: int = 0) -> AssignmentDeadlines:
    """Deadlines for a department's assignment dispatched at ``dispatched_at``.

    The resolve limit is ``co_answer`` for a co-handler, else ``joint_resolve``
    for a joint ticket's lead, else ``resolve``; approved ``extension_days``
    (working days) lengthen it, and its warning is at ``warn_ratio`` of the
    extended limit.
    """
    if co_handler:
        base = policy.co_answer
    else:
        base = policy.joint_resolve if joint else policy.resolve
    resolve = base.extended(extension_days)
    contact = policy.contact[Urgency(urgency)]
    ratio = policy.warn_ratio
    return AssignmentDeadlines(
        sign_due=policy.sign.due(clock, dispatched_at),
        sign_warn=policy.sign.warn_at(clock, dispatched_at, ratio),
        contact_due=contact.due(clock, dispatched_at),
        contact_warn=contact.warn_at(clock, dispatched_at, ratio),
        return_due=policy.return_window.due(clock, dispatched_at),
        resolve_due=resolve.due(clock, dispatched_at),
        resolve_warn=resolve.warn_at(clock, dispatched_at, ratio),
    )


def ticket_dispatch_due(policy: Policy, clock: WorkingClock,
                        received_at: dt.datetime) -> dt.datetime:
    """When the operator must have dispatched a ticket received at ``received_at``."""
    return policy.dispatch.due(clock, received_at)


def callback_due(policy: Policy, clock: WorkingClock, resolved_at: dt.datetime) -> dt.datetime:
    """When the callback (回访) to the caller is due after resolution."""
    return policy.callback.due(clock, resolved_at)


def supervision_due(policy: Policy, clock: WorkingClock, opened_at: dt.datetime) -> dt.datetime:
    """When a supervision level opened at ``opened_at`` must be cleared."""
    return policy.supervision_level.due(clock, opened_at)


def can_extend(policy: Policy, *, extensions_so_far: int, days: int) -> None:
    """Raise :class:`ExtensionRefused` unless an extension of ``days`` is allowed."""
    if days <= 0:
        raise ExtensionRefused("non_positive_days", "extension days must be positive")
    if extensions_so_far >= policy.max_extensions:
        raise ExtensionRefused("too_many_extensions",
                               f"at most {policy.max_extensions} extensions")
    if days > policy.max_extension_days:
        raise ExtensionRefused("too_many_days",
                               f"at most {policy.max_extension_days} working days per extension")
