"""Shared builders for the tests: valid credit codes, the intake form as an operator fills it and
posting it, tickets made through the intake service, and their handling by the lead department.
Fixtures (the demo city, users, logged-in clients) live in tests/conftest.py; these builders take
what they need as arguments and work in ``db.session``."""
from __future__ import annotations

import uuid
from datetime import datetime

import time_machine
from sqlalchemy import select

from hotline.auth.models import User
from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.identity import make_credit_code
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import Assignment, Ticket
from tests.conftest import csrf_from

VALID_CODE = make_credit_code("91141002MA0GRB8K1")
OTHER_CODE = make_credit_code("91141023MA0H2C3D4")


def form_data(**overrides) -> dict:
    """A complete, valid intake form; override any field (None removes it)."""
    data = {
        "intake_key": uuid.uuid4().hex, "channel": "phone", "caller_phone": "138 1234 5678",
        "caller_name": "赵建国", "credit_code": VALID_CODE, "enterprise_name": "临汾市华晟珠宝有限公司",
        "kind": "complaint", "category": "refusal", "urgency": "normal",  # no district: the category leads
        "subject": "申请被窗口拒收",
        "description": "窗口工作人员以材料不全为由拒收我公司的申请，但没有一次性告知需要补充什么材料，已经跑了三趟。",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_intake(client, **overrides):
    """Post the intake form with a fresh CSRF token."""
    token = csrf_from(client.get("/tickets/new").get_data(as_text=True))
    return client.post("/tickets/new", data={**form_data(**overrides), "csrf_token": token})


def bearer(key: str) -> dict:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}


def ticket_body(**overrides) -> dict:
    """A complete, valid TicketCreate body (a refusal at the approval window); override any field."""
    body = {
        "channel": "12345", "kind": "complaint", "category": "refusal", "subject": "申请被窗口拒收",
        "description": "窗口工作人员以材料不全为由拒收我公司的申请，没有一次性告知需要补充的材料。",
        "caller_name": "赵建国", "caller_phone": "138 1234 5678", "enterprise_name": "临汾市华晟珠宝有限公司",
        "credit_code": VALID_CODE,  # no district: the category default (approval) leads
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def demo_user(username: str) -> User:
    """A demo user by username."""
    return db.session.scalar(select(User).where(User.username == username))


#: The matter a ticket is about unless a test says otherwise: 赵建国's application refused at the window.
#: No district and no keyword of the routing table: the category's default department (the approval
#: bureau, ``approval``) handles it alone, on receipt.
MATTER = dict(channel="phone", kind="complaint", category_code="refusal", subject="申请被窗口拒收",
              description="窗口工作人员以材料不全为由拒收我公司的申请，但没有一次性告知需要补充什么材料。",
              caller_name="赵建国", caller_phone="13812345678")


def make_ticket(at: datetime | None = None, *, now: datetime | None = None, operator: User | None = None,
                operator_name: str | None = None, **fields) -> Ticket:
    """A ticket saved by the intake service, as the operator's page saves it: ``MATTER`` with any
    ``IntakeData`` field overridden (``caller_phone``, ``category_code``, ``lead``, ``repeat_of``, …).

    ``at``: taken at that instant, the clock stopped there while it is saved; ``now``: the service's
    instant only (the clock left alone); neither: now. ``operator``: who took the call (by default
    nobody, as an integration's intake, under the name 王丽).
    """
    data = IntakeData(**{**MATTER, **fields})
    who = dict(operator_id=operator.id if operator else None,
               operator_name=operator_name or (operator.display_name if operator else "王丽"))
    if at is None:
        return create_ticket(data, now=now, **who)
    assert now is None, "give at or now, not both"
    with time_machine.travel(at, tick=False):
        return create_ticket(data, now=at, **who)


def lead_of(ticket: Ticket) -> Assignment:
    """The lead department's part (主办) of a ticket's latest round."""
    return max((a for a in ticket.assignments if a.role == "lead"), key=lambda a: a.id)


def resolve(ticket: Ticket, *, at: datetime | None = None, reply: str = "已办结") -> Ticket:
    """The lead signs, reaches the caller and submits a solved reply at ``at`` (default now): a ticket
    its lead handles alone (no co-handler) is resolved. Returns the ticket as stored."""
    a = lead_of(ticket)
    lifecycle.sign_for(a.id, actor=None, now=at)
    lifecycle.record_contact(a.id, at=at or utcnow(), method="phone", reached=True, summary="已联系", actor=None,
                             now=at)
    lifecycle.submit(a.id, reply=reply, solved=True, actor=None, now=at)
    db.session.expire_all()
    return db.session.get(Ticket, ticket.id)
