"""The OpenAPI 3.1 document of /api/v1, built from the same schemas the views validate with."""
from __future__ import annotations

import copy

from hotline.api import schemas

ERRORS = {
    400: "Malformed JSON or an invalid query parameter.",
    401: "Missing, unknown or revoked API key.",
    403: "The key's role may not do this.",
    404: "No such ticket for this key (another department's ticket is not found either).",
    409: "The ticket's or assignment's state does not allow this.",
    415: "The body must be application/json.",
    422: "The body does not match the schema or breaks an intake or lifecycle rule.",
    429: "The key's rate limit is used up; see Retry-After.",
}

PROBLEMS = {
    "invalid_api_key": "The Authorization header carries no valid key (401), or Open311's api_key is wrong (403).",
    "role_not_allowed": "The key's role may not call this operation.",
    "ticket_not_found": "No ticket with this number is visible to the key.",
    "not_found": "No such address in the API.",
    "method_not_allowed": "The address exists but not for this HTTP method.",
    "invalid_parameter": "A query parameter, header or text has a value the API does not accept (a NUL character, "
                         "a date outside its range).",
    "malformed_json": "The body is not JSON in UTF-8, nests deeper than 32 levels or holds a lone surrogate.",
    "unsupported_media_type": "The body is not sent as application/json.",
    "validation_failed": "The body breaks the schema or an intake rule; see errors[].pointer.",
    "not_allowed_in_state": "The action is not possible in the current state (e.g. signing twice).",
    "co_handlers_pending": "The lead's final reply must wait for every co-handler.",
    "not_awaiting_callback": "Only a resolved ticket takes a callback.",
    "rate_limited": "The key's rate limit is exhausted.",
    "unknown_category": "The category code is unknown or inactive.",
    "unknown_department": "A department code is unknown or inactive.",
    "server_error": "The server failed; nothing was saved.",
    "database_unavailable": "The database cannot write right now (disk full, read-only, restarting); retry later.",
}

NUMBER = {"name": "number", "in": "path", "required": True, "description": "Ticket number, e.g. 261128-00042.",
          "schema": {"type": "string", "pattern": schemas.NUMBER_PATTERN}}


def _query(name: str, description: str, schema: dict | None = None) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema or {"type": "string"}}


def _responses(ok: int, ok_schema: str | None, *errors: int, ok_description: str = "The ticket.") -> dict:
    out = {}
    if ok_schema:
        out[str(ok)] = {"description": ok_description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ok_schema}"}}}}
    for status in (*errors, 401, 429):
        out[str(status)] = {"description": ERRORS[status], "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}}
    return out


def _body(schema: str) -> dict:
    return {"required": True, "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}}}


def _action(operation_id: str, summary: str, body: str | None, roles: str) -> dict:
    op = {"operationId": operation_id, "summary": summary, "tags": ["tickets"],
          "description": f"Keys: {roles}.", "parameters": [NUMBER],
          "responses": _responses(200, "Ticket", 403, 404, 409, *((400, 415, 422) if body else ()))}
    if body:
        op["requestBody"] = _body(body)
    return op


LIST_PARAMETERS = [
    _query("status", "Comma-separated ticket states.", {"type": "string", "maxLength": 200}),
    _query("open", "true: not closed, answered or merged; false: the rest.", {"enum": ["true", "false", ""]}),
    _query("kind", "Ticket kind."), _query("channel", "Intake channel."),
    _query("category", "Category code."), _query("district", "District code."),
    _query("department", "Tickets this department has an assignment on."),
    _query("received_from", "Received at or after (ISO 8601 with offset).", {"type": "string", "format": "date-time"}),
    _query("received_to", "Received before (ISO 8601 with offset).", {"type": "string", "format": "date-time"}),
    _query("limit", "Page size, 1-100 (default 50).", {"type": "integer", "minimum": 1, "maximum": 100}),
    _query("cursor", "next_cursor of the previous page.", {"type": "string", "maxLength": 100}),
]


def document(server_url: str = "/api/v1") -> dict:
    """The whole OpenAPI 3.1 document."""
    from hotline.api import meetings_api  # its routes join the views' blueprint: imported after the views

    return {
        "openapi": "3.1.0",
        "info": {"title": "Hotline integration API", "version": "1.0.0",
                 "description": "Tickets of the Linfen business-environment complaint hotline for integrations: "
                                "intake systems create tickets and record callbacks; a department's system signs "
                                "for, records contacts and submits replies on its own department's tickets only. "
                                "Errors are RFC 9457 problem details. Open311 GeoReport v2 is served beside "
                                "this API under /open311/v2."},
        "servers": [{"url": server_url}],
        "security": [{"apiKey": []}],
        "tags": [{"name": "tickets", "description": "Tickets (工单) and their assignments (派单)."},
                 {"name": "meetings", "description": "Coordination meetings (协调会) and their decisions."},
                 {"name": "projects", "description": "Key projects (重点项目) and their milestones."}],
        "paths": {
            "/tickets": {
                "get": {"operationId": "listTickets", "summary": "List tickets, newest first", "tags": ["tickets"],
                        "description": "Keys: operator, supervisor (all tickets); handler (its department's). "
                                       "Cursor pagination; an empty parameter counts as absent.",
                        "parameters": LIST_PARAMETERS,
                        "responses": _responses(200, "TicketPage", 400, ok_description="One page of tickets.")},
                "post": {"operationId": "createTicket", "summary": "Create a ticket (intake and routing)",
                         "tags": ["tickets"],
                         "description": "Keys: operator. The ticket is routed and dispatched at once, as on the "
                                        "operator's intake page. With an Idempotency-Key header a retry returns "
                                        "the first ticket (200) instead of creating another.",
                         "parameters": [{"name": "Idempotency-Key", "in": "header", "required": False,
                                         "schema": {"type": "string", "pattern": r"^[A-Za-z0-9._:-]{1,48}$"}}],
                         "requestBody": _body("TicketCreate"),
                         "responses": {**_responses(201, "Ticket", 400, 403, 415, 422,
                                                    ok_description="Created; Location points at it."),
                                       "200": {"description": "Replay of an earlier request with the same "
                                                              "Idempotency-Key: the ticket it created.",
                                               "content": {"application/json": {
                                                   "schema": {"$ref": "#/components/schemas/Ticket"}}}}}},
            },
            "/tickets/{number}": {
                "get": {"operationId": "getTicket", "summary": "Read a ticket", "tags": ["tickets"],
                        "description": "Keys: operator, supervisor; handler for its department's tickets. "
                                       "A confidential ticket's caller and enterprise are masked.",
                        "parameters": [NUMBER], "responses": _responses(200, "Ticket", 404)},
            },
            "/tickets/{number}/sign": {"post": _action("signTicket", "Sign for (签收) the department's assignment",
                                                        None, "handler")},
            "/tickets/{number}/contacts": {"post": _action("recordContact", "Record a contact attempt (响应)",
                                                            "ContactCreate", "handler")},
            "/tickets/{number}/submit": {"post": _action("submitReply", "Submit the department's reply (办结)",
                                                          "SubmitCreate", "handler")},
            "/tickets/{number}/callbacks": {"post": _action("recordCallback", "Record a callback result (回访)",
                                                             "CallbackCreate", "operator")},
            **meetings_api.paths(_responses),
        },
        "components": {
            "schemas": copy.deepcopy({**schemas.COMPONENTS, **meetings_api.COMPONENTS}),
            "securitySchemes": {"apiKey": {"type": "http", "scheme": "bearer", "bearerFormat": "<prefix>.<secret>",
                                           "description": "A key issued under Admin → API keys."}},
        },
    }
