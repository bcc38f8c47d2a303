"""A confidential ticket's free text reaches no API key with the caller's identity in it."""
from __future__ import annotations

from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.models import Ticket
from tests.api.conftest import bearer
from tests.factories import VALID_CODE

SECRETS = ("赵建国", "13812345678", "华晟珠宝", VALID_CODE, "zhao@huasheng.cn", "8765")
TYPED = (f"我是赵建国，临汾市华晟珠宝有限公司的，信用代码{VALID_CODE}，电话13812345678，"
         "邮箱 zhao@huasheng.cn。另一个号码 139 9876 5432 也能找到我。窗口拒收我们的申请。")


def test_every_key_gets_the_text_of_a_confidential_ticket_redacted(client, make_key, make_ticket, city):
    ticket = make_ticket(confidential=True, subject="赵建国反映窗口拒收", description=TYPED)
    lead = ticket.assignments[0]
    lifecycle.sign_for(lead.id, actor=None)
    lifecycle.record_contact(lead.id, at=lead.dispatched_at, method="via_centre", reached=True, summary="经中心联系",
                             actor=None)
    lifecycle.submit(lead.id, reply="已联系赵先生（13812345678），华晟珠宝的申请已受理。", solved=True, actor=None)
    keys = [make_key("operator"), make_key("supervisor"), make_key("handler", department=lead.department.code)]
    for key in keys:
        body = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(key)).get_json()
        text = str(body)
        for secret in SECRETS:
            assert secret not in text, (secret, body)
        assert "窗口拒收我们的申请" in body["description"] and "138****5678" in body["description"]
        assert body["subject"] == "某某反映窗口拒收"
        assert "某先生" in body["assignments"][0]["reply"] and "申请已受理" in body["assignments"][0]["reply"]
    listed = client.get("/api/v1/tickets", headers=bearer(keys[0])).get_json()
    assert not any(secret in str(listed) for secret in SECRETS)


def test_a_non_confidential_ticket_s_text_is_returned_as_written(client, operator_key, make_ticket):
    ticket = make_ticket(description=TYPED)
    body = client.get(f"/api/v1/tickets/{ticket.number}", headers=bearer(operator_key)).get_json()
    assert body["description"] == TYPED
    assert db.session.get(Ticket, ticket.id).description == TYPED


def test_open311_shows_nothing_of_a_confidential_ticket_but_its_state(client, make_ticket):
    ticket = make_ticket(confidential=True, description=TYPED)
    body = client.get(f"/open311/v2/requests/{ticket.number}.json").get_json()
    assert not any(secret in str(body) for secret in SECRETS)
    assert body[0]["description"] is None
