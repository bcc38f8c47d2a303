"""The JSON API under ``/api/v1``: authenticate the key, call one service, serialise the ticket."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for
from sqlalchemy.exc import StatementError
from werkzeug.exceptions import HTTPException

from hotline.api import openapi, schemas, services
from hotline.api.auth import bearer_token, key_required
from hotline.api.errors import (
    HANDLED_CODES,
    ApiError,
    fault,
    from_http,
    problem_response,
    refuse_nul_characters,
)
from hotline.api.keys import current_key
from hotline.api.represent import ticket_json
from hotline.errors import rollback
from hotline.roles import Role

bp = Blueprint("api", __name__)
bp.before_request(refuse_nul_characters)
_O, _H, _S = Role.operator, Role.handler, Role.supervisor


def api_key(*roles):
    """Bearer-key authentication for /api/v1 (401 without a valid key, 403 for another role)."""
    return key_required(*roles, source=bearer_token, missing_status=401)


def _body(optional: bool = False):
    """The JSON body; 415 for another media type, 400 when it does not parse, nests too deeply or
    carries a lone surrogate (text no database can store)."""
    raw = request.get_data()
    if optional and not raw:
        return {}
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        return schemas.load_body(raw)
    except schemas.BodyError as exc:
        raise ApiError(400, exc.code, exc.detail) from None


@bp.errorhandler(ApiError)
def _api_error(error: ApiError):
    return problem_response(error)


def _http_error(error: HTTPException):
    return problem_response(from_http(error))


# By code too: the app's own 403/404/413/429 pages would otherwise win over a class handler.
for _handled in (HTTPException, *HANDLED_CODES):
    bp.register_error_handler(_handled, _http_error)


@bp.errorhandler(StatementError)  # OperationalError and DataError are ones
@bp.errorhandler(OverflowError)
def _fault(error):
    return problem_response(fault(error))


@bp.errorhandler(500)
def _server_error(error):
    rollback()  # the failed request's transaction (a broken connection does not hide the first error)
    return problem_response(ApiError(500, "server_error", "The server failed; nothing was saved."))


@bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document of this API."""
    return jsonify(openapi.document(url_for(".list_tickets").rsplit("/", 1)[0]))


@bp.get("/docs")
def docs():
    """The API's documentation, rendered on the server from the OpenAPI document."""
    return render_template("api/docs.html", doc=openapi.document(), problems=openapi.PROBLEMS)


@bp.get("/tickets")
@api_key(_O, _H, _S)
def list_tickets():
    """A page of the tickets the key may see."""
    rows, next_cursor = services.list_tickets(current_key(), request.args)
    return jsonify({"items": [ticket_json(t) for t in rows], "next_cursor": next_cursor})


@bp.post("/tickets")
@api_key(_O)
def create_ticket():
    """Create a ticket through intake and routing."""
    ticket, created = services.create_ticket(current_key(), _body(), request.headers.get("Idempotency-Key"))
    response = jsonify(ticket_json(ticket))
    response.status_code = 201 if created else 200
    response.headers["Location"] = url_for(".get_ticket", number=ticket.number)
    return response


@bp.get("/tickets/<number>")
@api_key(_O, _H, _S)
def get_ticket(number: str):
    """One ticket."""
    return jsonify(ticket_json(services.get_ticket(current_key(), number)))


@bp.post("/tickets/<number>/sign")
@api_key(_H)
def sign(number: str):
    """签收 on behalf of the key's department."""
    _body(optional=True)
    return jsonify(ticket_json(services.sign_for(current_key(), number)))


@bp.post("/tickets/<number>/contacts")
@api_key(_H)
def contacts(number: str):
    """响应: record a contact attempt."""
    return jsonify(ticket_json(services.record_contact(current_key(), number, _body())))


@bp.post("/tickets/<number>/submit")
@api_key(_H)
def submit(number: str):
    """办结: submit the department's reply."""
    return jsonify(ticket_json(services.submit(current_key(), number, _body())))


@bp.post("/tickets/<number>/callbacks")
@api_key(_O)
def callbacks(number: str):
    """回访: record a callback attempt's result."""
    return jsonify(ticket_json(services.record_callback(current_key(), number, _body())))
