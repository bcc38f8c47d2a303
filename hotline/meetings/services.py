"""Meeting services: schedule, put tickets on the agenda, hold, decide, complete decisions.

They own their transactions: lock the tickets they write history to, apply one rule of
:mod:`hotline.meetings.rules`, append an event to each ticket concerned, notify, commit.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from hotline.auth.models import User
from hotline.db import utcnow
from hotline.directory.models import Department
from hotline.directory.reference import request_clock
from hotline.extensions import db
from hotline.meetings import rules
from hotline.meetings.models import AgendaItem, Decision, Meeting
from hotline.meetings.rules import (
    Actor,
    DecisionAction,
    DecisionState,
    ItemAction,
    MeetingAction,
    MeetingKind,
    MeetingRefused,
    MeetingState,
)
from hotline.notifications.services import notify_department, notify_users
from hotline.roles import Role
from hotline.tickets import events
from hotline.tickets import intake as ticket_services
from hotline.tickets.models import Ticket
from hotline.tickets.states import TicketState

#: A ticket in one of these states cannot go on an agenda: it lives on in another ticket, or was an inquiry.
NOT_FOR_AGENDA = (TicketState.merged, TicketState.answered)


def actor_of(user: User | None, meeting: Meeting | None = None) -> Actor:
    """Who ``user`` is for a meeting: its convener, a supervisor, or nobody who may act."""
    if user is None:
        return Actor.supervisor  # the system or a seed acts with a supervisor's rights
    if meeting is not None and user.id == meeting.convener_id:
        return Actor.convener
    if user.role == Role.supervisor:
        return Actor.supervisor
    return Actor.other


def may_schedule(user: User) -> bool:
    """Supervisors and leaders schedule meetings."""
    return user.role in (Role.supervisor, Role.leader)


def _meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id, populate_existing=True)
    if meeting is None:
        raise MeetingRefused("not_found")
    return meeting


def _lock(ticket_ids) -> dict[int, Ticket]:
    """Lock the tickets (in id order, so two services never deadlock) before writing their history."""
    return {i: ticket_services.lock_ticket(i) for i in sorted(set(ticket_ids))}


def schedule(*, kind: str, title: str, convener_id: int, held_at: datetime, place: str = "", attendees: str = "",
             enterprises: str = "", department_ids=(), actor: User | None, now: datetime | None = None) -> Meeting:
    """Schedule a meeting convened by a leader; supervisors name the convener, a leader convenes it."""
    if actor is not None and not may_schedule(actor):
        raise MeetingRefused("role_not_allowed")
    convener = db.session.get(User, convener_id)
    if convener is None or convener.role != Role.leader or not convener.active:
        raise MeetingRefused("convener_must_be_leader")
    if not title.strip():
        raise MeetingRefused("title_required")
    departments = list(db.session.scalars(select(Department).where(Department.id.in_(list(department_ids)))))
    meeting = Meeting(kind=MeetingKind(kind), title=title.strip(), convener_id=convener.id, held_at=held_at,
                      place=place.strip(), attendees=attendees.strip(), enterprises=enterprises.strip(),
                      status=MeetingState.scheduled, created_by_id=actor.id if actor else None,
                      created_at=now or utcnow(), departments=departments)
    db.session.add(meeting)
    notify_users([convener.id], kind="meeting_scheduled", data={"meeting": meeting.title})
    db.session.commit()
    return meeting


def _meeting_data(meeting: Meeting) -> dict:
    return {"meeting": meeting.id, "title": meeting.title, "kind": str(meeting.kind),
            "held_at": meeting.held_at.isoformat()}


def add_ticket(meeting_id: int, number: str, *, note: str = "", actor: User | None, now: datetime | None = None,
               raised_on_spot: bool = False) -> AgendaItem:
    """Put a ticket on the meeting's agenda; a matter may come back to later meetings until settled."""
    now = now or utcnow()
    ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.number == number.strip()))
    if ticket_id is None:
        raise MeetingRefused("ticket_not_found", number=number)
    ticket = _lock([ticket_id])[ticket_id]
    meeting = _meeting(meeting_id)
    rules.meeting_transition(meeting.status, MeetingAction.add_item, actor_of(actor, meeting))
    if ticket.status in NOT_FOR_AGENDA:
        raise MeetingRefused("ticket_not_for_agenda", number=ticket.number)
    if db.session.scalar(select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id,
                                                     AgendaItem.ticket_id == ticket.id)):
        raise MeetingRefused("already_on_agenda", number=ticket.number)
    earlier = db.session.scalar(select(func.count()).select_from(AgendaItem).where(AgendaItem.ticket_id == ticket.id))
    position = (db.session.scalar(select(func.max(AgendaItem.position)).where(
        AgendaItem.meeting_id == meeting.id)) or 0) + 1
    item = AgendaItem(meeting_id=meeting.id, ticket_id=ticket.id, position=position, raised_on_spot=raised_on_spot,
                      note=note.strip(), added_by_id=actor.id if actor else None, created_at=now)
    db.session.add(item)
    events.record(ticket, "meeting_agenda_added", actor_id=actor.id if actor else None, at=now,
                  data={**_meeting_data(meeting), "raised_on_spot": raised_on_spot, "earlier_meetings": earlier})
    db.session.commit()
    return item


def raise_on_spot(meeting_id: int, data: ticket_services.IntakeData, *, actor: User,
                  now: datetime | None = None) -> AgendaItem:
    """A matter raised at the table becomes a ticket through the normal intake (routing, dispatch),
    then goes on the agenda."""
    meeting = _meeting(meeting_id)
    rules.meeting_transition(meeting.status, MeetingAction.add_item, actor_of(actor, meeting))
    ticket = ticket_services.create_ticket(data, operator_id=actor.id, operator_name=actor.display_name, now=now)
    return add_ticket(meeting_id, ticket.number, note="", actor=actor, now=now, raised_on_spot=True)


def _all_tickets_event(meeting: Meeting, action: str, actor: User | None, now: datetime, data: dict) -> None:
    tickets = _lock([item.ticket_id for item in meeting.items])
    for item in meeting.items:
        events.record(tickets[item.ticket_id], action, actor_id=actor.id if actor else None, at=now,
                      data={**_meeting_data(meeting), **data})


def hold(meeting_id: int, *, minutes: str, actor: User | None, now: datetime | None = None) -> Meeting:
    """The meeting was held: its minutes are recorded and every ticket on its agenda says so."""
    now = now or utcnow()
    meeting = _meeting(meeting_id)
    target = rules.meeting_transition(meeting.status, MeetingAction.hold, actor_of(actor, meeting))
    if not minutes.strip():
        raise MeetingRefused("minutes_required")
    meeting.status = target
    meeting.minutes = minutes.strip()
    _all_tickets_event(meeting, "meeting_held", actor, now, {})
    db.session.commit()
    return meeting


def cancel(meeting_id: int, *, reason: str, actor: User | None, now: datetime | None = None) -> Meeting:
    """Call a scheduled meeting off, with a reason."""
    now = now or utcnow()
    meeting = _meeting(meeting_id)
    target = rules.meeting_transition(meeting.status, MeetingAction.cancel, actor_of(actor, meeting))
    if not reason.strip():
        raise MeetingRefused("reason_required")
    meeting.status = target
    meeting.cancel_reason = reason.strip()
    _all_tickets_event(meeting, "meeting_cancelled", actor, now, {"reason": meeting.cancel_reason})
    db.session.commit()
    return meeting


def _item(item_id: int) -> tuple[Ticket, AgendaItem]:
    ticket_id = db.session.scalar(select(AgendaItem.ticket_id).where(AgendaItem.id == item_id))
    if ticket_id is None:
        raise MeetingRefused("not_found")
    ticket = _lock([ticket_id])[ticket_id]
    return ticket, db.session.get(AgendaItem, item_id, populate_existing=True)


def record_outcome(item_id: int, action: str, *, note: str = "", actor: User | None,
                   now: datetime | None = None) -> AgendaItem:
    """At a held meeting, a matter is settled at the table or carried over to a later meeting."""
    now = now or utcnow()
    ticket, item = _item(item_id)
    meeting = _meeting(item.meeting_id)
    action = ItemAction(action)
    item.outcome = rules.item_transition(item.outcome, action, actor_of(actor, meeting), meeting_state=meeting.status)
    if note.strip():
        item.note = note.strip()
    item.settled_at = now if action is ItemAction.settle else None
    events.record(ticket, f"meeting_item_{item.outcome}", actor_id=actor.id if actor else None, at=now,
                  data={**_meeting_data(meeting), "note": item.note})
    db.session.commit()
    return item


def decide(item_id: int, *, department_id: int, text: str, done_means: str, working_days: int,
           actor: User | None, now: datetime | None = None) -> Decision:
    """A decision at a held meeting: a department, a deadline in working days on the working clock,
    and what "done" means. The department's handlers are told."""
    now = now or utcnow()
    ticket, item = _item(item_id)
    meeting = _meeting(item.meeting_id)
    rules.meeting_transition(meeting.status, MeetingAction.decide, actor_of(actor, meeting))
    department = db.session.get(Department, department_id)
    if department is None or not department.active:
        raise MeetingRefused("unknown_department")
    if not text.strip() or not done_means.strip():
        raise MeetingRefused("decision_text_required")
    deadline = rules.decision_deadline(request_clock(), now, working_days)
    decision = Decision(item_id=item.id, meeting_id=meeting.id, ticket_id=ticket.id, department_id=department.id,
                        text=text.strip(), done_means=done_means.strip(), working_days=working_days,
                        decided_at=now, warn_at=deadline.warn_at, due_at=deadline.due_at,
                        status=DecisionState.open, decided_by_id=actor.id if actor else None)
    db.session.add(decision)
    db.session.flush()
    # The decision's own states go in the data: the event's from/to states are the ticket's and its parts'.
    events.record(ticket, "meeting_decision", actor_id=actor.id if actor else None, at=now,
                  data={**_meeting_data(meeting), "decision": decision.id, "to": str(DecisionState.open),
                        "department": department.code,
                        "text": decision.text, "done_means": decision.done_means,
                        "due_at": decision.due_at.isoformat()})
    notify_department(department.id, kind="decision_assigned", ticket_id=ticket.id,
                      data={"ticket": ticket.number, "meeting": meeting.title, "due_at": decision.due_at.isoformat()})
    db.session.commit()
    return decision


def _decision(decision_id: int) -> tuple[Ticket, Decision]:
    ticket_id = db.session.scalar(select(Decision.ticket_id).where(Decision.id == decision_id))
    if ticket_id is None:
        raise MeetingRefused("not_found")
    ticket = _lock([ticket_id])[ticket_id]
    return ticket, db.session.get(Decision, decision_id, populate_existing=True)


def decision_actor(user: User | None, decision: Decision) -> Actor:
    """Who ``user`` is for a decision: a handler of its department, its meeting's convener, a supervisor."""
    if user is not None and user.role == Role.handler:
        return Actor.handler if user.department_id == decision.department_id else Actor.other
    return actor_of(user, decision.meeting)


def complete(decision_id: int, *, evidence: str, actor: User | None, now: datetime | None = None) -> Decision:
    """The responsible department marks the decision done, with its evidence; the convener is told."""
    now = now or utcnow()
    ticket, decision = _decision(decision_id)
    who = Actor.handler if actor is None else decision_actor(actor, decision)
    before = decision.status
    decision.status = rules.decision_transition(before, DecisionAction.complete, who, text=evidence)
    decision.evidence, decision.done_at, decision.done_by_id = evidence.strip(), now, actor.id if actor else None
    events.record(ticket, "meeting_decision_done", actor_id=actor.id if actor else None, at=now,
                  data={"decision": decision.id, "from": str(before), "to": str(decision.status),
                        "department": decision.department.code,
                        "evidence": decision.evidence, "on_time": rules.done_on_time(now, decision.due_at)})
    notify_users([decision.meeting.convener_id], kind="decision_done", ticket_id=ticket.id,
                 data={"ticket": ticket.number, "meeting": decision.meeting.title})
    db.session.commit()
    return decision


def cancel_decision(decision_id: int, *, reason: str, actor: User | None, now: datetime | None = None) -> Decision:
    """The convener or a supervisor withdraws a decision, with a reason."""
    now = now or utcnow()
    ticket, decision = _decision(decision_id)
    before = decision.status
    decision.status = rules.decision_transition(before, DecisionAction.cancel, decision_actor(actor, decision),
                                                text=reason)
    decision.cancel_reason = reason.strip()
    events.record(ticket, "meeting_decision_cancelled", actor_id=actor.id if actor else None, at=now,
                  data={"decision": decision.id, "from": str(before), "to": str(decision.status),
                        "department": decision.department.code, "reason": reason.strip()})
    db.session.commit()
    return decision


def open_decisions_refusal(ticket) -> tuple[str, dict] | None:
    """The tickets package's finish check: a ticket with an open decision cannot be resolved or closed."""
    count = db.session.scalar(select(func.count()).select_from(Decision).where(
        Decision.ticket_id == ticket.id, Decision.status == DecisionState.open))
    return ("open_decisions", {"count": count}) if count else None
