"""Tests for hotline.tickets.states — the ticket and assignment state machines."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

import pytest

from hotline.roles import Role
from hotline.tickets.states import (
    ASSIGNMENT_TRANSITIONS,
    OPEN_TICKET_STATES,
    REFUSAL_CODES,
    TERMINAL_TICKET_STATES,
    TICKET_TRANSITIONS,
    AssignmentAction,
    AssignmentState,
    DomainError,
    TicketAction,
    TicketState,
    TransitionRefused,
    allowed_assignment_actions,
    allowed_ticket_actions,
    assignment_transition,
    check_return_window,
    check_round_invariant,
    ticket_transition,
)

SHANGHAI = timezone(timedelta(hours=8))
DUE = datetime(2025, 3, 4, 12, 0, tzinfo=SHANGHAI)
RETURN_OK = dict(now=DUE - timedelta(hours=1), return_due_at=DUE, grounds="不属于本部门职责")

# The specification, written out by hand and independently of the module's tables:
# (state, action, role) → target.  Anything not listed must be refused.
EXPECTED_TICKET = {
    ("received", "dispatch", "operator"): "dispatched",
    ("received", "dispatch", "system"): "dispatched",
    ("received", "answer_on_spot", "operator"): "answered",
    ("received", "merge", "operator"): "merged",
    ("dispatched", "start", "handler"): "in_progress",
    ("dispatched", "start", "system"): "in_progress",
    ("dispatched", "all_returned", "system"): "returned",
    ("in_progress", "all_returned", "system"): "returned",
    ("in_progress", "resolve", "handler"): "resolved",
    ("returned", "redispatch", "operator"): "dispatched",
    ("resolved", "close", "operator"): "closed",
    ("resolved", "reopen", "operator"): "reopened",
    ("closed", "reopen", "operator"): "reopened",
    ("closed", "reopen", "system"): "reopened",
    ("reopened", "start", "handler"): "in_progress",
    ("reopened", "start", "system"): "in_progress",
    ("reopened", "all_returned", "system"): "returned",
}
EXPECTED_ASSIGNMENT = {
    ("dispatched", "sign", "handler"): "signed",
    ("dispatched", "return", "handler"): "returned",
    ("signed", "record_contact", "handler"): "contacted",
    ("signed", "return", "handler"): "returned",
    ("contacted", "record_contact", "handler"): "contacted",
    ("contacted", "submit", "handler"): "submitted",
    ("submitted", "reopen", "operator"): "dispatched",
    ("submitted", "reopen", "system"): "dispatched",
    ("dispatched", "withdraw", "system"): "withdrawn",
    ("dispatched", "withdraw", "operator"): "withdrawn",
    ("signed", "withdraw", "system"): "withdrawn",
    ("signed", "withdraw", "operator"): "withdrawn",
    ("contacted", "withdraw", "system"): "withdrawn",
    ("contacted", "withdraw", "operator"): "withdrawn",
}


def _flatten(table):
    return {
        (state.value, action.value, role.value): row.target.value
        for (state, action), row in table.items()
        for role in row.roles
    }


def test_enum_values_are_db_values():
    assert [s.value for s in TicketState] == [
        "received", "dispatched", "in_progress", "resolved", "closed", "returned", "reopened",
        "merged", "answered",
    ]
    assert [s.value for s in AssignmentState] == [
        "dispatched", "signed", "contacted", "submitted", "returned", "withdrawn",
    ]
    assert [r.value for r in Role] == ["operator", "handler", "supervisor", "admin", "leader", "commissioner",
                                       "system"]
    assert AssignmentAction.return_.value == "return"


def test_ticket_table_matches_specification():
    assert _flatten(TICKET_TRANSITIONS) == EXPECTED_TICKET


def test_assignment_table_matches_specification():
    assert _flatten(ASSIGNMENT_TRANSITIONS) == EXPECTED_ASSIGNMENT


def test_tables_are_read_only():
    with pytest.raises(TypeError):
        TICKET_TRANSITIONS[(TicketState.merged, TicketAction.reopen)] = None  # type: ignore
    with pytest.raises(TypeError):
        key = (AssignmentState.returned, AssignmentAction.sign)
        ASSIGNMENT_TRANSITIONS[key] = None  # type: ignore


def test_open_and_terminal_states_partition():
    assert set(TicketState) == OPEN_TICKET_STATES | TERMINAL_TICKET_STATES
    assert not OPEN_TICKET_STATES & TERMINAL_TICKET_STATES
    assert {"closed", "merged", "answered"} == TERMINAL_TICKET_STATES
    for state in (TicketState.merged, TicketState.answered):  # final: no way out
        assert not any(s == state for s, _ in TICKET_TRANSITIONS)


def test_every_ticket_state_is_reachable_from_received():
    reached, frontier = {TicketState.received}, [TicketState.received]
    while frontier:
        state = frontier.pop()
        for (s, _), row in TICKET_TRANSITIONS.items():
            if s == state and row.target not in reached:
                reached.add(row.target)
                frontier.append(row.target)
    assert reached == set(TicketState)


# ---- every allowed transition, generated from the table --------------------------------


@pytest.mark.parametrize(
    "state, action, role, target",
    [
        (s, a, r, row.target)
        for (s, a), row in TICKET_TRANSITIONS.items()
        for r in sorted(row.roles)
    ],
    ids=lambda v: str(v),
)
def test_allowed_ticket_transition(state, action, role, target):
    assert ticket_transition(state, action, role) is target
    assert ticket_transition(state.value, action.value, role.value) is target  # DB strings


@pytest.mark.parametrize(
    "state, action, role, target",
    [
        (s, a, r, row.target)
        for (s, a), row in ASSIGNMENT_TRANSITIONS.items()
        for r in sorted(row.roles)
    ],
    ids=lambda v: str(v),
)
def test_allowed_assignment_transition(state, action, role, target):
    kwargs = RETURN_OK if action is AssignmentAction.return_ else {}
    assert assignment_transition(state, action, role, **kwargs) is target


# ---- hand-written expectations (check the table itself) --------------------------------


@pytest.mark.parametrize(
    "state, action, role, target",
    [
        ("received", "dispatch", "system", "dispatched"),  # 接诉即办: auto-dispatch
        ("received", "answer_on_spot", "operator", "answered"),  # 直办
        ("received", "merge", "operator", "merged"),  # 并单
        ("dispatched", "start", "handler", "in_progress"),  # first sign-for
        ("in_progress", "all_returned", "system", "returned"),
        ("returned", "redispatch", "operator", "dispatched"),
        ("in_progress", "resolve", "handler", "resolved"),
        ("resolved", "close", "operator", "closed"),
        ("resolved", "reopen", "operator", "reopened"),  # unsatisfied callback
        ("closed", "reopen", "system", "reopened"),  # repeat after close → 重办
        ("reopened", "start", "handler", "in_progress"),  # lead signs again
    ],
)
def test_ticket_hand_written(state, action, role, target):
    assert ticket_transition(state, action, role) == target


@pytest.mark.parametrize(
    "state, action, role, code",
    [
        ("received", "dispatch", "handler", "role_not_allowed"),
        ("received", "merge", "system", "role_not_allowed"),
        ("in_progress", "resolve", "supervisor", "role_not_allowed"),
        ("resolved", "close", "system", "role_not_allowed"),
        ("dispatched", "resolve", "handler", "not_allowed_in_state"),  # must sign first
        ("reopened", "resolve", "handler", "not_allowed_in_state"),  # through in_progress
        ("reopened", "redispatch", "operator", "not_allowed_in_state"),
        ("merged", "reopen", "operator", "not_allowed_in_state"),
        ("answered", "dispatch", "operator", "not_allowed_in_state"),
        ("closed", "close", "operator", "not_allowed_in_state"),
    ],
)
def test_ticket_hand_written_refusals(state, action, role, code):
    with pytest.raises(TransitionRefused) as info:
        ticket_transition(state, action, role)
    assert info.value.code == code


def test_assignment_hand_written():
    state = AssignmentState.dispatched
    state = assignment_transition(state, "sign", "handler")
    assert state is AssignmentState.signed
    state = assignment_transition(state, "record_contact", "handler")  # not reached
    assert state is AssignmentState.contacted
    state = assignment_transition(state, "record_contact", "handler")  # second attempt
    assert state is AssignmentState.contacted
    state = assignment_transition(state, "submit", "handler")
    assert state is AssignmentState.submitted
    state = assignment_transition(state, "reopen", "system")  # 重办: fresh clock
    assert state is AssignmentState.dispatched
    assert assignment_transition(state, "return", "handler", **RETURN_OK) == "returned"
    for refused in [("signed", "submit", "handler"), ("dispatched", "record_contact", "handler"),
                    ("contacted", "return", "handler"), ("returned", "sign", "handler")]:
        with pytest.raises(TransitionRefused, match="not_allowed_in_state"):
            assignment_transition(*refused, **RETURN_OK)


# ---- every other combination is refused with the right code ----------------------------


@pytest.mark.parametrize(
    "state, action, role", list(itertools.product(TicketState, TicketAction, Role))
)
def test_ticket_exhaustive(state, action, role):
    key = (state.value, action.value, role.value)
    if key in EXPECTED_TICKET:
        assert ticket_transition(state, action, role) == EXPECTED_TICKET[key]
        return
    expected = (
        "role_not_allowed"
        if any(k[:2] == key[:2] for k in EXPECTED_TICKET)
        else "not_allowed_in_state"
    )
    with pytest.raises(TransitionRefused) as info:
        ticket_transition(state, action, role)
    assert info.value.code == expected
    assert info.value.params["state"] == state.value
    assert info.value.params["action"] == action.value


@pytest.mark.parametrize(
    "state, action, role", list(itertools.product(AssignmentState, AssignmentAction, Role))
)
def test_assignment_exhaustive(state, action, role):
    key = (state.value, action.value, role.value)
    if key in EXPECTED_ASSIGNMENT:
        assert assignment_transition(state, action, role, **RETURN_OK) == EXPECTED_ASSIGNMENT[key]
        return
    expected = (
        "role_not_allowed"
        if any(k[:2] == key[:2] for k in EXPECTED_ASSIGNMENT)
        else "not_allowed_in_state"
    )
    with pytest.raises(TransitionRefused) as info:
        assignment_transition(state, action, role, **RETURN_OK)
    assert info.value.code == expected


# ---- guards ----------------------------------------------------------------------------


@pytest.mark.parametrize("state", ["dispatched", "signed"])
def test_return_at_due_instant_allowed(state):
    check_return_window(DUE, DUE)
    result = assignment_transition(state, "return", "handler", now=DUE, return_due_at=DUE,
                                   grounds="非本部门职责")
    assert result is AssignmentState.returned


@pytest.mark.parametrize("state", ["dispatched", "signed"])
def test_return_one_second_late_refused(state):
    late = DUE + timedelta(seconds=1)
    with pytest.raises(TransitionRefused) as info:
        assignment_transition(state, "return", "handler", now=late, return_due_at=DUE,
                              grounds="非本部门职责")
    assert info.value.code == "return_window_closed"
    assert info.value.params == {"return_due_at": DUE.isoformat()}


@pytest.mark.parametrize("grounds", [None, "", "   ", "\n\t"])
def test_return_blank_grounds_refused(grounds):
    with pytest.raises(TransitionRefused) as info:
        assignment_transition("dispatched", "return", "handler", now=DUE, return_due_at=DUE,
                              grounds=grounds)
    assert info.value.code == "return_grounds_required"


def test_return_without_clock_is_a_caller_bug():
    with pytest.raises(ValueError):
        assignment_transition("dispatched", "return", "handler", grounds="x")


def test_state_and_role_are_checked_before_guards():
    late = DUE + timedelta(days=3)
    with pytest.raises(TransitionRefused, match="role_not_allowed"):
        assignment_transition("signed", "return", "operator", now=late, return_due_at=DUE)
    with pytest.raises(TransitionRefused, match="not_allowed_in_state"):
        assignment_transition("submitted", "return", "handler", now=late, return_due_at=DUE)


def test_lead_submit_blocked_by_pending_co_handlers():
    with pytest.raises(TransitionRefused) as info:
        assignment_transition("contacted", "submit", "handler",
                              pending_co_handlers=["finance", "zone", "finance"])
    assert info.value.code == "co_handlers_pending"
    assert info.value.params == {"missing": ("finance", "zone")}
    assert isinstance(info.value, DomainError)


def test_co_handler_submit_and_lead_submit_when_all_answered():
    assert assignment_transition("contacted", "submit", "handler") is AssignmentState.submitted
    assert (
        assignment_transition("contacted", "submit", "handler", pending_co_handlers=())
        is AssignmentState.submitted
    )


def test_refusal_codes_documented():
    assert set(REFUSAL_CODES) == {
        "not_allowed_in_state", "role_not_allowed", "return_window_closed",
        "return_grounds_required", "co_handlers_pending", "round_invariant",
    }


def test_unknown_values_raise_value_error():
    with pytest.raises(ValueError):
        ticket_transition("lost", "dispatch", "operator")
    with pytest.raises(ValueError):
        assignment_transition("signed", "sign", "mayor")


# ---- allowed actions agree with the tables ---------------------------------------------


@pytest.mark.parametrize("state, role", list(itertools.product(TicketState, Role)))
def test_allowed_ticket_actions_agree(state, role):
    expected = {a for (s, a, r) in EXPECTED_TICKET if s == state and r == role}
    actions = allowed_ticket_actions(state, role)
    assert {a.value for a in actions} == expected
    assert len(actions) == len(expected)


@pytest.mark.parametrize("state, role", list(itertools.product(AssignmentState, Role)))
def test_allowed_assignment_actions_agree(state, role):
    expected = {a for (s, a, r) in EXPECTED_ASSIGNMENT if s == state and r == role}
    assert {a.value for a in allowed_assignment_actions(state, role)} == expected
    assert {
        a.value
        for a in allowed_assignment_actions(state, role, now=DUE, return_due_at=DUE)
    } == expected


def test_allowed_assignment_actions_hide_return_after_window():
    late = DUE + timedelta(seconds=1)
    assert allowed_assignment_actions("signed", "handler", now=late, return_due_at=DUE) == (
        AssignmentAction.record_contact,
    )
    assert allowed_ticket_actions("resolved", "operator") == (
        TicketAction.close,
        TicketAction.reopen,
    )


# ---- the round invariant ---------------------------------------------------------------


def test_round_invariant_holds_for_live_parts_of_the_current_round():
    check_round_invariant(2, [("devzone", 1, "returned"), ("finance", 1, "withdrawn"),
                              ("devzone", 2, "dispatched"), ("finance", 2, "signed"), ("tax", 1, "submitted")])


@pytest.mark.parametrize("parts", [
    [("finance", 1, "signed"), ("devzone", 2, "dispatched")],  # a live part left from round 1
    [("devzone", 2, "dispatched"), ("devzone", 2, "contacted")],  # one department, two live parts
])
def test_round_invariant_refuses_stale_or_doubled_live_parts(parts):
    with pytest.raises(TransitionRefused) as info:
        check_round_invariant(2, parts)
    assert info.value.code == "round_invariant"


def test_the_return_and_extension_states_follow_the_transition_table():
    """The workbench offers a return or an extension from these sets; they agree with the rules."""
    from hotline.tickets.states import ASSIGNMENT_TRANSITIONS, EXTENSION_STATES, RETURNABLE_STATES

    assert RETURNABLE_STATES == {AssignmentState.dispatched, AssignmentState.signed}
    assert RETURNABLE_STATES == {s for s, a in ASSIGNMENT_TRANSITIONS if a is AssignmentAction.return_}
    assert EXTENSION_STATES == {AssignmentState.signed, AssignmentState.contacted}
    assert not EXTENSION_STATES & {AssignmentState.dispatched, AssignmentState.submitted}
