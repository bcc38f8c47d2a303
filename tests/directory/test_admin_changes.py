"""An admin's change to the directory reaches the operators at once, through the process's reference
cache (hotline.directory.reference) and its generation token (hotline.directory.generation): a renamed
department is offered under its new name, a county government switched off no longer leads its place,
and a write that is not reference data leaves the cache alone."""
from __future__ import annotations

import pytest
from sqlalchemy import select, update

from hotline.demo.data import DEMO_PASSWORD
from hotline.directory.generation import read_token
from hotline.directory.models import Department
from hotline.extensions import db
from tests.conftest import csrf_from
from tests.factories import lead_of, make_ticket

OLD_NAME, NEW_NAME = "市市场监督管理局", "临汾市市场监管综合执法局"


@pytest.fixture
def admin_client(app, city):
    """The demo admin, logged in on a client of their own (the operator works on another)."""
    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    assert client.post("/login", data={"username": "admin", "password": DEMO_PASSWORD,
                                       "csrf_token": token}).status_code == 302
    return client


def _department(code: str) -> Department:
    return db.session.scalar(select(Department).where(Department.code == code))


def _edit_department(admin_client, code: str, **changes) -> None:
    """Save the department's admin form with ``changes`` (``active=False`` switches it off)."""
    dept = _department(code)
    url = f"/admin/departments/{dept.id}"
    token = csrf_from(admin_client.get(url).get_data(as_text=True))
    fields = {"code": dept.code, "name_zh": dept.name_zh, "name_en": dept.name_en, "kind": str(dept.kind),
              "district_id": str(dept.district_id or ""), "active": True, **changes}
    data = {k: v for k, v in fields.items() if k != "active"} | ({"active": "y"} if fields["active"] else {})
    response = admin_client.post(url, data={**data, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]


def _intake_form(operator_client) -> str:
    return operator_client.get("/tickets/new").get_data(as_text=True)


def test_a_department_the_admin_renames_is_offered_under_its_new_name_on_the_next_intake(
        operator_client, admin_client):
    assert OLD_NAME in _intake_form(operator_client)  # the process has the directory cached now
    _edit_department(admin_client, "market", name_zh=NEW_NAME)
    form = _intake_form(operator_client)
    assert NEW_NAME in form and OLD_NAME not in form


def test_a_county_government_the_admin_switches_off_no_longer_leads_its_place(operator_client, admin_client):
    in_anze = dict(district_code="anze", subject="县政务大厅窗口拒收申请材料")
    assert lead_of(make_ticket(caller_phone="13800000101", **in_anze)).department.code == "anze_gov"  # 属地
    _edit_department(admin_client, "anze_gov", active=False)
    assert "安泽县人民政府" not in _intake_form(operator_client)
    # no place government: the category's own department leads
    assert lead_of(make_ticket(caller_phone="13800000102", **in_anze)).department.code == "approval"
    _edit_department(admin_client, "anze_gov", active=True)
    assert lead_of(make_ticket(caller_phone="13800000103", **in_anze)).department.code == "anze_gov"


def test_a_bulk_update_of_the_directory_reaches_the_next_intake_form(operator_client):
    assert OLD_NAME in _intake_form(operator_client)
    before = read_token(db.session)
    db.session.execute(update(Department).where(Department.code == "market").values(name_zh=NEW_NAME))
    db.session.commit()
    assert read_token(db.session) != before
    form = _intake_form(operator_client)
    assert NEW_NAME in form and OLD_NAME not in form


def test_an_intake_leaves_the_directory_s_generation_alone(operator_client, operator):
    """Tickets are not reference data: taking calls does not make every process reload the directory."""
    make_ticket(operator=operator, caller_phone="13800000201")  # the first intake may start a generation
    before = read_token(db.session)
    assert before is not None
    make_ticket(operator=operator, caller_phone="13800000202", district_code="anze")
    db.session.commit()
    assert read_token(db.session) == before
