"""Route × role: who reaches each meeting, decision and project page and API operation, including a
project commissioner, another commissioner, and a handler of a department with no part in the matter."""
from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.demo.data import DEMO_PASSWORD
from hotline.extensions import db
from hotline.meetings import projects, services
from hotline.tickets.lookup import departments_by_code
from tests.conftest import csrf_from
from tests.factories import bearer
from tests.meetings.conftest import MONDAY

ROLES = ("operator", "zone", "outsider", "supervisor", "admin", "leader", "commissioner", "commissioner2")
USERNAMES = {"operator": "operator", "zone": "handler", "outsider": "outsider", "supervisor": "supervisor",
             "admin": "admin", "leader": "secretary", "commissioner": "commissioner", "commissioner2": "commissioner2"}

#: page → the roles that get 200 (everyone else: 403, or 404 where noted).
PAGES = {
    "/meetings/": {"operator", "supervisor", "admin", "leader"},
    "/meetings/new": {"supervisor", "leader"},
    "/meetings/{m}": {"operator", "supervisor", "admin", "leader"},
    "/meetings/{m}/minutes": {"operator", "supervisor", "admin", "leader"},
    "/meetings/{m}/minutes.xlsx": {"operator", "supervisor", "admin", "leader"},
    "/meetings/decisions": {"zone", "outsider", "supervisor", "admin", "leader"},
    "/meetings/candidates": {"supervisor", "admin", "leader"},
    "/meetings/measures": {"supervisor", "admin", "leader"},
    "/meetings/measures/settled": {"supervisor", "admin", "leader"},
    "/projects/": {"supervisor", "admin", "leader", "commissioner", "commissioner2"},
    "/projects/new": {"supervisor", "admin"},
    "/projects/{p}": {"supervisor", "admin", "leader", "commissioner"},
    "/projects/{p}/tickets/{t}": {"supervisor", "admin", "leader", "commissioner"},
}
#: the roles allowed in by role but kept out of this one record (a 404: its existence is not revealed).
NOT_FOUND = {"/projects/{p}": {"commissioner2"}, "/projects/{p}/tickets/{t}": {"commissioner2"}}


@pytest.fixture
def world(people, joint_ticket, make_user):
    make_user("commissioner", username="commissioner2", password=DEMO_PASSWORD)
    ticket = joint_ticket()
    zone = departments_by_code(["devzone"])["devzone"]
    meeting = services.schedule(kind="evening_salon", title="夜沙龙", convener_id=people["leader"].id, held_at=MONDAY,
                                actor=people["supervisor"], now=MONDAY)
    item = services.add_ticket(meeting.id, ticket.number, actor=people["supervisor"], now=MONDAY)
    services.hold(meeting.id, minutes="纪要", actor=people["leader"], now=MONDAY)
    decision = services.decide(item.id, department_id=zone.id, text="组织验收", done_means="验收意见书",
                               working_days=5, actor=people["leader"], now=MONDAY)
    project = projects.create_project(
        name="新能源项目", enterprise_name=ticket.enterprise_name, credit_code=ticket.credit_code,
        commissioner_id=people["commissioner"].id, signed_on=MONDAY.date(),
        targets={k: MONDAY.date() + timedelta(days=30 * (n + 1))
                 for n, k in enumerate(("approvals", "land", "construction", "production"))})
    return {"m": meeting.id, "p": project.id, "t": ticket.number, "decision": decision.id}


def _login(client, login, role):
    with client.session_transaction() as sess:
        sess.clear()
    assert login(USERNAMES[role], DEMO_PASSWORD).status_code == 302


@pytest.mark.parametrize("role", ROLES)
def test_pages_by_role(client, login, world, role):
    _login(client, login, role)
    for page, allowed in PAGES.items():
        url = page.format(**world)
        expected = 404 if role in NOT_FOUND.get(page, ()) else 200 if role in allowed else 403
        assert client.get(url).status_code == expected, (role, url)
    decisions = client.get("/meetings/decisions").get_data(as_text=True)
    if role == "outsider":
        assert "组织验收" not in decisions  # another department's decision is not listed


@pytest.mark.parametrize("role", ROLES)
def test_marking_a_decision_done_by_role(client, login, world, role):
    _login(client, login, role)
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(f"/meetings/decisions/{world['decision']}/done",
                           data={"csrf_token": token, "evidence": "验收意见书已出具"})
    expected = {"zone": 302, "outsider": 404}.get(role, 403)
    assert response.status_code == expected, role
    from hotline.meetings.models import Decision

    assert db.session.get(Decision, world["decision"], populate_existing=True).status == (
        "done" if role == "zone" else "open")


@pytest.mark.parametrize("role", ROLES)
def test_putting_a_ticket_on_the_agenda_by_role(client, login, world, role, joint_ticket):
    other = joint_ticket(credit_code=None, enterprise_name="另一企业")
    _login(client, login, role)
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(f"/meetings/{world['m']}/agenda", data={"agenda-csrf_token": token,
                                                                  "agenda-number": other.number})
    assert response.status_code == (302 if role in ("supervisor", "leader") else 403), role


API = {  # (method, path) → {key role: status}
    ("GET", "/api/v1/meetings"): {"operator": 403, "handler": 403, "other_handler": 403, "supervisor": 200},
    ("GET", "/api/v1/meetings/{m}"): {"operator": 403, "handler": 403, "other_handler": 403, "supervisor": 200},
    ("GET", "/api/v1/decisions"): {"operator": 403, "handler": 200, "other_handler": 200, "supervisor": 200},
    ("GET", "/api/v1/projects"): {"operator": 403, "handler": 403, "other_handler": 403, "supervisor": 200},
    ("GET", "/api/v1/projects/{p}"): {"operator": 403, "handler": 403, "other_handler": 403, "supervisor": 200},
    ("POST", "/api/v1/decisions/{decision}/done"): {"operator": 403, "other_handler": 404, "supervisor": 403,
                                                    "handler": 200},
}


def test_api_by_key_role(client, world, make_key):
    keys = {"operator": make_key("operator"), "handler": make_key("handler", department="devzone"),
            "other_handler": make_key("handler", department="market"), "supervisor": make_key("supervisor")}
    assert client.get("/api/v1/meetings").status_code == 401
    for (method, path), by_role in API.items():
        url = path.format(**world)
        for role in ("operator", "other_handler", "supervisor", "handler"):  # the one that changes state last
            response = client.open(url, method=method, headers=bearer(keys[role]),
                                   json={"evidence": "验收意见书已出具"} if method == "POST" else None)
            assert response.status_code == by_role[role], (method, url, role, response.get_json())
    own = client.get("/api/v1/decisions", headers=bearer(keys["handler"])).get_json()["items"]
    other = client.get("/api/v1/decisions", headers=bearer(keys["other_handler"])).get_json()["items"]
    assert [d["id"] for d in own] == [world["decision"]] and own[0]["status"] == "done" and other == []
