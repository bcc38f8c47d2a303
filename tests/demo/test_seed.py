"""The demo city seed: complete, and idempotent."""
from __future__ import annotations

from sqlalchemy import func, select

from hotline.auth.models import User
from hotline.demo import data
from hotline.directory.models import Category, CategoryDepartment, Department, District, RoutingRule
from hotline.extensions import db

TABLES = (District, Department, Category, CategoryDepartment, RoutingRule, User)


def _counts():
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in TABLES}


def test_seed_loads_linfen_and_running_it_twice_adds_nothing(runner):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    counts = _counts()
    assert counts["districts"] == 18 and counts["categories"] == 15
    from hotline.demo.meetings import PEOPLE

    assert counts["users"] == len(data.DEMO_USERS) + len(PEOPLE)  # and the face-to-face roles' logins
    second = runner.invoke(args=["seed-demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == counts


def test_demo_logins_work_for_every_role(runner, client, login):
    runner.invoke(args=["seed-demo"])
    for user in data.DEMO_USERS:
        assert login(user.username, data.DEMO_PASSWORD).status_code == 302, user.username
        client.get("/")
        from tests.conftest import csrf_from

        client.post("/logout", data={"csrf_token": csrf_from(client.get("/").get_data(as_text=True))})


def test_misconduct_categories_go_to_the_discipline_commission(runner):
    runner.invoke(args=["seed-demo"])
    cat = db.session.scalar(select(Category).where(Category.name_zh == "打击报复"))
    assert cat.is_misconduct and cat.default_kind == "report"
    assert cat.department_links[0].department.kind == "discipline_commission"


def test_a_seeded_admin_keeps_a_changed_password(runner):
    runner.invoke(args=["seed-demo"])
    admin = db.session.scalar(select(User).where(User.username == "admin"))
    admin.set_password("changed-by-the-admin")
    db.session.commit()
    runner.invoke(args=["seed-demo"])
    db.session.refresh(admin)
    assert admin.check_password("changed-by-the-admin")


def test_create_user_command(runner, make_department):
    make_department(code="water", name_zh="市水务局")
    result = runner.invoke(args=["create-user", "--username", "zhao", "--name", "赵敏", "--role", "handler",
                                 "--department", "water"], input="pw-long-enough\npw-long-enough\n")
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(User).where(User.username == "zhao"))
    assert user.department.code == "water" and user.check_password("pw-long-enough")
    bad = runner.invoke(args=["create-user", "--username", "x", "--name", "x", "--role", "handler",
                              "--department", "nope"], input="pw\npw\n")
    assert bad.exit_code != 0 and "no department" in bad.output
