"""Fixtures for the integration APIs: the API wired into the test app, reference data, keys."""
from __future__ import annotations

import pytest

from tests.factories import VALID_CODE


@pytest.fixture
def app(app):
    """The test app with the API registered (until the factory does it itself)."""
    if "open311" not in app.blueprints:
        from hotline.api import init_app

        init_app(app)
    return app


@pytest.fixture
def operator_key(make_key):
    """An intake system's key."""
    return make_key("operator", name="12345 platform")


@pytest.fixture
def make_ticket(city):
    """Factory: a ticket through the intake service (as the operator's page would save it)."""
    from hotline.tickets.intake import IntakeData, create_ticket

    def make(now=None, **overrides):
        fields = dict(channel="phone", kind="complaint", category_code="refusal", subject="申请被窗口拒收",
                      description="窗口以材料不全为由拒收申请，来电人电话13812345678，请尽快联系。",
                      caller_name="赵建国", caller_phone="13812345678", enterprise_name="临汾市华晟珠宝有限公司",
                      credit_code=VALID_CODE)  # no district: the category default leads
        fields.update(overrides)
        return create_ticket(IntakeData(**fields), operator_id=None, operator_name="测试", now=now)

    return make
