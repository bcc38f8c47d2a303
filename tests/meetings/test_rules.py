"""The meeting, agenda and decision rules, exhaustively, with no app."""
from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from hotline.meetings import rules
from hotline.meetings.rules import (
    Actor,
    DecisionAction,
    DecisionState,
    ItemAction,
    ItemOutcome,
    MeetingAction,
    MeetingRefused,
    MeetingState,
)
from hotline.worktime.clock import WorkCalendar, WorkingClock
from tests.escalation.conftest import local

LEADERS = {Actor.convener, Actor.supervisor}

MEETING_ALLOWED = {
    (MeetingState.scheduled, MeetingAction.add_item): MeetingState.scheduled,
    (MeetingState.held, MeetingAction.add_item): MeetingState.held,
    (MeetingState.scheduled, MeetingAction.hold): MeetingState.held,
    (MeetingState.scheduled, MeetingAction.cancel): MeetingState.cancelled,
    (MeetingState.held, MeetingAction.decide): MeetingState.held,
}


@pytest.mark.parametrize("state, action, actor", list(itertools.product(MeetingState, MeetingAction, Actor)))
def test_meeting_exhaustive(state, action, actor):
    target = MEETING_ALLOWED.get((state, action))
    if target is None:
        with pytest.raises(MeetingRefused) as refused:
            rules.meeting_transition(state, action, actor)
        assert refused.value.code == "not_allowed_in_state"
    elif actor not in LEADERS:
        with pytest.raises(MeetingRefused) as refused:
            rules.meeting_transition(state, action, actor)
        assert refused.value.code == "role_not_allowed"
    else:
        assert rules.meeting_transition(state, action, actor) is target
    assert (action in rules.allowed_meeting_actions(state, actor)) == (target is not None and actor in LEADERS)


@pytest.mark.parametrize("outcome, action, actor, meeting_state",
                         list(itertools.product(ItemOutcome, ItemAction, Actor, MeetingState)))
def test_item_exhaustive(outcome, action, actor, meeting_state):
    allowed = {(ItemOutcome.pending, ItemAction.settle): ItemOutcome.settled,
               (ItemOutcome.pending, ItemAction.carry_over): ItemOutcome.carried_over}
    target = allowed.get((outcome, action))
    if target is None or actor not in LEADERS or meeting_state is not MeetingState.held:
        with pytest.raises(MeetingRefused) as refused:
            rules.item_transition(outcome, action, actor, meeting_state=meeting_state)
        expected = ("not_allowed_in_state" if target is None else
                    "role_not_allowed" if actor not in LEADERS else "meeting_not_held")
        assert refused.value.code == expected
    else:
        assert rules.item_transition(outcome, action, actor, meeting_state=meeting_state) is target


@pytest.mark.parametrize("state, action, actor, text", list(itertools.product(
    DecisionState, DecisionAction, Actor, ["", "  ", "验收报告已签发"])))
def test_decision_exhaustive(state, action, actor, text):
    allowed = {(DecisionState.open, DecisionAction.complete): (DecisionState.done, {Actor.handler}),
               (DecisionState.open, DecisionAction.cancel): (DecisionState.cancelled, LEADERS)}
    row = allowed.get((state, action))
    if row is None:
        code = "not_allowed_in_state"
    elif actor not in row[1]:
        code = "role_not_allowed"
    elif not text.strip():
        code = "evidence_required" if action is DecisionAction.complete else "reason_required"
    else:
        assert rules.decision_transition(state, action, actor, text=text) is row[0]
        return
    with pytest.raises(MeetingRefused) as refused:
        rules.decision_transition(state, action, actor, text=text)
    assert refused.value.code == code


def _clock():
    return WorkingClock(WorkCalendar())


def test_decision_deadline_runs_on_the_working_clock_with_a_warning_at_75_percent():
    friday_afternoon = local(2026, 11, 20, 16, 0)  # 2 working hours left that day
    deadline = rules.decision_deadline(_clock(), friday_afternoon, 1)  # one working day = 7 h
    assert deadline.due_at == local(2026, 11, 23, 16, 0)  # Monday, same hour: the weekend does not count
    assert deadline.warn_at == local(2026, 11, 23, 11, 45)  # 5 h 15 min of working time later
    for days in (0, -1, rules.MAX_DECISION_DAYS + 1):
        with pytest.raises(MeetingRefused):
            rules.decision_deadline(_clock(), friday_afternoon, days)


def test_decision_steps_due_and_a_late_warning_superseded():
    due = local(2026, 11, 23, 16, 0)
    instants = {"warn_at": due - timedelta(hours=2), "due_at": due}
    assert not rules.decision_step_due("decision_warn", "open", instants, due - timedelta(hours=3))
    assert rules.decision_step_due("decision_warn", "open", instants, due - timedelta(hours=1))
    assert rules.superseding_breach("decision_warn", "open", instants, due - timedelta(hours=1)) is None
    assert rules.superseding_breach("decision_warn", "open", instants, due) == "decision_breach"
    assert not rules.decision_step_due("decision_breach", "done", instants, due + timedelta(days=1))
    assert not rules.decision_step_due("decision_breach", "cancelled", instants, due + timedelta(days=1))


def test_done_on_time():
    due = local(2026, 11, 23, 16, 0)
    assert rules.done_on_time(due, due) and not rules.done_on_time(due + timedelta(seconds=1), due)
    assert not rules.done_on_time(None, due)


@pytest.mark.parametrize("joint, fraction, level, returns, expected", [
    (True, 0.51, 0, 0, ("joint_past_half",)),
    (True, 0.5, 0, 0, ()),
    (False, 0.9, 0, 0, ()),
    (True, None, 0, 0, ()),
    (False, None, 2, 0, ("supervision_level",)),
    (False, None, 1, 1, ()),
    (False, None, 0, 2, ("two_returns",)),
    (True, 0.8, 3, 2, ("joint_past_half", "supervision_level", "two_returns")),
])
def test_candidate_reasons(joint, fraction, level, returns, expected):
    assert rules.candidate_reasons(rules.TicketFacts(joint=joint, resolve_fraction=fraction,
                                                     supervision_level=level, returns=returns)) == expected
