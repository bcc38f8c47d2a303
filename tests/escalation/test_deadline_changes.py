"""The pure rules of a change of the rules of time: no app, no database, ``now`` explicit."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hotline.escalation import deadline_changes as rules
from hotline.worktime.clock import WorkCalendar, WorkingClock
from hotline.worktime.limits import Policy, assignment_deadlines

SH = ZoneInfo("Asia/Shanghai")
MON_FRI = WorkingClock(WorkCalendar())  # 2027 is not bundled: Monday–Friday
NEW_YEAR_OFF = WorkingClock(WorkCalendar({dt.date(2027, 1, 1): False}, known_years=[2027]))


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


MONDAY_BEFORE_NEW_YEAR = at(2026, 12, 28, 10, 0)


def _assignment(status: str = "signed", dispatched=MONDAY_BEFORE_NEW_YEAR, clock=MON_FRI, extension_days=0):
    due = assignment_deadlines(Policy(), clock, dispatched_at=dispatched, urgency="normal", joint=False,
                               co_handler=False, extension_days=extension_days)
    instants = {"sign_due_at": due.sign_due, "sign_warn_at": due.sign_warn, "contact_due_at": due.contact_due,
                "contact_warn_at": due.contact_warn, "return_due_at": due.return_due,
                "resolve_due_at": due.resolve_due, "resolve_warn_at": due.resolve_warn}
    return rules.AssignmentClock(id=7, status=status, department="tax", dispatched_at=dispatched, urgency="normal",
                                 joint=False, co_handler=False, extension_days=extension_days, instants=instants)


def test_known_years_count_as_covered_without_a_day_entered():
    assert WorkCalendar(known_years=[2027]).missing_years([2026, 2027, 2028]) == [2028]
    assert WorkCalendar().missing_years([2026, 2027]) == [2027]


def test_a_holiday_moves_the_open_resolution_deadline_from_dispatch():
    changes = rules.assignment_changes(_assignment(), Policy(), NEW_YEAR_OFF, now=at(2026, 12, 30, 9, 0))
    assert [(c.step, c.old_due, c.new_due) for c in changes] == [
        ("resolve", at(2027, 1, 4, 10, 0), at(2027, 1, 5, 10, 0))]
    assert changes[0].department == "tax" and changes[0].columns == {
        "resolve_due_at": at(2027, 1, 5, 10, 0), "resolve_warn_at": at(2026, 12, 31, 17, 45)}


def test_an_approved_extension_is_kept():
    a = _assignment(extension_days=2)
    assert a.instants["resolve_due_at"] == at(2027, 1, 6, 10, 0)
    [change] = rules.assignment_changes(a, Policy(), NEW_YEAR_OFF, now=at(2026, 12, 30, 9, 0))
    assert change.new_due == at(2027, 1, 7, 10, 0)


def test_a_passed_due_instant_stays_even_if_the_new_rules_would_move_it():
    a = _assignment(dispatched=at(2026, 12, 31, 9, 0), status="dispatched")  # sign due 11:00 on 31 Dec
    late = rules.assignment_changes(a, Policy(), NEW_YEAR_OFF, now=at(2027, 1, 4, 9, 0))
    assert "sign" not in {c.step for c in late} and "return" not in {c.step for c in late}
    assert {c.step for c in late} == {"resolve"}


def test_steps_already_done_keep_their_deadline():
    a = _assignment(dispatched=at(2026, 12, 31, 17, 0), status="contacted")
    # sign and return (31 Dec 17:00 + 2 h / 1 day) would move over New Year's Day, but they are done
    moved = rules.assignment_changes(a, Policy(), NEW_YEAR_OFF, now=at(2026, 12, 31, 17, 30))
    assert {c.step for c in moved} == {"resolve"}
    dispatched = rules.assignment_changes(_assignment(dispatched=at(2026, 12, 31, 17, 0), status="dispatched"),
                                          Policy(), NEW_YEAR_OFF, now=at(2026, 12, 31, 17, 30))
    assert {(c.step, c.new_due) for c in dispatched} == {
        ("sign", at(2027, 1, 4, 9, 30)), ("return", at(2027, 1, 4, 17, 0)), ("resolve", at(2027, 1, 8, 17, 0))}
    assert rules.assignment_changes(_assignment(status="submitted"), Policy(), NEW_YEAR_OFF,
                                    now=at(2026, 12, 30, 9, 0)) == []


def test_nothing_moves_on_the_same_rules():
    assert rules.assignment_changes(_assignment(), Policy(), MON_FRI, now=at(2026, 12, 30, 9, 0)) == []


def test_ticket_and_case_deadlines_count_from_their_own_start():
    moved = rules.ticket_changes(ticket_id=1, status="resolved", policy=Policy(), clock=NEW_YEAR_OFF,
                                 now=at(2026, 12, 31, 9, 0), received_at=at(2026, 12, 20, 9, 0),
                                 dispatch_due_at=at(2026, 12, 21, 9, 0), resolved_at=at(2026, 12, 30, 16, 0),
                                 callback_due_at=at(2027, 1, 1, 16, 0))
    assert [(c.step, c.new_due) for c in moved] == [("callback", at(2027, 1, 4, 16, 0))]
    waiting = rules.ticket_changes(ticket_id=2, status="received", policy=Policy(), clock=NEW_YEAR_OFF,
                                   now=at(2026, 12, 31, 17, 30), received_at=at(2026, 12, 31, 17, 0),
                                   dispatch_due_at=at(2027, 1, 1, 11, 0), resolved_at=None, callback_due_at=None)
    assert [(c.step, c.old_due, c.new_due) for c in waiting] == [  # half a working day from reception
        ("dispatch", at(2027, 1, 1, 11, 0), at(2027, 1, 4, 11, 0))]
    case = rules.case_change(case_id=3, level=2, opened_at=at(2026, 12, 29, 9, 0), due_at=at(2027, 1, 1, 9, 0),
                             policy=Policy(), clock=NEW_YEAR_OFF, now=at(2026, 12, 30, 9, 0))
    assert (case.target, case.level, case.new_due) == ("case", 2, at(2027, 1, 4, 9, 0))
    assert rules.case_change(case_id=3, level=2, opened_at=at(2026, 12, 29, 9, 0), due_at=at(2027, 1, 1, 9, 0),
                             policy=Policy(), clock=NEW_YEAR_OFF, now=at(2027, 1, 1, 9, 0)) is None


@pytest.mark.parametrize("cause, text", [
    ({"kind": "calendar", "year": 2027}, "calendar 2027 changed"),
    ({"kind": "hours"}, "working hours changed"),
    ({"kind": "policy", "policy_id": 3, "code": "fast"}, "policy fast changed"),
    ({"kind": "categories", "category_ids": [1, 2], "codes": ["refusal", "fees"]},
     "policy of categories refusal, fees changed"),
])
def test_reasons(cause, text):
    assert rules.reason_text(cause) == text


def test_which_causes_can_have_moved_a_ticket():
    old_2026 = [at(2026, 12, 30, 10, 0), at(2026, 12, 31, 10, 0)]
    calendar = {"kind": "calendar", "year": 2027}
    assert not rules.cause_applies(calendar, category_id=1, policy_id=5, instants=old_2026, tz="Asia/Shanghai")
    assert rules.cause_applies(calendar, category_id=1, policy_id=5, instants=[at(2027, 1, 4, 10, 0)],
                               tz="Asia/Shanghai")
    policy = {"kind": "policy", "policy_id": 5, "code": "standard"}
    assert rules.cause_applies(policy, category_id=1, policy_id=5, instants=[], tz="Asia/Shanghai")
    assert not rules.cause_applies(policy, category_id=1, policy_id=6, instants=[], tz="Asia/Shanghai")
    assert rules.cause_applies({"kind": "hours"}, category_id=None, policy_id=None, instants=[], tz="Asia/Shanghai")
    with pytest.raises(ValueError):
        rules.reason_text({"kind": "moon"})
