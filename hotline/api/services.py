"""The /api/v1 services: what a key may see and do, on top of the intake and lifecycle services.

A department's key (role handler) sees only tickets its department has an assignment on and
acts only on its own assignment; anything else is "not found". Every action a key takes is
attributed in the ticket's history by an ``api_call`` event in the same transaction.
"""
from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.api import schemas
from hotline.api.errors import ApiError, from_domain, from_intake, problem_detail
from hotline.api.models import ApiKey
from hotline.api.represent import FINISHED, parse_instant
from hotline.db import transaction
from hotline.directory import reference
from hotline.directory.models import Category, Department, District
from hotline.extensions import db
from hotline.roles import Role
from hotline.tickets import events, intake_rules, lifecycle
from hotline.tickets import intake as intake
from hotline.tickets.identity import clean_text
from hotline.tickets.models import Assignment, Channel, Kind, Ticket
from hotline.tickets.states import DomainError, TicketState

PAGE_DEFAULT, PAGE_MAX = 50, 100
IDEMPOTENCY_PATTERN = re.compile(r"^[A-Za-z0-9._:-]{1,48}$")


# ---------------------------------------------------------------------------------- reading


def _visible(stmt, key: ApiKey):
    """Restrict a ticket query to what ``key`` may see."""
    if key.role == Role.handler:
        mine = select(Assignment.ticket_id).where(Assignment.department_id == key.department_id)
        stmt = stmt.where(Ticket.id.in_(mine))
    return stmt


def _eager(stmt):
    return stmt.options(selectinload(Ticket.assignments).selectinload(Assignment.department),
                        selectinload(Ticket.category), selectinload(Ticket.district))


def get_ticket(key: ApiKey, number: str) -> Ticket:
    """The ticket ``number`` if ``key`` may see it; otherwise 404 (its existence is not revealed)."""
    ticket = db.session.scalar(_eager(_visible(select(Ticket).where(Ticket.number == number), key)))
    if ticket is None:
        raise ApiError(404, "ticket_not_found", f"No ticket {number!r} for this key.")
    return ticket


def _bad(name: str, detail: str) -> ApiError:
    return ApiError(400, "invalid_parameter", f"{name}: {detail}")


def _instant(args: Mapping, name: str) -> datetime | None:
    raw = (args.get(name) or "").strip()
    if not raw:
        return None
    value = parse_instant(raw)
    if value is None:
        raise _bad(name, "an ISO 8601 date-time with its UTC offset (e.g. +08:00 or Z) is required.")
    return value


def encode_cursor(ticket_id: int) -> str:
    """An opaque cursor: the last ticket id seen."""
    return base64.urlsafe_b64encode(f"t{ticket_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The ticket id behind a cursor; 400 when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if not re.fullmatch(r"t[0-9]{1,18}", text):
            raise ValueError(text)
        return int(text[1:])
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise _bad("cursor", "not a cursor returned by this API.") from None


def _limit(args: Mapping) -> int:
    raw = (args.get("limit") or "").strip()
    if not raw:
        return PAGE_DEFAULT
    if not raw.isdigit() or not 1 <= int(raw) <= PAGE_MAX:
        raise _bad("limit", f"an integer from 1 to {PAGE_MAX}.")
    return int(raw)


def _filters(args: Mapping) -> list:
    """SQL conditions for the list's filters; empty values count as absent."""
    conditions = []
    statuses = [s.strip() for s in (args.get("status") or "").split(",") if s.strip()]
    if statuses:
        unknown = [s for s in statuses if s not in TicketState.__members__]
        if unknown:
            raise _bad("status", f"unknown state(s) {', '.join(unknown)}.")
        conditions.append(Ticket.status.in_(statuses))
    is_open = (args.get("open") or "").strip()
    if is_open:
        if is_open not in ("true", "false"):
            raise _bad("open", "true or false.")
        conditions.append(Ticket.status.not_in(FINISHED) if is_open == "true" else Ticket.status.in_(FINISHED))
    for name, enum_cls, column in (("kind", Kind, Ticket.kind), ("channel", Channel, Ticket.channel)):
        value = (args.get(name) or "").strip()
        if value:
            if value not in {m.value for m in enum_cls}:
                raise _bad(name, f"one of {', '.join(m.value for m in enum_cls)}.")
            conditions.append(column == value)
    for name, model, column in (("category", Category, Ticket.category_id),
                                ("district", District, Ticket.district_id)):
        value = (args.get(name) or "").strip()
        if value:
            conditions.append(column.in_(select(model.id).where(model.code == value)))
    department = (args.get("department") or "").strip()
    if department:
        conditions.append(Ticket.id.in_(select(Assignment.ticket_id).join(Assignment.department)
                                        .where(Department.code == department)))
    received_from, received_to = _instant(args, "received_from"), _instant(args, "received_to")
    if received_from:
        conditions.append(Ticket.received_at >= received_from)
    if received_to:
        conditions.append(Ticket.received_at < received_to)
    return conditions


def list_tickets(key: ApiKey, args: Mapping) -> tuple[list[Ticket], str | None]:
    """One page of the tickets ``key`` may see, newest first, filtered; and the next page's cursor."""
    limit = _limit(args)
    stmt = _visible(select(Ticket).where(*_filters(args)), key)
    cursor = (args.get("cursor") or "").strip()
    if cursor:
        stmt = stmt.where(Ticket.id < decode_cursor(cursor))
    rows = list(db.session.scalars(_eager(stmt).order_by(Ticket.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more else None


# ---------------------------------------------------------------------------------- intake


def _check(schema: dict, body) -> None:
    errors = schemas.validation_errors(schema, body)
    if errors:
        raise ApiError(422, "validation_failed", "The request body does not match the schema.", errors=errors)


def _field_error(field: str, detail: str) -> ApiError:
    return ApiError(422, "validation_failed", detail, errors=[{"pointer": f"#/{field}", "detail": detail}])


def intake_data(body: dict, idempotency_key: str | None) -> intake.IntakeData:
    """Validate a TicketCreate body into :class:`IntakeData`: its schema, then the intake rules
    (:mod:`hotline.tickets.intake_rules`, the rules of the intake page and Open311); every problem
    of the rules is listed, each with its pointer."""
    _check(schemas.TICKET_CREATE, body)
    typed = intake_rules.Intake(
        kind=body["kind"], channel=body.get("channel") or "api", subject=body["subject"],
        description=body["description"], category=body.get("category") or "",
        caller_name=body.get("caller_name") or "", caller_phone=body.get("caller_phone") or "",
        enterprise_name=body.get("enterprise_name") or "", credit_code=body.get("credit_code") or "",
        district=body.get("district") or "", respondent=body.get("respondent") or "",
        urgency=body.get("urgency") or "normal", confidential=bool(body.get("confidential")),
        lead=body.get("lead") or "", co_handlers=tuple(body.get("co_handlers") or ()),
        override_reason=body.get("override_reason") or "")
    checked = intake_rules.check(typed, districts=reference.snapshot().districts.keys())
    if not checked.ok:
        errors = [{"pointer": f"#/{p.field}", "detail": problem_detail(p, getattr(checked.intake, p.field, ""))}
                  for p in checked.problems]
        raise ApiError(422, "validation_failed", errors[0]["detail"], errors=errors)
    repeat_of = clean_text(body.get("repeat_of") or "", multiline=False) or None
    return intake.IntakeData.of(checked.intake, repeat_of=repeat_of, new_facts=bool(body.get("new_facts")),
                                idempotency_key=idempotency_key)


def idempotency_key(key: ApiKey, value: str | None) -> str | None:
    """The stored form ``api:<prefix>:<value>`` of an Idempotency-Key header (scoped to the key)."""
    value = (value or "").strip()
    if not value:
        return None
    if not IDEMPOTENCY_PATTERN.match(value):
        raise _bad("Idempotency-Key", "1 to 48 characters from A-Z a-z 0-9 . _ : -.")
    return f"api:{key.prefix}:{value}"


def create_ticket(key: ApiKey, body, idempotency: str | None) -> tuple[Ticket, bool]:
    """Create a ticket through the operator's intake service and routing; a repeated
    Idempotency-Key returns the first ticket instead (``created`` False)."""
    stored_key = idempotency_key(key, idempotency)
    if stored_key:
        existing = db.session.scalar(select(Ticket).where(Ticket.idempotency_key == stored_key))
        if existing is not None:
            return existing, False
    data = intake_data(body, stored_key)
    made = []

    def attribute(ticket: Ticket) -> None:  # new in this transaction: nobody else can hold it, nothing to lock
        made.append(ticket)
        _call_event(ticket, key, "create")

    try:  # the intake service is a unit of work: a refusal leaves nothing behind
        ticket = intake.create_ticket(data, operator_id=None, operator_name=key.name, attribute=attribute,
                                      key_looked_up=True)
    except intake.IntakeError as exc:
        raise from_intake(exc) from None
    return ticket, bool(made) and made[0] is ticket  # not created: another request with the key won the race


# ---------------------------------------------------------------------------------- actions


def record_call(ticket_id: int, key: ApiKey, operation: str) -> None:
    """Lock the ticket and attribute the coming change to the key (committed with it)."""
    _call_event(intake.lock_ticket(ticket_id), key, operation)


def _call_event(ticket: Ticket, key: ApiKey, operation: str) -> None:
    events.record(ticket, "api_call", actor_id=None,
                  data={"api_key": key.prefix, "integration": key.name, "operation": operation})


def _own_assignment(key: ApiKey, number: str) -> Assignment:
    """The key's department's latest assignment on ticket ``number``; 404 if it has none."""
    ticket = get_ticket(key, number)
    mine = [a for a in ticket.assignments if a.department_id == key.department_id]
    if not mine:
        raise ApiError(404, "ticket_not_found", f"No ticket {number!r} for this key.")
    return max(mine, key=lambda a: a.id)


def _act(key: ApiKey, ticket_id: int, operation: str, action) -> None:
    """The key's call and the action it asks for, in one unit of work (both, or neither)."""
    try:
        with transaction():
            record_call(ticket_id, key, operation)
            action()
    except DomainError as exc:
        raise from_domain(exc) from None


def sign_for(key: ApiKey, number: str) -> Ticket:
    """签收 by the key's department."""
    a = _own_assignment(key, number)
    _act(key, a.ticket_id, "sign", lambda: lifecycle.sign_for(a.id, actor=None))
    return get_ticket(key, number)


def record_contact(key: ApiKey, number: str, body) -> Ticket:
    """响应: a contact attempt by the key's department."""
    _check(schemas.CONTACT_CREATE, body)
    at = parse_instant(body["at"])
    if at is None:
        raise _field_error("at", "An ISO 8601 date-time with its UTC offset (e.g. +08:00 or Z) is required.")
    a = _own_assignment(key, number)
    _act(key, a.ticket_id, "contact", lambda: lifecycle.record_contact(
        a.id, at=at, method=body["method"], reached=body["reached"],
        summary=clean_text(body.get("summary") or "", multiline=True), actor=None))
    return get_ticket(key, number)


def submit(key: ApiKey, number: str, body) -> Ticket:
    """办结: the department's reply (a co-handler's to the lead; the lead's resolves the ticket)."""
    _check(schemas.SUBMIT_CREATE, body)
    a = _own_assignment(key, number)
    _act(key, a.ticket_id, "submit", lambda: lifecycle.submit(
        a.id, reply=clean_text(body["reply"], multiline=True), solved=body.get("solved"), actor=None))
    return get_ticket(key, number)


def record_callback(key: ApiKey, number: str, body) -> Ticket:
    """回访: a callback attempt's result, recorded by an intake system."""
    _check(schemas.CALLBACK_CREATE, body)
    ticket = get_ticket(key, number)
    reached = body["reached"]
    _act(key, ticket.id, "callback", lambda: lifecycle.record_callback(
        ticket.id, reached=reached, solved=body.get("solved") if reached else None,
        satisfaction=body.get("satisfaction") if reached else None,
        comment=clean_text(body.get("comment") or "", multiline=True),
        actor=None))
    return get_ticket(key, number)
