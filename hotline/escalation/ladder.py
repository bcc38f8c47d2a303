"""The escalation ladder (三级督办) as pure rules: which steps are due, and what each one does.

No Flask, no database: plain values in, plain values out, ``now`` explicit. The
sweep and the jobs ask this module; the database records each step once.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

MAX_LEVEL = 3


class Step(StrEnum):
    """An escalation step of an assignment, a ticket or a supervision case."""

    sign_warn = "sign_warn"  # 75 % of the sign-for limit gone
    sign_breach = "sign_breach"
    contact_warn = "contact_warn"
    contact_breach = "contact_breach"
    resolve_warn = "resolve_warn"
    resolve_breach = "resolve_breach"
    callback_breach = "callback_breach"  # ticket: no callback within its limit
    level_breach = "level_breach"  # supervision case not cleared by its deadline


class Effect(StrEnum):
    """What a step does."""

    warn_department = "warn_department"  # notify the department's handlers
    breach_notice = "breach_notice"  # notify the department and the supervisors
    supervise = "supervise"  # open supervision (level 1, or one level up)
    raise_level = "raise_level"  # the case's level was not cleared: next level
    notify_operators = "notify_operators"


# which assignment states each step watches (the step is moot once the assignment moved on)
ASSIGNMENT_STEPS: dict[Step, tuple[str, frozenset[str]]] = {
    Step.sign_warn: ("sign_warn_at", frozenset({"dispatched"})),
    Step.sign_breach: ("sign_due_at", frozenset({"dispatched"})),
    Step.contact_warn: ("contact_warn_at", frozenset({"dispatched", "signed"})),
    Step.contact_breach: ("contact_due_at", frozenset({"dispatched", "signed"})),
    Step.resolve_warn: ("resolve_warn_at", frozenset({"dispatched", "signed", "contacted"})),
    Step.resolve_breach: ("resolve_due_at", frozenset({"dispatched", "signed", "contacted"})),
}


@dataclass(frozen=True)
class AssignmentFacts:
    """What the rules need to know about an assignment."""

    status: str
    is_lead: bool
    instants: dict[str, datetime | None]  # column name → instant


def assignment_step_due(step: Step, facts: AssignmentFacts, now: datetime) -> bool:
    """Whether ``step`` applies to the assignment at ``now`` (its instant passed, state still open)."""
    column, states = ASSIGNMENT_STEPS[step]
    instant = facts.instants.get(column)
    return instant is not None and instant <= now and facts.status in states


#: Each warning and the breach it announces.
BREACH_OF: dict[Step, Step] = {Step.sign_warn: Step.sign_breach, Step.contact_warn: Step.contact_breach,
                               Step.resolve_warn: Step.resolve_breach}


def superseding_breach(step: Step, facts: AssignmentFacts, now: datetime) -> Step | None:
    """The breach that replaces warning ``step`` when its instant has passed too at ``now``.

    A worker catching up must not announce "three quarters gone" for a limit already
    breached: the warning is not written, the breach is.
    """
    breach = BREACH_OF.get(step)
    return breach if breach is not None and assignment_step_due(breach, facts, now) else None


def assignment_effect(step: Step, facts: AssignmentFacts) -> Effect:
    """Warnings notify the department; a lead's resolution breach opens supervision;
    other breaches notify the department and the supervisors."""
    if step in (Step.sign_warn, Step.contact_warn, Step.resolve_warn):
        return Effect.warn_department
    if step == Step.resolve_breach and facts.is_lead:
        return Effect.supervise
    return Effect.breach_notice


def case_step_due(status: str, due_at: datetime, now: datetime) -> bool:
    """A supervision case breaches when still open at its deadline."""
    return status == "open" and due_at <= now


def next_level(current: int) -> int:
    """One level up the ladder (1 → 2 → 3), never past 3; an unsupervised ticket starts at 1."""
    return min(MAX_LEVEL, max(1, current + 1))


def supervise_level(current: int) -> int:
    """The level a new trigger (breach, unsatisfied callback) opens: 1, or one up if supervised."""
    return next_level(current)


def interview_required(level: int) -> bool:
    """Level 3 (city leadership) results in an interview (约谈)."""
    return level >= MAX_LEVEL


def callback_step_due(status: str, callback_due_at: datetime | None, now: datetime) -> bool:
    """A resolved ticket whose callback is late."""
    return status == "resolved" and callback_due_at is not None and callback_due_at <= now
