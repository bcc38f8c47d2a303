"""JSON Schemas (draft 2020-12) of the /api/v1 bodies: the OpenAPI document publishes them and
the views validate requests against the very same objects, so documentation and behaviour agree."""
from __future__ import annotations

import json

from jsonschema import Draft202012Validator

from hotline.tickets import intake_rules
from hotline.tickets.lifecycle import CONTACT_METHODS
from hotline.tickets.models import AssignmentRole, Channel, Kind, Satisfaction
from hotline.tickets.states import AssignmentState, TicketState
from hotline.worktime.limits import Urgency

#: The intake rules' field limits (:mod:`hotline.tickets.intake_rules`), published here; the rules check them.
LIMIT = intake_rules.MAX_LENGTH
NUMBER_PATTERN = r"^[0-9]{6}-[0-9]{5,}$"
#: How deeply a request body may nest arrays and objects (the schemas need three levels).
MAX_DEPTH = 32
CODE = {"type": "string", "maxLength": 40}
INSTANT = {"type": "string", "format": "date-time",
           "description": "ISO 8601 with its UTC offset, shown in the hotline's zone (+08:00)."}
NULLABLE_INSTANT = {**INSTANT, "type": ["string", "null"]}

TICKET_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["kind", "subject", "description"],
    "properties": {
        "channel": {"enum": [c.value for c in Channel], "default": "api",
                    "description": "How the matter reached the integration; `12345` for transfers."},
        "kind": {"enum": [k.value for k in Kind]},
        "category": {**CODE, "description": "Category code (GET /open311/v2/services.json lists them). "
                                            "Required for complaints and reports."},
        "subject": {"type": "string", "minLength": 1, "maxLength": LIMIT["subject"]},
        "description": {"type": "string", "minLength": intake_rules.DESCRIPTION_MIN, "maxLength": LIMIT["description"]},
        "caller_name": {"type": "string", "maxLength": LIMIT["caller_name"],
                        "description": "Required for complaints and help requests; a report may be anonymous."},
        "caller_phone": {"type": "string", "maxLength": LIMIT["caller_phone"],
                         "description": "Chinese mobile or landline; required unless the kind is a report "
                                        "or a suggestion."},
        "enterprise_name": {"type": "string", "maxLength": LIMIT["enterprise_name"]},
        "credit_code": {"type": "string", "maxLength": LIMIT["credit_code"],
                        "description": "Unified social credit code (GB 32100-2015), check character verified."},
        "district": {**CODE, "description": "County or district code, e.g. `kaifaqu`: its government or zone "
                                            "committee leads a matter located there (属地)."},
        "respondent": {"type": "string", "maxLength": LIMIT["respondent"],
                       "description": "The body the caller complains about (被反映单位): a department code or "
                                      "name from the directory leads and answers for itself; other text is "
                                      "recorded only."},
        "urgency": {"enum": [u.value for u in Urgency], "default": "normal"},
        "confidential": {"type": "boolean", "default": False},
        "lead": {**CODE, "description": "Override the proposed lead department (needs override_reason)."},
        "co_handlers": {"type": "array", "items": CODE, "maxItems": 10, "uniqueItems": True},
        "override_reason": {"type": "string", "maxLength": LIMIT["override_reason"]},
        "repeat_of": {"type": "string", "maxLength": 20, "description": "Number of the earlier ticket this "
                                                                       "one repeats (屡诉)."},
        "new_facts": {"type": "boolean", "default": False},
    },
}

CONTACT_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["at", "method", "reached"],
    "properties": {
        "at": {**INSTANT, "description": "When the contact attempt happened; not in the future, not "
                                          "before the dispatch. The offset is required."},
        "method": {"enum": list(CONTACT_METHODS)},
        "reached": {"type": "boolean"},
        "summary": {"type": "string", "maxLength": 2000},
    },
}

SUBMIT_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["reply"],
    "properties": {
        "reply": {"type": "string", "minLength": 1, "maxLength": 5000},
        "solved": {"type": ["boolean", "null"], "description": "The department's own view; the callback decides."},
    },
}

CALLBACK_CREATE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["reached"],
    "properties": {
        "reached": {"type": "boolean"},
        "solved": {"type": "boolean", "description": "Required when reached."},
        "satisfaction": {"enum": [s.value for s in Satisfaction], "description": "Required when reached."},
        "comment": {"type": "string", "maxLength": 2000},
    },
}

ASSIGNMENT = {
    "type": "object",
    "required": ["id", "department", "role", "round", "status", "dispatched_at"],
    "properties": {
        "id": {"type": "integer"},
        "department": {"type": "string"},
        "role": {"enum": [r.value for r in AssignmentRole]},
        "round": {"type": "integer"},
        "status": {"enum": [s.value for s in AssignmentState]},
        "dispatched_at": INSTANT,
        "sign_due_at": NULLABLE_INSTANT,
        "contact_due_at": NULLABLE_INSTANT,
        "resolve_due_at": NULLABLE_INSTANT,
        "signed_at": NULLABLE_INSTANT,
        "first_contact_at": NULLABLE_INSTANT,
        "submitted_at": NULLABLE_INSTANT,
        "reply": {"type": "string"},
        "solved": {"type": ["boolean", "null"]},
        "extension_count": {"type": "integer"},
    },
}

TICKET = {
    "type": "object",
    "required": ["number", "status", "open", "channel", "kind", "subject", "description", "confidential",
                 "identity_masked", "caller", "enterprise", "received_at", "assignments"],
    "properties": {
        "number": {"type": "string", "pattern": NUMBER_PATTERN},
        "status": {"enum": [s.value for s in TicketState]},
        "open": {"type": "boolean", "description": "False once closed, answered on the spot or merged."},
        "channel": {"enum": [c.value for c in Channel]},
        "kind": {"enum": [k.value for k in Kind]},
        "category": {"type": ["string", "null"]},
        "subject": {"type": "string"},
        "description": {"type": "string"},
        "district": {"type": ["string", "null"]},
        "respondent": {"type": ["string", "null"], "description": "The body complained about (被反映单位)."},
        "urgency": {"enum": [u.value for u in Urgency]},
        "confidential": {"type": "boolean"},
        "identity_masked": {"type": "boolean", "description": "True for a confidential ticket: the caller "
                                                              "and the enterprise are masked."},
        "caller": {"type": "object", "required": ["name", "phone"],
                   "properties": {"name": {"type": "string"}, "phone": {"type": ["string", "null"]}}},
        "enterprise": {"type": "object", "required": ["name", "credit_code"],
                       "properties": {"name": {"type": "string"}, "credit_code": {"type": ["string", "null"]}}},
        "routing_rule": {"type": ["string", "null"]},
        "supervision_level": {"type": "integer", "minimum": 0, "maximum": 3},
        "lead_department": {"type": ["string", "null"]},
        "resolve_due_at": NULLABLE_INSTANT,
        "received_at": INSTANT,
        "dispatched_at": NULLABLE_INSTANT,
        "resolved_at": NULLABLE_INSTANT,
        "closed_at": NULLABLE_INSTANT,
        "close_reason": {"type": ["string", "null"]},
        "merged_into": {"type": ["string", "null"]},
        "answer": {"type": "string"},
        "assignments": {"type": "array", "items": {"$ref": "#/components/schemas/Assignment"}},
    },
}

TICKET_PAGE = {
    "type": "object",
    "required": ["items", "next_cursor"],
    "properties": {
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Ticket"}},
        "next_cursor": {"type": ["string", "null"], "description": "Pass as `cursor` for the next page; "
                                                                  "null on the last page."},
    },
}

PROBLEM = {
    "type": "object",
    "description": "RFC 9457 problem details.",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Machine-readable reason, e.g. `not_your_department`."},
        "instance": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["pointer", "detail"],
            "properties": {"pointer": {"type": "string", "description": "JSON Pointer (as a URI fragment) "
                                                                        "into the request body."},
                           "detail": {"type": "string"}}}},
    },
}

COMPONENTS = {"TicketCreate": TICKET_CREATE, "ContactCreate": CONTACT_CREATE, "SubmitCreate": SUBMIT_CREATE,
              "CallbackCreate": CALLBACK_CREATE, "Assignment": ASSIGNMENT, "Ticket": TICKET,
              "TicketPage": TICKET_PAGE, "Problem": PROBLEM}


def validation_errors(schema: dict, body) -> list[dict]:
    """Where ``body`` breaks ``schema``, as problem-detail ``errors`` (empty when it conforms)."""
    validator = Draft202012Validator(schema)
    found = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [{"pointer": "#/" + "/".join(str(p) for p in e.absolute_path), "detail": _message(e)} for e in found]


def _message(error) -> str:
    if error.validator == "additionalProperties":
        return "Unknown field(s): " + error.message.split("(")[-1].rstrip(")")
    return error.message if len(error.message) <= 200 else error.message[:197] + "..."


class BodyError(ValueError):
    """A request body that is not acceptable JSON: ``code`` for the problem document, ``detail`` for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


def load_body(raw: bytes):
    """Parse a JSON request body: UTF-8, standard JSON (no NaN or Infinity), at most
    :data:`MAX_DEPTH` levels deep, and no lone surrogate in any string or key. (NUL characters
    are stripped later, with the other control characters, as each text field is cleaned.)"""
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError:
        raise BodyError("malformed_json", f"The body nests deeper than {MAX_DEPTH} levels.") from None
    except (UnicodeDecodeError, ValueError):
        raise BodyError("malformed_json", "The body is not valid JSON in UTF-8.") from None
    _check_tree(value)
    return value


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _check_tree(value) -> None:
    """Walk the parsed body without recursion, refusing deep nesting and lone surrogates."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BodyError("malformed_json", f"The body nests deeper than {MAX_DEPTH} levels.")
        if isinstance(item, str):
            _check_text(item)
        elif isinstance(item, dict):
            for key, child in item.items():
                _check_text(key)
                stack.append((child, depth + 1))
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)


def _check_text(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise BodyError("malformed_json", "The body holds a lone surrogate (\\ud800-\\udfff); "
                                          "send text as valid Unicode.") from None
