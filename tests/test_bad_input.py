"""Hostile or broken input gets a clear 4xx answer, never a 500: huge ids, absurd dates, NUL
characters, lone surrogates, deep JSON, LIKE wildcards, a decision without a choice, a full disk."""
from __future__ import annotations

import errno
import io
import sqlite3
from datetime import timedelta
from functools import partial

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from hotline.auth.models import User
from hotline.db import utcnow
from hotline.demo.data import DEMO_PASSWORD
from hotline.extensions import db
from hotline.tickets.models import Attachment, Ticket
from tests.conftest import csrf_from
from tests.factories import make_ticket

HUGE = 2**63  # one past the largest integer SQLite (or a BIGINT) holds: an overflow in the driver


@pytest.fixture
def city(app):
    """The demo city's reference data and users."""
    from hotline.demo.seed import seed_reference

    seed_reference()
    return app


@pytest.fixture
def as_user(client, login, city):
    """The client logged in as a demo user."""

    def switch(username: str):
        with client.session_transaction() as sess:
            sess.clear()
        assert login(username, DEMO_PASSWORD).status_code == 302
        return client

    return switch


#: The tickets here: the jewellery maker's refusal, located in the development zone.
_ticket = partial(make_ticket, enterprise_name="临汾市华晟珠宝有限公司", district_code="kaifaqu")


def _handler_for(ticket: Ticket, make_user) -> User:
    return make_user("handler", username="h-evidence", department=ticket.assignments[0].department,
                     password=DEMO_PASSWORD)


# ------------------------------------------------------------------------------ ids in paths


@pytest.mark.parametrize("user, url", [
    ("admin", f"/admin/users/{HUGE}"),
    ("admin", f"/admin/departments/{HUGE * 10}"),
    ("admin", f"/admin/settings/policies/{HUGE}"),
    ("admin", f"/admin/api-keys/{HUGE}/revoke"),
    ("operator", f"/tickets/attachments/{HUGE}"),
    ("supervisor", f"/supervision/cases/{HUGE}"),
])
def test_an_id_beyond_64_bits_in_the_path_is_not_found(as_user, user, url):
    client = as_user(user)
    response = client.post(url, data={}) if url.endswith("/revoke") else client.get(url)
    assert response.status_code in (400, 404)  # 400: the POST's missing CSRF token, checked first
    if response.status_code == 400:
        token = csrf_from(client.get("/admin/api-keys/").get_data(as_text=True))
        assert client.post(url, data={"csrf_token": token}).status_code == 404


@pytest.mark.parametrize("ident", [2**31, 2**63 - 1])
def test_an_id_beyond_32_bits_is_not_found_on_postgresql_either(as_user, ident):
    """ids are INTEGER columns: PostgreSQL refuses a larger number outright ("integer out of range")."""
    client = as_user("admin")
    assert client.get(f"/admin/users/{ident}").status_code == 404
    assert client.get(f"/admin/users/{2**31 - 1}").status_code == 404  # the largest id: simply absent


# ------------------------------------------------------------------------------ dates


def test_an_audit_month_in_year_one_is_a_clear_refusal(as_user):
    client = as_user("supervisor")
    response = client.get("/audit/?month=0001-01")
    assert response.status_code == 400
    assert "2000" in response.get_data(as_text=True) or "无法" in response.get_data(as_text=True)


def test_period_month_refuses_years_outside_2000_to_2100():
    from hotline.audit.periods import Period

    for label in ("0001-01", "1999-12", "2101-01", "9999-12"):
        with pytest.raises(ValueError, match="2000"):
            Period.month(label, "Asia/Shanghai")
    assert Period.month("2100-12", "Asia/Shanghai").label == "2100-12"


def test_a_workbench_cursor_in_year_one_starts_from_the_top(as_user, make_user):
    ticket = _ticket()
    handler = _handler_for(ticket, make_user)
    client = as_user(handler.username)
    for cursor in ("0001-01-01T00:00:00+08:00_5", "9999-12-31T23:59:00-12:00_5"):
        response = client.get(f"/work/?queue=to_sign&after={cursor}")
        assert response.status_code == 200
        assert ticket.number in response.get_data(as_text=True)


def test_an_interview_in_year_one_or_a_notice_to_a_huge_department_id_is_refused(as_user):
    from hotline.escalation import engine
    from hotline.escalation.models import SupervisionAction, SupervisionCase

    make_ticket(now=utcnow() - timedelta(days=20), subject="超期未办", description="窗口拒收申请材料，一直没有答复。")
    for item in engine.due_items(utcnow()):
        engine.apply(*item)
    case = db.session.scalar(select(SupervisionCase))
    client = as_user("supervisor")
    page = f"/supervision/cases/{case.id}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post(f"{page}/interview", data={
        "interview-csrf_token": token, "interview-participants": "分管副局长",
        "interview-held_at": "0001-01-01T00:00", "interview-outcome": "责令限期整改"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请填写 2000 年至 2100 年之间的日期" in html  # a form error beside the field…
    assert "分管副局长" in html and "责令限期整改" in html  # …and nothing typed is lost
    assert db.session.scalar(select(func.count()).select_from(SupervisionAction)) == 0
    notice = client.post(f"{page}/notice", data={
        "notice-csrf_token": token, "notice-department_id": str(2**40),
        "notice-due_date": (utcnow() + timedelta(days=7)).date().isoformat(),  # a week on, whatever today is
        "notice-outcome": "请三日内办结"})
    assert notice.status_code in (400, 409)  # PostgreSQL: "integer out of range"; SQLite: no such department
    assert db.session.scalar(select(func.count()).select_from(SupervisionAction)) == 0


# ------------------------------------------------------------------------------ JSON bodies


@pytest.fixture
def api_key(city):
    from hotline.api import keys

    _, raw = keys.issue(name="12345 platform", role="operator", department_id=None,
                        rate_limit="600 per minute", created_by_id=None)
    return {"Authorization": f"Bearer {raw}", "Content-Type": "application/json"}


def test_deeply_nested_json_is_a_problem_400(client, api_key):
    body = "[" * 5000 + "]" * 5000
    response = client.post("/api/v1/tickets", data=body, headers=api_key)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["code"] == "malformed_json"


def test_a_lone_surrogate_in_json_is_a_problem_400(client, api_key):
    body = '{"kind": "complaint", "subject": "\\ud800", "description": "窗口拒收申请材料一直没有答复"}'
    response = client.post("/api/v1/tickets", data=body, headers=api_key)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    assert "surrogate" in response.get_json()["detail"]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


# ------------------------------------------------------------------------------ NUL characters


def test_a_nul_in_the_login_name_is_removed_before_any_query(client, city):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": "operator\x00", "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 302  # PostgreSQL would have refused the NUL (500)
    assert client.get("/").status_code == 200


def test_a_nul_in_the_enterprise_autocomplete_is_removed(as_user):
    _ticket()
    response = as_user("operator").get("/tickets/enterprises?q=%E4%B8%B4%00%E6%B1%BE")
    assert response.status_code == 200
    assert [r["name"] for r in response.get_json()] == ["临汾市华晟珠宝有限公司"]


def test_a_nul_in_a_page_address_is_not_found(as_user):
    assert as_user("operator").get("/tickets/26%00").status_code == 404


def test_a_nul_in_an_evidence_filename_is_removed(as_user, make_user, app):
    ticket = _ticket()
    handler = _handler_for(ticket, make_user)
    client = as_user(handler.username)
    page = f"/work/tickets/{ticket.number}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post(f"{page}/attachments", data={
        "att-csrf_token": token, "att-file": (io.BytesIO(b"%PDF-1.4\n"), "现场\x00照片.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.scalar(select(Attachment.filename)) == "现场照片.pdf"


def test_attachments_add_strips_control_characters_from_the_filename(city, app):
    from hotline.tickets import attachments

    item = attachments.add(_ticket(), filename="现场\x00照片.pdf", content=b"%PDF-1.4\n", assignment_id=None,
                           actor_id=None)
    assert item.filename == "现场照片.pdf"


def test_a_nul_in_an_admin_form_is_removed(as_user):
    client = as_user("admin")
    token = csrf_from(client.get("/admin/users/new").get_data(as_text=True))
    response = client.post("/admin/users/new", data={
        "csrf_token": token, "username": "li", "display_name": "李\x00四", "role": "operator",
        "locale": "zh_CN", "password": "a-long-password", "active": "y"})
    assert response.status_code == 302
    assert db.session.scalar(select(User.display_name).where(User.username == "li")) == "李四"


# ------------------------------------------------------------------------------ LIKE wildcards


@pytest.mark.parametrize("query", ["%", "__", "%_", "100%"])
def test_search_wildcards_match_only_themselves(as_user, query):
    _ticket(subject="窗口拒收", enterprise_name="临汾华晟")
    _ticket(subject="收费 100% 不合理", caller_phone="13912345678")
    html = as_user("operator").get("/tickets/search", query_string={"q": query}).get_data(as_text=True)
    assert "窗口拒收" not in html
    assert ("收费 100% 不合理" in html) == (query in ("%", "100%"))


def test_autocomplete_wildcards_match_only_themselves(as_user):
    _ticket(enterprise_name="临汾华晟珠宝")
    _ticket(enterprise_name="临汾百分_公司", caller_phone="13912345678")
    client = as_user("operator")

    def names(q):
        return [r["name"] for r in client.get("/tickets/enterprises", query_string={"q": q}).get_json()]

    assert names("%%") == [] and names("汾_") == [] and names("华_") == []
    assert names("分_公") == ["临汾百分_公司"]
    assert names("华晟") == ["临汾华晟珠宝"]


# ------------------------------------------------------------------------------ extension decision


def test_an_extension_decision_needs_an_explicit_choice(as_user, make_user):
    from hotline.tickets import lifecycle

    ticket = _ticket()
    handler = _handler_for(ticket, make_user)
    a = ticket.assignments[0]
    lifecycle.sign_for(a.id, actor=handler)
    ext = lifecycle.request_extension(a.id, days=2, reason="需要现场核查", actor=handler)
    client = as_user("supervisor")
    token = csrf_from(client.get("/supervision/extensions").get_data(as_text=True))
    response = client.post(f"/supervision/extensions/{ext.id}", data={"csrf_token": token, "note": "不行"},
                           follow_redirects=True)
    db.session.refresh(ext)
    assert ext.status == "pending"
    assert "批准或驳回" in response.get_data(as_text=True)
    both = client.post(f"/supervision/extensions/{ext.id}",
                       data={"csrf_token": token, "note": "x", "approve": "1", "refuse": "1"})
    assert both.status_code == 302
    db.session.refresh(ext)
    assert ext.status == "pending"


# ------------------------------------------------------------------------------ faults


def test_a_full_disk_during_an_upload_leaves_no_file_and_no_row(as_user, make_user, app, monkeypatch):
    from hotline.tickets import attachments

    ticket = _ticket()
    handler = _handler_for(ticket, make_user)
    client = as_user(handler.username)
    page = f"/work/tickets/{ticket.number}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    upload_dir = attachments.upload_dir()
    before = set(upload_dir.iterdir())
    real_write = attachments._write_chunk

    def full_after_first_chunk(f, chunk):
        real_write(f, chunk[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(attachments, "_write_chunk", full_after_first_chunk)
    response = client.post(f"{page}/attachments", data={
        "att-csrf_token": token, "att-file": (io.BytesIO(b"%PDF-1.4\n" + b"x" * 5000), "现场照片.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 507
    assert "磁盘" in response.get_data(as_text=True)
    assert set(upload_dir.iterdir()) == before
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    monkeypatch.undo()
    assert client.get(page).status_code == 200  # the session and the database still work


@pytest.mark.parametrize("message", ["database or disk is full", "attempt to write a readonly database"])
def test_a_database_that_cannot_write_at_login_shows_a_clear_page(client, city, monkeypatch, message):
    from hotline.auth import services

    def failing_commit():
        raise OperationalError("UPDATE users SET last_login_at=?", {}, sqlite3.OperationalError(message))

    token = csrf_from(client.get("/login").get_data(as_text=True))
    monkeypatch.setattr(services.db.session, "commit", failing_commit)
    response = client.post("/login", data={"username": "operator", "password": DEMO_PASSWORD,
                                           "csrf_token": token})
    assert response.status_code == 503
    assert "值班工程师" in response.get_data(as_text=True)



# ------------------------------------------------------------------------------ ids in forms


def test_an_unknown_department_or_district_id_in_an_admin_form_is_a_form_error(as_user):
    from hotline.directory.models import Department

    client = as_user("admin")
    token = csrf_from(client.get("/admin/users/new").get_data(as_text=True))
    for bad in ("987654", str(2**70)):
        response = client.post("/admin/users/new", data={
            "csrf_token": token, "username": "li4", "display_name": "李四", "role": "handler",
            "department_id": bad, "locale": "zh_CN", "password": "a-long-password"})
        assert (response.status_code == 400
                and "Please choose a department from the list." in response.get_data(as_text=True))
        response = client.post("/admin/departments/new", data={
            "csrf_token": token, "code": "newdept", "name_zh": "新单位", "name_en": "New", "kind": "city_department",
            "district_id": bad, "active": "y"})
        assert (response.status_code == 400
                and "Please choose a district from the list." in response.get_data(as_text=True))
    assert db.session.scalar(select(User).where(User.username == "li4")) is None
    assert db.session.scalar(select(Department).where(Department.code == "newdept")) is None


@pytest.mark.parametrize("year, flag", [("2027", "maybe"), ("2027", "\x00"), ("1", "1"), (str(2**40), "1"),
                                        ("2027", "1" * 10000)])
def test_marking_a_calendar_year_complete_with_hostile_values_gives_no_500(as_user, year, flag):
    client = as_user("admin")
    token = csrf_from(client.get("/admin/settings/calendar?year=2027").get_data(as_text=True))
    response = client.post(f"/admin/settings/calendar/{year}/complete", data={"csrf_token": token, "complete": flag})
    assert response.status_code < 500
