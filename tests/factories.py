"""Shared builders for the tests: valid credit codes, the intake form as an operator fills it, and
posting it. Fixtures (the demo city, users, logged-in clients) live in tests/conftest.py."""
from __future__ import annotations

import uuid

from hotline.tickets.identity import make_credit_code
from tests.conftest import csrf_from

VALID_CODE = make_credit_code("91141002MA0GRB8K1")
OTHER_CODE = make_credit_code("91141023MA0H2C3D4")


def form_data(**overrides) -> dict:
    """A complete, valid intake form; override any field (None removes it)."""
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
