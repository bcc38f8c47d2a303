"""Fixtures for meetings and projects: the demo city, a leader, a commissioner, a stuck joint ticket."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.auth.models import User
from hotline.demo.data import DEMO_PASSWORD
from hotline.demo.seed import seed_reference
from hotline.extensions import db
from tests.escalation.conftest import jobs, local  # noqa: F401  (the jobs fixture)
from tests.factories import VALID_CODE, make_ticket

#: A Monday morning in the city (a working day in the bundled calendar).
MONDAY = local(2026, 11, 16, 9, 0)


@pytest.fixture
def city(app):
    """Linfen's reference data and demo users."""
    seed_reference()
    return app


def user(username: str) -> User:
    """A demo user by name."""
    return db.session.scalar(select(User).where(User.username == username))


@pytest.fixture
def people(city, make_user):
    """The demo supervisor, operator and zone handler, a leader (the zone secretary), a commissioner,
    and a handler of a department with no part (market regulation)."""
    from hotline.tickets.lookup import departments_by_code

    market = departments_by_code(["market"])["market"]
    return {
        "supervisor": user("supervisor"), "operator": user("operator"), "zone": user("handler"),
        "finance": user("handler2"),
        "leader": make_user("leader", username="secretary", password=DEMO_PASSWORD),
        "commissioner": make_user("commissioner", username="commissioner", password=DEMO_PASSWORD),
        "outsider": make_user("handler", username="outsider", department=market, password=DEMO_PASSWORD),
        "admin": user("admin"),
    }


@pytest.fixture
def joint_ticket(city):
    """The jewellery maker's plant acceptance: led by the development zone, finance co-handling."""
    def make(now=MONDAY, **overrides):
        fields = dict(category_code="factor_supply", subject="新厂房验收迟迟不组织",
                      description="园区新厂房建成两个月，验收一直没有组织，流动资金也紧张。",
                      enterprise_name="临汾市华晟珠宝有限公司", credit_code=VALID_CODE, lead="devzone",
                      co_handlers=("finance_regulator",), override_reason="属地牵头，金融协办")
        return make_ticket(now, operator=user("operator"), operator_name="王丽", **{**fields, **overrides})

    return make
