"""Identity typed into a confidential ticket's text: redacted for handlers and lists, revealed (and
recorded) only to operators and supervisors, never to an admin alone; the autocomplete skips it."""
from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from hotline.auth.models import User
from hotline.demo.data import DEMO_PASSWORD
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.lookup import departments_by_code
from hotline.tickets.models import Event, Ticket
from tests.conftest import csrf_from
from tests.factories import VALID_CODE, post_intake

SUBJECT = "孙保密反映窗口拒收"
TYPED = (f"我是孙保密，临汾市保密测试有限公司的，信用代码{VALID_CODE}，电话13998765432，邮箱 sun@baomi.cn。"
         "窗口以材料不全为由拒收申请，已经跑了三趟。")
SECRETS = ("孙保密", "13998765432", "保密测试", VALID_CODE, "sun@baomi.cn", "8765")


def _last() -> Ticket:
    return db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()


def _views(ticket: Ticket) -> list[int]:
    return db.session.scalars(select(Event.actor_id).where(Event.ticket_id == ticket.id,
                                                           Event.action == "identity_viewed")).all()


@pytest.fixture
def reported(operator_client, make_user):
    """A confidential ticket whose caller typed their identity into the text, worked by its handler."""
    post_intake(operator_client, confidential="y", caller_name="孙保密", caller_phone="13998765432",
                enterprise_name="临汾市保密测试有限公司", subject=SUBJECT, description=TYPED)
    ticket = _last()
    a = ticket.assignments[0]
    handler = make_user("handler", username="h-approval", department=a.department, password=DEMO_PASSWORD)
    lifecycle.sign_for(a.id, actor=handler)
    lifecycle.record_contact(a.id, at=a.dispatched_at, method="via_centre", reached=True,
                             summary="经中心转告孙先生（13998765432）", actor=handler)
    lifecycle.request_extension(a.id, days=2, reason="需与保密测试公司核实", actor=handler)
    return db.session.get(Ticket, ticket.id)


def _as(client, login, username: str):
    with client.session_transaction() as sess:
        sess.clear()
    assert login(username, DEMO_PASSWORD).status_code == 302
    return client


def test_the_handler_sees_the_matter_but_not_the_identity_typed_into_it(client, login, reported):
    _as(client, login, "h-approval")
    for url in (f"/work/tickets/{reported.number}", "/work/?queue=in_progress"):
        html = client.get(url).get_data(as_text=True)
        for secret in SECRETS:
            assert secret not in html, (url, secret)
    page = client.get(f"/work/tickets/{reported.number}").get_data(as_text=True)
    assert "已经跑了三趟" in page and "139****5432" in page and "某某反映窗口拒收" in page
    assert "经中心转告某先生" in page and "需与**公司核实" in page


def test_an_operator_sees_the_text_redacted_until_the_recorded_reveal(operator_client, reported, operator):
    url = f"/tickets/{reported.number}"
    html = operator_client.get(url).get_data(as_text=True)
    assert not any(secret in html for secret in SECRETS) and "已经跑了三趟" in html
    assert "显示身份信息" in html
    revealed = operator_client.post(url, data={"csrf_token": csrf_from(html)}).get_data(as_text=True)
    assert TYPED in revealed and SUBJECT in revealed
    assert _views(reported) == [operator.id]


def test_a_supervisor_may_reveal_and_the_view_is_recorded(client, login, reported):
    _as(client, login, "supervisor")
    url = f"/tickets/{reported.number}"
    html = client.get(url).get_data(as_text=True)
    assert "孙保密" not in html
    assert TYPED in client.post(url, data={"csrf_token": csrf_from(html)}).get_data(as_text=True)
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    assert _views(reported) == [supervisor.id]


def test_an_admin_alone_sees_masked_data_and_cannot_reveal(client, login, reported):
    _as(client, login, "admin")
    url = f"/tickets/{reported.number}"
    html = client.get(url).get_data(as_text=True)
    assert not any(secret in html for secret in SECRETS)
    assert "显示身份信息" not in html  # no reveal button
    refused = client.post(url, data={"csrf_token": csrf_from(html)})  # the logout form's token
    assert refused.status_code == 403
    assert _views(reported) == []
    found = client.get(f"/tickets/search?q={reported.number}").get_data(as_text=True)
    assert reported.number in found and "孙保密" not in found


def test_lists_show_a_confidential_subject_redacted(operator_client, reported):
    for url in (f"/tickets/search?q={reported.number}", "/tickets/mine"):
        html = operator_client.get(url).get_data(as_text=True)
        assert reported.number in html and "孙保密" not in html and "某某反映窗口拒收" in html


def test_every_showing_of_the_callback_page_is_recorded_a_refused_post_too(operator_client, reported, operator):
    a = reported.assignments[0]
    handler = db.session.scalar(select(User).where(User.username == "h-approval"))
    lifecycle.submit(a.id, reply="已办结", solved=True, actor=handler)
    url = f"/tickets/{reported.number}/callback"
    page = operator_client.get(url).get_data(as_text=True)
    assert "13998765432" in page and _views(reported) == [operator.id]
    invalid = operator_client.post(url, data={"csrf_token": csrf_from(page), "reached": "yes"})
    assert invalid.status_code == 400 and "13998765432" in invalid.get_data(as_text=True)
    assert _views(reported) == [operator.id, operator.id]


def test_the_enterprise_autocomplete_never_offers_a_confidential_ticket_s_enterprise(operator_client, reported):
    hits = json.loads(operator_client.get("/tickets/enterprises?q=保密测试").get_data(as_text=True))
    assert hits == []
    assert json.loads(operator_client.get(f"/tickets/enterprises?q={VALID_CODE[:8]}").get_data(as_text=True)) == []
    post_intake(operator_client, enterprise_name="临汾市公开测试有限公司")
    hits = json.loads(operator_client.get("/tickets/enterprises?q=公开测试").get_data(as_text=True))
    assert hits == [{"name": "临汾市公开测试有限公司", "credit_code": VALID_CODE}]


def test_a_non_confidential_ticket_shows_its_text_to_its_department(client, login, operator_client, make_user):
    post_intake(operator_client, description=TYPED)
    ticket = _last()
    make_user("handler", username="h-open", department=departments_by_code(["approval"])["approval"],
              password=DEMO_PASSWORD)
    _as(client, login, "h-open")
    assert TYPED in client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
