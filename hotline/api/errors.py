"""Errors of the integration APIs: one exception, two renderings.

``/api/v1`` answers with RFC 9457 problem details (``application/problem+json``);
Open311 with its own ``[{"code", "description"}]`` list or the ``<errors>`` XML equivalent.
Domain refusals (:class:`DomainError`, :class:`IntakeError`) map to 4xx here, in one place.
"""
from __future__ import annotations

import json
import time

from flask import Response, current_app, request, url_for
from flask_babel import force_locale
from sqlalchemy.exc import DataError, OperationalError, StatementError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound

from hotline.errors import rollback
from hotline.http import request_had_nul
from hotline.labels import domain_error_text, intake_error_text
from hotline.tickets import intake_rules
from hotline.tickets.intake import IntakeError
from hotline.tickets.states import DomainError

TITLES = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
          405: "Method Not Allowed", 409: "Conflict", 413: "Content Too Large", 415: "Unsupported Media Type",
          422: "Unprocessable Content", 429: "Too Many Requests", 500: "Internal Server Error",
          503: "Service Unavailable"}

#: HTTP errors the app renders as HTML pages by code; the API blueprints answer them in kind.
HANDLED_CODES = (400, 403, 404, 405, 413, 415, 429)

#: Domain refusals that are the client's input, not the ticket's state.
_INPUT_CODES = {"reply_required", "contact_in_future", "contact_before_dispatch", "unknown_contact_method",
                "callback_verdict_required", "return_grounds_required"}
_STATUS_OF = {"not_found": 404, "not_your_department": 404, "role_not_allowed": 403}


class ApiError(Exception):
    """A refused API request: HTTP status, a machine-readable code, a sentence, field errors."""

    def __init__(self, status: int, code: str, detail: str, *, errors: list[dict] | None = None,
                 headers: dict | None = None) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status, self.code, self.detail = status, code, detail
        self.errors, self.headers = errors or [], headers or {}


def from_domain(exc: DomainError) -> ApiError:
    """A lifecycle refusal as an API error (409 for the ticket's state, 422 for bad input)."""
    status = _STATUS_OF.get(exc.code, 422 if exc.code in _INPUT_CODES else 409)
    with force_locale("en"):
        detail = domain_error_text(exc.code, exc.params)
    return ApiError(status, exc.code, detail)


def from_intake(exc: IntakeError) -> ApiError:
    """An intake refusal (unknown category, department, repeat …) as a 422 on its field."""
    with force_locale("en"):
        detail = intake_error_text(exc.code, exc.params)
    field = exc.field or "lead"
    return ApiError(422, exc.code, detail, errors=[{"pointer": f"#/{field}", "detail": detail}])


#: The integrations' sentence for each problem of the intake rules, by (field, code), then by code.
_INTAKE_DETAILS = {
    ("subject", "required"): "The subject is empty.",
    ("description", "required"): "The description is empty.",
    ("caller_phone", "required"): "A phone number is needed for the callback (only a report, a suggestion or an "
                                  "inquiry answered during the call may come without one).",
    ("caller_name", "required"): "The caller's name is required (a report may be anonymous).",
    ("category", "required"): "Complaints and reports need a category.",
    ("answer", "required"): "An inquiry answered on the spot records the answer given.",
    ("lead", "required"): "Co-handlers need a lead department as well.",
    ("override_reason", "required"): "Say why the proposed routing is overridden.",
    "inquiry_only": "Only an inquiry can be answered on the spot.",
    "lead_included": "The lead department cannot also be a co-handler.",
}


def problem_detail(problem: intake_rules.Problem, value) -> str:
    """An intake-rules problem as the integrations (JSON API, Open311) word it, in English;
    ``value``: the field's value, cleaned (named in a few sentences)."""
    field, code = problem
    if (field, code) in _INTAKE_DETAILS:
        return _INTAKE_DETAILS[field, code]
    if code.startswith("phone_"):
        return f"Not a valid Chinese phone number ({code.removeprefix('phone_')})."
    if code.startswith("credit_code_"):
        return f"Not a valid unified social credit code ({code.removeprefix('credit_code_')})."
    if field == "description" and code in ("too_short", "too_long"):
        return (f"Between {intake_rules.DESCRIPTION_MIN} and {intake_rules.MAX_LENGTH['description']} "
                "characters are required.")
    if code == "too_long":
        return f"At most {intake_rules.MAX_LENGTH[field]} characters."
    if code == "unknown":
        return f"Unknown {field} {value!r}."
    if code == "choice":
        allowed = {"kind": intake_rules.KINDS, "channel": intake_rules.CHANNELS, "urgency": intake_rules.URGENCIES,
                   "confidential": ("true", "false")}[field]
        return f"One of {', '.join(allowed)}."
    return _INTAKE_DETAILS.get(code, f"Refused ({code}).")


def from_http(exc: HTTPException) -> ApiError:
    """A Werkzeug HTTP error (404 route, 405 method, 413 body, 429 rate limit …) as an API error."""
    status = exc.code or 500
    headers = {}
    if isinstance(exc, MethodNotAllowed) and exc.valid_methods:
        headers["Allow"] = ", ".join(sorted(exc.valid_methods))
    if status == 429:
        headers.update(_retry_after())
    code = {404: "not_found", 405: "method_not_allowed", 429: "rate_limited"}.get(status, "http_error")
    detail = {404: "There is nothing at this address.",
              429: "Too many requests for this API key; wait and retry."}.get(status, exc.description or "")
    return ApiError(status, code, detail, headers=headers)


def _retry_after() -> dict:
    from hotline.extensions import limiter

    current = limiter.current_limit
    if current is None:
        return {}
    return {"Retry-After": str(max(1, int(current.reset_at - time.time())))}


def problem_response(error: ApiError) -> Response:
    """RFC 9457 problem details; ``type`` points at the problem's entry in the API docs."""
    body = {"type": f"{url_for('api.docs', _external=True)}#problem-{error.code}",
            "title": TITLES.get(error.status, "Error"), "status": error.status, "detail": error.detail,
            "code": error.code, "instance": request.path}
    if error.errors:
        body["errors"] = error.errors
    response = current_app.response_class(json.dumps(body, ensure_ascii=False), status=error.status,
                                          mimetype="application/problem+json")
    response.headers.update(error.headers)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="hotline"'
    return response


def fault(error: Exception) -> ApiError:
    """A fault the server can name, as an API error: the database refusing to write (503), or a
    value out of range — its conversion overflowed (also when SQLAlchemy wraps the overflow) or the
    database refused it as data (400). Anything else is re-raised for the 500 handler. Rolls the
    session back."""
    overflow = isinstance(error, (OverflowError, DataError)) or (
        isinstance(error, StatementError) and isinstance(error.orig, OverflowError))
    if not overflow and not isinstance(error, OperationalError):
        raise error
    rollback()
    if overflow:
        return ApiError(400, "invalid_parameter", "A date or number is outside the range the API handles.")
    current_app.logger.error("database fault: %s", error)
    return ApiError(503, "database_unavailable", "The database cannot save right now; nothing was saved. "
                                                 "Retry later.", headers={"Retry-After": "60"})


def open311_errors(error: ApiError) -> list[dict]:
    """The Open311 error list: the main error first, then one per field."""
    items = [{"code": error.status, "description": error.detail}]
    items += [{"code": error.status, "description": f"{e['pointer'].removeprefix('#/')}: {e['detail']}"}
              for e in error.errors]
    return items


def refuse_nul_characters() -> None:
    """A blueprint ``before_request``: text with NUL characters is refused (400) before it reaches
    a query; PostgreSQL cannot store or compare it. (Pages read the same text with the NULs
    removed: :class:`hotline.http.HotlineRequest`.)"""
    if request_had_nul():
        raise ApiError(400, "invalid_parameter", "Text may not contain NUL characters.")


def routing_error_hook() -> Response | None:
    """An app-level ``before_request``: unknown paths and wrong methods under the APIs get
    API-shaped errors (routing fails before any blueprint is known, so blueprint handlers
    cannot)."""
    exc = request.routing_exception
    if not isinstance(exc, (NotFound, MethodNotAllowed)):
        return None
    path = request.path
    if path == "/api/v1" or path.startswith("/api/v1/"):
        return problem_response(from_http(exc))
    if path.startswith("/open311/"):
        from hotline.api.open311_views import error_response

        return error_response(from_http(exc), "json" if path.endswith(".json") else "xml")
    return None
