"""Fixtures for the integration APIs: the API wired into the test app, reference data, keys."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.auth.models import User
from hotline.extensions import db
from tests.factories import VALID_CODE


@pytest.fixture
def app(app):
    """The test app with the API registered (until the factory does it itself)."""
    if "open311" not in app.blueprints:
        from hotline.api import init_app

        init_app(app)
    return app


@pytest.fixture
def make_key(city):
    """Factory: issue a key and return its full ``<prefix>.<secret>``."""
    from hotline.api import keys
    from hotline.tickets.lookup import departments_by_code

    def make(role: str = "operator", department: str | None = None, name: str | None = None,
             rate_limit: str = "600 per minute") -> str:
        dept = departments_by_code([department])[department] if department else None
        _, raw = keys.issue(name=name or f"{role}-{department or 'all'}-{id(object())}", role=role,
                            department_id=dept.id if dept else None, rate_limit=rate_limit, created_by_id=None)
        return raw

    return make


@pytest.fixture
def operator_key(make_key):
    """An intake system's key."""
    return make_key("operator", name="12345 platform")


@pytest.fixture
def make_ticket(city):
    """Factory: a ticket through the intake service (as the operator's page would save it)."""
    from hotline.tickets.services import IntakeData, create_ticket

    def make(now=None, **overrides):
        fields = dict(channel="phone", kind="complaint", category_code="refusal", subject="申请被窗口拒收",
                      description="窗口以材料不全为由拒收申请，来电人电话13812345678，请尽快联系。",
                      caller_name="赵建国", caller_phone="13812345678", enterprise_name="临汾市华晟珠宝有限公司",
                      credit_code=VALID_CODE)  # no district: the category default leads
        fields.update(overrides)
        return create_ticket(IntakeData(**fields), operator_id=None, operator_name="测试", now=now)

    return make


def bearer(key: str) -> dict:
    """The Authorization header for a key."""
    return {"Authorization": f"Bearer {key}"}


def ticket_body(**overrides) -> dict:
    """A complete, valid TicketCreate body (a refusal at the approval window); override any field."""
    body = {
        "channel": "12345", "kind": "complaint", "category": "refusal", "subject": "申请被窗口拒收",
        "description": "窗口工作人员以材料不全为由拒收我公司的申请，没有一次性告知需要补充的材料。",
        "caller_name": "赵建国", "caller_phone": "138 1234 5678", "enterprise_name": "临汾市华晟珠宝有限公司",
        "credit_code": VALID_CODE,  # no district: the category default (approval) leads
    }
    body.update(overrides)
    return {k: v for k, v in body.items() if v is not None}


def demo_user(username: str) -> User:
    """A demo user by username."""
    return db.session.scalar(select(User).where(User.username == username))
