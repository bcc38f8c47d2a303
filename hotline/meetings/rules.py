"""Coordination meetings (协调会: 早餐会 / 下午茶 / 夜沙龙) and their decisions, as pure rules.

Pure module: standard library and the working-time clock only, no Flask, no database. Services ask
it whether a change is allowed and what the new state is; they write the event themselves.

Meeting — a leader sits down with department heads and the enterprise::

      scheduled ──hold (convener, supervisor): minutes recorded──▶ held      [terminal]
         └──────cancel (convener, supervisor): with a reason─────▶ cancelled [terminal]

    Agenda items are added while the meeting is scheduled or held (a matter raised at the
    table); decisions are taken only at a held meeting.

Agenda item — one matter (a ticket) on one meeting's agenda::

      pending ──settle (convener, supervisor)──▶ settled        [settled at the table]
         └────carry_over (convener, supervisor)─▶ carried_over  [comes back to a later meeting]

Decision — tracked like an assignment, on the working-time clock from the moment it was taken::

      open ──complete (handler of its department): evidence──▶ done       [terminal]
        └───cancel (convener, supervisor): with a reason───────▶ cancelled [terminal]

    A warning when 75 % of its limit has passed, a breach when all of it has: those are
    escalation steps (``hotline.escalation``), not states.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from types import MappingProxyType

from hotline.enums import N_, LabelledEnum
from hotline.worktime.clock import WorkingClock
from hotline.worktime.limits import Limit, Unit

WARN_RATIO = 0.75
MAX_DECISION_DAYS = 60


class MeetingKind(LabelledEnum):
    """The kinds of government–enterprise meeting."""

    breakfast = "breakfast", N_("Breakfast meeting (早餐会)")  # 早餐会
    afternoon_tea = "afternoon_tea", N_("Afternoon tea (下午茶)")  # 下午茶
    evening_salon = "evening_salon", N_("Evening salon (夜沙龙)")  # 夜沙龙
    on_site = "on_site", N_("On-site office (现场办公)")  # 现场办公
    other = "other", N_("Other meeting")


class MeetingState(LabelledEnum):
    """State of a meeting."""

    scheduled = "scheduled", N_("Scheduled")
    held = "held", N_("Held")
    cancelled = "cancelled", N_("Cancelled")


class MeetingAction(StrEnum):
    """What changes a meeting."""

    add_item = "add_item"
    hold = "hold"
    cancel = "cancel"
    decide = "decide"


class ItemOutcome(LabelledEnum):
    """What a meeting made of one matter on its agenda."""

    pending = "pending", N_("To discuss")
    settled = "settled", N_("Settled at the table")  # settled at the table
    carried_over = "carried_over", N_("Carried over to a later meeting")  # back at a later meeting


class ItemAction(StrEnum):
    """What changes an agenda item."""

    settle = "settle"
    carry_over = "carry_over"


class DecisionState(LabelledEnum):
    """State of a decision."""

    open = "open", N_("To be carried out")
    done = "done", N_("Done")
    cancelled = "cancelled", N_("Cancelled")


class DecisionAction(StrEnum):
    """What changes a decision."""

    complete = "complete"
    cancel = "cancel"


class Actor(StrEnum):
    """Who acts on meetings: the leader who convenes, a supervisor, a department's handler."""

    convener = "convener"  # the leader (一把手) who convenes the meeting
    supervisor = "supervisor"
    handler = "handler"  # staff of the decision's own department
    other = "other"  # anybody else: may do nothing here


class MeetingRefused(Exception):
    """A meeting rule refused something; ``code`` is machine-readable for the UI."""

    def __init__(self, code: str, **params) -> None:
        self.code, self.params = code, params
        super().__init__(code)


_M, _MA, _I, _IA, _D, _DA, _A = (MeetingState, MeetingAction, ItemOutcome, ItemAction, DecisionState,
                                 DecisionAction, Actor)
_LEADERS = frozenset({_A.convener, _A.supervisor})

MEETING_TRANSITIONS: Mapping[tuple[MeetingState, MeetingAction], tuple[MeetingState, frozenset[Actor]]] = \
    MappingProxyType({
        (_M.scheduled, _MA.add_item): (_M.scheduled, _LEADERS),
        (_M.held, _MA.add_item): (_M.held, _LEADERS),
        (_M.scheduled, _MA.hold): (_M.held, _LEADERS),
        (_M.scheduled, _MA.cancel): (_M.cancelled, _LEADERS),
        (_M.held, _MA.decide): (_M.held, _LEADERS),
    })

ITEM_TRANSITIONS: Mapping[tuple[ItemOutcome, ItemAction], tuple[ItemOutcome, frozenset[Actor]]] = MappingProxyType({
    (_I.pending, _IA.settle): (_I.settled, _LEADERS),
    (_I.pending, _IA.carry_over): (_I.carried_over, _LEADERS),
})

DECISION_TRANSITIONS: Mapping[tuple[DecisionState, DecisionAction], tuple[DecisionState, frozenset[Actor]]] = \
    MappingProxyType({
        (_D.open, _DA.complete): (_D.done, frozenset({_A.handler})),
        (_D.open, _DA.cancel): (_D.cancelled, _LEADERS),
    })


def _lookup(table, state, action, actor):
    row = table.get((state, action))
    if row is None:
        raise MeetingRefused("not_allowed_in_state", state=str(state), action=str(action))
    target, actors = row
    if actor not in actors:
        raise MeetingRefused("role_not_allowed", state=str(state), action=str(action), role=str(actor))
    return target


def meeting_transition(state: MeetingState | str, action: MeetingAction | str, actor: Actor | str) -> MeetingState:
    """The meeting's state after ``action`` by ``actor``, or ``MeetingRefused``."""
    return _lookup(MEETING_TRANSITIONS, MeetingState(state), MeetingAction(action), Actor(actor))


def item_transition(outcome: ItemOutcome | str, action: ItemAction | str, actor: Actor | str,
                    *, meeting_state: MeetingState | str) -> ItemOutcome:
    """An agenda item's outcome after ``action``: only a held meeting settles or carries over."""
    target = _lookup(ITEM_TRANSITIONS, ItemOutcome(outcome), ItemAction(action), Actor(actor))
    if MeetingState(meeting_state) is not MeetingState.held:
        raise MeetingRefused("meeting_not_held")
    return target


def decision_transition(state: DecisionState | str, action: DecisionAction | str, actor: Actor | str,
                        *, text: str | None = None) -> DecisionState:
    """The decision's state after ``action``; completing needs evidence, cancelling a reason."""
    target = _lookup(DECISION_TRANSITIONS, DecisionState(state), DecisionAction(action), Actor(actor))
    if not (text or "").strip():
        raise MeetingRefused("evidence_required" if DecisionAction(action) is DecisionAction.complete
                             else "reason_required")
    return target


def allowed_meeting_actions(state: MeetingState | str, actor: Actor | str) -> tuple[MeetingAction, ...]:
    """Actions ``actor`` may take on a meeting in ``state`` (for showing forms)."""
    state, actor = MeetingState(state), Actor(actor)
    return tuple(a for a in MeetingAction if (row := MEETING_TRANSITIONS.get((state, a))) and actor in row[1])


def allowed_decision_actions(state: DecisionState | str, actor: Actor | str) -> tuple[DecisionAction, ...]:
    """Actions ``actor`` may take on a decision in ``state``."""
    state, actor = DecisionState(state), Actor(actor)
    return tuple(a for a in DecisionAction if (row := DECISION_TRANSITIONS.get((state, a))) and actor in row[1])


@dataclass(frozen=True)
class DecisionDeadline:
    """When a decision warns (75 % of its limit gone) and when it is breached."""

    warn_at: datetime
    due_at: datetime


def decision_deadline(clock: WorkingClock, decided_at: datetime, working_days: float) -> DecisionDeadline:
    """A decision's limit of ``working_days`` on the working-time clock, from ``decided_at``."""
    if not 0 < working_days <= MAX_DECISION_DAYS:
        raise MeetingRefused("decision_days_range", max=MAX_DECISION_DAYS)
    limit = Limit(working_days, Unit.WORKING_DAYS)
    return DecisionDeadline(warn_at=limit.warn_at(clock, decided_at, WARN_RATIO), due_at=limit.due(clock, decided_at))


def done_on_time(done_at: datetime | None, due_at: datetime) -> bool:
    """A decision is done on time when it was completed at or before its deadline."""
    return done_at is not None and done_at <= due_at


#: The escalation steps of a decision and the column holding each one's instant.
DECISION_STEPS: Mapping[str, str] = MappingProxyType({"decision_warn": "warn_at", "decision_breach": "due_at"})


def decision_step_due(step: str, status: DecisionState | str, instants: Mapping[str, datetime | None],
                      now: datetime) -> bool:
    """Whether ``step`` applies at ``now``: its instant passed while the decision is still open."""
    instant = instants.get(DECISION_STEPS[step])
    return DecisionState(status) is DecisionState.open and instant is not None and instant <= now


def superseding_breach(step: str, status: DecisionState | str, instants: Mapping[str, datetime | None],
                       now: datetime) -> str | None:
    """A late warning is not written when the breach has passed too: the breach is taken instead."""
    if step == "decision_warn" and decision_step_due("decision_breach", status, instants, now):
        return "decision_breach"
    return None


@dataclass(frozen=True)
class TicketFacts:
    """What the console needs to know to suggest a ticket for a meeting's agenda."""

    joint: bool
    resolve_fraction: float | None  # share of the lead's resolution limit used (None: no live lead)
    supervision_level: int
    returns: int
    open_decisions: int = 0


def candidate_reasons(facts: TicketFacts) -> tuple[str, ...]:
    """Why a stuck ticket belongs on a meeting's agenda: a joint ticket past half its limit, a chain
    under level 2–3 supervision, or a ticket returned twice. Empty: not a candidate."""
    reasons = []
    if facts.joint and facts.resolve_fraction is not None and facts.resolve_fraction > 0.5:
        reasons.append("joint_past_half")
    if facts.supervision_level >= 2:
        reasons.append("supervision_level")
    if facts.returns >= 2:
        reasons.append("two_returns")
    return tuple(reasons)
