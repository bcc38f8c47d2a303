"""A department sees only its own tickets; a confidential caller's identity never reaches a handler."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from hotline.auth.models import User
from hotline.demo.data import DEMO_PASSWORD
from hotline.extensions import db
from hotline.tickets import attachments, lifecycle
from hotline.tickets.lookup import departments_by_code
from hotline.tickets.models import Ticket
from hotline.tickets.states import DomainError
from tests.conftest import csrf_from
from tests.factories import VALID_CODE, post_intake

ACTIONS = ("sign", "contact", "extension", "return", "submit", "attachments")


def _last() -> Ticket:
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


@pytest.fixture
def two_departments(operator_client, make_user):
    """A ticket of department A (approval) and handlers of A and of B (market)."""
    post_intake(operator_client, confidential="y", caller_name="孙保密", caller_phone="13998765432",
                enterprise_name="临汾市保密测试有限公司")
    ticket = _last()
    depts = departments_by_code(["approval", "market"])
    a = make_user("handler", username="dept-a", department=depts["approval"], password=DEMO_PASSWORD)
    b = make_user("handler", username="dept-b", department=depts["market"], password=DEMO_PASSWORD)
    with operator_client.session_transaction() as sess:
        sess.clear()
    return ticket, a, b


def _login(client, login, username):
    assert login(username, DEMO_PASSWORD).status_code == 302


def test_other_department_gets_404_on_every_page_and_action(client, login, two_departments):
    ticket, _, _ = two_departments
    _login(client, login, "dept-b")
    base = f"/work/tickets/{ticket.number}"
    assert client.get(base).status_code == 404
    token = csrf_from(client.get("/work/").get_data(as_text=True))
    for action in ACTIONS:
        assert client.post(f"{base}/{action}", data={"csrf_token": token}).status_code == 404, action
    assert client.get(f"/tickets/{ticket.number}").status_code == 403
    assert ticket.number not in client.get("/work/?queue=to_sign").get_data(as_text=True)
    db.session.refresh(ticket)
    assert ticket.assignments[0].status == "dispatched"


def test_services_refuse_another_departments_handler(two_departments):
    ticket, _, b = two_departments
    with pytest.raises(DomainError) as refused:
        lifecycle.sign_for(ticket.assignments[0].id, actor=b)
    assert refused.value.code == "not_your_department"


def test_other_department_cannot_download_evidence(client, login, two_departments):
    ticket, a, _ = two_departments
    item = attachments.add(ticket, filename="x.pdf", content=b"%PDF-1.4 x", assignment_id=None, actor_id=a.id)
    _login(client, login, "dept-b")
    assert client.get(f"/tickets/attachments/{item.id}").status_code == 404
    with client.session_transaction() as sess:
        sess.clear()
    _login(client, login, "dept-a")
    assert client.get(f"/tickets/attachments/{item.id}").status_code == 200


def test_confidential_identity_appears_nowhere_a_handler_is_served(client, login, two_departments):
    ticket, a, _ = two_departments
    lifecycle.sign_for(ticket.assignments[0].id, actor=a)
    _login(client, login, "dept-a")
    secrets = ("孙保密", "13998765432", "保密测试", VALID_CODE, "8765")
    pages = [f"/work/tickets/{ticket.number}", "/work/?queue=in_progress", "/work/?queue=to_sign", "/",
             "/notifications"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        for secret in secrets:
            assert secret not in html, (url, secret)
    page = client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
    assert "匿名" in page and ticket.subject in page


def test_a_non_confidential_ticket_shows_the_caller_to_its_department(client, login, operator_client, make_user):
    post_intake(operator_client)
    ticket = _last()
    dept = departments_by_code(["approval"])["approval"]
    make_user("handler", username="dept-a2", department=dept, password=DEMO_PASSWORD)
    with client.session_transaction() as sess:
        sess.clear()
    _login(client, login, "dept-a2")
    assert "13812345678" in client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)


def test_handlers_cannot_reach_operator_pages(client, login, two_departments):
    _login(client, login, "dept-a")
    for url in ("/tickets/new", "/tickets/callbacks", "/tickets/returned", "/tickets/search?q=x",
                "/supervision/extensions"):
        assert client.get(url).status_code == 403, url


def test_upload_too_large_is_refused(client, login, two_departments, app):
    ticket, _, _ = two_departments
    _login(client, login, "dept-a")
    token = csrf_from(client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True))
    big = b"%PDF-" + b"0" * (app.config["UPLOAD_MAX_BYTES"] + 10)
    response = client.post(f"/work/tickets/{ticket.number}/attachments",
                           data={"att-csrf_token": token, "att-file": (io.BytesIO(big), "big.pdf")},
                           content_type="multipart/form-data")
    assert response.status_code in (409, 413)
    assert db.session.scalar(select(db.func.count()).select_from(User)) >= 2
