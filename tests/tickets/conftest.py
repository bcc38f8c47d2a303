"""Fixtures for the tickets package: the demo city's reference data and an operator's session."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select

from hotline.auth.models import User
from hotline.demo.seed import seed_reference
from hotline.extensions import db
from tests.conftest import csrf_from


def _valid_code(first17: str) -> str:
    from hotline.tickets.identity import make_credit_code

    return make_credit_code(first17)


VALID_CODE = _valid_code("91141002MA0GRB8K1")
OTHER_CODE = _valid_code("91141023MA0H2C3D4")


@pytest.fixture
def city(app):
    """Linfen's districts, departments, categories, routing table and demo users."""
    seed_reference()
    return app


@pytest.fixture
def operator(city):
    """The demo operator (王丽)."""
    return db.session.scalar(select(User).where(User.username == "operator"))


@pytest.fixture
def operator_client(client, login, operator):
    """A client logged in as the demo operator."""
    from hotline.demo.data import DEMO_PASSWORD

    assert login("operator", DEMO_PASSWORD).status_code == 302
    return client


def form_data(**overrides) -> dict:
    """A complete, valid intake form; override any field."""
    data = {
        "intake_key": uuid.uuid4().hex, "channel": "phone", "caller_phone": "138 1234 5678",
        "caller_name": "赵建国", "credit_code": VALID_CODE, "enterprise_name": "临汾市华晟珠宝有限公司",
        "kind": "complaint", "category": "refusal", "urgency": "normal",  # no district: the category leads
        "subject": "申请被窗口拒收",
        "description": "窗口工作人员以材料不全为由拒收我公司的申请，但没有一次性告知需要补充什么材料，已经跑了三趟。",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def post_intake(client, **overrides):
    """Post the intake form with a fresh CSRF token."""
    token = csrf_from(client.get("/tickets/new").get_data(as_text=True))
    return client.post("/tickets/new", data={**form_data(**overrides), "csrf_token": token})
