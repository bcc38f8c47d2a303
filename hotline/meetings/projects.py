"""Key projects (重点项目) and their service commissioners (项目服务专员): milestones, the tickets of
the project's enterprise, the milestone a ticket blocks, on-site visits and notes.

A commissioner sees every ticket of the project's enterprise (same credit code or normalised
name) across departments, read-only; they are told of each new ticket, warning and escalation
on them by :func:`notify_commissioners`, which :mod:`hotline.meetings.wiring` installs as a
flush hook: whoever writes such an event (intake, the escalation workers), the notice goes with it.
"""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from hotline.auth.models import User
from hotline.db import utcnow
from hotline.directory import reference
from hotline.extensions import db
from hotline.meetings.models import Milestone, MilestoneKind, Project, ProjectNote, ProjectTicket, ProjectVisit
from hotline.meetings.rules import MeetingRefused
from hotline.notifications.models import Notification
from hotline.roles import Role
from hotline.tickets import events
from hotline.tickets.identity import normalize_enterprise_name
from hotline.tickets.intake import lock_ticket
from hotline.tickets.models import Event, Ticket


def create_project(*, name: str, enterprise_name: str, credit_code: str | None, commissioner_id: int | None,
                   signed_on: date, targets: dict[str, date], description: str = "") -> Project:
    """A project with its five milestones (signed, approvals, land, construction, production)."""
    if not name.strip() or not enterprise_name.strip():
        raise MeetingRefused("project_name_required")
    if commissioner_id is not None:
        user = db.session.get(User, commissioner_id)
        if user is None or user.role != Role.commissioner:
            raise MeetingRefused("commissioner_role_required")
    if db.session.scalar(select(Project.id).where(Project.name == name.strip())):
        raise MeetingRefused("project_exists")
    project = Project(name=name.strip(), enterprise_name=enterprise_name.strip(),
                      enterprise_norm=normalize_enterprise_name(enterprise_name) or None,
                      credit_code=credit_code or None, commissioner_id=commissioner_id, signed_on=signed_on,
                      description=description.strip())
    for position, kind in enumerate(MilestoneKind):
        target = signed_on if kind is MilestoneKind.signed else targets.get(str(kind))
        if target is None:
            raise MeetingRefused("milestone_target_required", milestone=str(kind))
        project.milestones.append(Milestone(kind=kind, position=position, target_on=target,
                                            reached_on=signed_on if kind is MilestoneKind.signed else None))
    db.session.add(project)
    db.session.commit()
    return project


def enterprise_condition(project: Project):
    """SQL condition: the ticket is the project's enterprise's (same credit code, or same name)."""
    conditions = []
    if project.credit_code:
        conditions.append(Ticket.credit_code == project.credit_code)
    if project.enterprise_norm:
        conditions.append(Ticket.enterprise_norm == project.enterprise_norm)
    return or_(*conditions) if conditions else Ticket.id.is_(None)


def enterprise_tickets(project: Project) -> list[Ticket]:
    """Every ticket of the project's enterprise, newest first."""
    return list(db.session.scalars(select(Ticket).where(enterprise_condition(project))
                                   .order_by(Ticket.received_at.desc())))


def is_enterprise_ticket(project: Project, ticket: Ticket) -> bool:
    """Whether the ticket belongs to the project's enterprise."""
    return bool((project.credit_code and ticket.credit_code == project.credit_code) or
                (project.enterprise_norm and ticket.enterprise_norm == project.enterprise_norm))


def link_ticket(project_id: int, number: str, *, milestone_id: int | None, actor: User | None,
                now: datetime | None = None) -> ProjectTicket:
    """Link a ticket to the milestone it blocks (or change that milestone); an event on the ticket."""
    now = now or utcnow()
    project = db.session.get(Project, project_id)
    ticket_id = db.session.scalar(select(Ticket.id).where(Ticket.number == number.strip()))
    if project is None or ticket_id is None:
        raise MeetingRefused("ticket_not_found", number=number)
    ticket = lock_ticket(ticket_id)
    milestone = db.session.get(Milestone, milestone_id) if milestone_id else None
    if milestone is not None and milestone.project_id != project.id:
        raise MeetingRefused("not_found")
    link = db.session.scalar(select(ProjectTicket).where(ProjectTicket.project_id == project.id,
                                                         ProjectTicket.ticket_id == ticket.id))
    if link is None:
        link = ProjectTicket(project_id=project.id, ticket_id=ticket.id, linked_by_id=actor.id if actor else None,
                             created_at=now)
        db.session.add(link)
    link.milestone_id = milestone.id if milestone else None
    events.record(ticket, "project_linked", actor_id=actor.id if actor else None, at=now,
                  data={"project": project.name, "milestone": str(milestone.kind) if milestone else None})
    db.session.commit()
    return link


def mark_reached(milestone_id: int, *, on: date, actor: User | None) -> Milestone:
    """Record the day a milestone was reached."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None:
        raise MeetingRefused("not_found")
    milestone.reached_on = on
    db.session.commit()
    return milestone


def log_visit(project_id: int, *, visited_at: datetime, place: str, summary: str, actor: User | None) -> ProjectVisit:
    """An on-site office visit (现场办公) by the commissioner."""
    if not summary.strip():
        raise MeetingRefused("summary_required")
    visit = ProjectVisit(project_id=project_id, visited_at=visited_at, place=place.strip(), summary=summary.strip(),
                         author_id=actor.id if actor else None)
    db.session.add(visit)
    db.session.commit()
    return visit


def add_note(project: Project, *, text: str, ticket: Ticket | None, actor: User | None,
             now: datetime | None = None) -> ProjectNote:
    """A commissioner's note on the project, or on one of its enterprise's tickets (then also in its history)."""
    now = now or utcnow()
    if not text.strip():
        raise MeetingRefused("note_required")
    if ticket is not None:
        if not is_enterprise_ticket(project, ticket):
            raise MeetingRefused("not_found")
        ticket = lock_ticket(ticket.id)
        events.record(ticket, "commissioner_note", actor_id=actor.id if actor else None, at=now,
                      data={"project": project.name, "text": text.strip()})
    note = ProjectNote(project_id=project.id, ticket_id=ticket.id if ticket else None, text=text.strip(),
                       author_id=actor.id if actor else None, created_at=now)
    db.session.add(note)
    db.session.commit()
    return note


def days_from_signing(project: Project, today: date) -> int:
    """Days since the project was signed (the seed's project went to production in 150)."""
    return (today - project.signed_on).days


def commissioner_projects(user: User) -> list[Project]:
    """The projects a commissioner serves."""
    return list(db.session.scalars(select(Project).where(Project.commissioner_id == user.id).order_by(Project.name)))


def _watched(action: str) -> bool:
    return action == "received" or action == "supervision_opened" or (
        action.startswith("escalation_") and (action.endswith("_warn") or action.endswith("_breach")))


#: (reference generation, credit codes, normalised names) of the enterprises a commissioner watches,
#: kept per process: a change to any project writes a new reference generation (``projects`` is a
#: reference table for :mod:`hotline.directory.generation`), so every process reloads it.
_watching: tuple[str | None, frozenset[str], frozenset[str]] = (None, frozenset(), frozenset())


def watched_enterprises(session: Session) -> tuple[frozenset[str], frozenset[str]]:
    """Credit codes and normalised names of the enterprises of projects with a commissioner."""
    global _watching
    token = reference.snapshot().token
    if token is None or _watching[0] != token:
        rows = session.execute(select(Project.credit_code, Project.enterprise_norm)
                               .where(Project.commissioner_id.is_not(None))).all()
        _watching = (token, frozenset(c for c, _ in rows if c), frozenset(n for _, n in rows if n))
    return _watching[1], _watching[2]


def notify_commissioners(session: Session, flush_context, instances) -> None:
    """Before a flush: for each new ticket event a commissioner must hear of (a new ticket, a warning,
    a breach, supervision), a notice to the commissioner of each project of the ticket's enterprise."""
    watched = [(obj.ticket_id, obj.action) for obj in session.new if isinstance(obj, Event) and _watched(obj.action)]
    if not watched:
        return
    with session.no_autoflush:
        pending = {o.id: o for o in session.new if isinstance(o, Ticket)}  # a new ticket is not yet in the map
        tickets = {ticket_id: pending.get(ticket_id) or session.get(Ticket, ticket_id) for ticket_id, _ in watched}
        notify_commissioners_of(session, watched, tickets)


def notify_commissioners_of(session: Session, events: list[tuple[int, str]], tickets: dict[int, Ticket]) -> None:
    """The commissioners' notices of ticket events (ticket id, action) written without objects (a batch's
    rows, which no flush hook sees); ``tickets`` maps each ticket id to its ticket. The events no
    commissioner must hear of are skipped; no query unless a ticket's enterprise is watched."""
    watched = [(ticket_id, action) for ticket_id, action in events if _watched(action)]
    if not watched:
        return
    watched_codes, watched_norms = watched_enterprises(session)
    concerned = [t for t in (tickets.get(ticket_id) for ticket_id, _ in watched) if t is not None]
    codes = {t.credit_code for t in concerned if t.credit_code} & watched_codes
    norms = {t.enterprise_norm for t in concerned if t.enterprise_norm} & watched_norms
    if not codes and not norms:  # no watched enterprise: no query (most tickets)
        return
    projects = session.scalars(select(Project).where(
        Project.commissioner_id.is_not(None),
        or_(Project.credit_code.in_(codes), Project.enterprise_norm.in_(norms)))).all()
    for ticket_id, action in watched:
        ticket = tickets.get(ticket_id)
        for project in projects:
            if ticket is not None and is_enterprise_ticket(project, ticket):
                session.add(Notification(user_id=project.commissioner_id, kind="project_ticket_event",
                                         ticket_id=ticket.id,
                                         data={"ticket": ticket.number, "project": project.name, "event": action}))


