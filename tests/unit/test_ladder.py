"""The escalation ladder (三级督办) as pure rules: which step is due, what it does, how levels climb.
No app, no database: these run in milliseconds."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.escalation import ladder
from hotline.escalation.ladder import ASSIGNMENT_STEPS, AssignmentFacts, Effect, Step

NOW = datetime(2026, 12, 3, 8, 0, tzinfo=UTC)
ASSIGNMENT_STATES = ("dispatched", "signed", "contacted", "submitted", "returned", "withdrawn", "closed")


def _facts(status: str, *, passed: set[str] = frozenset(), is_lead: bool = True, missing: set[str] = frozenset()):
    """An assignment whose listed instants lie one minute in the past, the others one minute ahead."""
    instants = {}
    for column, _states in ASSIGNMENT_STEPS.values():
        if column in missing:
            instants[column] = None
        else:
            instants[column] = NOW - timedelta(minutes=1) if column in passed else NOW + timedelta(minutes=1)
    return AssignmentFacts(status=status, is_lead=is_lead, instants=instants)


@pytest.mark.parametrize("step", list(ASSIGNMENT_STEPS))
@pytest.mark.parametrize("status", ASSIGNMENT_STATES)
def test_a_step_is_due_exactly_when_its_instant_passed_and_the_part_still_waits_for_it(step, status):
    column, watched = ASSIGNMENT_STEPS[step]
    assert ladder.assignment_step_due(step, _facts(status, passed={column}), NOW) == (status in watched)
    assert not ladder.assignment_step_due(step, _facts(status), NOW)  # not yet
    assert not ladder.assignment_step_due(step, _facts(status, missing={column}), NOW)  # no such limit


def test_the_instant_itself_counts_as_passed():
    facts = AssignmentFacts(status="dispatched", is_lead=True, instants={"sign_due_at": NOW})
    assert ladder.assignment_step_due(Step.sign_breach, facts, NOW)
    assert not ladder.assignment_step_due(Step.sign_breach, facts, NOW - timedelta(microseconds=1))


def test_signing_ends_the_sign_for_limit_contact_ends_the_contact_limit_submission_ends_resolution():
    every = {column for column, _ in ASSIGNMENT_STEPS.values()}
    due = {status: {s for s in ASSIGNMENT_STEPS if ladder.assignment_step_due(s, _facts(status, passed=every), NOW)}
           for status in ASSIGNMENT_STATES}
    assert due["dispatched"] == set(ASSIGNMENT_STEPS)
    assert due["signed"] == {Step.contact_warn, Step.contact_breach, Step.resolve_warn, Step.resolve_breach}
    assert due["contacted"] == {Step.resolve_warn, Step.resolve_breach}
    for finished in ("submitted", "returned", "withdrawn", "closed"):
        assert due[finished] == set(), finished


@pytest.mark.parametrize("warn, breach", list(ladder.BREACH_OF.items()))
def test_a_worker_catching_up_writes_the_breach_not_a_stale_warning(warn, breach):
    warn_col, breach_col = ASSIGNMENT_STEPS[warn][0], ASSIGNMENT_STEPS[breach][0]
    assert ladder.superseding_breach(warn, _facts("dispatched", passed={warn_col, breach_col}), NOW) == breach
    assert ladder.superseding_breach(warn, _facts("dispatched", passed={warn_col}), NOW) is None
    assert ladder.superseding_breach(breach, _facts("dispatched", passed={warn_col, breach_col}), NOW) is None


@pytest.mark.parametrize("step", list(ASSIGNMENT_STEPS))
@pytest.mark.parametrize("is_lead", [True, False])
def test_warnings_tell_the_department_and_only_the_leads_resolution_breach_opens_supervision(step, is_lead):
    effect = ladder.assignment_effect(step, _facts("dispatched", is_lead=is_lead))
    if step in ladder.BREACH_OF:
        assert effect == Effect.warn_department
    elif step == Step.resolve_breach and is_lead:
        assert effect == Effect.supervise
    else:
        assert effect == Effect.breach_notice


def test_levels_climb_one_at_a_time_and_stop_at_three():
    assert [ladder.next_level(level) for level in (0, 1, 2, 3)] == [1, 2, 3, 3]
    assert ladder.supervise_level(0) == 1 and ladder.supervise_level(2) == 3
    assert [ladder.interview_required(level) for level in (1, 2, 3)] == [False, False, True]


@given(st.integers(min_value=-5, max_value=50))
def test_a_level_is_always_between_one_and_three(current):
    assert 1 <= ladder.next_level(current) <= ladder.MAX_LEVEL
    assert ladder.next_level(current) >= min(current, ladder.MAX_LEVEL)


def test_a_case_breaches_only_while_open_and_a_callback_only_while_the_ticket_awaits_it():
    assert ladder.case_step_due("open", NOW, NOW) and not ladder.case_step_due("open", NOW, NOW - timedelta(seconds=1))
    assert not ladder.case_step_due("cleared", NOW - timedelta(days=1), NOW)
    assert ladder.callback_step_due("resolved", NOW, NOW)
    assert not ladder.callback_step_due("resolved", None, NOW)
    assert not ladder.callback_step_due("closed", NOW - timedelta(days=1), NOW)
    assert not ladder.callback_step_due("resolved", NOW + timedelta(minutes=1), NOW)
