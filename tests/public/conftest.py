"""Fixtures for the public pages: the demo city and helpers to take a ticket to resolution."""
from __future__ import annotations

import re

from sqlalchemy import select

from hotline.extensions import db
from hotline.notifications.models import Delivery
from hotline.tickets.models import Ticket
from tests import factories

CALLER = "13812345678"


def intake(**overrides) -> Ticket:
    """A dispatched complaint from the demo caller (override any intake field)."""
    fields = dict(subject="窗口拒收申请", caller_phone=CALLER, enterprise_name="临汾市华晟珠宝有限公司")
    return factories.make_ticket(**{**fields, **overrides})


def resolve(ticket: Ticket, reply: str = "已上门核实，窗口已一次性告知所需材料并受理申请。") -> Ticket:
    """The lead signs, reaches the caller and submits its reply (which the caller reads): the ticket is resolved."""
    return factories.resolve(ticket, reply=reply)


def satisfaction_path(ticket: Ticket) -> str:
    """The path of the satisfaction link in the resolution SMS the caller was sent."""
    db.session.expire_all()
    body = db.session.scalars(select(Delivery.body).where(
        Delivery.ticket_id == ticket.id, Delivery.event == "caller_resolved").order_by(Delivery.id.desc())).first()
    assert body, "no resolution SMS was written"
    return re.search(r"https?://[^/\s]+(/satisfaction/\S+)", body).group(1)
