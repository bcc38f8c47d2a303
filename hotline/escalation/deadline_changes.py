"""When the rules of time change: which open deadlines move, and to where.

Pure module: no Flask, no database, ``now`` explicit. An admin who edits a year's calendar,
the working hours or a time-limit policy changes the rules; every due instant that has not
yet passed at ``now`` is computed again from its own start (dispatch, reception, resolution,
the opening of a supervision level) on the new rules, its 75 % warning with it. A step whose
due instant has passed stays as it is: breached stays breached. A step already done (an
assignment signed for, contacted) keeps the deadline it was measured against.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from hotline.meetings.rules import decision_deadline
from hotline.worktime.clock import WorkingClock
from hotline.worktime.limits import Policy, assignment_deadlines

#: Assignment steps: (step, due column, warning column or None, the states in which it is still open).
ASSIGNMENT_STEPS: tuple[tuple[str, str, str | None, frozenset[str]], ...] = (
    ("sign", "sign_due_at", "sign_warn_at", frozenset({"dispatched"})),
    ("contact", "contact_due_at", "contact_warn_at", frozenset({"dispatched", "signed"})),
    ("return", "return_due_at", None, frozenset({"dispatched", "signed"})),
    ("resolve", "resolve_due_at", "resolve_warn_at", frozenset({"dispatched", "signed", "contacted"})),
)
OPEN_ASSIGNMENT = frozenset({"dispatched", "signed", "contacted"})


@dataclass(frozen=True)
class AssignmentClock:
    """What an open assignment's deadlines are computed from, and its stored instants."""

    id: int
    status: str
    department: str
    dispatched_at: datetime
    urgency: str
    joint: bool
    co_handler: bool
    extension_days: int
    instants: Mapping[str, datetime | None]


@dataclass(frozen=True)
class Change:
    """One step whose due (and warning) instant moves.

    ``target`` is ``assignment``, ``ticket``, ``case`` or ``decision``; ``step`` one of sign, contact,
    return, resolve (assignment), dispatch, callback (ticket), level (case), decision (a coordination
    meeting's decision).
    """

    target: str
    target_id: int
    step: str
    due_column: str
    old_due: datetime | None
    new_due: datetime
    warn_column: str | None = None
    old_warn: datetime | None = None
    new_warn: datetime | None = None
    department: str | None = None
    level: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The event's record of the change (instants as ISO text)."""
        out: dict[str, Any] = {"target": self.target, "id": self.target_id, "step": self.step,
                               "old_due": _iso(self.old_due), "new_due": _iso(self.new_due)}
        if self.warn_column:
            out |= {"old_warn": _iso(self.old_warn), "new_warn": _iso(self.new_warn)}
        if self.department:
            out["department"] = self.department
        if self.level is not None:
            out["level"] = self.level
        return out

    @property
    def columns(self) -> dict[str, datetime]:
        """Column name → new instant."""
        out = {self.due_column: self.new_due}
        if self.warn_column:
            out[self.warn_column] = self.new_warn
        return out


def _iso(instant: datetime | None) -> str | None:
    return instant.isoformat() if instant else None


def _still_open(due: datetime | None, now: datetime) -> bool:
    return due is not None and due > now


def assignment_changes(a: AssignmentClock, policy: Policy, clock: WorkingClock, now: datetime) -> list[Change]:
    """The steps of an open assignment whose deadlines move on the new rules.

    Counted from dispatch, keeping approved extensions; only steps still open in the
    assignment's state and not yet due at ``now``.
    """
    if a.status not in OPEN_ASSIGNMENT:
        return []
    new = assignment_deadlines(policy, clock, dispatched_at=a.dispatched_at, urgency=a.urgency, joint=a.joint,
                               co_handler=a.co_handler, extension_days=a.extension_days)
    computed = {"sign_due_at": new.sign_due, "sign_warn_at": new.sign_warn, "contact_due_at": new.contact_due,
                "contact_warn_at": new.contact_warn, "return_due_at": new.return_due,
                "resolve_due_at": new.resolve_due, "resolve_warn_at": new.resolve_warn}
    changes = []
    for step, due_col, warn_col, states in ASSIGNMENT_STEPS:
        old_due = a.instants.get(due_col)
        if a.status not in states or not _still_open(old_due, now):
            continue
        old_warn = a.instants.get(warn_col) if warn_col else None
        new_warn = computed[warn_col] if warn_col else None
        if computed[due_col] != old_due or new_warn != old_warn:
            changes.append(Change("assignment", a.id, step, due_col, old_due, computed[due_col], warn_col,
                                  old_warn, new_warn, department=a.department))
    return changes


def ticket_changes(*, ticket_id: int, status: str, policy: Policy, clock: WorkingClock, now: datetime,
                   received_at: datetime, dispatch_due_at: datetime | None,
                   resolved_at: datetime | None, callback_due_at: datetime | None) -> list[Change]:
    """A ticket's own deadlines: dispatch (from reception) while received, callback (from resolution)
    while resolved — each only while not yet due."""
    changes = []
    if status == "received" and _still_open(dispatch_due_at, now):
        due = policy.dispatch.due(clock, received_at)
        if due != dispatch_due_at:
            changes.append(Change("ticket", ticket_id, "dispatch", "dispatch_due_at", dispatch_due_at, due))
    if status == "resolved" and resolved_at is not None and _still_open(callback_due_at, now):
        due = policy.callback.due(clock, resolved_at)
        if due != callback_due_at:
            changes.append(Change("ticket", ticket_id, "callback", "callback_due_at", callback_due_at, due))
    return changes


def case_change(*, case_id: int, level: int, opened_at: datetime, due_at: datetime, policy: Policy,
                clock: WorkingClock, now: datetime) -> Change | None:
    """An open supervision level's deadline (from its opening), if not yet due and it moves."""
    if not _still_open(due_at, now):
        return None
    due = policy.supervision_level.due(clock, opened_at)
    return None if due == due_at else Change("case", case_id, "level", "due_at", due_at, due, level=level)


def decision_change(*, decision_id: int, status: str, decided_at: datetime, working_days: int,
                    due_at: datetime, warn_at: datetime, clock: WorkingClock, now: datetime,
                    department: str | None = None) -> Change | None:
    """An open meeting decision's deadline and warning (its working days from the moment it was taken),
    if not yet due and they move. Only the calendar and the hours move it: no policy sets its limit."""
    if status != "open" or not _still_open(due_at, now):
        return None
    new = decision_deadline(clock, decided_at, working_days)
    if new.due_at == due_at and new.warn_at == warn_at:
        return None
    return Change("decision", decision_id, "decision", "due_at", due_at, new.due_at, "warn_at", warn_at, new.warn_at,
                  department=department)


# --- causes -------------------------------------------------------------------------------------


def reason_text(cause: Mapping[str, Any]) -> str:
    """The stored, language-neutral reason: ``calendar 2027 changed``, ``working hours changed``,
    ``policy fast changed``, ``policy of categories permits, fees changed``."""
    kind = cause["kind"]
    if kind == "calendar":
        return f"calendar {cause['year']} changed"
    if kind == "hours":
        return "working hours changed"
    if kind == "policy":
        return f"policy {cause['code']} changed"
    if kind == "categories":
        return f"policy of categories {', '.join(cause['codes'])} changed"
    raise ValueError(f"unknown cause {kind!r}")


def year_start(year: int, tz: str) -> datetime:
    """The first instant of ``year`` in the local time zone."""
    return datetime.combine(date(year, 1, 1), time(0), ZoneInfo(tz))


def cause_applies(cause: Mapping[str, Any], *, category_id: int | None, policy_id: int | None,
                  instants: Iterable[datetime | None], tz: str) -> bool:
    """Whether ``cause`` can have moved a ticket's deadlines.

    ``instants`` are the old and new due instants that moved: a calendar year matters only to a
    deadline reaching into it; a policy only to tickets whose category uses it.
    """
    kind = cause["kind"]
    if kind == "hours":
        return True
    if kind == "calendar":
        start = year_start(int(cause["year"]), tz)
        return any(i is not None and i >= start for i in instants)
    if kind == "policy":
        return policy_id is not None and policy_id == cause["policy_id"]
    if kind == "categories":
        return category_id in cause["category_ids"]
    raise ValueError(f"unknown cause {kind!r}")
