"""The status lookup and the satisfaction answer behind the public pages (no login)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from hotline.auth.throttle import parse_limit
from hotline.db import utcnow
from hotline.extensions import db
from hotline.notifications import links
from hotline.public import rules
from hotline.public.models import SatisfactionAnswer, StatusLookup
from hotline.tickets import events, lifecycle
from hotline.tickets.intake import lock_ticket
from hotline.tickets.models import Assignment, AssignmentRole, Satisfaction, Ticket
from hotline.tickets.states import DomainError, TicketState

#: States whose reply the caller may read.
REPLY_STATES = (TicketState.resolved, TicketState.closed)


@dataclass(frozen=True)
class StatusView:
    """What the status page shows of one ticket: never the caller's identity; for a confidential
    ticket, its state only."""

    number: str
    state: str
    confidential: bool
    department: object | None = None  # a Department (its name is shown in the reader's language)
    due_at: datetime | None = None
    reply: str | None = None


@dataclass(frozen=True)
class LookupResult:
    """``found`` (with ``view``), ``no_match`` (no such ticket or wrong digits: one answer) or
    ``limited`` (with ``retry_at``)."""

    outcome: str
    view: StatusView | None = None
    retry_at: datetime | None = None


def limits() -> rules.Limits:
    """The status page's limits from the configuration."""
    config = current_app.config
    address_max, address_window = parse_limit(config["STATUS_LIMIT_ADDRESS"])
    number_max, number_window = parse_limit(config["STATUS_LIMIT_TICKET"])
    return rules.Limits(address_max=address_max, address_window=address_window, number_max=number_max,
                        number_window=number_window)


def look_up(number: str, digits: str, *, address: str, now: datetime | None = None) -> LookupResult:
    """Look a ticket up by its number and the last four digits of the caller's phone; commits the
    lookup (it counts towards the limits)."""
    now, lim, number = now or utcnow(), limits(), rules.normalize_number(number)
    db.session.execute(delete(StatusLookup).where(StatusLookup.at < now - lim.longest))
    by_address = db.session.scalars(select(StatusLookup.at).where(
        StatusLookup.address == address, StatusLookup.at > now - lim.address_window)).all()
    by_number = db.session.scalars(select(StatusLookup.at).where(
        StatusLookup.number == number, StatusLookup.matched.is_(False),
        StatusLookup.at > now - lim.number_window)).all()
    retry_at = rules.refused_until(list(by_address), list(by_number), now, lim)
    if retry_at is not None:
        db.session.commit()
        return LookupResult("limited", retry_at=retry_at)
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    matched = rules.digits_match(ticket.caller_phone if ticket else None, digits) and ticket is not None
    db.session.add(StatusLookup(address=address[:64], number=number, matched=matched, at=now))
    db.session.commit()
    if not matched:
        return LookupResult("no_match")
    return LookupResult("found", view=status_view(ticket))


def status_view(ticket: Ticket) -> StatusView:
    """The public view of ``ticket``."""
    state = str(ticket.status)
    if ticket.confidential:
        return StatusView(number=ticket.number, state=state, confidential=True)
    lead = _current_lead(ticket)
    reply = None
    if ticket.status == TicketState.answered:
        reply = ticket.answer or None
    elif ticket.status in REPLY_STATES and lead is not None:
        reply = lead.reply or None
    open_ = ticket.status not in (*REPLY_STATES, TicketState.answered, TicketState.merged)
    return StatusView(number=ticket.number, state=state, confidential=False,
                      department=lead.department if lead is not None else None,
                      due_at=lead.resolve_due_at if lead is not None and open_ else None, reply=reply)


def _current_lead(ticket: Ticket) -> Assignment | None:
    leads = [a for a in ticket.assignments if a.role == AssignmentRole.LEAD and a.round == ticket.round]
    return max(leads, key=lambda a: a.id) if leads else None


class LinkRefused(Exception):
    """A satisfaction link that cannot be answered: ``code`` is ``invalid``, ``expired``, ``used`` or
    ``closed`` (the ticket no longer awaits this answer)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def open_link(token: str) -> Ticket:
    """The ticket a satisfaction link asks about, if it may still be answered."""
    claim = _claim(token)
    ticket = db.session.get(Ticket, claim.ticket_id)
    _check_open(ticket, claim)
    return ticket


def _claim(token: str) -> links.SatisfactionClaim:
    config = current_app.config
    try:
        return links.read_satisfaction(config["SECRET_KEY"], token,
                                       max_age_seconds=int(config["SATISFACTION_LINK_DAYS"]) * 86400)
    except links.LinkExpired:
        raise LinkRefused("expired") from None
    except links.LinkInvalid:
        raise LinkRefused("invalid") from None


def _check_open(ticket: Ticket | None, claim: links.SatisfactionClaim) -> None:
    if ticket is None:
        raise LinkRefused("invalid")
    if db.session.scalar(select(SatisfactionAnswer.id).where(
            SatisfactionAnswer.ticket_id == ticket.id, SatisfactionAnswer.round == claim.round)) is not None:
        raise LinkRefused("used")
    if ticket.status != TicketState.resolved or ticket.reopen_count + 1 != claim.round:
        raise LinkRefused("closed")


def answer(token: str, *, solved: bool, satisfaction: str, comment: str,
           now: datetime | None = None) -> SatisfactionAnswer:
    """The caller's verdict through the link: recorded once, and fed to the callback exactly as an
    operator's reached callback (closed if solved and satisfied, else reopened under supervision)."""
    now = now or utcnow()
    claim = _claim(token)
    Satisfaction(satisfaction)  # an unknown verdict is a programming error of the form
    ticket = lock_ticket(claim.ticket_id) if db.session.get(Ticket, claim.ticket_id) else None
    _check_open(ticket, claim)
    row = SatisfactionAnswer(ticket_id=ticket.id, round=claim.round, solved=solved, satisfaction=satisfaction,
                             comment=comment.strip(), answered_at=now)
    db.session.add(row)
    events.record(ticket, "satisfaction_by_link", at=now, actor_id=None,
                  data={"round": claim.round, "solved": solved, "satisfaction": satisfaction})
    try:
        callback = lifecycle.record_callback(ticket.id, reached=True, solved=solved, satisfaction=satisfaction,
                                             comment=comment, actor=None, now=now, via="link")
    except DomainError:
        db.session.rollback()
        raise LinkRefused("closed") from None
    except IntegrityError:  # answered at the same moment in another tab: the first answer stands
        db.session.rollback()
        raise LinkRefused("used") from None
    row.callback_id = callback.id
    db.session.commit()
    return row


def link_lifetime() -> timedelta:
    """How long a satisfaction link stays valid."""
    return timedelta(days=int(current_app.config["SATISFACTION_LINK_DAYS"]))
