"""Tests for time-limit policies and deadlines (hotline.worktime.limits)."""

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from hotline.worktime.clock import WorkCalendar, WorkingClock
from hotline.worktime.limits import (
    ExtensionRefused,
    Limit,
    Policy,
    Unit,
    Urgency,
    assignment_deadlines,
    callback_due,
    can_extend,
    supervision_due,
    ticket_dispatch_due,
)

SH = ZoneInfo("Asia/Shanghai")
CLOCK = WorkingClock(WorkCalendar())
POLICY = Policy()
MONDAY_10 = dt.datetime(2026, 3, 2, 10, 0, tzinfo=SH)  # no holidays in March 2026


def sh(*args: int) -> dt.datetime:
    """A Shanghai local instant."""
    return dt.datetime(*args, tzinfo=SH)


def wd(amount: float) -> Limit:
    return Limit(amount, Unit.WORKING_DAYS)


def test_default_policy_matches_domain():
    p = Policy()
    assert p.dispatch == wd(0.5)
    assert p.sign == Limit(120, Unit.WORKING_MINUTES)
    assert dict(p.contact) == {
        Urgency.NORMAL: Limit(1440, Unit.NATURAL_MINUTES),
        Urgency.URGENT: Limit(120, Unit.NATURAL_MINUTES),
        Urgency.EMERGENCY: Limit(30, Unit.NATURAL_MINUTES),
    }
    assert (p.return_window, p.resolve, p.joint_resolve, p.co_answer) == (
        wd(1), wd(5), wd(15), wd(10))
    assert (p.max_extensions, p.max_extension_days) == (3, 3)
    assert (p.callback, p.callback_attempts) == (wd(2), 2)
    assert p.supervision_level == wd(3)
    assert p.warn_ratio == 0.75


def test_policy_round_trips_through_json():
    custom = Policy(resolve=wd(7), max_extensions=2, warn_ratio=0.8,
                    contact={"normal": Limit(600, Unit.NATURAL_MINUTES),
                             "urgent": Limit(60, Unit.NATURAL_MINUTES),
                             "emergency": Limit(15, Unit.NATURAL_MINUTES)})
    for policy in (Policy(), custom):
        stored = json.loads(json.dumps(policy.to_dict()))
        assert Policy.from_dict(stored) == policy
    assert Policy().to_dict()["resolve"] == {"amount": 5, "unit": "working_days"}
    assert Policy().to_dict()["contact"]["emergency"] == {"amount": 30, "unit": "natural_minutes"}


def test_from_dict_missing_keys_take_defaults():
    assert Policy.from_dict({}) == Policy()
    partial = Policy.from_dict({"resolve": {"amount": 6, "unit": "working_days"}})
    assert partial.resolve == wd(6)
    assert partial.joint_resolve == wd(15)


@pytest.mark.parametrize("data", [
    {"resolv": {"amount": 5, "unit": "working_days"}},
    {"resolve": {"amount": 0, "unit": "working_days"}},
    {"resolve": {"amount": -1, "unit": "working_days"}},
    {"resolve": {"amount": 5, "unit": "fortnights"}},
    {"resolve": {"amount": 5}},
    {"resolve": {"amount": 5, "unit": "working_days", "extra": 1}},
    {"resolve": 5},
    {"contact": {"normal": {"amount": 1440, "unit": "natural_minutes"}}},
    {"contact": {**Policy().to_dict()["contact"], "critical": {"amount": 5,
                                                                "unit": "natural_minutes"}}},
    {"max_extensions": -1},
    {"max_extensions": "3"},
    {"max_extension_days": 0},
    {"callback_attempts": 0},
    {"warn_ratio": 1.5},
    {"warn_ratio": 0},
], ids=["unknown key", "zero amount", "negative amount", "bad unit", "missing unit", "extra field",
        "bare number", "missing urgencies", "extra urgency", "negative extensions",
        "string int", "zero extension days", "zero attempts", "ratio above 1", "ratio zero"])
def test_from_dict_rejects_invalid(data: dict):
    with pytest.raises(ValueError):
        Policy.from_dict(data)


def test_limit_coerces_unit_and_validates():
    assert Limit(5, "working_days").unit is Unit.WORKING_DAYS
    with pytest.raises(ValueError):
        Limit(float("nan"), Unit.WORKING_DAYS)
    with pytest.raises(ValueError):
        Limit(True, Unit.WORKING_DAYS)


def test_single_department_deadlines():
    d = assignment_deadlines(POLICY, CLOCK, dispatched_at=MONDAY_10, urgency=Urgency.NORMAL,
                             joint=False, co_handler=False)
    assert d.sign_due == sh(2026, 3, 2, 12, 0)  # 120 working minutes, ends at 12:00
    assert d.sign_warn == sh(2026, 3, 2, 11, 30)  # 90 working minutes
    assert d.contact_due == sh(2026, 3, 3, 10, 0)  # 24 natural hours
    assert d.contact_warn == sh(2026, 3, 3, 4, 0)  # 18 natural hours, at night
    assert d.return_due == sh(2026, 3, 3, 10, 0)
    assert d.resolve_due == sh(2026, 3, 9, 10, 0)
    # 75 % of 5 days = 1575 min = 3 days + 315 min: Thu 10:00 -> 12:00 (120) -> 14:30 + 195.
    assert d.resolve_warn == sh(2026, 3, 5, 17, 45)
    assert d.resolve_due.tzinfo is dt.UTC


def test_joint_lead_and_co_handler():
    lead = assignment_deadlines(POLICY, CLOCK, dispatched_at=MONDAY_10, urgency="normal",
                                joint=True, co_handler=False)
    assert lead.resolve_due == sh(2026, 3, 23, 10, 0)  # 15 working days
    assert lead.resolve_warn == sh(2026, 3, 17, 11, 45)  # 11.25 working days
    co = assignment_deadlines(POLICY, CLOCK, dispatched_at=MONDAY_10, urgency="normal",
                              joint=True, co_handler=True)
    assert co.resolve_due == sh(2026, 3, 16, 10, 0)  # 10 working days
    assert co.sign_due == lead.sign_due


def test_emergency_contact_runs_on_natural_time_at_night():
    night = sh(2026, 3, 4, 23, 0)
    d = assignment_deadlines(POLICY, CLOCK, dispatched_at=night, urgency=Urgency.EMERGENCY,
                             joint=False, co_handler=False)
    assert d.contact_due == sh(2026, 3, 4, 23, 30)
    assert d.contact_warn == sh(2026, 3, 4, 23, 22, 30)
    assert d.sign_due == sh(2026, 3, 5, 10, 30)  # working clock waits for the morning


def test_urgent_contact():
    d = assignment_deadlines(POLICY, CLOCK, dispatched_at=MONDAY_10, urgency="urgent",
                             joint=False, co_handler=False)
    assert d.contact_due == sh(2026, 3, 2, 12, 0)


def test_extension_days_extend_resolve_and_its_warning():
    d = assignment_deadlines(POLICY, CLOCK, dispatched_at=MONDAY_10, urgency="normal",
                             joint=False, co_handler=False, extension_days=3)
    assert d.resolve_due == sh(2026, 3, 12, 10, 0)  # 5 + 3 working days
    assert d.resolve_warn == sh(2026, 3, 10, 10, 0)  # 75 % of 8 = 6 working days
    assert d.sign_due == sh(2026, 3, 2, 12, 0)  # other deadlines unchanged
    with pytest.raises(ValueError):
        assignment_deadlines(POLICY, CLOCK, dispatched_at=MONDAY_10, urgency="normal",
                             joint=False, co_handler=False, extension_days=-1)


def test_deadlines_respect_holidays():
    d = assignment_deadlines(POLICY, CLOCK, dispatched_at=sh(2026, 9, 28, 10, 0),
                             urgency="normal", joint=False, co_handler=False)
    assert d.resolve_due == sh(2026, 10, 10, 10, 0)  # National Day; Saturday 10-10 is worked


def test_ticket_callback_and_supervision_due():
    assert ticket_dispatch_due(POLICY, CLOCK, sh(2026, 3, 2, 16, 0)) == sh(2026, 3, 3, 10, 0)
    assert callback_due(POLICY, CLOCK, sh(2026, 3, 6, 15, 0)) == sh(2026, 3, 10, 15, 0)
    assert supervision_due(POLICY, CLOCK, sh(2026, 9, 30, 9, 0)) == sh(2026, 10, 10, 9, 0)


def test_warn_at_is_75_percent_in_the_limits_own_unit():
    for limit in (POLICY.resolve, POLICY.sign, POLICY.contact[Urgency.NORMAL]):
        warn = limit.warn_at(CLOCK, MONDAY_10)
        assert limit.elapsed_fraction(CLOCK, MONDAY_10, warn) == pytest.approx(0.75)
        assert limit.elapsed_fraction(CLOCK, MONDAY_10, limit.due(CLOCK, MONDAY_10)) == \
            pytest.approx(1.0)


def test_elapsed_fraction_and_remaining():
    tuesday_10 = sh(2026, 3, 3, 10, 0)
    assert POLICY.resolve.elapsed_fraction(CLOCK, MONDAY_10, tuesday_10) == pytest.approx(0.2)
    assert POLICY.resolve.remaining(CLOCK, MONDAY_10, tuesday_10) == pytest.approx(4 * 420)
    emergency = POLICY.contact[Urgency.EMERGENCY]
    night = sh(2026, 3, 4, 23, 0)
    assert emergency.remaining(CLOCK, night, sh(2026, 3, 4, 23, 15)) == pytest.approx(15)
    assert emergency.elapsed_fraction(CLOCK, night, sh(2026, 3, 4, 23, 15)) == pytest.approx(0.5)
    assert emergency.remaining(CLOCK, night, sh(2026, 3, 5, 0, 0)) == pytest.approx(-30)
    assert emergency.elapsed_fraction(CLOCK, night, sh(2026, 3, 5, 0, 0)) == pytest.approx(2)


def test_natural_limit_rejects_naive_datetimes():
    with pytest.raises(ValueError):
        POLICY.contact[Urgency.URGENT].due(CLOCK, dt.datetime(2026, 3, 2, 10, 0))


@pytest.mark.parametrize(("so_far", "days"), [(0, 1), (0, 3), (2, 3)])
def test_can_extend_allows(so_far: int, days: int):
    assert can_extend(POLICY, extensions_so_far=so_far, days=days) is None


@pytest.mark.parametrize(("so_far", "days", "code"), [
    (3, 1, "too_many_extensions"),
    (0, 4, "too_many_days"),
    (0, 0, "non_positive_days"),
    (0, -2, "non_positive_days"),
])
def test_can_extend_refuses(so_far: int, days: int, code: str):
    with pytest.raises(ExtensionRefused) as info:
        can_extend(POLICY, extensions_so_far=so_far, days=days)
    assert info.value.code == code
    assert isinstance(info.value, ValueError)


def test_can_extend_follows_configured_policy():
    strict = Policy(max_extensions=1, max_extension_days=5)
    can_extend(strict, extensions_so_far=0, days=5)
    with pytest.raises(ExtensionRefused, match="at most 1"):
        can_extend(strict, extensions_so_far=1, days=1)
