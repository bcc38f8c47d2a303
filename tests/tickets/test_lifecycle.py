"""The lifecycle through the real pages: sign, contact, extend, return, joint replies, callback, reopen."""
from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hotline.auth.models import User
from hotline.demo.data import DEMO_PASSWORD
from hotline.escalation.models import SupervisionCase
from hotline.extensions import db
from hotline.notifications.models import Notification
from hotline.tickets import lifecycle
from hotline.tickets.events import verify_ticket
from hotline.tickets.models import Ticket
from hotline.tickets.states import DomainError
from tests.conftest import csrf_from
from tests.factories import post_intake


@pytest.fixture(autouse=True)
def _clock(working_morning):
    """Every test here runs on a fixed working morning: it names fixed dates."""
    yield


JOINT = dict(category="factor_supply", subject="厂房电力增容迟迟不批",
             description="我公司新建厂房需要电力增容，申请提交两个月了一直没有答复，影响设备调试。")


def _user(username):
    return db.session.scalar(select(User).where(User.username == username))


def _last() -> Ticket:
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


@pytest.fixture
def as_user(client, login):
    """Switch the client to another demo user."""

    def switch(username: str):
        client.cookie_jar.clear() if hasattr(client, "cookie_jar") else None
        with client.session_transaction() as sess:
            sess.clear()
        assert login(username, DEMO_PASSWORD).status_code == 302
        return client

    return switch


@pytest.fixture
def handler_of(city, make_user):
    """A logged-in-able handler for a department code (created on demand)."""
    from hotline.tickets.lookup import departments_by_code

    def make(code: str) -> User:
        existing = db.session.scalar(select(User).where(User.username == f"h-{code}"))
        if existing:
            return existing
        return make_user("handler", username=f"h-{code}", department=departments_by_code([code])[code],
                         password=DEMO_PASSWORD)

    return make


PREFIX = {"sign": "sign", "contact": "contact", "extension": "ext", "return": "ret", "submit": "sub",
          "attachments": "att"}


def _post(client, url, page_url, csrf_name="csrf_token", **data):
    token = csrf_from(client.get(page_url).get_data(as_text=True))
    return client.post(url, data={**data, csrf_name: token})


def _act(client, number, action, **data):
    return _post(client, f"/work/tickets/{number}/{action}", f"/work/tickets/{number}",
                 csrf_name=f"{PREFIX[action]}-csrf_token", **data)


def test_whole_joint_flow_through_the_pages(operator_client, as_user, handler_of):
    post_intake(operator_client, **JOINT)
    ticket = _last()
    number = ticket.number
    handler_of("ndrc"), handler_of("power")

    client = as_user("h-ndrc")
    assert number in client.get("/work/?queue=to_sign").get_data(as_text=True)
    assert _act(client, number, "sign", **{"sign-submit": "1"}).status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == "in_progress"
    local_now = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    early = _act(client, number, "contact", **{"contact-at": "2020-01-01T10:00", "contact-method": "phone",
                                              "contact-reached": "yes", "contact-summary": "已联系"})
    assert early.status_code == 409  # earlier than the dispatch
    assert _act(client, number, "contact", **{"contact-at": local_now, "contact-method": "phone",
                                             "contact-reached": "yes",
                                             "contact-summary": "已联系企业"}).status_code == 302
    lead = ticket.assignments[0]
    db.session.refresh(lead)
    assert lead.status == "contacted" and lead.first_contact_at is not None
    refused = _act(client, number, "submit", **{"sub-reply": "已协调办理", "sub-solved": "y"})
    assert refused.status_code == 409
    assert "协办单位" in refused.get_data(as_text=True) or "国网" in refused.get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.status == "in_progress"  # the lead cannot submit before the co-handler

    client = as_user("h-power")
    co = ticket.assignments[1]
    _act(client, number, "sign", **{"sign-submit": "1"})
    lifecycle.record_contact(co.id, at=co.dispatched_at, method="phone",
                             reached=True, summary="现场查看了线路", actor=_user("h-power"))
    assert _act(client, number, "submit", **{"sub-reply": "增容方案已批复，下周施工"}).status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == "in_progress"  # a co-handler's part does not resolve the ticket
    lead_handler = _user("h-ndrc")
    assert db.session.scalar(select(Notification).where(Notification.user_id == lead_handler.id,
                                                        Notification.kind == "co_handler_submitted"))

    client = as_user("h-ndrc")
    page = client.get(f"/work/tickets/{number}").get_data(as_text=True)
    assert "增容方案已批复，下周施工" in page  # the lead sees the co-handler's reply
    assert _act(client, number, "submit",
                **{"sub-reply": "已协调供电公司完成增容", "sub-solved": "y"}).status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == "resolved" and ticket.callback_due_at > ticket.resolved_at
    assert verify_ticket(ticket.id) is None


def _resolved_ticket(operator_client, as_user, handler_of, **overrides):
    post_intake(operator_client, **overrides)
    ticket = _last()
    lead = ticket.assignments[0]
    actor = handler_of(lead.department.code)
    lifecycle.sign_for(lead.id, actor=actor)
    lifecycle.record_contact(lead.id, at=lead.dispatched_at, method="phone", reached=True, summary="已联系",
                             actor=actor)
    lifecycle.submit(lead.id, reply="已办结", solved=True, actor=actor)
    db.session.refresh(ticket)
    assert ticket.status == "resolved"
    return ticket


def _callback(client, number, **data):
    return _post(client, f"/tickets/{number}/callback", f"/tickets/{number}/callback", **data)


def test_satisfied_callback_closes(operator_client, as_user, handler_of):
    ticket = _resolved_ticket(operator_client, as_user, handler_of)
    client = as_user("operator")
    assert ticket.number in client.get("/tickets/callbacks").get_data(as_text=True)
    response = _callback(client, ticket.number, reached="yes", solved="yes", satisfaction="basically_satisfied")
    assert response.status_code == 302
    db.session.refresh(ticket)
    assert ticket.status == "closed" and ticket.close_reason == "satisfied"


def test_unsatisfied_callback_reopens_to_the_same_lead_under_supervision(operator_client, as_user, handler_of):
    ticket = _resolved_ticket(operator_client, as_user, handler_of)
    client = as_user("operator")
    _callback(client, ticket.number, reached="yes", solved="no", satisfaction="unsatisfied", comment="没解决")
    db.session.refresh(ticket)
    assert ticket.status == "reopened" and ticket.reopen_count == 1
    assert ticket.false_closure is True  # the department said solved, the caller says not
    first, second = sorted(ticket.assignments, key=lambda a: a.id)
    assert (first.status, second.status) == ("submitted", "dispatched")
    assert second.department_id == first.department_id and second.round == 2
    case = db.session.scalar(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id))
    assert case.level == 1 and case.trigger == "unsatisfied_callback"
    handler = handler_of(first.department.code)
    assert db.session.scalar(select(Notification).where(Notification.user_id == handler.id,
                                                        Notification.kind == "ticket_reopened"))
    lifecycle.sign_for(second.id, actor=handler)
    db.session.refresh(ticket)
    assert ticket.status == "in_progress"


def test_satisfied_but_not_solved_also_reopens(operator_client, as_user, handler_of):
    ticket = _resolved_ticket(operator_client, as_user, handler_of)
    _callback(as_user("operator"), ticket.number, reached="yes", solved="no", satisfaction="satisfied")
    db.session.refresh(ticket)
    assert ticket.status == "reopened"


def test_unreachable_twice_closes_as_unreachable(operator_client, as_user, handler_of):
    ticket = _resolved_ticket(operator_client, as_user, handler_of)
    client = as_user("operator")
    _callback(client, ticket.number, reached="no")
    db.session.refresh(ticket)
    assert ticket.status == "resolved"
    _callback(client, ticket.number, reached="no")
    db.session.refresh(ticket)
    assert ticket.status == "closed" and ticket.close_reason == "unreachable"


def test_reached_callback_needs_a_verdict(operator_client, as_user, handler_of):
    ticket = _resolved_ticket(operator_client, as_user, handler_of)
    response = _callback(as_user("operator"), ticket.number, reached="yes", comment="保留这段话")
    assert response.status_code == 400 and "保留这段话" in response.get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.status == "resolved"


def test_return_window_refusal_says_the_department_owns_it(operator_client, as_user, handler_of):
    post_intake(operator_client)
    ticket = _last()
    a = ticket.assignments[0]
    actor = handler_of(a.department.code)
    with pytest.raises(DomainError) as refused:
        lifecycle.return_assignment(a.id, grounds="不属本单位", actor=actor, now=a.return_due_at + timedelta(seconds=1))
    assert refused.value.code == "return_window_closed"
    client = as_user(actor.username)
    response = _act(client, ticket.number, "return", **{"ret-grounds": "不属本单位"})
    assert response.status_code == 302  # within the window through the page
    db.session.refresh(ticket)
    assert ticket.status == "returned"


def test_extension_limits_and_approval_moves_the_deadline(operator_client, as_user, handler_of):
    post_intake(operator_client)
    ticket = _last()
    a = ticket.assignments[0]
    actor = handler_of(a.department.code)
    supervisor = _user("supervisor")
    with pytest.raises(DomainError):
        lifecycle.request_extension(a.id, days=1, reason="需要现场核查", actor=actor)  # not signed yet
    lifecycle.sign_for(a.id, actor=actor)
    with pytest.raises(DomainError) as refused:
        lifecycle.request_extension(a.id, days=4, reason="需要现场核查", actor=actor)
    assert refused.value.code == "too_many_days"
    before = a.resolve_due_at
    for i in range(3):
        ext = lifecycle.request_extension(a.id, days=3, reason=f"第{i + 1}次延期", actor=actor)
        with pytest.raises(DomainError):
            lifecycle.request_extension(a.id, days=1, reason="重复申请", actor=actor)  # one pending at a time
        lifecycle.decide_extension(ext.id, approve=True, note="同意", actor=supervisor)
    db.session.refresh(a)
    assert a.extension_count == 3 and a.extension_days == 9 and a.resolve_due_at > before
    with pytest.raises(DomainError) as refused:
        lifecycle.request_extension(a.id, days=1, reason="第四次", actor=actor)
    assert refused.value.code == "too_many_extensions"


def test_supervisor_refuses_an_extension_through_the_page(operator_client, as_user, handler_of):
    post_intake(operator_client)
    a = _last().assignments[0]
    actor = handler_of(a.department.code)
    lifecycle.sign_for(a.id, actor=actor)
    ext = lifecycle.request_extension(a.id, days=2, reason="等待第三方检测报告", actor=actor)
    client = as_user("supervisor")
    assert "等待第三方检测报告" in client.get("/supervision/extensions").get_data(as_text=True)
    bad = _post(client, f"/supervision/extensions/{ext.id}", "/supervision/extensions", refuse="1", note="")
    assert bad.status_code == 302
    db.session.refresh(ext)
    assert ext.status == "pending"  # a refusal needs a note
    _post(client, f"/supervision/extensions/{ext.id}", "/supervision/extensions", refuse="1", note="理由不充分")
    db.session.refresh(ext)
    db.session.refresh(a)
    assert ext.status == "refused" and a.extension_count == 0
    assert db.session.scalar(select(Notification).where(Notification.user_id == actor.id,
                                                        Notification.kind == "extension_decided"))


def test_contact_is_only_ever_a_recorded_attempt(operator_client, as_user, handler_of):
    post_intake(operator_client)
    ticket = _last()
    a = ticket.assignments[0]
    actor = handler_of(a.department.code)
    client = as_user(actor.username)
    _act(client, ticket.number, "sign", **{"sign-submit": "1"})
    response = _act(client, ticket.number, "contact", **{"contact-at": "", "contact-method": "phone",
                                                         "contact-summary": ""})
    assert response.status_code == 400
    db.session.refresh(a)
    assert a.status == "signed" and a.first_contact_at is None


def test_attachments_are_checked_and_stored_outside_the_database(operator_client, as_user, handler_of, app):
    import io
    from pathlib import Path

    post_intake(operator_client)
    ticket = _last()
    actor = handler_of(ticket.assignments[0].department.code)
    client = as_user(actor.username)
    url = f"/work/tickets/{ticket.number}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    bad = client.post(f"{url}/attachments",
                      data={"att-csrf_token": token, "att-file": (io.BytesIO(b"MZ\x90"), "x.pdf")},
                      content_type="multipart/form-data")
    assert bad.status_code == 409
    pdf = b"%PDF-1.4\n%test\n"
    ok = client.post(f"{url}/attachments",
                     data={"att-csrf_token": token, "att-file": (io.BytesIO(pdf), "现场照片.pdf")},
                     content_type="multipart/form-data")
    assert ok.status_code == 302
    from hotline.tickets.models import Attachment

    item = db.session.scalar(select(Attachment))
    assert Path(app.config["UPLOAD_DIR"], item.stored_name).read_bytes() == pdf
    download = client.get(f"/tickets/attachments/{item.id}")
    assert download.status_code == 200 and download.data == pdf




def test_opening_a_confidential_callback_records_the_identity_view(operator_client, as_user, handler_of):
    from hotline.tickets.models import Event

    ticket = _resolved_ticket(operator_client, as_user, handler_of, confidential="y")
    client = as_user("operator")
    page = client.get(f"/tickets/{ticket.number}/callback").get_data(as_text=True)
    assert "13812345678" in page  # the operator must be able to call back
    views = db.session.scalars(select(Event).where(Event.ticket_id == ticket.id,
                                                   Event.action == "identity_viewed")).all()
    assert [v.actor_id for v in views] == [_user("operator").id]
