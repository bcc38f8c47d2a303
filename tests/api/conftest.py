"""Fixtures for the integration APIs: the API wired into the test app, reference data, keys."""
from __future__ import annotations

import pytest

from tests import factories
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
    """Factory: a ticket of the jewellery maker in the demo city, its description naming the caller's
    phone (which the API must not give away)."""

    def make(now=None, **overrides):
        fields = dict(description="窗口以材料不全为由拒收申请，来电人电话13812345678，请尽快联系。",
                      enterprise_name="临汾市华晟珠宝有限公司", credit_code=VALID_CODE)
        return factories.make_ticket(now=now, operator_name="测试", **{**fields, **overrides})

    return make
