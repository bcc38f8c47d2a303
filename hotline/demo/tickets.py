"""Demo tickets pushed through the real intake service (and the real lifecycle services).

Each demo ticket is keyed by ``demo:<key>`` (its intake key), so seeding twice
creates nothing new. Stories are played only for a ticket created in this run.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from hotline.auth.models import User
from hotline.db import utcnow
from hotline.demo import data
from hotline.demo.stories import play
from hotline.extensions import db
from hotline.tickets import intake
from hotline.tickets.models import Ticket

OVERRIDE_REASON = "话务员根据诉求内容指定承办单位"


def received_at(ticket: data.DemoTicket, index: int, now: datetime) -> datetime:
    """A working-hours instant ``days_ago`` days before ``now`` (city time), spread over the morning."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    day = (now.astimezone(tz) - timedelta(days=ticket.days_ago)).date()
    at = datetime.combine(day, time(9, 0), tz) + timedelta(minutes=17 * (index % 12))
    return min(at, now - timedelta(minutes=5))


def intake_data(t: data.DemoTicket, numbers: dict[str, str]) -> intake.IntakeData:
    """The demo record as the operator would have typed it."""
    lead, co = (t.departments[0], tuple(t.departments[1:])) if t.departments else (None, ())
    return intake.IntakeData(
        channel=t.channel, kind=t.kind, subject=t.subject, description=t.description,
        category_code=t.category_code, caller_name=t.caller_name, caller_phone=t.caller_phone,
        enterprise_name=t.enterprise_name or "", credit_code=t.credit_code, district_code=t.district_code,
        respondent=t.respondent or "",
        urgency=t.urgency, confidential=t.confidential, answered_on_spot=t.answered_on_spot,
        answer=t.answer or "", lead=lead, co_handlers=co, override_reason=OVERRIDE_REASON if lead else "",
        repeat_of=numbers.get(t.repeat_of) if t.repeat_of else None, new_facts=t.new_facts,
        idempotency_key=f"demo:{t.key}")


def seed_tickets(now: datetime | None = None) -> int:
    """Create the demo tickets not yet present and play their stories; returns how many exist."""
    now = now or utcnow()
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    merged_into = {t.repeat_of for t in data.DEMO_TICKETS if t.repeat_of and not t.new_facts}
    numbers: dict[str, str] = {}
    deferred: dict[str, tuple[Ticket, data.DemoTicket, datetime]] = {}
    for index, t in enumerate(data.DEMO_TICKETS):
        key = f"demo:{t.key}"
        existing = db.session.scalar(select(Ticket).where(Ticket.idempotency_key == key))
        if existing is not None:
            numbers[t.key] = existing.number
            continue
        at = received_at(t, index, now)
        ticket = intake.create_ticket(intake_data(t, numbers), operator_id=operator.id,
                                        operator_name=operator.display_name, now=at)
        numbers[t.key] = ticket.number
        if t.key in merged_into:
            deferred[t.key] = (ticket, t, at)
        else:
            play(ticket, t, at, now)
        if t.repeat_of in deferred and not t.new_facts:
            play(*deferred.pop(t.repeat_of), now)
    for ticket, t, at in deferred.values():
        play(ticket, t, at, now)
    return len(numbers)
