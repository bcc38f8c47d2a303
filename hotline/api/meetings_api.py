"""The JSON API's face-to-face part: coordination meetings, their decisions, key projects.

Keys: a supervisor's key reads everything here; a department's key (role handler) reads the
decisions assigned to its department and marks them done with evidence; an operator's key has
no access. A confidential ticket appears only by number and redacted subject, never with its
caller. The routes join the /api/v1 blueprint (imported before it is registered), so they share
its authentication, rate limits and problem documents.
"""
from __future__ import annotations

from flask import jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.api import schemas
from hotline.api.errors import ApiError
from hotline.api.keys import current_key
from hotline.api.represent import instant
from hotline.api.services import _check, record_call
from hotline.api.views import _H, _S, _body, api_key, bp
from hotline.extensions import db
from hotline.meetings import services as meeting_services
from hotline.meetings.models import AgendaItem, Decision, Meeting, Project
from hotline.meetings.rules import DecisionState, MeetingRefused
from hotline.roles import Role
from hotline.tickets import confidential
from hotline.tickets.identity import clean_text

_INPUT = {"evidence_required"}

ID = {"type": "integer", "minimum": 1}
DECISION = {
    "type": "object", "required": ["id", "meeting_id", "ticket", "subject", "department", "text", "done_means",
                                   "working_days", "decided_at", "warn_at", "due_at", "status", "done_at", "evidence"],
    "properties": {
        "id": ID, "meeting_id": ID, "ticket": {"type": "string"},
        "subject": {"type": "string",
                    "description": "The ticket's subject (a confidential caller's identity redacted)."},
        "department": {"type": "string", "description": "The responsible department's code."},
        "text": {"type": "string"}, "done_means": {"type": "string"}, "working_days": {"type": "integer"},
        "decided_at": schemas.INSTANT, "warn_at": schemas.INSTANT, "due_at": schemas.INSTANT,
        "status": {"enum": [s.value for s in DecisionState]}, "done_at": schemas.NULLABLE_INSTANT,
        "evidence": {"type": "string"},
    },
}
MEETING = {
    "type": "object", "required": ["id", "kind", "title", "convener", "held_at", "place", "status", "minutes", "items"],
    "properties": {
        "id": ID, "kind": {"type": "string"}, "title": {"type": "string"}, "convener": {"type": "string"},
        "held_at": schemas.INSTANT, "place": {"type": "string"}, "status": {"type": "string"},
        "minutes": {"type": "string"},
        "items": {"type": "array", "items": {
            "type": "object", "required": ["ticket", "outcome", "decisions"], "properties": {
                "ticket": {"type": "string"}, "outcome": {"type": "string"},
                "decisions": {"type": "array", "items": {"$ref": "#/components/schemas/Decision"}}}}},
    },
}
PROJECT = {
    "type": "object", "required": ["id", "name", "enterprise", "commissioner", "signed_on", "milestones"],
    "properties": {
        "id": ID, "name": {"type": "string"}, "enterprise": {"type": "string"},
        "commissioner": {"type": ["string", "null"]}, "signed_on": {"type": "string", "format": "date"},
        "milestones": {"type": "array", "items": {"type": "object", "required": ["kind", "target_on", "reached_on"],
                                                  "properties": {"kind": {"type": "string"},
                                                                 "target_on": {"type": "string", "format": "date"},
                                                                 "reached_on": {"type": ["string", "null"],
                                                                                "format": "date"}}}},
    },
}
DECISION_DONE = {"type": "object", "additionalProperties": False, "required": ["evidence"],
                 "properties": {"evidence": {"type": "string", "minLength": 1, "maxLength": 4000}}}

COMPONENTS = {"Decision": DECISION, "Meeting": MEETING, "Project": PROJECT, "DecisionDone": DECISION_DONE}


def decision_json(d: Decision) -> dict:
    """A decision as the API shows it."""
    return {"id": d.id, "meeting_id": d.meeting_id, "ticket": d.ticket.number,
            "subject": confidential.subject(d.ticket), "department": d.department.code,
            "text": d.text, "done_means": d.done_means,
            "working_days": d.working_days, "decided_at": instant(d.decided_at), "warn_at": instant(d.warn_at),
            "due_at": instant(d.due_at), "status": str(d.status), "done_at": instant(d.done_at),
            "evidence": d.evidence}


def meeting_json(m: Meeting) -> dict:
    """A meeting with its agenda and decisions."""
    return {"id": m.id, "kind": str(m.kind), "title": m.title, "convener": m.convener.display_name,
            "held_at": instant(m.held_at), "place": m.place, "status": str(m.status), "minutes": m.minutes,
            "items": [{"ticket": i.ticket.number, "outcome": str(i.outcome),
                       "decisions": [decision_json(d) for d in i.decisions]} for i in m.items]}


def project_json(p: Project) -> dict:
    """A project with its milestones."""
    return {"id": p.id, "name": p.name, "enterprise": p.enterprise_name,
            "commissioner": p.commissioner.display_name if p.commissioner else None,
            "signed_on": p.signed_on.isoformat(),
            "milestones": [{"kind": str(m.kind), "target_on": m.target_on.isoformat(),
                            "reached_on": m.reached_on.isoformat() if m.reached_on else None} for m in p.milestones]}


def _meetings_query():
    return select(Meeting).options(selectinload(Meeting.convener), selectinload(Meeting.items).selectinload(
        AgendaItem.decisions).selectinload(Decision.department), selectinload(Meeting.items).selectinload(
        AgendaItem.ticket))


@bp.get("/meetings")
@api_key(_S)
def list_meetings():
    """Coordination meetings, the latest first (at most 100)."""
    rows = db.session.scalars(_meetings_query().order_by(Meeting.held_at.desc(), Meeting.id.desc()).limit(100))
    return jsonify({"items": [meeting_json(m) for m in rows]})


@bp.get("/meetings/<int:meeting_id>")
@api_key(_S)
def get_meeting(meeting_id: int):
    """One meeting with its agenda and decisions."""
    meeting = db.session.scalar(_meetings_query().where(Meeting.id == meeting_id))
    if meeting is None:
        raise ApiError(404, "not_found", "No such meeting.")
    return jsonify(meeting_json(meeting))


def _decisions_for(key):
    stmt = select(Decision).options(selectinload(Decision.ticket), selectinload(Decision.department))
    if key.role == Role.handler:
        stmt = stmt.where(Decision.department_id == key.department_id)
    return stmt


@bp.get("/decisions")
@api_key(_H, _S)
def list_decisions():
    """Decisions by deadline: a department's key sees its own; ``status`` filters (open, done, cancelled)."""
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in DecisionState}:
        raise ApiError(400, "invalid_parameter", "status is one of open, done, cancelled.")
    stmt = _decisions_for(current_key())
    if status:
        stmt = stmt.where(Decision.status == status)
    rows = db.session.scalars(stmt.order_by(Decision.due_at, Decision.id).limit(500))
    return jsonify({"items": [decision_json(d) for d in rows]})


@bp.post("/decisions/<int:decision_id>/done")
@api_key(_H)
def decision_done(decision_id: int):
    """The key's department marks its decision done, with evidence."""
    key = current_key()
    decision = db.session.scalar(_decisions_for(key).where(Decision.id == decision_id))
    if decision is None:
        raise ApiError(404, "not_found", "No such decision for this key.")
    body = _body()
    _check(DECISION_DONE, body)
    record_call(decision.ticket_id, key, "decision_done")
    try:
        meeting_services.complete(decision.id, evidence=clean_text(body["evidence"], multiline=True), actor=None)
    except MeetingRefused as exc:
        db.session.rollback()
        raise ApiError(422 if exc.code in _INPUT else 409, exc.code,
                       "The decision is not open." if exc.code not in _INPUT else "Evidence is required.") from None
    return jsonify(decision_json(db.session.get(Decision, decision_id, populate_existing=True)))


@bp.get("/projects")
@api_key(_S)
def list_projects():
    """Key projects with their milestones."""
    rows = db.session.scalars(select(Project).options(selectinload(Project.milestones)).order_by(Project.name))
    return jsonify({"items": [project_json(p) for p in rows]})


@bp.get("/projects/<int:project_id>")
@api_key(_S)
def get_project(project_id: int):
    """One key project with its milestones."""
    project = db.session.get(Project, project_id)
    if project is None:
        raise ApiError(404, "not_found", "No such project.")
    return jsonify(project_json(project))


def _ref(name: str) -> dict:
    return {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}


def _list_of(name: str) -> dict:
    return {"application/json": {"schema": {"type": "object", "required": ["items"], "properties": {
        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{name}"}}}}}}


def paths(responses) -> dict:
    """The OpenAPI paths of these routes (``responses``: the document's error-response helper)."""
    def op(operation_id, summary, keys, ok, errors, tag, parameters=(), body=None):
        out = {"operationId": operation_id, "summary": summary, "tags": [tag], "description": f"Keys: {keys}.",
               "parameters": list(parameters),
               "responses": {"200": {"description": "OK.", "content": ok}, **responses(200, None, *errors)}}
        if body:
            out["requestBody"] = {"required": True, "content": _ref(body)}
        return out

    def ident(name):
        return {"name": name, "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1,
                                                                        "maximum": 2**31 - 1}}

    status = {"name": "status", "in": "query", "required": False, "schema": {"enum": ["open", "done", "cancelled", ""]}}
    return {
        "/meetings": {"get": op("listMeetings", "List coordination meetings", "supervisor", _list_of("Meeting"),
                                (403,), "meetings")},
        "/meetings/{meeting_id}": {"get": op("getMeeting", "Read a meeting with its agenda and decisions", "supervisor",
                                             _ref("Meeting"), (403, 404), "meetings", [ident("meeting_id")])},
        "/decisions": {"get": op("listDecisions", "List meeting decisions", "supervisor (all); handler (its "
                                 "department's)", _list_of("Decision"), (400, 403), "meetings", [status])},
        "/decisions/{decision_id}/done": {"post": op(
            "completeDecision", "Mark the department's decision done, with evidence", "handler", _ref("Decision"),
            (400, 403, 404, 409, 415, 422), "meetings", [ident("decision_id")], body="DecisionDone")},
        "/projects": {"get": op("listProjects", "List key projects", "supervisor", _list_of("Project"), (403,),
                                "projects")},
        "/projects/{project_id}": {"get": op("getProject", "Read a key project with its milestones", "supervisor",
                                             _ref("Project"), (403, 404), "projects", [ident("project_id")])},
    }
