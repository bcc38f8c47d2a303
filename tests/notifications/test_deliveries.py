"""Deliveries end to end with real servers on loopback: an SMTP server receives the mail, an HTTP
gateway the SMS; retries with backoff through RQ on the embedded Redis; nothing lost with Redis down."""
from __future__ import annotations

from datetime import timedelta
from email import message_from_bytes, policy
from functools import partial

import time_machine
from flask import g
from sqlalchemy import func, select

from hotline.db import utcnow
from hotline.embedded_redis import EmbeddedRedis
from hotline.extensions import db
from hotline.notifications import services
from hotline.notifications.jobs import sweep_deliveries
from hotline.notifications.models import Delivery, Notification
from hotline.queue import get_queue
from hotline.tickets.models import Ticket
from tests.factories import make_ticket
from tests.notifications.conftest import run_queued_jobs

CALLER = "13812345678"


#: The jewellery maker's call, saved by the intake service (override any field).
_intake = partial(make_ticket, subject="窗口拒收申请", caller_phone=CALLER, enterprise_name="临汾市华晟珠宝有限公司")


def _deliveries(**where) -> list[Delivery]:
    db.session.expire_all()
    query = select(Delivery).order_by(Delivery.id)
    for key, value in where.items():
        query = query.where(getattr(Delivery, key) == value)
    return list(db.session.scalars(query))


def test_a_dispatched_ticket_sends_the_caller_an_sms_and_the_handlers_a_mail(
        app, reachable_handlers, smtp_server, sms_gateway):
    ticket = _intake()
    lead = ticket.assignments[0].department_id
    assert {d.status for d in _deliveries()} == {"pending"}  # written with the ticket, sent after the commit

    run_queued_jobs()

    [sms] = sms_gateway.received
    assert sms["to"] == CALLER and ticket.number in sms["text"] and f"/status?n={ticket.number}" in sms["text"]
    assert "赵建国" not in sms["text"] and "华晟" not in sms["text"]  # the ticket number and a link, no identity
    assert sms_gateway.auth == ["Bearer test-key"]
    handlers = [u for u in reachable_handlers if u.department_id == lead]
    assert handlers, "the lead department has a demo handler"
    assert sorted(r for _, rcpts, _ in smtp_server.messages for r in rcpts) == sorted(
        f"{u.username}@linfen.test" for u in handlers)
    mail = message_from_bytes(smtp_server.messages[0][2], policy=policy.default)
    assert ticket.number in mail["Subject"] and f"/work/tickets/{ticket.number}" in mail.get_content()
    assert "赵建国" not in mail.get_content()
    assert {(d.status, d.attempts) for d in _deliveries()} == {("sent", 1)}
    assert db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.kind == "new_assignment")) == len(handlers)  # the in-app notice is still written


def test_a_failing_gateway_is_retried_with_backoff_until_the_sms_goes_out(app, city, sms_gateway):
    sms_gateway.mode = "fail"
    start = utcnow()
    with time_machine.travel(start, tick=False):
        ticket = _intake()
        run_queued_jobs()
    [d] = _deliveries(channel="sms")
    assert (d.status, d.attempts) == ("pending", 1) and "503" in d.last_error
    assert d.next_attempt_at == start + timedelta(seconds=30)
    assert get_queue("default").scheduled_job_registry.count == 1  # RQ holds the retry

    with time_machine.travel(start + timedelta(seconds=20), tick=False):
        run_queued_jobs()  # not yet due: nothing happens
    assert _deliveries(channel="sms")[0].attempts == 1
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        run_queued_jobs()  # the second try, still refused
    [d] = _deliveries(channel="sms")
    assert (d.status, d.attempts) == ("pending", 2) and d.next_attempt_at == start + timedelta(seconds=91)

    sms_gateway.mode = "ok"
    with time_machine.travel(start + timedelta(seconds=92), tick=False):
        run_queued_jobs()
    [d] = _deliveries(channel="sms")
    assert (d.status, d.attempts, d.provider_ref) == ("sent", 3, "m1")
    assert [m["to"] for m in sms_gateway.received] == [CALLER] and ticket.number in sms_gateway.received[0]["text"]
    assert sms_gateway.refused == 2


def test_a_hanging_gateway_times_out_without_holding_anything_and_is_retried(app, city, sms_gateway):
    sms_gateway.mode = "hang"
    start = utcnow()
    with time_machine.travel(start, tick=True):
        _intake()  # the save does not wait for the gateway
        run_queued_jobs()
    [d] = _deliveries(channel="sms")
    assert (d.status, d.attempts) == ("pending", 1) and "timed out" in d.last_error.lower()
    sms_gateway.mode = "ok"
    with time_machine.travel(start + timedelta(seconds=45), tick=False):
        run_queued_jobs()
    assert [(d.status, d.attempts) for d in _deliveries(channel="sms")] == [("sent", 2)]


def test_after_its_last_try_a_delivery_is_failed_and_admins_see_it_and_can_send_it_again(
        app, city, sms_gateway, client, login, make_user):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    sms_gateway.mode = "fail"
    start = utcnow()
    with time_machine.travel(start, tick=False):
        ticket = _intake()
        run_queued_jobs()
    with time_machine.travel(start + timedelta(seconds=31), tick=False):
        run_queued_jobs()
    [d] = _deliveries(channel="sms")
    assert (d.status, d.attempts, d.next_attempt_at) == ("failed", 2, None)
    with time_machine.travel(start + timedelta(hours=2), tick=False):
        assert sweep_deliveries() == 0  # failed for good: the sweep leaves it

    admin = make_user("admin")
    login(admin.username)
    assert "/admin/deliveries?status=failed" in client.get("/admin/jobs").get_data(as_text=True)
    html = client.get("/admin/deliveries?status=failed").get_data(as_text=True)
    assert ticket.number in html and "HTTP 503" in html and "138****5678" in html and CALLER not in html
    sms_gateway.mode = "ok"
    from tests.conftest import csrf_from

    response = client.post(f"/admin/deliveries/{d.id}/retry", data={"csrf_token": csrf_from(html)})
    assert response.status_code == 302
    run_queued_jobs()
    assert [(x.status, x.attempts) for x in _deliveries(channel="sms")] == [("sent", 1)]
    assert len(sms_gateway.received) == 1


def test_with_redis_down_the_delivery_waits_in_the_database_and_the_sweep_sends_it(
        app, city, sms_gateway, tmp_path):
    server = EmbeddedRedis(tmp_path / "redis", persist=False).start()
    app.config["REDIS_URL"] = server.url
    g.pop("redis", None)
    server.stop()
    start = utcnow()
    with time_machine.travel(start, tick=False):
        ticket = _intake()  # the ticket is saved; its SMS job could not be enqueued
    assert db.session.get(Ticket, ticket.id).status == "dispatched"
    [d] = _deliveries(channel="sms")
    assert (d.status, d.attempts) == ("pending", 0)

    server.start()
    try:
        g.pop("redis", None)
        with time_machine.travel(start + timedelta(seconds=30), tick=False):
            assert sweep_deliveries() == 0  # its job may still be on its way: not yet
        with time_machine.travel(start + timedelta(minutes=3), tick=False):
            assert sweep_deliveries() == 1
            run_queued_jobs()
            assert sweep_deliveries() == 0
        assert [(x.status, x.attempts) for x in _deliveries(channel="sms")] == [("sent", 1)]
        assert len(sms_gateway.received) == 1
    finally:
        server.stop()


def test_a_job_run_twice_sends_once(app, city, sms_gateway):
    from hotline.notifications import sending

    _intake()
    [d] = _deliveries(channel="sms")
    assert sending.send(d.id) == "sent"
    assert sending.send(d.id) == "skipped"
    assert len(sms_gateway.received) == 1


def test_a_rolled_back_transaction_sends_nothing(app, reachable_handlers):
    handler = reachable_handlers[0]
    services.notify_users([handler.id], kind="new_assignment", data={"ticket": "X-1"})
    db.session.rollback()
    db.session.commit()
    assert _deliveries() == []


def test_a_mail_server_that_is_down_fails_the_send_not_the_ticket(app, reachable_handlers):
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=1, SMTP_SECURITY="none")  # nothing listens there
    ticket = _intake()
    run_queued_jobs()
    mails = _deliveries(channel="email")
    assert mails and all(m.status == "pending" and m.attempts == 1 and "smtp" in m.last_error for m in mails)
    assert db.session.get(Ticket, ticket.id).status == "dispatched"


def test_without_a_mail_server_configured_mail_fails_at_once_and_says_why(app, reachable_handlers):
    app.config["SMTP_HOST"] = ""
    _intake()
    run_queued_jobs()
    mails = _deliveries(channel="email")
    assert mails and {(m.status, m.attempts, m.last_error) for m in mails} == {("failed", 1, "SMTP_HOST is not set")}
    assert get_queue("default").scheduled_job_registry.count == 0  # no pointless retries


def test_the_demo_sms_provider_logs_the_message(app, city, caplog):
    import logging

    caplog.set_level(logging.INFO, logger="hotline.notifications.channels")
    ticket = _intake()
    run_queued_jobs()
    assert [(d.status, d.provider_ref) for d in _deliveries(channel="sms")] == [("sent", "log")]
    assert any(ticket.number in r.getMessage() and "138****5678" in r.getMessage() for r in caplog.records)


def test_a_confidential_ticket_sends_the_caller_nothing_unless_they_opted_in(app, city, sms_gateway):
    _intake(kind="report", category_code="bribery", confidential=True, subject="索要好处")
    _intake(kind="report", category_code="bribery", confidential=True, subject="索要好处", caller_sms_opt_in=True,
            caller_phone="13912345678")
    run_queued_jobs()
    assert [m["to"] for m in sms_gateway.received] == ["13912345678"]


def test_a_landline_caller_gets_no_sms(app, city, sms_gateway):
    _intake(caller_phone="03572096666")
    run_queued_jobs()
    assert sms_gateway.received == [] and _deliveries(channel="sms") == []


def test_a_handler_who_chose_in_app_only_gets_no_mail_and_the_department_choice_applies_to_the_others(
        app, reachable_handlers, smtp_server, sms_gateway, make_user):
    ticket = _intake()
    lead = ticket.assignments[0].department_id
    handler = next(u for u in reachable_handlers if u.department_id == lead)
    colleague = make_user("handler", department=ticket.assignments[0].department)
    services.save_preferences({}, user_id=colleague.id, email="colleague@linfen.test", mobile="13700001111")
    services.save_preferences({"new_assignment": ""}, user_id=handler.id, email=f"{handler.username}@linfen.test")
    services.save_preferences({"new_assignment": "sms"}, department_id=lead)
    db.session.query(Delivery).delete()
    db.session.commit()
    second = _intake(caller_phone="03572096666")
    run_queued_jobs()
    others = [u for u in reachable_handlers if u.department_id == lead and u.id != handler.id] + [colleague]
    assert smtp_server.messages == []  # the handler: in-app only; the others: the department's SMS, no mail
    assert sorted(m["to"] for m in sms_gateway.received) == sorted(
        services.contact_of(u.id).mobile for u in others)
    assert "13700001111" in [m["to"] for m in sms_gateway.received]
    assert all(second.number in m["text"] for m in sms_gateway.received)


def test_at_the_sign_for_warning_and_breach_the_handlers_get_an_sms(app, reachable_handlers, sms_gateway):
    from hotline.escalation import batch

    ticket = _intake(caller_phone="03572096666")  # a landline: only the handlers' SMS go out
    a = ticket.assignments[0]
    mobiles = sorted(services.contact_of(u.id).mobile for u in reachable_handlers if u.department_id == a.department_id)
    with time_machine.travel(a.sign_warn_at + timedelta(minutes=1), tick=False):
        assert batch.take_assignment_steps([(a.id, "sign_warn")]) == 1
        run_queued_jobs()
    assert sorted(m["to"] for m in sms_gateway.received) == mobiles
    assert all(ticket.number in m["text"] and "75%" in m["text"] for m in sms_gateway.received)
    with time_machine.travel(a.sign_due_at + timedelta(minutes=1), tick=False):
        assert batch.take_assignment_steps([(a.id, "sign_breach")]) == 1
        run_queued_jobs()
    breach = [m for m in sms_gateway.received[len(mobiles):]]
    assert sorted(m["to"] for m in breach) == mobiles and all("超过签收时限" in m["text"] for m in breach)


def test_the_intake_checkbox_records_a_confidential_callers_consent_to_sms(app, operator_client):
    from tests.factories import post_intake

    agreed = post_intake(operator_client, confidential="y", caller_sms_opt_in="y", caller_phone="139 1234 5678")
    silent = post_intake(operator_client, confidential="y", caller_phone="137 1234 5678")
    assert agreed.status_code == silent.status_code == 302
    numbers = [r.headers["Location"].rsplit("/", 1)[-1] for r in (agreed, silent)]
    tickets = [db.session.scalar(select(Ticket).where(Ticket.number == n)) for n in numbers]
    assert [(t.confidential, t.caller_sms_opt_in) for t in tickets] == [(True, True), (True, False)]
    assert [(d.ticket_id, d.address) for d in _deliveries(channel="sms")] == [(tickets[0].id, "13912345678")]


def test_the_delivery_sweep_is_declared_for_rq_cron_every_minute(app):
    from rq.cron import CronScheduler

    from hotline import ROOT
    from hotline.queue import get_redis

    scheduler = CronScheduler(get_redis())
    scheduler.load_config_from_file(str(ROOT / "hotline" / "cron_config.py"))
    [job] = [j for j in scheduler.get_jobs() if j.func is sweep_deliveries]
    assert (job.queue_name, job.interval) == ("default", 60)
