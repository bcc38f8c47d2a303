"""The seed's face-to-face stories, loaded by ``hotline seed-demo`` through the services."""
from __future__ import annotations

from sqlalchemy import func, select

from hotline.demo.data import DEMO_PASSWORD
from hotline.extensions import db
from hotline.meetings.models import AgendaItem, Decision, Meeting, Project


def test_seed_demo_plays_the_salon_the_five_teas_and_the_key_project_once(runner, client, login):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    salon = db.session.scalar(select(Meeting).where(Meeting.kind == "evening_salon"))
    assert salon.status == "held" and salon.items[0].outcome == "settled"
    assert {d.text for d in salon.items[0].decisions} >= {"这周抓紧组织验收园区新厂房"}
    teas = db.session.scalars(select(Meeting).where(Meeting.kind == "afternoon_tea")).all()
    assert len(teas) == 5 and len({t.items[0].ticket_id for t in teas}) == 1  # one matter, five meetings
    outcomes = [t.items[0].outcome for t in sorted(teas, key=lambda t: t.held_at)]
    assert outcomes == ["carried_over"] * 4 + ["settled"]
    project = db.session.scalar(select(Project))
    assert (project.milestones[-1].target_on - project.signed_on).days == 150
    counts = [db.session.scalar(select(func.count()).select_from(m)) for m in (Meeting, AgendaItem, Decision, Project)]
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert [db.session.scalar(select(func.count()).select_from(m))
            for m in (Meeting, AgendaItem, Decision, Project)] == counts
    for username in ("zone_secretary", "guxian_head", "commissioner"):
        assert login(username, DEMO_PASSWORD).status_code == 302
        with client.session_transaction() as sess:
            sess.clear()
    login("commissioner", DEMO_PASSWORD)
    page = client.get(f"/projects/{project.id}").get_data(as_text=True)
    assert "乡宁县云岭" in page and "签约后第 90 天" in page
