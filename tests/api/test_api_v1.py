"""The JSON API under /api/v1: keys and roles, intake, reading, cursor pages, a department's
actions on its own tickets only, callbacks, problem details and rate limits."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from jsonschema import Draft202012Validator
from sqlalchemy import select, update

from hotline.api import schemas
from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets.events import verify_ticket
from hotline.tickets.models import Event, Ticket
from tests.factories import bearer, ticket_body


@pytest.fixture(autouse=True)
def _clock(working_morning):
    """Every test here runs on a fixed working morning: it names fixed dates."""
    yield


PROBLEM = "application/problem+json"


def _conforms(name: str, instance) -> None:
    """The instance matches the published component schema (refs resolved against the document)."""
    from hotline.api.openapi import document

    doc = document()
    validator = Draft202012Validator({**doc["components"]["schemas"][name], "components": doc["components"]})
    errors = list(validator.iter_errors(instance))
    assert not errors, errors[0].message


def _create(client, key, **overrides):
    return client.post("/api/v1/tickets", json=ticket_body(**overrides), headers=bearer(key))


def _problem(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["code"] == code
    assert body["type"].startswith("http://localhost/api/v1/docs#problem-")
    return body


# ---------------------------------------------------------------------------------- intake


def test_create_routes_like_the_intake_page_and_attributes_the_key(client, operator_key):
    response = _create(client, operator_key)
    assert response.status_code == 201
    body = response.get_json()
    _conforms("Ticket", body)
    assert response.headers["Location"] == f"/api/v1/tickets/{body['number']}"
    assert body["channel"] == "12345" and body["status"] == "dispatched"
    assert body["lead_department"] == "approval" and body["assignments"][0]["status"] == "dispatched"
    assert body["caller"] == {"name": "赵建国", "phone": "13812345678"}  # normalised like the form does
    assert body["received_at"].endswith("+08:00") and body["resolve_due_at"].endswith("+08:00")
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == body["number"]))
    actions = [e.action for e in db.session.scalars(select(Event).where(Event.ticket_id == ticket.id)
                                                     .order_by(Event.seq))]
    assert actions == ["received", "dispatch", "api_call"]
    call = db.session.scalar(select(Event).where(Event.ticket_id == ticket.id, Event.action == "api_call"))
    assert call.data == {"api_key": operator_key.split(".")[0], "integration": "12345 platform",
                         "operation": "create"}
    assert verify_ticket(ticket.id) is None


def test_idempotency_key_returns_the_first_ticket_per_key(client, operator_key, make_key):
    headers = {**bearer(operator_key), "Idempotency-Key": "12345-ticket-0001"}
    first = client.post("/api/v1/tickets", json=ticket_body(), headers=headers)
    again = client.post("/api/v1/tickets", json=ticket_body(subject="重发"), headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["number"] == again.get_json()["number"]
    stored = db.session.scalar(select(Ticket.idempotency_key))
    assert stored == f"api:{operator_key.split('.')[0]}:12345-ticket-0001"
    other = make_key("operator", name="web form")
    third = client.post("/api/v1/tickets", json=ticket_body(),
                        headers={**bearer(other), "Idempotency-Key": "12345-ticket-0001"})
    assert third.status_code == 201 and third.get_json()["number"] != first.get_json()["number"]
    bad = client.post("/api/v1/tickets", json=ticket_body(), headers={**bearer(operator_key),
                                                                     "Idempotency-Key": "has space"})
    _problem(bad, 400, "invalid_parameter")


@pytest.mark.parametrize("overrides, pointer", [
    ({"subject": None}, "#/"),
    ({"kind": "gossip"}, "#/kind"),
    ({"description": "太短"}, "#/description"),
    ({"surprise": 1}, "#/"),
    ({"caller_phone": "12345"}, "#/caller_phone"),
    ({"caller_phone": None}, "#/caller_phone"),
    ({"caller_name": ""}, "#/caller_name"),
    ({"credit_code": "91141002MA0GRB8K10"}, "#/credit_code"),
    ({"category": None}, "#/category"),
    ({"district": "atlantis"}, "#/district"),
    ({"lead": "approval"}, "#/override_reason"),
    ({"category": "nonsense"}, "#/category"),
    ({"lead": "nowhere", "override_reason": "测试"}, "#/lead"),
])
def test_invalid_bodies_are_422_with_a_pointer(client, operator_key, overrides, pointer):
    body = _problem(_create(client, operator_key, **overrides), 422,
                    "unknown_category" if overrides.get("category") == "nonsense" else
                    "unknown_department" if overrides.get("lead") == "nowhere" else "validation_failed")
    _conforms("Problem", body)
    assert [e["pointer"] for e in body["errors"]][0] == pointer
    assert db.session.scalar(select(Ticket.id)) is None


def test_a_report_may_be_anonymous_and_is_masked(client, operator_key, make_key):
    response = _create(client, operator_key, kind="report", category="bribery", caller_name=None,
                       caller_phone="13912345678", subject="索要好处费",
                       description="审批窗口工作人员暗示要好处费才能办理许可证。")
    assert response.status_code == 201
    body = response.get_json()
    assert body["confidential"] and body["identity_masked"]
    assert body["caller"] == {"name": "匿名", "phone": "139****5678"}
    assert body["enterprise"] == {"name": "临汾**有限公司", "credit_code": None}
    assert body["lead_department"] == "discipline"
    commission = make_key("handler", department="discipline")
    seen = client.get(f"/api/v1/tickets/{body['number']}", headers=bearer(commission)).get_json()
    assert seen["caller"]["phone"] == "139****5678" and seen["enterprise"]["credit_code"] is None


def test_body_must_be_json(client, operator_key):
    _problem(client.post("/api/v1/tickets", data="kind=complaint", headers={
        **bearer(operator_key), "Content-Type": "application/x-www-form-urlencoded"}), 415, "unsupported_media_type")
    _problem(client.post("/api/v1/tickets", data="{not json", headers={
        **bearer(operator_key), "Content-Type": "application/json"}), 400, "malformed_json")


# ---------------------------------------------------------------------------------- keys and roles


@pytest.mark.parametrize("header", [None, "Bearer", "Bearer nonsense", "Bearer abcdefghij.wrong", "Basic eA=="])
def test_missing_or_wrong_key_is_401(client, city, header):
    response = client.get("/api/v1/tickets", headers={"Authorization": header} if header else {})
    _problem(response, 401, "invalid_api_key")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_roles(client, make_key, operator_key):
    handler = make_key("handler", department="approval")
    supervisor = make_key("supervisor")
    _problem(_create(client, handler), 403, "role_not_allowed")
    _problem(_create(client, supervisor), 403, "role_not_allowed")
    number = _create(client, operator_key).get_json()["number"]
    _problem(client.post(f"/api/v1/tickets/{number}/sign", headers=bearer(operator_key)), 403, "role_not_allowed")
    assert client.get(f"/api/v1/tickets/{number}", headers=bearer(supervisor)).status_code == 200


def test_a_revoked_key_stops_working(client, operator_key):
    from hotline.api import keys
    from hotline.api.models import ApiKey

    assert client.get("/api/v1/tickets", headers=bearer(operator_key)).status_code == 200
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == operator_key.split(".")[0]))
    assert key.use_count == 1 and key.last_used_at is not None
    keys.revoke(key.id)
    _problem(client.get("/api/v1/tickets", headers=bearer(operator_key)), 401, "invalid_api_key")


def test_a_wrong_secret_counts_nothing_and_a_closed_department_s_key_stops(client, make_key, operator_key):
    from hotline.api.models import ApiKey
    from hotline.directory.models import Department

    prefix = operator_key.split(".")[0]
    _problem(client.get("/api/v1/tickets", headers={"Authorization": f"Bearer {prefix}.not-the-secret"}),
             401, "invalid_api_key")
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    assert (key.use_count, key.last_used_at) == (0, None)

    handler = make_key("handler", department="approval")
    assert client.get("/api/v1/tickets", headers=bearer(handler)).status_code == 200
    db.session.execute(update(Department).where(Department.code == "approval").values(active=False))
    db.session.commit()
    _problem(client.get("/api/v1/tickets", headers=bearer(handler)), 401, "invalid_api_key")
    used = db.session.scalar(select(ApiKey.use_count).where(ApiKey.prefix == handler.split(".")[0]))
    assert used == 1


def test_each_key_has_its_own_rate_limit(client, make_key):
    slow = make_key("operator", name="slow", rate_limit="2 per minute")
    fast = make_key("operator", name="fast", rate_limit="100 per minute")
    assert [client.get("/api/v1/tickets", headers=bearer(slow)).status_code for _ in range(2)] == [200, 200]
    limited = client.get("/api/v1/tickets/000000-00000", headers=bearer(slow))  # one budget for all operations
    _problem(limited, 429, "rate_limited")
    assert int(limited.headers["Retry-After"]) >= 1
    assert client.get("/api/v1/tickets", headers=bearer(fast)).status_code == 200


# ---------------------------------------------------------------------------------- reading


def test_list_filters_and_cursor_pages(client, operator_key, make_ticket):
    made = [make_ticket(subject=f"第{i}件", district_code="kaifaqu") for i in range(5)]
    report = make_ticket(kind="report", category_code="bribery", confidential=True, subject="举报",
                         description="窗口工作人员索要好处费，不给就不办理。", district_code="kaifaqu")
    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/v1/tickets", query_string=query, headers=bearer(operator_key))
        assert page.status_code == 200
        body = page.get_json()
        _conforms("TicketPage", body)
        seen += [t["number"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [report.number] + [t.number for t in reversed(made)]

    def numbers(**query):
        response = client.get("/api/v1/tickets", query_string=query, headers=bearer(operator_key))
        assert response.status_code == 200, response.get_json()
        return [t["number"] for t in response.get_json()["items"]]

    assert numbers(kind="report") == numbers(category="bribery") == numbers(department="discipline") == \
        [report.number]
    assert numbers(status="dispatched,closed", open="true", channel="phone", district="kaifaqu") == seen
    assert numbers(kind="", status="", cursor="", limit="", department="", open="") == seen  # empty = absent
    assert numbers(open="false") == [] and numbers(status="closed") == []
    later = (utcnow() + timedelta(minutes=5)).isoformat()
    assert numbers(received_from=later) == [] and numbers(received_to=later) == seen
    for query in ({"limit": "0"}, {"limit": "x"}, {"cursor": "garbage!"}, {"status": "lost"},
                  {"received_from": "2026-01-01T00:00:00"}, {"open": "maybe"}, {"kind": "gossip"}):
        _problem(client.get("/api/v1/tickets", query_string=query, headers=bearer(operator_key)),
                 400, "invalid_parameter")


def test_a_department_reads_only_its_own_tickets(client, make_key, make_ticket):
    approval = make_ticket()  # → 市行政审批服务管理局
    joint = make_ticket(category_code="unpaid_debts", subject="拖欠工程款",
                        description="区政府拖欠我公司工程款两年未付，多次催要没有结果。")  # finance + industry
    finance_key, approval_key = make_key("handler", department="finance"), make_key("handler", department="approval")
    listed = client.get("/api/v1/tickets", headers=bearer(finance_key)).get_json()["items"]
    assert [t["number"] for t in listed] == [joint.number]
    assert [a["department"] for a in listed[0]["assignments"]] == ["finance", "industry"]
    _problem(client.get(f"/api/v1/tickets/{approval.number}", headers=bearer(finance_key)), 404, "ticket_not_found")
    assert client.get(f"/api/v1/tickets/{approval.number}", headers=bearer(approval_key)).status_code == 200
    filtered = client.get("/api/v1/tickets", query_string={"department": "approval"}, headers=bearer(finance_key))
    assert filtered.get_json()["items"] == []


# ---------------------------------------------------------------------------------- actions


def test_a_department_signs_contacts_and_submits_then_the_callback_closes(client, make_key, operator_key):
    number = _create(client, operator_key).get_json()["number"]
    handler = make_key("handler", department="approval")
    signed = client.post(f"/api/v1/tickets/{number}/sign", headers=bearer(handler))
    assert signed.status_code == 200
    assert signed.get_json()["status"] == "in_progress" and signed.get_json()["assignments"][0]["status"] == "signed"
    _problem(client.post(f"/api/v1/tickets/{number}/sign", headers=bearer(handler)), 409, "not_allowed_in_state")

    future = (utcnow() + timedelta(hours=1)).isoformat()
    _problem(client.post(f"/api/v1/tickets/{number}/contacts", json={"at": future, "method": "phone",
                                                                     "reached": True}, headers=bearer(handler)),
             422, "contact_in_future")
    naive = client.post(f"/api/v1/tickets/{number}/contacts", json={"at": "2026-01-01T10:00:00", "method": "phone",
                                                                    "reached": True}, headers=bearer(handler))
    assert _problem(naive, 422, "validation_failed")["errors"][0]["pointer"] == "#/at"
    contact = client.post(f"/api/v1/tickets/{number}/contacts", headers=bearer(handler), json={
        "at": utcnow().isoformat(), "method": "phone", "reached": True, "summary": "已电话联系企业"})
    assert contact.status_code == 200 and contact.get_json()["assignments"][0]["status"] == "contacted"
    _problem(client.post(f"/api/v1/tickets/{number}/submit", json={"reply": " "}, headers=bearer(handler)),
             422, "reply_required")
    done = client.post(f"/api/v1/tickets/{number}/submit", json={"reply": "已当场受理并出具凭证", "solved": True},
                       headers=bearer(handler))
    assert done.status_code == 200 and done.get_json()["status"] == "resolved"

    _problem(client.post(f"/api/v1/tickets/{number}/callbacks", json={"reached": True}, headers=bearer(operator_key)),
             422, "callback_verdict_required")
    closed = client.post(f"/api/v1/tickets/{number}/callbacks", headers=bearer(operator_key),
                         json={"reached": True, "solved": True, "satisfaction": "satisfied", "comment": "满意"})
    assert closed.status_code == 200
    body = closed.get_json()
    assert body["status"] == "closed" and body["open"] is False and body["close_reason"] == "satisfied"
    _problem(client.post(f"/api/v1/tickets/{number}/callbacks", json={"reached": False},
                         headers=bearer(operator_key)), 409, "not_awaiting_callback")

    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    calls = [e.data["operation"] for e in db.session.scalars(
        select(Event).where(Event.ticket_id == ticket.id, Event.action == "api_call").order_by(Event.seq))]
    assert calls == ["create", "sign", "contact", "submit", "callback"]  # refused attempts left no trace
    assert verify_ticket(ticket.id) is None


def test_a_department_cannot_act_on_another_departments_ticket(client, make_key, operator_key):
    number = _create(client, operator_key).get_json()["number"]
    finance = make_key("handler", department="finance")
    for path, body in (("sign", None), ("contacts", {"at": utcnow().isoformat(), "method": "phone", "reached": True}),
                       ("submit", {"reply": "越权答复"})):
        _problem(client.post(f"/api/v1/tickets/{number}/{path}", json=body, headers=bearer(finance)),
                 404, "ticket_not_found")
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.status == "dispatched" and ticket.assignments[0].status == "dispatched"


def test_the_lead_waits_for_its_co_handler(client, make_key, operator_key):
    number = _create(client, operator_key, category="unpaid_debts", subject="拖欠工程款",
                     description="区政府拖欠我公司工程款两年未付，多次催要没有结果。").get_json()["number"]
    finance = make_key("handler", department="finance")
    now = utcnow().isoformat()
    for path, body in (("sign", None), ("contacts", {"at": now, "method": "visit", "reached": True})):
        assert client.post(f"/api/v1/tickets/{number}/{path}", json=body, headers=bearer(finance)).status_code == 200
    body = _problem(client.post(f"/api/v1/tickets/{number}/submit", json={"reply": "已拨付"}, headers=bearer(finance)),
                    409, "co_handlers_pending")
    assert "工业" not in body["detail"] or "Industry" in body["detail"]


# ---------------------------------------------------------------------------------- addresses


def test_unknown_paths_and_methods_answer_with_problems(client, city):
    _problem(client.get("/api/v1/nothing"), 404, "not_found")
    response = client.delete("/api/v1/tickets")
    _problem(response, 405, "method_not_allowed")
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_instants_keep_their_offset(client, operator_key):
    body = _create(client, operator_key).get_json()
    received = datetime.fromisoformat(body["received_at"])
    assert received.utcoffset() == timedelta(hours=8)
    assert abs(received - utcnow()) < timedelta(minutes=1)
    _conforms("Ticket", body)
    assert schemas.validation_errors(schemas.TICKET_CREATE, ticket_body()) == []


def test_nul_characters_are_refused_not_stored(client, operator_key):
    """PostgreSQL cannot hold NUL: parameters with one are 400, body text is cleaned."""
    _problem(client.get("/api/v1/tickets?category=%00", headers=bearer(operator_key)), 400, "invalid_parameter")
    _problem(client.get("/api/v1/tickets/%00", headers=bearer(operator_key)), 400, "invalid_parameter")
    assert client.get("/open311/v2/requests/%00.json").status_code == 400
    response = _create(client, operator_key, subject="拒收\x00申请", co_handlers=["market\x00"], lead="approval",
                       override_reason="涉及\x00中介")
    assert response.status_code == 201 and response.get_json()["subject"] == "拒收申请"


def test_create_with_a_district_or_a_respondent_routes_by_who_leads(client, operator_key):
    placed = _create(client, operator_key, district="kaifaqu").get_json()
    assert placed["lead_department"] == "devzone" and placed["district"] == "kaifaqu"
    named = _create(client, operator_key, district="kaifaqu", respondent="finance_regulator",
                    caller_phone="13812345679").get_json()
    assert named["lead_department"] == "finance_regulator" and named["respondent"] == "市地方金融监管局"
    _conforms("Ticket", named)


def test_a_ticket_of_a_department_and_category_since_switched_off_still_names_them(client, operator_key):
    """Codes come from the process's reference data, which holds only what is active; a ticket
    taken before a department or category was switched off still shows theirs."""
    from hotline.directory.models import Category, Department

    body = _create(client, operator_key, district="kaifaqu").get_json()
    assert (body["lead_department"], body["district"]) == ("devzone", "kaifaqu")
    category = body["category"]
    assert category
    db.session.execute(update(Department).where(Department.code == "devzone").values(active=False))
    db.session.execute(update(Category).where(Category.code == category).values(active=False))
    db.session.commit()
    again = client.get(f"/api/v1/tickets/{body['number']}", headers=bearer(operator_key)).get_json()
    assert (again["lead_department"], again["category"], again["district"]) == ("devzone", category, "kaifaqu")
    assert again["assignments"][0]["department"] == "devzone"
