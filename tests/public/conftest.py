"""Fixtures for the public pages: the demo city and helpers to take a ticket to resolution."""
from __future__ import annotations

import re

from sqlalchemy import select

from hotline.db import utcnow
from hotline.extensions import db
from hotline.notifications.models import Delivery
from hotline.tickets import lifecycle
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import Ticket

CALLER = "13812345678"


def intake(**overrides) -> Ticket:
    """A dispatched complaint from the demo caller (override any intake field)."""
    data = dict(channel="phone", kind="complaint", category_code="refusal", subject="窗口拒收申请",
                description="窗口以材料不全为由拒收我公司的申请，没有一次性告知。", caller_name="赵建国",
                caller_phone=CALLER, enterprise_name="临汾市华晟珠宝有限公司")
    data.update(overrides)
    return create_ticket(IntakeData(**data), operator_id=None, operator_name="王丽")


def resolve(ticket: Ticket, reply: str = "已上门核实，窗口已一次性告知所需材料并受理申请。") -> Ticket:
    """The lead signs, reaches the caller and submits its reply: the ticket is resolved."""
    a = ticket.assignments[-1]
    lifecycle.sign_for(a.id, actor=None)
    lifecycle.record_contact(a.id, at=utcnow(), method="phone", reached=True, summary="已联系", actor=None)
    lifecycle.submit(a.id, reply=reply, solved=True, actor=None)
    return db.session.get(Ticket, ticket.id)


def satisfaction_path(ticket: Ticket) -> str:
    """The path of the satisfaction link in the resolution SMS the caller was sent."""
    db.session.expire_all()
    body = db.session.scalars(select(Delivery.body).where(
        Delivery.ticket_id == ticket.id, Delivery.event == "caller_resolved").order_by(Delivery.id.desc())).first()
    assert body, "no resolution SMS was written"
    return re.search(r"https?://[^/\s]+(/satisfaction/\S+)", body).group(1)
