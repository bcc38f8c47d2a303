"""Supervision (督办) services: open a case at a level of the ladder, escalating the previous one."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from hotline.db import transactional
from hotline.directory.reference import request_clock
from hotline.escalation import ladder
from hotline.escalation.models import CaseStatus, SupervisionAction, SupervisionActionKind, SupervisionCase
from hotline.extensions import db
from hotline.tickets import events
from hotline.tickets.states import DomainError
from hotline.worktime.limits import Policy, supervision_due

MAX_LEVEL = 3


def open_cases(ticket_id: int) -> list[SupervisionCase]:
    """The ticket's open supervision cases."""
    return list(db.session.scalars(select(SupervisionCase).where(
        SupervisionCase.ticket_id == ticket_id, SupervisionCase.status == CaseStatus.OPEN)))


def supervise(ticket, level: int, *, trigger: str, actor_id: int | None, now: datetime,
              policy: Policy | None = None, opened: list[SupervisionCase] | None = None) -> SupervisionCase | None:
    """Put ``ticket`` under supervision at ``level`` (1–3); never lowers a level.

    An open case at a lower level is marked escalated. Returns the new case, or None
    when the ticket is already supervised at ``level`` or above. The caller commits.
    ``opened``: the ticket's open cases when the caller has read them already (a batch).
    """
    level = level_to_open(ticket, level)
    if level is None:
        return None
    if policy is None:
        from hotline.tickets.intake import policy_for

        policy = policy_for(ticket.category)
    for case in open_cases(ticket.id) if opened is None else opened:
        case.status, case.closed_at = CaseStatus.ESCALATED, now
    case = SupervisionCase(**new_case(ticket, level, trigger, now, policy))
    db.session.add(case)
    before = ticket.supervision_level
    ticket.supervision_level = level
    events.record(ticket, "supervision_opened", actor_id=actor_id, at=now,
                  data=opened_data(level, before, trigger, case.due_at))
    return case


def level_to_open(ticket, level: int) -> int | None:
    """The level supervision of ``ticket`` opens at when asked for ``level`` (at most 3), or None when
    the ticket is already supervised at it or above (a level is never lowered)."""
    level = min(level, MAX_LEVEL)
    return level if level > ticket.supervision_level else None


def new_case(ticket, level: int, trigger: str, now: datetime, policy: Policy) -> dict:
    """The values of the case opened at ``level``: due by ``policy`` on the working clock."""
    return {"ticket_id": ticket.id, "level": level, "opened_round": ticket.reopen_count + 1, "trigger": trigger,
            "opened_at": now, "due_at": supervision_due(policy, request_clock(), now)}


def opened_data(level: int, from_level: int, trigger: str, due_at: datetime) -> dict:
    """The data of a ``supervision_opened`` event."""
    return {"level": level, "from_level": from_level, "trigger": trigger, "due_at": due_at.isoformat()}


def _locked_case(case_id: int):
    from hotline.tickets.intake import lock_ticket

    ticket_id = db.session.scalar(select(SupervisionCase.ticket_id).where(SupervisionCase.id == case_id))
    if ticket_id is None:
        raise DomainError("not_found")
    ticket = lock_ticket(ticket_id)
    case = db.session.get(SupervisionCase, case_id, populate_existing=True)
    if case.status != CaseStatus.OPEN:
        raise DomainError("case_not_open")
    return ticket, case


@transactional
def record_action(case_id: int, kind: str, *, actor_id: int | None, now: datetime, department_id: int | None = None,
                  due_at: datetime | None = None, held_at: datetime | None = None, participants: str = "",
                  outcome: str = "") -> SupervisionAction:
    """A supervision notice (督办通知), an interview (约谈) or an accountability referral (问责) on an open case."""
    ticket, case = _locked_case(case_id)
    kind = SupervisionActionKind(kind)
    if kind == SupervisionActionKind.NOTICE and (department_id is None or due_at is None):
        raise DomainError("notice_needs_department_and_deadline")
    if department_id is not None:
        from hotline.directory.models import Department

        dept = db.session.get(Department, department_id)
        if dept is None or not dept.active:
            raise DomainError("notice_needs_department_and_deadline")
    if kind in (SupervisionActionKind.INTERVIEW, SupervisionActionKind.ACCOUNTABILITY) and not outcome.strip():
        raise DomainError("outcome_required")
    action = SupervisionAction(case_id=case.id, kind=kind, department_id=department_id, due_at=due_at,
                               held_at=held_at, participants=participants.strip(), outcome=outcome.strip(),
                               actor_id=actor_id, created_at=now)
    db.session.add(action)
    events.record(ticket, f"supervision_{kind.value}", actor_id=actor_id, at=now,
                  data={"case": case.id, "level": case.level, "department_id": department_id,
                        "due_at": due_at.isoformat() if due_at else None, "outcome": action.outcome})
    if kind == SupervisionActionKind.NOTICE:
        from hotline.notifications.services import notify_department

        notify_department(department_id, kind="supervision_notice", ticket_id=ticket.id,
                          data={"ticket": ticket.number, "level": case.level, "due_at": due_at.isoformat()})
    return action


@transactional
def clear_case(case_id: int, *, reason: str, actor_id: int | None, now: datetime) -> SupervisionCase:
    """Clear a case with reasons; a level-3 case needs its interview (约谈) first."""
    ticket, case = _locked_case(case_id)
    if not reason.strip():
        raise DomainError("clear_reason_required")
    if ladder.interview_required(case.level) and not db.session.scalar(select(SupervisionAction.id).where(
            SupervisionAction.case_id == case.id, SupervisionAction.kind == SupervisionActionKind.INTERVIEW)):
        raise DomainError("interview_required")
    case.status, case.closed_at, case.closed_by_id, case.close_reason = (CaseStatus.CLEARED, now, actor_id,
                                                                         reason.strip())
    db.session.add(SupervisionAction(case_id=case.id, kind=SupervisionActionKind.CLEAR, outcome=case.close_reason,
                                     actor_id=actor_id, created_at=now))
    events.record(ticket, "supervision_cleared", actor_id=actor_id, at=now,
                  data={"case": case.id, "level": case.level, "reason": case.close_reason})
    return case


def close_cases(ticket, *, reason: str, actor_id: int | None, now: datetime) -> int:
    """When a ticket is closed its open supervision ends with it (recorded); the caller commits."""
    cases = open_cases(ticket.id)
    for case in cases:
        case.status, case.closed_at, case.closed_by_id, case.close_reason = CaseStatus.CLEARED, now, actor_id, reason
        events.record(ticket, "supervision_cleared", actor_id=actor_id, at=now,
                      data={"case": case.id, "level": case.level, "reason": reason})
    return len(cases)
