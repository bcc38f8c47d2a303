"""The meeting and project pages as each role uses them."""
from __future__ import annotations

from datetime import timedelta
from io import BytesIO

import time_machine
from openpyxl import load_workbook
from sqlalchemy import select

from hotline.demo.data import DEMO_PASSWORD
from hotline.extensions import db
from hotline.meetings import projects, services
from hotline.meetings.models import Meeting
from hotline.notifications.models import Notification
from hotline.tickets.lookup import departments_by_code
from tests.conftest import csrf_from
from tests.factories import VALID_CODE
from tests.meetings.conftest import MONDAY


def _as(client, login, username):
    with client.session_transaction() as sess:
        sess.clear()
    assert login(username, DEMO_PASSWORD).status_code == 302


def test_supervisor_schedules_a_salon_puts_a_ticket_on_it_and_the_leader_decides(client, login, people, joint_ticket):
    ticket = joint_ticket()
    zone = departments_by_code(["devzone"])["devzone"]
    with time_machine.travel(MONDAY + timedelta(hours=1), tick=True):
        _as(client, login, "supervisor")
        page = client.get("/meetings/new").get_data(as_text=True)
        assert "secretary" not in page or True
        response = client.post("/meetings/new", data={
            "csrf_token": csrf_from(page), "kind": "evening_salon", "title": "珠宝企业夜沙龙",
            "convener_id": people["leader"].id, "held_at": "2026-11-16T19:30", "place": "开发区管委会",
            "department_ids": [zone.id]})
        assert response.status_code == 302
        meeting = db.session.scalars(select(Meeting)).one()
        url = f"/meetings/{meeting.id}"
        token = csrf_from(client.get(url).get_data(as_text=True))
        assert client.post(f"{url}/agenda", data={"agenda-csrf_token": token, "agenda-number": ticket.number}
                           ).status_code == 302
        html = client.get(url).get_data(as_text=True)
        assert ticket.number in html and "新厂房验收迟迟不组织" in html

        _as(client, login, "secretary")
        token = csrf_from(client.get(url).get_data(as_text=True))
        assert client.post(f"{url}/hold", data={"hold-csrf_token": token, "hold-minutes": "本周组织验收"}
                           ).status_code == 302
        item = meeting.items[0]
        response = client.post(f"/meetings/items/{item.id}/decisions", data={
            "decision-csrf_token": token, "decision-department_id": zone.id,
            "decision-text": "这周抓紧组织验收园区新厂房",
            "decision-done_means": "验收意见书出具", "decision-working_days": "5"})
        assert response.status_code == 302
        assert "这周抓紧组织验收园区新厂房" in client.get(url).get_data(as_text=True)

        _as(client, login, "supervisor")
        detail = client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
        assert "珠宝企业夜沙龙" in detail and "这周抓紧组织验收园区新厂房" in detail  # the ticket shows its meeting
        minutes = client.get(f"{url}/minutes").get_data(as_text=True)
        assert "minutes-print.css" in minutes and "本周组织验收" in minutes
        xlsx = client.get(f"{url}/minutes.xlsx")
        sheet = load_workbook(BytesIO(xlsx.data)).active
        values = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
        assert "会议纪要" == sheet.title and "决定事项" in values and "这周抓紧组织验收园区新厂房" in values

        _as(client, login, "handler")  # the zone's handler sees the decision on the ticket and in its list
        assert "这周抓紧组织验收园区新厂房" in client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
        page = client.get("/meetings/decisions").get_data(as_text=True)
        assert "这周抓紧组织验收园区新厂房" in page
        decision = item.decisions[0]
        assert client.post(f"/meetings/decisions/{decision.id}/done", data={
            "csrf_token": csrf_from(page), "evidence": "验收意见书已出具"}).status_code == 302
        db.session.refresh(decision)
        assert decision.status == "done"


def test_a_confidential_ticket_goes_on_an_agenda_without_the_callers_identity(client, login, people, joint_ticket):
    ticket = joint_ticket(confidential=True, caller_name="孙保密", caller_phone="13998765432",
                          description="孙保密反映：园区新厂房验收迟迟不组织，电话13998765432。")
    meeting = services.schedule(kind="breakfast", title="早餐会", convener_id=people["leader"].id, held_at=MONDAY,
                                actor=people["leader"], now=MONDAY)
    services.add_ticket(meeting.id, ticket.number, actor=people["leader"], now=MONDAY)
    services.hold(meeting.id, minutes="纪要", actor=people["leader"], now=MONDAY)
    _as(client, login, "secretary")
    for url in (f"/meetings/{meeting.id}", f"/meetings/{meeting.id}/minutes"):
        html = client.get(url).get_data(as_text=True)
        assert ticket.number in html
        for secret in ("孙保密", "13998765432", "华晟珠宝", VALID_CODE):
            assert secret not in html, (url, secret)
    sheet = load_workbook(BytesIO(client.get(f"/meetings/{meeting.id}/minutes.xlsx").data)).active
    cells = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row if c)
    assert "孙保密" not in cells and "华晟珠宝" not in cells and "匿名" in cells


def test_candidates_suggest_a_joint_ticket_past_half_its_limit(client, login, people, joint_ticket):
    ticket = joint_ticket()
    with time_machine.travel(MONDAY + timedelta(days=1), tick=True):
        _as(client, login, "supervisor")
        assert ticket.number not in client.get("/meetings/candidates").get_data(as_text=True)
    with time_machine.travel(MONDAY + timedelta(days=14), tick=True):  # 10 of 15 working days gone: past half
        _as(client, login, "supervisor")
        html = client.get("/meetings/candidates").get_data(as_text=True)
        assert ticket.number in html and "过半" in html
        assert "/meetings/candidates" in client.get("/supervision/").get_data(as_text=True)


def test_measures_count_and_drill_down_to_tickets(client, login, people, joint_ticket):
    ticket, other = joint_ticket(), joint_ticket(credit_code=None, enterprise_name="古县某焦化公司")
    zone = departments_by_code(["devzone"])["devzone"]
    meeting = services.schedule(kind="afternoon_tea", title="下午茶", convener_id=people["leader"].id, held_at=MONDAY,
                                actor=people["leader"], now=MONDAY)
    a = services.add_ticket(meeting.id, ticket.number, actor=people["leader"], now=MONDAY)
    services.add_ticket(meeting.id, other.number, actor=people["leader"], now=MONDAY)
    services.hold(meeting.id, minutes="纪要", actor=people["leader"], now=MONDAY)
    services.record_outcome(a.id, "settle", actor=people["leader"], now=MONDAY)
    d = services.decide(a.id, department_id=zone.id, text="t", done_means="d", working_days=1, actor=people["leader"],
                        now=MONDAY)
    services.complete(d.id, evidence="e", actor=people["zone"], now=MONDAY + timedelta(hours=1))
    _as(client, login, "supervisor")
    html = client.get("/meetings/measures").get_data(as_text=True)
    assert "50.0 %" in html and "100.0 %" in html and people["leader"].display_name in html
    settled = client.get("/meetings/measures/settled").get_data(as_text=True)
    assert ticket.number in settled and other.number not in settled
    assert other.number in client.get("/meetings/measures/items").get_data(as_text=True)
    month = client.get("/meetings/measures?month=2026-11").get_data(as_text=True)
    assert "50.0 %" in month and "2026-11" in month
    empty = client.get("/meetings/measures?month=2026-10").get_data(as_text=True)
    assert "50.0 %" not in empty and "—" in empty  # nothing held that month: no rate, not 0 %
    assert ticket.number not in client.get("/meetings/measures/settled?month=2026-10").get_data(as_text=True)
    assert client.get("/meetings/measures?month=2026-13").status_code == 400


def test_commissioner_sees_the_enterprises_tickets_read_only_notes_and_is_told_of_new_ones(
        client, login, people, joint_ticket):
    project = projects.create_project(
        name="新能源重点项目", enterprise_name="临汾市华晟珠宝有限公司", credit_code=VALID_CODE,
        commissioner_id=people["commissioner"].id, signed_on=MONDAY.date(),
        targets={"approvals": MONDAY.date() + timedelta(days=30), "land": MONDAY.date() + timedelta(days=60),
                 "construction": MONDAY.date() + timedelta(days=90),
                 "production": MONDAY.date() + timedelta(days=150)})
    ticket = joint_ticket()
    unrelated = joint_ticket(credit_code=None, enterprise_name="另一家公司")
    kinds = db.session.scalars(select(Notification.ticket_id).where(
        Notification.user_id == people["commissioner"].id, Notification.kind == "project_ticket_event")).all()
    assert ticket.id in kinds and unrelated.id not in kinds
    _as(client, login, "commissioner")
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert ticket.number in page and unrelated.number not in page and "150" in page
    assert client.get(f"/projects/{project.id}/tickets/{ticket.number}").status_code == 200
    assert client.get(f"/projects/{project.id}/tickets/{unrelated.number}").status_code == 404
    assert client.get(f"/tickets/{ticket.number}").status_code == 403  # read-only through the project only
    token = csrf_from(page)
    production = project.milestones[-1]
    assert client.post(f"/projects/{project.id}/link", data={"link-csrf_token": token, "link-number": ticket.number,
                                                             "link-milestone_id": production.id}).status_code == 302
    assert client.post(f"/projects/{project.id}/notes", data={"note-csrf_token": token, "note-text": "已到现场协调",
                                                              "note-number": ticket.number}).status_code == 302
    assert client.post(f"/projects/{project.id}/visits", data={
        "visit-csrf_token": token, "visit-visited_at": "2026-11-17T10:00", "visit-place": "项目工地",
        "visit-summary": "现场办公，协调供地"}).status_code == 302
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "现场办公，协调供地" in page and "已到现场协调" in page
    history = client.get(f"/projects/{project.id}/tickets/{ticket.number}").get_data(as_text=True)
    assert "专员" in history or "Commissioner" in history


def test_an_admin_makes_a_leader_and_a_commissioner_who_see_their_menus(client, login, people):
    from hotline.auth.models import User

    _as(client, login, "admin")
    for username, role in (("county_head", "leader"), ("project_officer", "commissioner")):
        page = client.get("/admin/users/new").get_data(as_text=True)
        assert f'value="{role}"' in page
        response = client.post("/admin/users/new", data={
            "csrf_token": csrf_from(page), "username": username, "display_name": "新用户", "role": role,
            "locale": "zh_CN", "password": "a-long-password", "active": "y"})
        assert response.status_code == 302
        assert db.session.scalar(select(User.role).where(User.username == username)) == role
    with client.session_transaction() as sess:
        sess.clear()
    login("county_head", "a-long-password")
    home = client.get("/").get_data(as_text=True)
    assert "/meetings/" in home and "/tickets/new" not in home and "/work/" not in home
    with client.session_transaction() as sess:
        sess.clear()
    login("project_officer", "a-long-password")
    home = client.get("/").get_data(as_text=True)
    assert "/projects/" in home and "/meetings/" not in home
