"""Open311 GeoReport v2 over the hotline (the services behind :mod:`hotline.api.open311_views`).

Services are the categories (诉求分类); a service request is a ticket, its id the ticket
number. Requests are created through the operator's own intake service and routing. What the
public read side shows: no caller's phone anywhere (numbers in free text are masked), and for a
confidential ticket no description and no reply, only its state.
"""
from __future__ import annotations

import re
import uuid
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline import citytime
from hotline.api.errors import ApiError, from_intake, problem_detail
from hotline.api.models import ApiKey
from hotline.api.represent import FINISHED, instant, is_open, lead_assignment, parse_instant, redact_phones
from hotline.api.services import record_call
from hotline.directory import reference
from hotline.directory.models import Category, District
from hotline.extensions import db
from hotline.labels import label
from hotline.tickets import intake as intake
from hotline.tickets import intake_rules
from hotline.tickets.identity import clean_text
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.states import TicketState
from hotline.worktime.limits import Urgency

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-01T00:00:00+08:00"
MAX_RANGE = timedelta(days=90)
MAX_RESULTS = 1000
MAX_IDS = 200
TOKEN_KEY = "open311:{}"
_W3C = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:[0-9]{2}))?$")


# ---------------------------------------------------------------------------------- services


def discovery(endpoint_url: str) -> dict:
    """The service discovery document (one production endpoint, XML and JSON)."""
    return {"changeset": CHANGESET,
            "contact": current_app.config.get("OPEN311_CONTACT", "Linfen business-environment hotline, "
                                                                 "0357-2096666"),
            "key_service": current_app.config.get("OPEN311_KEY_SERVICE", "API keys are issued by the hotline "
                                                                         "centre's administrators."),
            "endpoints": [{"specification": SPECIFICATION, "url": endpoint_url, "changeset": CHANGESET,
                           "type": "production", "formats": ["text/xml", "application/json"]}]}


def _categories():
    return db.session.scalars(select(Category).where(Category.active).order_by(Category.position, Category.id))


def service_list(locale: str) -> list[dict]:
    """Every active category as an Open311 service (codes are strings, all realtime with metadata)."""
    return [{"service_code": c.code, "service_name": c.name(locale), "description": c.description_zh or "",
             "metadata": True, "type": "realtime", "keywords": ", ".join((c.keywords or "").split()),
             "group": label(c.default_kind, "Kind")} for c in _categories()]


def service_definition(code: str, locale: str) -> dict:
    """The attributes a request for ``code`` may carry: the intake fields Open311 has no core field for."""
    category = db.session.scalar(select(Category).where(Category.code == code, Category.active))
    if category is None:
        raise ApiError(404, "service_not_found", f"service_code {code!r} was not found.")
    districts = db.session.scalars(select(District).order_by(District.position, District.id))
    attributes = [
        _attribute("subject", "string", _("Subject"), 1,
                   datatype_description=f"At most {intake_rules.MAX_LENGTH['subject']} characters; the start of "
                                        "the description when absent."),
        _attribute("enterprise_name", "string", _("Enterprise"), 2),
        _attribute("credit_code", "string", _("Unified social credit code"), 3,
                   datatype_description="18 characters (GB 32100-2015)."),
        _attribute("district", "singlevaluelist", _("County or district"), 4,
                   values=[(d.code, d.name(locale)) for d in districts]),
        _attribute("urgency", "singlevaluelist", _("Urgency"), 5,
                   values=[(u.value, label(u)) for u in Urgency]),
        _attribute("confidential", "singlevaluelist", _("The caller asks for confidentiality"), 6,
                   values=[("false", _("No")), ("true", _("Yes"))]),
        _attribute("respondent", "string", _("Body complained about (被反映单位)"), 7,
                   datatype_description="A department code or name from the directory; at most "
                                        f"{intake_rules.MAX_LENGTH['respondent']} characters."),
    ]
    return {"service_code": category.code, "attributes": attributes}


def _attribute(code, datatype, description, order, *, datatype_description=None, values=None) -> dict:
    item = {"variable": True, "code": code, "datatype": datatype, "required": False,
            "datatype_description": datatype_description, "order": order, "description": description}
    if values is not None:
        item["values"] = [{"key": k, "name": n} for k, n in values]
    return item


# ---------------------------------------------------------------------------------- POST requests


def create_request(form, key: ApiKey) -> tuple[Ticket, str]:
    """Create a ticket from a form-encoded Open311 request through the intake service; returns it
    and its token (kept as the ticket's idempotency key ``open311:<token>``)."""
    token = uuid.uuid4().hex
    data = intake_data(form, token)
    try:  # the intake service is a unit of work: a refusal leaves nothing behind
        ticket = intake.create_ticket(data, operator_id=None, operator_name=key.name,
                                      attribute=lambda t: record_call(t.id, key, "open311_create"))
    except intake.IntakeError as exc:
        error = from_intake(exc)
        raise ApiError(400, exc.code, error.detail, errors=error.errors) from None
    return ticket, token


def _text(form, name: str, *, multiline: bool = False) -> str:
    return clean_text(form.get(name) or "", multiline=multiline)


#: Where each field of the intake rules is in an Open311 request (the kind comes with the category).
FIELD_NAMES = {"caller_phone": "phone", "caller_name": "last_name", "kind": "service_code",
               "category": "service_code", "description": "description"}
_FLAGS = {"true": True, "false": False}


def field_name(field: str) -> str:
    """The Open311 name of an intake field: a core field, else ``attribute[<field>]``."""
    return FIELD_NAMES.get(field, f"attribute[{field}]")


def intake_data(form, token: str) -> intake.IntakeData:
    """Validate the form into :class:`IntakeData` with the intake rules (those of the intake page
    and the JSON API); every problem is reported at once (400)."""
    code = _text(form, "service_code")
    if not code:
        raise ApiError(400, "service_code_missing", "service_code was not provided.")
    category = db.session.scalar(select(Category).where(Category.code == code, Category.active))
    if category is None:
        raise ApiError(404, "service_not_found", f"service_code {code!r} was not found.")
    attr = lambda name: _text(form, f"attribute[{name}]")  # noqa: E731
    description = _text(form, "description", multiline=True)
    confidential = attr("confidential") or "false"
    typed = intake_rules.Intake(
        kind=category.default_kind, channel="api", category=category.code, description=description,
        subject=attr("subject") or _subject_from(description),
        caller_name=_caller_name(_text(form, "first_name"), _text(form, "last_name")),
        caller_phone=_text(form, "phone"), enterprise_name=attr("enterprise_name"),
        credit_code=attr("credit_code"), district=attr("district"), respondent=attr("respondent"),
        urgency=attr("urgency") or "normal", confidential=_FLAGS.get(confidential, confidential))
    checked = intake_rules.check(typed, districts=reference.snapshot().districts.keys())
    # a subject made from the description has the description's problem, already listed
    problems = [p for p in checked.problems if p.field != "subject" or attr("subject")]
    if problems:
        raise ApiError(400, "invalid_request", "The request has errors.", errors=[
            {"pointer": f"#/{field_name(p.field)}", "detail": problem_detail(p, getattr(checked.intake, p.field, ""))}
            for p in problems])
    return intake.IntakeData.of(checked.intake, idempotency_key=TOKEN_KEY.format(token))


def _subject_from(description: str) -> str:
    first = clean_text(description.split("\n", 1)[0], multiline=False)
    return first if len(first) <= 40 else first[:39] + "…"


def _caller_name(first: str, last: str) -> str:
    """Chinese names read family name first (王丽); Latin ones given name first."""
    if re.search(r"[\u3400-\u9fff]", first + last):
        return f"{last}{first}"
    return " ".join(p for p in (first, last) if p)


def token_request(token: str) -> dict:
    """``tokens/{token}``: the request a token stands for, or 404."""
    number = db.session.scalar(select(Ticket.number).where(Ticket.idempotency_key == TOKEN_KEY.format(token)))
    if number is None:
        raise ApiError(404, "token_not_found", "This token was not found.")
    return {"service_request_id": number, "token": token}


# ---------------------------------------------------------------------------------- GET requests


@dataclass(frozen=True)
class RequestQuery:
    """GET requests: explicit ids (which override the rest), or codes, a range and statuses."""

    ids: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: frozenset[str] = frozenset()


def _listed(args, name: str) -> tuple[str, ...]:
    """A parameter that may repeat and be comma delimited; empty values count as absent."""
    return tuple(dict.fromkeys(v.strip() for raw in args.getlist(name) for v in raw.split(",") if v.strip()))


def parse_w3c(text: str, name: str) -> datetime:
    """A W3C datetime (a date alone means midnight in the hotline's zone); the offset is required."""
    if not _W3C.match(text):
        raise ApiError(400, "invalid_date", f"{name} must be a W3C datetime with its offset, "
                                            "e.g. 2026-01-01T00:00:00+08:00 or 2026-01-01T00:00:00Z.")
    if "T" not in text:
        try:
            text = citytime.typed(date.fromisoformat(text)).isoformat()
        except ValueError:
            raise ApiError(400, "invalid_date", f"{name} is not a valid date.") from None
    value = parse_instant(text)
    if value is None:
        raise ApiError(400, "invalid_date", f"{name} is not a valid date.")
    return value


def parse_query(args, now: datetime) -> RequestQuery:
    """Validate the query string; the range defaults to the 90 days up to now and may not exceed 90 days."""
    ids = _listed(args, "service_request_id")
    if ids:
        if len(ids) > MAX_IDS:
            raise ApiError(400, "too_many_ids", f"At most {MAX_IDS} service_request_id values.")
        return RequestQuery(ids=ids)
    statuses = frozenset(_listed(args, "status"))
    if statuses - {"open", "closed"}:
        raise ApiError(400, "invalid_status", "status must be open, closed or both.")
    start_raw, end_raw = (args.get(n, "").strip() for n in ("start_date", "end_date"))
    start = parse_w3c(start_raw, "start_date") if start_raw else None
    end = parse_w3c(end_raw, "end_date") if end_raw else None
    if start is None and end is None:
        end = now
    start = start or end - MAX_RANGE
    end = end or start + MAX_RANGE
    if end < start:
        raise ApiError(400, "invalid_range", "end_date is before start_date.")
    if end - start > MAX_RANGE:
        raise ApiError(400, "range_too_long", "start_date and end_date may not span more than 90 days.")
    return RequestQuery(codes=_listed(args, "service_code"), start=start, end=end, statuses=statuses)


def find_requests(query: RequestQuery) -> list[Ticket]:
    """The tickets a query selects, newest first, at most 1,000."""
    stmt = select(Ticket).options(selectinload(Ticket.assignments).selectinload(Assignment.department),
                                  selectinload(Ticket.category), selectinload(Ticket.district))
    if query.ids:
        stmt = stmt.where(Ticket.number.in_(query.ids))
    else:
        stmt = stmt.where(Ticket.received_at >= query.start, Ticket.received_at <= query.end)
        if query.codes:
            stmt = stmt.join(Category, Ticket.category_id == Category.id).where(Category.code.in_(query.codes))
        if query.statuses == {"open"}:
            stmt = stmt.where(Ticket.status.not_in(FINISHED))
        elif query.statuses == {"closed"}:
            stmt = stmt.where(Ticket.status.in_(FINISHED))
    return list(db.session.scalars(stmt.order_by(Ticket.received_at.desc(), Ticket.id.desc()).limit(MAX_RESULTS)))


def find_request(number: str) -> Ticket:
    """One ticket by number, or 404."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    if ticket is None:
        raise ApiError(404, "request_not_found", f"service_request_id {number!r} was not found.")
    return ticket


def public_note(ticket: Ticket) -> str:
    """status_notes: the latest public note — the reply or on-the-spot answer, else the state.

    A confidential ticket shows its state only: replies may name the reporter.
    """
    if not ticket.confidential:
        if ticket.status == TicketState.answered and ticket.answer:
            return redact_phones(ticket.answer)
        lead = lead_assignment(ticket)
        if ticket.status in (TicketState.resolved, TicketState.closed) and lead is not None and lead.reply:
            return redact_phones(lead.reply)
    note = label(ticket.status, "TicketState")
    if ticket.merged_into_id:
        note += f" ({db.session.get(Ticket, ticket.merged_into_id).number})"
    return note


def request_json(ticket: Ticket, locale: str) -> dict:
    """One service request as GeoReport v2 describes it."""
    lead = lead_assignment(ticket)
    finished_at = ticket.closed_at if not is_open(ticket) else None
    return {
        "service_request_id": ticket.number, "status": "open" if is_open(ticket) else "closed",
        "status_notes": public_note(ticket),
        "service_name": ticket.category.name(locale) if ticket.category else None,
        "service_code": ticket.category.code if ticket.category else None,
        "description": None if ticket.confidential else redact_phones(ticket.description),
        "agency_responsible": lead.department.name(locale) if lead else None, "service_notice": None,
        "requested_datetime": instant(ticket.received_at),
        "updated_datetime": instant(finished_at or ticket.updated_at or ticket.received_at),
        "expected_datetime": instant(lead.resolve_due_at) if lead else None,
        "address": ticket.district.name(locale) if ticket.district else None,
        "address_id": ticket.district.code if ticket.district else None,
        "zipcode": None, "lat": None, "long": None, "media_url": None,
    }


def created_json(ticket: Ticket) -> dict:
    """The POST answer: the request id at once (realtime service)."""
    return {"service_request_id": ticket.number, "service_notice": None, "account_id": None}


# ---------------------------------------------------------------------------------- XML

#: Element names of list items under each list element (the Spark convention, reversed).
_ITEMS = {"services": "service", "attributes": "attribute", "values": "value", "endpoints": "endpoint",
          "formats": "format", "service_requests": "request", "errors": "error"}
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def to_xml(root: str, payload) -> bytes:
    """Serialise a JSON-shaped payload as GeoReport XML, with the UTF-8 declaration."""
    element = ET.Element(root)
    _fill(element, root, payload)
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(element, encoding="unicode").encode()


def _fill(element: ET.Element, name: str, value) -> None:
    if isinstance(value, list):
        for item in value:
            _fill(ET.SubElement(element, _ITEMS[name]), _ITEMS[name], item)
    elif isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), key, item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = _XML_ILLEGAL.sub("", str(value))
