"""How tickets look to integrations: instants with their offset, masked identities, no phones in
public text, a confidential ticket's free text redacted for every key. Shared by Open311 and /api/v1."""
from __future__ import annotations

from datetime import UTC, datetime

from hotline.directory import reference
from hotline.extensions import db
from hotline.i18n import local
from hotline.tickets import redaction
from hotline.tickets.confidential import text_filter
from hotline.tickets.identity import mask_enterprise, mask_name, mask_phone
from hotline.tickets.models import Assignment, AssignmentRole, Ticket
from hotline.tickets.states import TicketState

#: Not "open" in the Open311 sense: nothing more will happen to these.
FINISHED = (TicketState.closed, TicketState.answered, TicketState.merged)


def instant(dt: datetime | None) -> str | None:
    """An aware instant in the hotline's zone, ISO 8601 with its offset (``…T09:30:00+08:00``)."""
    return local(dt).isoformat(timespec="seconds") if dt else None


#: Instants a client may send: anything else is refused, never overflowed into a server error.
_EARLIEST, _LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)


def parse_instant(text: str) -> datetime | None:
    """An ISO 8601 instant with its offset, within 1900-9000; None when it is not one."""
    try:
        value = datetime.fromisoformat(text)
        if value.tzinfo is None or value.utcoffset() is None:
            return None
        return value if _EARLIEST <= value.astimezone(UTC) <= _LATEST else None
    except (ValueError, OverflowError):
        return None


def redact_phones(text: str) -> str:
    """Mask every mobile or landline number written in free text (``138****5678``), also with a
    +86 prefix or in full-width digits (:func:`hotline.tickets.redaction.redact_phones`)."""
    return redaction.redact_phones(text)


def is_open(ticket: Ticket) -> bool:
    """Open311's ``open``: anything not closed, answered on the spot or merged."""
    return ticket.status not in FINISHED


def lead_assignment(ticket: Ticket) -> Assignment | None:
    """The current lead's assignment (the latest round's 主办)."""
    leads = [a for a in ticket.assignments if a.role == AssignmentRole.LEAD]
    return max(leads, key=lambda a: a.id) if leads else None


def _code(kind: str, ref_id: int | None, load) -> str | None:
    """A department's, category's or district's code by id: from the process's reference data, else
    (an inactive one) from its row, ``load()``."""
    if ref_id is None:
        return None
    return reference.snapshot().code_of(kind, ref_id) or load().code


def _assignment(a: Assignment, shown) -> dict:
    return {
        "id": a.id, "department": _code("departments", a.department_id, lambda: a.department),
        "role": str(a.role), "round": a.round,
        "status": str(a.status), "dispatched_at": instant(a.dispatched_at), "sign_due_at": instant(a.sign_due_at),
        "contact_due_at": instant(a.contact_due_at), "resolve_due_at": instant(a.resolve_due_at),
        "signed_at": instant(a.signed_at), "first_contact_at": instant(a.first_contact_at),
        "submitted_at": instant(a.submitted_at), "reply": shown(a.reply), "solved": a.reply_solved,
        "extension_count": a.extension_count,
    }


def _identity(ticket: Ticket) -> dict:
    """Caller and enterprise; a confidential ticket's are masked for every key (保密)."""
    if ticket.confidential:
        return {"identity_masked": True,
                "caller": {"name": mask_name(ticket.caller_name), "phone": mask_phone(ticket.caller_phone) or None},
                "enterprise": {"name": mask_enterprise(ticket.enterprise_name), "credit_code": None}}
    return {"identity_masked": False,
            "caller": {"name": ticket.caller_name or "", "phone": ticket.caller_phone},
            "enterprise": {"name": ticket.enterprise_name or "", "credit_code": ticket.credit_code}}


def ticket_json(ticket: Ticket) -> dict:
    """The /api/v1 representation of a ticket (schema ``Ticket`` in the OpenAPI document).

    A confidential ticket's free text (subject, description, answer, replies) comes with the
    caller's identity redacted, whatever the key's role: no key reveals an identity."""
    lead = lead_assignment(ticket)
    shown = text_filter(ticket)
    merged_into = db.session.get(Ticket, ticket.merged_into_id).number if ticket.merged_into_id else None
    return {
        "number": ticket.number, "status": str(ticket.status), "open": is_open(ticket),
        "channel": str(ticket.channel), "kind": str(ticket.kind),
        "category": _code("categories", ticket.category_id, lambda: ticket.category),
        "subject": shown(ticket.subject), "description": shown(ticket.description),
        "district": _code("districts", ticket.district_id, lambda: ticket.district), "urgency": str(ticket.urgency),
        "respondent": ticket.respondent_name or None,
        "confidential": ticket.confidential, **_identity(ticket),
        "routing_rule": str(ticket.routing_rule) if ticket.routing_rule else None,
        "supervision_level": ticket.supervision_level,
        "lead_department": _code("departments", lead.department_id, lambda: lead.department) if lead else None,
        "resolve_due_at": instant(lead.resolve_due_at) if lead else None,
        "received_at": instant(ticket.received_at), "dispatched_at": instant(ticket.dispatched_at),
        "resolved_at": instant(ticket.resolved_at), "closed_at": instant(ticket.closed_at),
        "close_reason": ticket.close_reason, "merged_into": merged_into, "answer": shown(ticket.answer),
        "assignments": [_assignment(a, shown) for a in ticket.assignments],
    }
