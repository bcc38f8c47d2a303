"""Admin pages: users and departments; only admins get in."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.auth.models import User
from hotline.directory.models import Department
from hotline.extensions import db
from tests.conftest import csrf_from

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/departments", "/admin/departments/new"]


@pytest.mark.parametrize("role", ["handler", "operator", "supervisor"])
@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_non_admins_get_403_on_admin_pages(client, make_user, login, role, url):
    user = make_user(role)
    login(user.username)
    response = client.get(url)
    assert response.status_code == 403
    assert "无权查看" in response.get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/users")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def admin_client(client, make_user, login):
    admin = make_user("admin", username="admin")
    login(admin.username)
    return client


def _post_form(client, url, data):
    token = csrf_from(client.get(url).get_data(as_text=True))
    return client.post(url, data={**data, "csrf_token": token})


def test_admin_creates_a_handler_who_can_log_in(admin_client, make_department, client, login):
    dept = make_department(code="approval", name_zh="市行政审批服务管理局")
    response = _post_form(admin_client, "/admin/users/new", {
        "username": "liuyang", "display_name": "刘洋", "role": "handler", "department_id": str(dept.id),
        "locale": "zh_CN", "password": "a-long-password", "active": "y"})
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "liuyang"))
    assert user.department_id == dept.id and user.password_hash != "a-long-password"
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    assert login("liuyang", "a-long-password").status_code == 302


def test_handler_without_department_is_refused_and_input_kept(admin_client):
    response = _post_form(admin_client, "/admin/users/new", {
        "username": "liuyang", "display_name": "刘洋", "role": "handler", "department_id": "",
        "locale": "zh_CN", "password": "a-long-password"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "承办人员必须隶属于某个部门" in html
    assert 'value="刘洋"' in html
    assert db.session.scalar(select(User).where(User.username == "liuyang")) is None


def test_duplicate_username_is_refused(admin_client):
    response = _post_form(admin_client, "/admin/users/new", {
        "username": "ADMIN", "display_name": "x", "role": "operator", "locale": "zh_CN",
        "password": "a-long-password"})
    assert response.status_code == 400
    assert db.session.scalar(select(db.func.count()).select_from(User)) == 1


def test_new_user_needs_a_password(admin_client):
    response = _post_form(admin_client, "/admin/users/new", {
        "username": "liuyang", "display_name": "刘洋", "role": "operator", "locale": "zh_CN"})
    assert response.status_code == 400
    assert db.session.scalar(select(User).where(User.username == "liuyang")) is None


def test_admin_deactivates_a_user_who_then_cannot_log_in(admin_client, make_user, client, login):
    victim = make_user("operator", username="wangli")
    response = _post_form(admin_client, f"/admin/users/{victim.id}", {
        "username": "wangli", "display_name": "王丽", "role": "operator", "locale": "zh_CN", "password": ""})
    assert response.status_code == 302
    db.session.refresh(victim)
    assert victim.active is False and victim.display_name == "王丽"
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/logout", data={"csrf_token": token})
    assert login("wangli").status_code == 400


def test_admin_creates_and_edits_a_department(admin_client):
    response = _post_form(admin_client, "/admin/departments/new", {
        "code": "water", "name_zh": "市水务局", "name_en": "Water Bureau", "kind": "city_department",
        "district_id": "", "active": "y"})
    assert response.status_code == 302
    dept = db.session.scalar(select(Department).where(Department.code == "water"))
    response = _post_form(admin_client, f"/admin/departments/{dept.id}", {
        "code": "water", "name_zh": "市水务局", "name_en": "Water Bureau", "kind": "city_department",
        "district_id": ""})
    assert response.status_code == 302
    db.session.refresh(dept)
    assert dept.active is False
    assert "市水务局" in admin_client.get("/admin/departments").get_data(as_text=True)


def test_duplicate_department_name_is_refused(admin_client, make_department):
    make_department(code="water", name_zh="市水务局")
    response = _post_form(admin_client, "/admin/departments/new", {
        "code": "water2", "name_zh": "市水务局", "name_en": "Water", "kind": "city_department"})
    assert response.status_code == 400
    assert 'value="water2"' in response.get_data(as_text=True)


def test_unknown_user_is_404(admin_client):
    assert admin_client.get("/admin/users/9999").status_code == 404
