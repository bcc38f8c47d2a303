"""A confidential caller's identity typed into the matter stays out of every list: the intake panel's
repeat candidates, the supervision console, the audit drill-down and its export."""
from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select

from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import Ticket
from tests.conftest import csrf_from
from tests.factories import make_ticket

SECRET = "孙保密"


#: A confidential call whose subject and description name the caller and give the phone.
CONFIDENTIAL = dict(subject=f"{SECRET}反映窗口拒收", description=f"我是{SECRET}，电话13998765432，窗口拒收申请材料。",
                    caller_name=SECRET, caller_phone="13998765432", confidential=True)


def test_the_intake_panel_shows_a_confidential_candidate_redacted(operator_client):
    earlier = make_ticket(**CONFIDENTIAL)  # now, whatever today is: no fixed date against the real clock
    token = csrf_from(operator_client.get("/tickets/new").get_data(as_text=True))
    html = operator_client.post("/tickets/new/preview", data={
        "csrf_token": token, "kind": "complaint", "category": "refusal", "caller_phone": "13998765432",
        "subject": "窗口拒收", "description": "窗口拒收申请材料，一直没有结果。"}).get_data(as_text=True)
    assert earlier.number in html  # the link can still be confirmed
    assert SECRET not in html and "13998765432" not in html


def test_the_supervision_console_and_the_audit_drill_show_the_subject_redacted(city, client, login):
    from hotline.demo.data import DEMO_PASSWORD

    ticket = make_ticket(**CONFIDENTIAL)
    again = create_ticket(IntakeData(
        channel="phone", kind="complaint", category_code="refusal", subject=f"{SECRET}再次反映",
        description="窗口再次拒收申请材料。", caller_name=SECRET, caller_phone="13998765432", confidential=True,
        repeat_of=ticket.number, new_facts=True), operator_id=None, operator_name="王丽")
    month = utcnow().astimezone(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m")
    assert login("supervisor", DEMO_PASSWORD).status_code == 302
    console = client.get("/supervision/?queue=level1").get_data(as_text=True)
    drill = client.get(f"/audit/drill?measure=repeat&month={month}").get_data(as_text=True)
    assert again.number in console and SECRET not in console
    assert again.number in drill and SECRET not in drill
    assert db.session.scalar(select(Ticket.subject).where(Ticket.id == again.id)).startswith(SECRET)  # kept as typed


def test_the_centre_a_clerk_must_go_through_and_the_login_numbers_come_from_configuration(city, app, client,
                                                                                        login):
    from hotline.auth.models import User
    from hotline.demo.data import DEMO_PASSWORD

    app.config.update(CENTRE_PHONE="0357-1234567", PUBLIC_NUMBERS="0357-1234567 / 12345",
                      STAFFED_HOURS="07:30–21:00")
    page = client.get("/login").get_data(as_text=True)
    assert "0357-1234567 / 12345" in page and "07:30–21:00" in page and "2096666" not in page
    ticket = make_ticket(**CONFIDENTIAL)
    handler = db.session.scalar(select(User).where(User.role == "handler",
                                                   User.department_id == ticket.assignments[0].department_id))
    assert handler is not None, "the demo city has a handler in the lead department"
    assert login(handler.username, DEMO_PASSWORD).status_code == 302
    html = client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
    assert "（0357-1234567）" in html and "2096666" not in html  # the Chinese notice names the configured number
