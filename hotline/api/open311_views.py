"""Open311 GeoReport v2 endpoints under ``/open311/v2``, each in XML and JSON."""
from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import get_locale
from sqlalchemy.exc import StatementError
from werkzeug.exceptions import HTTPException

from hotline.api import open311
from hotline.api.auth import form_api_key, key_required, public_limit
from hotline.api.errors import (
    HANDLED_CODES,
    ApiError,
    fault,
    from_http,
    open311_errors,
    refuse_nul_characters,
)
from hotline.api.keys import current_key
from hotline.db import utcnow
from hotline.errors import rollback
from hotline.roles import Role

bp = Blueprint("open311", __name__)
bp.before_request(refuse_nul_characters)
FMT = "<any(xml, json):fmt>"


def respond(fmt: str, root: str, payload, status: int = 200) -> Response:
    """``payload`` as JSON, or as XML under ``root``; both UTF-8."""
    if fmt == "json":
        return current_app.response_class(json.dumps(payload, ensure_ascii=False), status=status,
                                          content_type="application/json; charset=utf-8")
    return current_app.response_class(open311.to_xml(root, payload), status=status,
                                      content_type="text/xml; charset=utf-8")


def error_response(error: ApiError, fmt: str) -> Response:
    """Errors as the spec lists them: an array of ``code``/``description`` (``<errors>`` in XML)."""
    response = respond(fmt, "errors", open311_errors(error), error.status)
    response.headers.update(error.headers)
    return response


def _locale() -> str:
    return str(get_locale())


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return error_response(error, (request.view_args or {}).get("fmt", "xml"))


def _http_error(error: HTTPException):
    return error_response(from_http(error), (request.view_args or {}).get("fmt", "xml"))


# By code too: the app's own 403/404/413/429 pages would otherwise win over a class handler.
for _handled in (HTTPException, *HANDLED_CODES):
    bp.register_error_handler(_handled, _http_error)


@bp.errorhandler(StatementError)  # OperationalError and DataError are ones
@bp.errorhandler(OverflowError)
def _fault(error):
    return error_response(fault(error), (request.view_args or {}).get("fmt", "xml"))


@bp.errorhandler(500)
def _server_error(error):
    rollback()  # the failed request's transaction (a broken connection does not hide the first error)
    return error_response(ApiError(500, "server_error", "The service failed; nothing was saved."),
                          (request.view_args or {}).get("fmt", "xml"))


@bp.get(f"/discovery.{FMT}")
@public_limit
def discovery(fmt: str):
    """Service discovery: where the v2 endpoint is and which formats it speaks."""
    endpoint = url_for(".services", fmt="json", _external=True).rsplit("/", 1)[0]
    return respond(fmt, "discovery", open311.discovery(endpoint))


@bp.get(f"/services.{FMT}")
@public_limit
def services(fmt: str):
    """The service list: every active category."""
    return respond(fmt, "services", open311.service_list(_locale()))


@bp.get(f"/services/<code>.{FMT}")
@public_limit
def service_definition(code: str, fmt: str):
    """A service's definition: its attributes, taken from the intake fields."""
    return respond(fmt, "service_definition", open311.service_definition(code, _locale()))


@bp.post(f"/requests.{FMT}")
@key_required(Role.operator, source=form_api_key, missing_status=403)
def create_request(fmt: str):
    """Create a service request (form-encoded, api_key required) as a ticket, routed at once."""
    ticket, token = open311.create_request(request.form, current_key())
    response = respond(fmt, "service_requests", [open311.created_json(ticket)], 201)
    response.headers["Open311-Token"] = token
    return response


@bp.get(f"/requests.{FMT}")
@public_limit
def requests_(fmt: str):
    """Service requests by id, or by service, date range (≤ 90 days) and status; at most 1,000."""
    query = open311.parse_query(request.args, utcnow())
    locale = _locale()
    return respond(fmt, "service_requests", [open311.request_json(t, locale) for t in open311.find_requests(query)])


@bp.get(f"/requests/<number>.{FMT}")
@public_limit
def request_(number: str, fmt: str):
    """One service request."""
    return respond(fmt, "service_requests", [open311.request_json(open311.find_request(number), _locale())])


@bp.get(f"/tokens/<token>.{FMT}")
@public_limit
def token(token: str, fmt: str):
    """The service request id behind a token."""
    return respond(fmt, "service_requests", [open311.token_request(token)])
