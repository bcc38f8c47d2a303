"""The satisfaction link in the resolution SMS: signed, single-use, expiring; its answer is a callback."""
from __future__ import annotations

from datetime import timedelta

import time_machine
from sqlalchemy import select

from hotline.db import utcnow
from hotline.extensions import db
from hotline.notifications.models import Delivery
from hotline.public.models import SatisfactionAnswer
from hotline.tickets.models import Callback, Event, SupervisionRequest, Ticket
from tests.conftest import csrf_from
from tests.public.conftest import intake, resolve, satisfaction_path


def _answer(client, path: str, solved: str = "yes", satisfaction: str = "satisfied", comment: str = ""):
    page = client.get(path)
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    token = csrf_from(page.get_data(as_text=True))
    return client.post(path, data={"solved": solved, "satisfaction": satisfaction, "comment": comment,
                                   "csrf_token": token})


def _ticket(ticket_id: int) -> Ticket:
    db.session.expire_all()
    return db.session.get(Ticket, ticket_id)


def test_the_resolution_sms_carries_a_link_and_a_satisfied_answer_closes_the_ticket_as_a_callback(client, city):
    ticket = resolve(intake())
    path = satisfaction_path(ticket)
    response = _answer(client, path, comment="窗口态度很好")
    assert response.status_code == 200 and 'id="satisfaction-thanks"' in response.get_data(as_text=True)
    ticket = _ticket(ticket.id)
    assert ticket.status == "closed" and ticket.close_reason == "satisfied"
    [cb] = db.session.scalars(select(Callback).where(Callback.ticket_id == ticket.id)).all()
    assert (cb.reached, cb.solved, cb.satisfaction, cb.via, cb.operator_id) == (True, True, "satisfied", "link", None)
    actions = db.session.scalars(select(Event.action).where(Event.ticket_id == ticket.id).order_by(Event.seq)).all()
    assert actions[-3:] == ["satisfaction_by_link", "callback", "close"]
    [row] = db.session.scalars(select(SatisfactionAnswer)).all()
    assert row.callback_id == cb.id and row.comment == "窗口态度很好"


def test_an_unsatisfied_answer_reopens_the_ticket_under_supervision(client, city):
    ticket = resolve(intake())
    _answer(client, satisfaction_path(ticket), solved="no", satisfaction="unsatisfied", comment="还是没受理")
    ticket = _ticket(ticket.id)
    assert ticket.status == "reopened" and ticket.reopen_count == 1 and ticket.false_closure
    assert db.session.scalar(select(SupervisionRequest.trigger).where(
        SupervisionRequest.ticket_id == ticket.id)) == "unsatisfied_callback"
    assert len([a for a in ticket.assignments if a.round == ticket.round]) == 1  # back to the same lead


def test_a_link_is_used_once(client, city):
    ticket = resolve(intake())
    path = satisfaction_path(ticket)
    page = client.get(path)
    token = csrf_from(page.get_data(as_text=True))
    first = client.post(path, data={"solved": "yes", "satisfaction": "satisfied", "csrf_token": token})
    again = client.post(path, data={"solved": "no", "satisfaction": "unsatisfied", "csrf_token": token})
    assert first.status_code == 200
    assert again.status_code == 410 and 'id="satisfaction-refused"' in again.get_data(as_text=True)
    assert client.get(path).status_code == 410
    assert _ticket(ticket.id).status == "closed"
    assert len(db.session.scalars(select(Callback)).all()) == 1


def test_an_expired_link_is_refused(app, client, city):
    start = utcnow()
    with time_machine.travel(start, tick=False):
        ticket = resolve(intake())
        path = satisfaction_path(ticket)
    days = app.config["SATISFACTION_LINK_DAYS"]
    with time_machine.travel(start + timedelta(days=days) - timedelta(minutes=1), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(start + timedelta(days=days, minutes=1), tick=False):
        response = client.get(path)
    assert response.status_code == 410 and "过期" in response.get_data(as_text=True)
    assert _ticket(ticket.id).status == "resolved"


def test_a_tampered_link_is_refused(client, city):
    one, other = resolve(intake()), resolve(intake(caller_phone="13912345678"))
    path_one, path_other = satisfaction_path(one), satisfaction_path(other)
    payload_other, signature_one = path_other.rsplit("/", 1)[1].split(".")[0], path_one.split(".", 1)[1]
    for bad in (f"/satisfaction/{payload_other}.{signature_one}", path_one[:-3] + "xyz", "/satisfaction/abc"):
        response = client.get(bad)
        assert response.status_code == 410 and "无效" in response.get_data(as_text=True)
    assert _ticket(one.id).status == _ticket(other.id).status == "resolved"


def test_an_operator_callback_first_makes_the_link_moot(client, city):
    from hotline.tickets import lifecycle

    ticket = resolve(intake())
    path = satisfaction_path(ticket)
    lifecycle.record_callback(ticket.id, reached=True, solved=True, satisfaction="satisfied", comment="", actor=None)
    assert client.get(path).status_code == 410


def test_a_reopened_ticket_gets_a_new_link_and_the_old_one_no_longer_works(client, city):
    ticket = resolve(intake())
    old = satisfaction_path(ticket)
    _answer(client, old, solved="no", satisfaction="unsatisfied")
    ticket = resolve(_ticket(ticket.id), reply="第二次办理：已受理。")
    new = satisfaction_path(ticket)
    assert new != old and client.get(old).status_code == 410
    assert _answer(client, new).status_code == 200 and _ticket(ticket.id).status == "closed"


def test_a_confidential_caller_without_consent_gets_no_resolution_sms(client, city):
    ticket = resolve(intake(kind="report", category_code="bribery", confidential=True, subject="索要好处"))
    assert db.session.scalars(select(Delivery).where(Delivery.ticket_id == ticket.id)).all() == []


def test_the_operators_callback_queue_shows_answers_given_by_link(client, city, operator_client):
    ticket = resolve(intake())
    waiting = resolve(intake(caller_phone="13912345678"))
    _answer(client, satisfaction_path(ticket), comment="满意")
    html = operator_client.get("/tickets/callbacks").get_data(as_text=True)
    queue, by_link = html.split('id="answered-by-link"')
    assert waiting.number in queue and ticket.number not in queue
    assert ticket.number in by_link and "满意" in by_link
