"""Lifecycle state machines for tickets (工单) and assignments (派单).

Pure module: standard library only, no Flask, no database.  The web layer and
the background workers ask this module whether a change of state is allowed and
what the new state is; they record the event themselves.

Ticket (工单) — one matter from one caller::

      received ──answer_on_spot (operator)────────────────────▶ answered  [terminal, 直办]
         │  └───merge (operator)──────────────────────────────▶ merged    [terminal, 并单]
         │
         │ dispatch (operator, system)
         ▼
      dispatched ◀──────────redispatch (operator)───────────── returned
         │                                                        ▲
         │ start (handler, system):          all_returned (system): every assignment
         │ first assignment signed           returned; from dispatched, in_progress
         ▼                                   or reopened
      in_progress ◀─────────start (handler, system)──────────────┐
         │                  the lead signs again                 │
         │ resolve (handler): lead's final reply                 │
         ▼                                                       │
      resolved ──reopen (operator): unsatisfied / not solved──▶ reopened
         │                                                       ▲
         │ close (operator): callback satisfied,                 │
         │ or unreachable after two attempts                     │
         ▼                                                       │
      closed ───reopen (operator, system): repeat after close────┘
                [terminal for clocks and queues; 重办 reopens it]

A reopened ticket is handled again from the start: its lead's assignment goes
back to ``dispatched`` with a fresh clock, and the ticket returns to
``in_progress`` only when the lead signs again (``start``).  There is no
``reopened → resolved`` shortcut and no ``reopened → dispatched`` redispatch:
adding a department to a reopened ticket is an assignment, not a ticket state.

Assignment (派单) — one department's part, with its own clock from dispatch::

      dispatched ──sign (handler)──▶ signed ──record_contact (handler)──▶ contacted ◀──┐
         ▲  │                          │       first attempt that reached │   │        │
         │  │ return (handler)         │       the caller (响应)           │   └────────┘
         │  │ [window, grounds]        │ return (handler)                 │  record_contact
         │  ▼                          │ [window, grounds]                │  (further attempts)
         │ returned ◀──────────────────┘                                  │
         │ [terminal: the operator redispatches                           │ submit (handler)
         │  with a new assignment]                                        │ [lead: all co-
         │                                                                ▼  handlers submitted]
         └──────reopen (operator, system): 重办, fresh clock────────── submitted

      dispatched, signed, contacted ──withdraw (system, operator)──▶ withdrawn
         [terminal: the lead returned the whole ticket (joint handling), so every
          other live part of that round ends; not a return by this department]

Rounds.  Every dispatch, re-dispatch and reopen opens a new **round** of the ticket;
its assignments carry the round number.  Invariant, always: every live assignment
(dispatched, signed, contacted) belongs to the ticket's current round, and a
department holds at most one live assignment per ticket (``check_round_invariant``).

A co-handler's (协办) ``submit`` is its answer to the lead (主办); it is the same
transition, without the co-handler guard.  Extensions (延期) and callbacks
(回访) are events, not state changes, and are not in these tables.

Guards are plain functions over values (``now``, ``return_due_at``, grounds,
pending co-handlers) so they can be tested without a clock or a database.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from hotline.enums import N_, LabelledEnum
from hotline.roles import Role

__all__ = [
    "ASSIGNMENT_TRANSITIONS",
    "LIVE_ASSIGNMENT_STATES",
    "OPEN_TICKET_STATES",
    "REFUSAL_CODES",
    "TERMINAL_TICKET_STATES",
    "TICKET_TRANSITIONS",
    "AssignmentAction",
    "AssignmentState",
    "DomainError",
    "TicketAction",
    "TicketState",
    "Transition",
    "TransitionRefused",
    "allowed_assignment_actions",
    "allowed_ticket_actions",
    "assignment_transition",
    "check_co_handlers_submitted",
    "check_round_invariant",
    "check_return_grounds",
    "check_return_window",
    "ticket_transition",
]


class TicketState(LabelledEnum):
    """State of a ticket (工单状态), with its label."""

    received = "received", N_("Received")  # 已受理: entered, not yet dispatched
    dispatched = "dispatched", N_("Dispatched")  # 已派单
    in_progress = "in_progress", N_("In progress")  # 办理中: the first assignment was signed
    resolved = "resolved", N_("Resolved, awaiting callback")  # 已办结: the lead submitted the final reply
    closed = "closed", N_("Closed")  # 已结案: callback satisfied, or caller unreachable twice
    returned = "returned", N_("Returned")  # 已退单: every assignment returned; back to the operator
    reopened = "reopened", N_("Reopened")  # 重办: unsatisfied callback or a repeat after close
    merged = "merged", N_("Merged")  # 并单: merged into another ticket's chain
    answered = "answered", N_("Answered on the spot")  # 直办: inquiry answered on the spot


class AssignmentState(LabelledEnum):
    """State of one department's assignment (派单状态), with its label."""

    dispatched = "dispatched", N_("To sign for")  # 已派单: the clock runs from here
    signed = "signed", N_("Signed for")  # 已签收
    contacted = "contacted", N_("Caller contacted")  # 已联系: first contact attempt with the caller (响应)
    submitted = "submitted", N_("Reply submitted")  # 已提交: reply submitted (办结 / co-handler's answer)
    returned = "returned", N_("Returned")  # 已退单: returned as misrouted, with grounds
    withdrawn = "withdrawn", N_("Withdrawn (the lead returned the ticket)")  # 已撤回: the lead returned it all


class TicketAction(StrEnum):
    """Actions that change a ticket's state."""

    dispatch = "dispatch"  # 派单
    answer_on_spot = "answer_on_spot"  # 直办
    merge = "merge"  # 并单
    start = "start"  # first assignment signed
    all_returned = "all_returned"  # every assignment returned
    redispatch = "redispatch"  # 重新派单 after returns
    resolve = "resolve"  # lead submitted the final reply
    close = "close"  # 结案 after callback
    reopen = "reopen"  # 重办


class AssignmentAction(StrEnum):
    """Actions that change an assignment's state."""

    sign = "sign"  # 签收
    record_contact = "record_contact"  # 联系: an attempt that reached the caller (unreached ones are only logged)
    return_ = "return"  # 退单
    submit = "submit"  # 提交答复
    reopen = "reopen"  # 重办
    withdraw = "withdraw"  # 撤回: the lead's return ends the round's other live parts


S = TypeVar("S", TicketState, AssignmentState)


@dataclass(frozen=True)
class Transition(Generic[S]):
    """One row of a transition table: the new state and the roles allowed."""

    target: S
    roles: frozenset[Role]


class DomainError(Exception):
    """A domain rule refused something; ``code`` is machine-readable for the UI."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params: dict[str, Any] = params
        detail = ", ".join(f"{k}={v!r}" for k, v in params.items())
        super().__init__(f"{code} ({detail})" if detail else code)


class TransitionRefused(DomainError):
    """A state transition is not allowed (wrong state, wrong role, or a guard)."""


#: Every code ``TransitionRefused`` may carry.
REFUSAL_CODES: tuple[str, ...] = (
    "not_allowed_in_state",  # params: state, action
    "role_not_allowed",  # params: state, action, role
    "return_window_closed",  # params: return_due_at
    "return_grounds_required",
    "co_handlers_pending",  # params: missing (tuple of department codes)
    "round_invariant",  # params: department, round, current_round
)


def _roles(*roles: Role) -> frozenset[Role]:
    return frozenset(roles)


_T, _TA, _R = TicketState, TicketAction, Role

TICKET_TRANSITIONS: Mapping[tuple[TicketState, TicketAction], Transition[TicketState]] = (
    MappingProxyType(
        {
            (_T.received, _TA.dispatch): Transition(_T.dispatched, _roles(_R.operator, _R.system)),
            (_T.received, _TA.answer_on_spot): Transition(_T.answered, _roles(_R.operator)),
            (_T.received, _TA.merge): Transition(_T.merged, _roles(_R.operator)),
            (_T.dispatched, _TA.start): Transition(_T.in_progress, _roles(_R.handler, _R.system)),
            (_T.dispatched, _TA.all_returned): Transition(_T.returned, _roles(_R.system)),
            (_T.in_progress, _TA.all_returned): Transition(_T.returned, _roles(_R.system)),
            (_T.in_progress, _TA.resolve): Transition(_T.resolved, _roles(_R.handler)),
            (_T.returned, _TA.redispatch): Transition(_T.dispatched, _roles(_R.operator)),
            (_T.resolved, _TA.close): Transition(_T.closed, _roles(_R.operator)),
            (_T.resolved, _TA.reopen): Transition(_T.reopened, _roles(_R.operator)),
            (_T.closed, _TA.reopen): Transition(_T.reopened, _roles(_R.operator, _R.system)),
            (_T.reopened, _TA.start): Transition(_T.in_progress, _roles(_R.handler, _R.system)),
            (_T.reopened, _TA.all_returned): Transition(_T.returned, _roles(_R.system)),
        }
    )
)

_A, _AA = AssignmentState, AssignmentAction

ASSIGNMENT_TRANSITIONS: Mapping[
    tuple[AssignmentState, AssignmentAction], Transition[AssignmentState]
] = MappingProxyType(
    {
        (_A.dispatched, _AA.sign): Transition(_A.signed, _roles(_R.handler)),
        (_A.dispatched, _AA.return_): Transition(_A.returned, _roles(_R.handler)),
        (_A.signed, _AA.record_contact): Transition(_A.contacted, _roles(_R.handler)),
        (_A.signed, _AA.return_): Transition(_A.returned, _roles(_R.handler)),
        (_A.contacted, _AA.record_contact): Transition(_A.contacted, _roles(_R.handler)),
        (_A.contacted, _AA.submit): Transition(_A.submitted, _roles(_R.handler)),
        (_A.submitted, _AA.reopen): Transition(_A.dispatched, _roles(_R.operator, _R.system)),
        (_A.dispatched, _AA.withdraw): Transition(_A.withdrawn, _roles(_R.system, _R.operator)),
        (_A.signed, _AA.withdraw): Transition(_A.withdrawn, _roles(_R.system, _R.operator)),
        (_A.contacted, _AA.withdraw): Transition(_A.withdrawn, _roles(_R.system, _R.operator)),
    }
)

#: The states from which a part can be returned as misrouted (while its return window is open).
RETURNABLE_STATES: frozenset[AssignmentState] = frozenset(
    state for state, action in ASSIGNMENT_TRANSITIONS if action is AssignmentAction.return_)

#: A department may ask for more time while it works the matter: after signing, before submitting.
EXTENSION_STATES: frozenset[AssignmentState] = frozenset({AssignmentState.signed, AssignmentState.contacted})

#: An assignment in one of these states still has work and a running clock (a "live" part).
LIVE_ASSIGNMENT_STATES: frozenset[AssignmentState] = frozenset(
    {AssignmentState.dispatched, AssignmentState.signed, AssignmentState.contacted}
)

#: States in which a ticket still needs work, a callback, or can take a merge.
OPEN_TICKET_STATES: frozenset[TicketState] = frozenset(
    {
        TicketState.received,
        TicketState.dispatched,
        TicketState.in_progress,
        TicketState.resolved,
        TicketState.returned,
        TicketState.reopened,
    }
)

#: Finished states.  ``closed`` may still be reopened by a repeat (重办);
#: ``merged`` and ``answered`` are final.
TERMINAL_TICKET_STATES: frozenset[TicketState] = frozenset(
    {
        TicketState.closed,
        TicketState.merged,
        TicketState.answered,
    }
)


def _lookup(
    table: Mapping[tuple[Any, Any], Transition[S]], state: StrEnum, action: StrEnum, role: Role
) -> S:
    """Find the row for (state, action) and check the role; raise otherwise."""
    row = table.get((state, action))
    if row is None:
        raise TransitionRefused("not_allowed_in_state", state=str(state), action=str(action))
    if role not in row.roles:
        raise TransitionRefused(
            "role_not_allowed", state=str(state), action=str(action), role=str(role)
        )
    return row.target


def ticket_transition(
    state: TicketState | str, action: TicketAction | str, role: Role | str
) -> TicketState:
    """Return the ticket's new state, or raise ``TransitionRefused``.

    Plain strings (DB enum values) are accepted; an unknown value raises ``ValueError``.
    """
    return _lookup(TICKET_TRANSITIONS, TicketState(state), TicketAction(action), Role(role))


def check_return_window(now: datetime, return_due_at: datetime) -> None:
    """Guard for 退单: allowed up to and including ``return_due_at``, refused after.

    Both datetimes must be timezone-aware (or both naive) so they compare.
    """
    if now > return_due_at:
        raise TransitionRefused("return_window_closed", return_due_at=return_due_at.isoformat())


def check_return_grounds(grounds: str | None) -> None:
    """Guard for 退单: a return must state its grounds (non-blank text)."""
    if grounds is None or not grounds.strip():
        raise TransitionRefused("return_grounds_required")


def check_co_handlers_submitted(pending_co_handlers: Iterable[str]) -> None:
    """Guard for the lead's (主办) submit: every co-handler (协办) has answered.

    ``pending_co_handlers`` are the department codes of co-handling assignments
    not yet submitted; pass nothing for a co-handler's own submit.
    """
    missing = tuple(dict.fromkeys(pending_co_handlers))
    if missing:
        raise TransitionRefused("co_handlers_pending", missing=missing)


def check_round_invariant(current_round: int, parts: Iterable[tuple[str, int, AssignmentState | str]]) -> None:
    """The round invariant over a ticket's assignments, given as (department, round, state).

    Every live assignment belongs to ``current_round`` and no department holds two live
    assignments; raises ``TransitionRefused("round_invariant")`` naming the first offender.
    """
    seen: set[str] = set()
    for department, rnd, state in parts:
        if AssignmentState(state) not in LIVE_ASSIGNMENT_STATES:
            continue
        if rnd != current_round or department in seen:
            raise TransitionRefused("round_invariant", department=department, round=rnd,
                                    current_round=current_round)
        seen.add(department)


def assignment_transition(
    state: AssignmentState | str,
    action: AssignmentAction | str,
    role: Role | str,
    *,
    now: datetime | None = None,
    return_due_at: datetime | None = None,
    grounds: str | None = None,
    pending_co_handlers: Collection[str] = (),
) -> AssignmentState:
    """Return the assignment's new state, or raise ``TransitionRefused``.

    ``return`` needs ``now`` and ``return_due_at`` (a ``ValueError`` if missing:
    that is a caller bug, not a refusal) and non-blank ``grounds``.  ``submit``
    is refused while ``pending_co_handlers`` is non-empty (the lead's guard).
    """
    action = AssignmentAction(action)
    target = _lookup(ASSIGNMENT_TRANSITIONS, AssignmentState(state), action, Role(role))
    if action is AssignmentAction.return_:
        if now is None or return_due_at is None:
            raise ValueError("now and return_due_at are required to return an assignment")
        check_return_window(now, return_due_at)
        check_return_grounds(grounds)
    elif action is AssignmentAction.submit:
        check_co_handlers_submitted(pending_co_handlers)
    return target


def allowed_ticket_actions(state: TicketState | str, role: Role | str) -> tuple[TicketAction, ...]:
    """Actions ``role`` may take on a ticket in ``state`` (for showing buttons)."""
    state, role = TicketState(state), Role(role)
    return tuple(
        action
        for action in TicketAction
        if (row := TICKET_TRANSITIONS.get((state, action))) is not None and role in row.roles
    )


def allowed_assignment_actions(
    state: AssignmentState | str,
    role: Role | str,
    *,
    now: datetime | None = None,
    return_due_at: datetime | None = None,
) -> tuple[AssignmentAction, ...]:
    """Actions ``role`` may take on an assignment in ``state`` (for showing buttons).

    When ``now`` and ``return_due_at`` are both given, ``return`` is left out once
    the return window has closed.  Other guards (grounds, pending co-handlers)
    depend on input and are checked on submission.
    """
    state, role = AssignmentState(state), Role(role)
    window_closed = now is not None and return_due_at is not None and now > return_due_at
    return tuple(
        action
        for action in AssignmentAction
        if (row := ASSIGNMENT_TRANSITIONS.get((state, action))) is not None
        and role in row.roles
        and not (action is AssignmentAction.return_ and window_closed)
    )
