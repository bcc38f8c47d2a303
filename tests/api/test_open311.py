"""Open311 GeoReport v2: the read side through the independent ``georeport`` client over HTTP,
POST through plain form-encoded requests, both JSON and XML, and the spec's errors."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

import pytest
from georeport import GeoReport
from sqlalchemy import select

from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.models import Ticket


@pytest.fixture(autouse=True)
def _clock(working_morning):
    """Every test here runs on a fixed working morning: it names fixed dates (the date-range queries)."""
    yield


FORMATS = ["json", "xml"]


def _post(client, fmt="json", **fields):
    data = {"service_code": "refusal", "first_name": "建国", "last_name": "赵", "phone": "138-1234-5678",
            "description": "窗口工作人员拒收我公司的开办申请，也不出具不予受理凭证，已经跑了三趟。",
            "attribute[district]": "kaifaqu", "attribute[enterprise_name]": "临汾市华晟珠宝有限公司"}
    data.update(fields)
    return client.post(f"/open311/v2/requests.{fmt}", data={k: v for k, v in data.items() if v is not None})


def _errors(response, fmt):
    """The Open311 error list of a response, in either format, as (code, description) pairs."""
    if fmt == "json":
        assert response.mimetype == "application/json"
        return [(e["code"], e["description"]) for e in response.get_json()]
    assert response.mimetype == "text/xml"
    root = ET.fromstring(response.data)
    assert root.tag == "errors"
    return [(int(e.findtext("code")), e.findtext("description")) for e in root.findall("error")]


def _close(ticket: Ticket) -> None:
    """Play a ticket through sign, contact, reply and a satisfied callback."""
    lead = ticket.assignments[0]
    lifecycle.sign_for(lead.id, actor=None)
    lifecycle.record_contact(lead.id, at=utcnow(), method="phone", reached=True, summary="已联系", actor=None)
    lifecycle.submit(lead.id, reply="已受理申请，请联系13912345678的窗口负责人。", solved=True, actor=None)
    lifecycle.record_callback(ticket.id, reached=True, solved=True, satisfaction="satisfied", comment="",
                              actor=None)


# ---------------------------------------------------------------------------------- read side, georeport


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_and_definitions_through_georeport(city, live_server, fmt):
    client = GeoReport(f"{live_server}/open311/v2", output_format=fmt)
    services = client.get_service_list()
    codes = [s["service_code"] for s in services]
    assert codes[:2] == ["refusal", "extra_steps"] and len(codes) == 15
    refusal = services[0]
    assert refusal["service_name"] == "不予受理" and refusal["type"] == "realtime"
    assert refusal["metadata"] in (True, "true") and refusal["group"] == "投诉"
    assert all(isinstance(c, str) for c in codes)

    definition = client.get_service_definition("refusal")
    assert definition["service_code"] == "refusal"
    attributes = definition["attributes"] if fmt == "json" else definition["attributes"]["attribute"]
    by_code = {a["code"]: a for a in attributes}
    assert set(by_code) == {"subject", "enterprise_name", "credit_code", "district", "urgency", "confidential",
                            "respondent"}
    district_values = by_code["district"]["values"] if fmt == "json" else by_code["district"]["values"]["value"]
    assert {"key": "kaifaqu", "name": "临汾经济开发区"} in [dict(v) for v in district_values]


@pytest.mark.parametrize("fmt", FORMATS)
def test_requests_through_georeport(city, live_server, make_ticket, fmt, working_morning):
    """Taken in working hours, a deadline has a fraction of a second; the API gives whole seconds."""
    _requests_through_georeport(live_server, make_ticket, fmt)


def _requests_through_georeport(live_server, make_ticket, fmt):
    open_ticket = make_ticket(district_code="kaifaqu")  # led by the zone's committee (属地)
    closed = make_ticket(subject="审批超时", category_code="deadline_missed",
                         description="项目审批超过承诺时限仍未办结，也没有说明理由，来电人13812345678。")
    _close(closed)
    old = make_ticket(now=utcnow() - timedelta(days=120))
    client = GeoReport(f"{live_server}/open311/v2", output_format=fmt)

    def ids(rows):
        rows = rows if isinstance(rows, list) else [rows]  # xmltodict gives a lone <request> as a dict
        return [r["service_request_id"] for r in rows]

    assert ids(client.get_service_requests()) == [closed.number, open_ticket.number]  # last 90 days, newest first
    assert ids(client.get_service_requests(status="open")) == [open_ticket.number]
    assert ids(client.get_service_requests(status="closed")) == [closed.number]
    assert ids(client.get_service_requests(service_code="deadline_missed")) == [closed.number]
    assert ids(client.get_service_requests(service_request_id=f"{old.number},{open_ticket.number}")) == \
        [open_ticket.number, old.number]  # explicit ids override the date range
    start = (utcnow() - timedelta(days=130)).strftime("%Y-%m-%dT%H:%M:%SZ")
    end = (utcnow() - timedelta(days=100)).astimezone(timezone(timedelta(hours=8))).isoformat(timespec="seconds")
    assert ids(client.get_service_requests(start_date=start, end_date=end)) == [old.number]

    one = client.get_service_request(closed.number)
    assert one["status"] == "closed" and one["service_code"] == "deadline_missed"
    assert one["agency_responsible"] == "市行政审批服务管理局"
    assert one["status_notes"] == "已受理申请，请联系139****5678的窗口负责人。"  # the reply, phone masked
    assert one["requested_datetime"].endswith("+08:00")
    datetime.fromisoformat(one["updated_datetime"])
    live = client.get_service_request(open_ticket.number)
    lead = open_ticket.assignments[0]
    assert live["status"] == "open" and live["status_notes"] == "已派单"
    assert lead.resolve_due_at.microsecond  # the deadline has a fraction of a second; Open311 gives whole seconds
    assert datetime.fromisoformat(live["expected_datetime"]) == lead.resolve_due_at.replace(microsecond=0)
    assert live["expected_datetime"].endswith("+08:00")
    assert live["address"] == "临汾经济开发区" and live["address_id"] == "kaifaqu"
    assert "13812345678" not in json.dumps(live, ensure_ascii=False)
    assert "138****5678" in live["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_confidential_report_shows_state_only(city, client, make_ticket, fmt):
    report = make_ticket(kind="report", category_code="bribery", subject="窗口人员索要好处费",
                         description="办理许可证时窗口人员暗示需要好处费，我是临汾市华晟珠宝的赵建国，电话13812345678。",
                         confidential=True)
    assert report.confidential
    response = client.get(f"/open311/v2/requests/{report.number}.{fmt}")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    for secret in ("赵建国", "13812345678", "138****5678", "华晟珠宝", "好处费"):
        assert secret not in text
    if fmt == "json":
        item = response.get_json()[0]
        assert item["description"] is None and item["status_notes"] == "已派单"
        assert item["agency_responsible"] == "市纪委监委"
    else:
        assert ET.fromstring(response.data).find("request/description").text is None


def test_answered_and_merged_tickets_are_closed(city, client, make_ticket):
    answered = make_ticket(kind="inquiry", category_code=None, answered_on_spot=True,
                           answer="可在政务服务网上办理，咨询电话0357-2096666。", subject="咨询办理渠道",
                           description="咨询企业开办能否在网上办理全部手续。")
    rows = client.get("/open311/v2/requests.json?status=closed").get_json()
    assert [r["service_request_id"] for r in rows] == [answered.number]
    assert rows[0]["status_notes"] == "可在政务服务网上办理，咨询电话0357-****666。"
    assert rows[0]["service_code"] is None


# ---------------------------------------------------------------------------------- POST, plain HTTP


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_creates_a_routed_ticket(client, operator_key, fmt):
    response = _post(client, fmt, api_key=operator_key)
    assert response.status_code == 201
    if fmt == "json":
        assert response.mimetype == "application/json"
        number = response.get_json()[0]["service_request_id"]
    else:
        assert response.content_type == "text/xml; charset=utf-8"
        assert response.data.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
        number = ET.fromstring(response.data).findtext("request/service_request_id")
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == number))
    assert ticket.channel == "api" and ticket.status == "dispatched" and ticket.operator_id is None
    assert ticket.caller_name == "赵建国" and ticket.caller_phone == "13812345678"
    assert ticket.district.code == "kaifaqu" and ticket.category.code == "refusal"
    # the same routing as the page: the matter lies in the development zone, so its committee leads
    assert [a.department.code for a in ticket.assignments] == ["devzone"]
    assert ticket.subject.startswith("窗口工作人员拒收")

    token = response.headers["Open311-Token"]
    assert ticket.idempotency_key == f"open311:{token}"
    resolved = client.get(f"/open311/v2/tokens/{token}.{fmt}")
    assert resolved.status_code == 200
    if fmt == "json":
        assert resolved.get_json() == [{"service_request_id": number, "token": token}]
    else:
        assert ET.fromstring(resolved.data).findtext("request/service_request_id") == number


def test_post_with_attributes(client, operator_key):
    response = _post(client, api_key=operator_key, **{"attribute[subject]": "开办申请被拒收",
                                                      "attribute[urgency]": "urgent",
                                                      "attribute[confidential]": "true",
                                                      "attribute[credit_code]": ""})
    assert response.status_code == 201
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.subject == "开办申请被拒收" and ticket.urgency == "urgent" and ticket.confidential
    assert ticket.credit_code is None  # empty optional attribute = absent


@pytest.mark.parametrize("fmt", FORMATS)
def test_post_validation_errors_are_400_with_every_problem(client, operator_key, fmt):
    response = _post(client, fmt, api_key=operator_key, phone="12345", description="太短",
                     **{"attribute[credit_code]": "91141002MA0GRB8K10", "attribute[district]": "atlantis"})
    assert response.status_code == 400
    descriptions = " ".join(d for _, d in _errors(response, fmt))
    for field in ("phone", "description", "credit_code", "district"):
        assert field in descriptions
    assert db.session.scalar(select(Ticket.id)) is None


def test_a_complaint_needs_name_and_phone_a_report_does_not(client, operator_key):
    assert _post(client, api_key=operator_key, phone=None).status_code == 400
    report = _post(client, api_key=operator_key, service_code="bribery", phone=None, first_name=None,
                   last_name=None, description="窗口工作人员暗示要好处费才给办理许可证。")
    assert report.status_code == 201
    ticket = db.session.scalars(select(Ticket)).one()
    assert ticket.kind == "report" and ticket.confidential and ticket.assignments[0].department.code == "discipline"


# ---------------------------------------------------------------------------------- errors


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("key", [None, "", "not-a-key", "abcdefghij.wrong-secret"])
def test_missing_or_wrong_key_is_403(client, city, fmt, key):
    response = _post(client, fmt, api_key=key)
    assert response.status_code == 403
    assert _errors(response, fmt)[0][0] == 403
    assert db.session.scalar(select(Ticket.id)) is None


@pytest.mark.parametrize("role", ["handler", "supervisor"])
def test_a_key_of_another_role_cannot_post(client, make_key, role):
    key = make_key(role, department="approval" if role == "handler" else None)
    assert _post(client, api_key=key).status_code == 403


def test_a_revoked_key_is_403(client, operator_key):
    from hotline.api import keys
    from hotline.api.models import ApiKey

    prefix = operator_key.split(".")[0]
    keys.revoke(db.session.scalar(select(ApiKey.id).where(ApiKey.prefix == prefix)))
    assert _post(client, api_key=operator_key).status_code == 403


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_service_or_request_is_404(client, city, operator_key, fmt):
    for url in (f"/open311/v2/services/nonsense.{fmt}", f"/open311/v2/requests/991231-00001.{fmt}",
                f"/open311/v2/tokens/deadbeef.{fmt}", f"/open311/v2/nothing-here.{fmt}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert _errors(response, fmt)[0][0] == 404
    response = _post(client, fmt, api_key=operator_key, service_code="nonsense")
    assert response.status_code == 404 and "nonsense" in _errors(response, fmt)[0][1]
    assert _post(client, fmt, api_key=operator_key, service_code="").status_code == 400


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("query", [
    "start_date=yesterday", "end_date=2026-13-01T00:00:00Z", "start_date=2026-01-01T00:00:00",  # no offset
    "start_date=2026-01-01T00:00:00Z&end_date=2026-04-02T00:00:01Z",  # over 90 days
    "start_date=2026-03-01T00:00:00Z&end_date=2026-01-01T00:00:00Z",  # reversed
    "status=pending",
])
def test_bad_dates_ranges_and_statuses_are_400(client, city, fmt, query):
    response = client.get(f"/open311/v2/requests.{fmt}?{query}")
    assert response.status_code == 400
    assert _errors(response, fmt)[0][0] == 400


def test_exactly_90_days_and_a_date_alone_are_accepted(client, city):
    assert client.get("/open311/v2/requests.json?start_date=2026-01-01T00:00:00Z"
                      "&end_date=2026-04-01T00:00:00Z").status_code == 200
    assert client.get("/open311/v2/requests.json?start_date=2026-01-01&end_date=2026-03-01").status_code == 200


def test_empty_optional_parameters_behave_as_absent(client, make_ticket):
    make_ticket()
    plain = client.get("/open311/v2/requests.json")
    empty = client.get("/open311/v2/requests.json?service_request_id=&service_code=&start_date=&end_date="
                       "&status=&jurisdiction_id=")
    assert plain.status_code == empty.status_code == 200
    assert plain.get_json() == empty.get_json() and len(plain.get_json()) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery(client, city, fmt):
    response = client.get(f"/open311/v2/discovery.{fmt}")
    assert response.status_code == 200
    if fmt == "json":
        endpoint = response.get_json()["endpoints"][0]
        assert endpoint["url"] == "http://localhost/open311/v2"
        assert endpoint["formats"] == ["text/xml", "application/json"]
    else:
        root = ET.fromstring(response.data)
        assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml",
                                                                                      "application/json"]


def test_wrong_method_and_public_rate_limit(client, app, city):
    response = client.delete("/open311/v2/services.json")
    assert response.status_code == 405 and _errors(response, "json")[0][0] == 405
    app.config["OPEN311_RATE_LIMIT"] = "2 per minute"
    assert [client.get("/open311/v2/services.xml").status_code for _ in range(3)] == [200, 200, 429]
    assert _errors(client.get("/open311/v2/services.xml"), "xml")[0][0] == 429


def test_a_respondent_attribute_leads_like_the_intake_page(client, operator_key):
    response = _post(client, api_key=operator_key, **{"attribute[respondent]": "市市场监督管理局"})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert ticket.respondent_department.code == "market"
    assert [a.department.code for a in ticket.assignments] == ["market"]
    definition = client.get("/open311/v2/services/refusal.json").get_json()
    assert "respondent" in [a["code"] for a in definition["attributes"]]
