"""The three intake channels agree: one table of calls, each sent through the operator's form, the
JSON API and Open311, is accepted or refused alike, on the same field (hotline.tickets.intake_rules).

A case names the call by the intake rules' fields; each channel writes it its own way (Open311: the
kind comes with the service code, the name is first_name + last_name, the rest are attributes) and
reads its refusal back into a field. Cases a channel cannot express (answering on the spot only on the
form; overrides not on Open311) run on the channels that can.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from hotline.directory.models import Category, CategoryDepartment, Department
from hotline.extensions import db
from hotline.tickets.identity import make_credit_code
from hotline.tickets.models import Ticket
from tests.conftest import csrf_from
from tests.factories import bearer

FORM, API, OPEN311 = "form", "api", "open311"
VALID_CODE = make_credit_code("91141002MA0GRB8K1")
ALL = (FORM, API, OPEN311)
#: The category each kind is filed under (Open311 takes the kind from it).
CATEGORY_OF = {"complaint": "refusal", "report": "bribery", "inquiry": "t-inquiry", "help": "t-help",
               "suggestion": "t-suggestion"}
LONG_TEXT = "窗口工作人员以材料不全为由拒收申请。" * 250  # 4,500 characters: past Open311's old 4,000
BAD_CHECK = VALID_CODE[:-1] + ("0" if VALID_CODE[-1] != "0" else "1")

# (case id, kind, changes to a complete call, the refused field or None when accepted, channels)
CASES = [
    ("complete complaint", "complaint", {}, None, ALL),
    ("full-width phone is normalised", "complaint", {"caller_phone": "（０３５７）２０９６６６６"}, None, ALL),
    ("complaint without phone", "complaint", {"caller_phone": ""}, "caller_phone", ALL),
    ("complaint without name", "complaint", {"caller_name": ""}, "caller_name", ALL),
    ("help request without phone", "help", {"caller_phone": ""}, "caller_phone", ALL),
    ("help request without name", "help", {"caller_name": ""}, "caller_name", ALL),
    ("anonymous report", "report", {"caller_phone": "", "caller_name": ""}, None, ALL),
    ("anonymous suggestion", "suggestion", {"caller_phone": "", "caller_name": ""}, None, ALL),
    ("inquiry without phone", "inquiry", {"caller_phone": ""}, "caller_phone", ALL),
    ("inquiry without name", "inquiry", {"caller_name": ""}, None, ALL),
    ("service number as phone", "complaint", {"caller_phone": "12345"}, "caller_phone", ALL),
    ("mobile too short", "complaint", {"caller_phone": "1381234567"}, "caller_phone", ALL),
    ("landline without area code", "complaint", {"caller_phone": "2096666"}, "caller_phone", ALL),
    ("credit code check character", "complaint", {"credit_code": BAD_CHECK}, "credit_code", ALL),
    ("credit code length", "complaint", {"credit_code": VALID_CODE[:17]}, "credit_code", ALL),
    ("description too short", "complaint", {"description": "太短了"}, "description", ALL),
    ("description of 4,500 characters", "complaint", {"description": LONG_TEXT}, None, ALL),
    ("description too long", "complaint", {"description": "字" * 5001}, "description", ALL),
    ("subject too long", "complaint", {"subject": "字" * 81}, "subject", ALL),
    ("name too long", "complaint", {"caller_name": "名" * 65}, "caller_name", ALL),
    ("enterprise too long", "complaint", {"enterprise_name": "企" * 201}, "enterprise_name", ALL),
    ("respondent too long", "complaint", {"respondent": "单" * 121}, "respondent", ALL),
    ("unknown district", "complaint", {"district": "atlantis"}, "district", ALL),
    ("unknown urgency", "complaint", {"urgency": "whenever"}, "urgency", ALL),
    ("override without reason", "complaint", {"lead": "market"}, "override_reason", (FORM, API)),
    ("co-handlers without lead", "complaint", {"co_handlers": ["market"]}, "lead", (FORM, API)),
    ("lead also co-handler", "complaint", {"lead": "market", "co_handlers": ["market"], "override_reason": "改派"},
     "co_handlers", (FORM, API)),
    ("inquiry answered on the spot without phone", "inquiry",
     {"caller_phone": "", "answered_on_spot": "y", "answer": "已当场解答受理范围。"}, None, (FORM,)),
    ("answered on the spot without the answer", "inquiry", {"answered_on_spot": "y"}, "answer", (FORM,)),
    ("complaint answered on the spot", "complaint", {"answered_on_spot": "y", "answer": "已解答。"},
     "answered_on_spot", (FORM,)),
]


def _call(kind: str, changes: dict) -> dict:
    call = {"kind": kind, "category": CATEGORY_OF[kind], "subject": "申请被窗口拒收",
            "description": "窗口工作人员以材料不全为由拒收我公司的申请，没有一次性告知需要补充的材料。",
            "caller_name": "赵建国", "caller_phone": "138 1234 5678", "enterprise_name": "临汾市华晟珠宝有限公司",
            "credit_code": VALID_CODE, "district": "kaifaqu", "urgency": "normal"}
    call.update(changes)
    return call


@pytest.fixture
def channels(city, client, login, operator_key):
    """A client logged in as the demo operator (the form) holding an intake system's key (the APIs);
    categories whose default kind is an inquiry, a help request and a suggestion (for Open311)."""
    from hotline.demo.data import DEMO_PASSWORD

    approval = db.session.scalar(select(Department).where(Department.code == "approval"))
    for kind in ("inquiry", "help", "suggestion"):
        category = Category(code=f"t-{kind}", name_zh=f"测试{kind}", name_en=f"Test {kind}", default_kind=kind)
        category.department_links.append(CategoryDepartment(department=approval, position=0))
        db.session.add(category)
    db.session.commit()
    assert login("operator", DEMO_PASSWORD).status_code == 302
    return client, operator_key


def _form(client, key, call: dict):
    data = {"intake_key": "k" + str(id(call)), "channel": "phone", **call}
    data["csrf_token"] = csrf_from(client.get("/tickets/new").get_data(as_text=True))
    response = client.post("/tickets/new", data=data)
    if response.status_code == 302:
        return True, None
    assert response.status_code == 400, response.status_code
    fields = re.findall(r'<p class="error" id="([a-z_]+)-error">', response.get_data(as_text=True))
    return False, fields


def _api(client, key, call: dict):
    body = {k: v for k, v in call.items() if k not in ("answered_on_spot", "answer")}
    body = {"channel": "12345", **{k: v for k, v in body.items() if v != ""}}
    response = client.post("/api/v1/tickets", json=body, headers=bearer(key))
    if response.status_code == 201:
        return True, None
    assert response.status_code == 422, response.get_data(as_text=True)
    return False, [e["pointer"].removeprefix("#/") for e in response.get_json()["errors"]]


_OPEN311_BACK = {"phone": "caller_phone", "last_name": "caller_name", "first_name": "caller_name",
                 "service_code": "category", "description": "description"}


def _open311(client, key, call: dict):
    name = call.get("caller_name") or ""
    data = {"api_key": key, "service_code": call["category"], "description": call["description"],
            "first_name": name[1:], "last_name": name[:1], "phone": call["caller_phone"]}
    for field in ("subject", "enterprise_name", "credit_code", "district", "respondent", "urgency"):
        data[f"attribute[{field}]"] = call.get(field, "")
    response = client.post("/open311/v2/requests.json", data=data)
    if response.status_code == 201:
        return True, None
    assert response.status_code == 400, response.get_data(as_text=True)
    fields = []
    for item in response.get_json()[1:]:
        name = item["description"].split(":", 1)[0]
        fields.append(_OPEN311_BACK.get(name) or re.fullmatch(r"attribute\[(\w+)\]", name).group(1))
    return False, fields


SEND = {FORM: _form, API: _api, OPEN311: _open311}


@pytest.mark.parametrize("case, kind, changes, refused, where", CASES, ids=[c[0] for c in CASES])
def test_every_channel_accepts_or_refuses_a_call_alike(channels, case, kind, changes, refused, where):
    client, key = channels
    outcomes, phones = {}, {}
    for channel in where:
        before = set(db.session.scalars(select(Ticket.id)))
        accepted, fields = SEND[channel](client, key, _call(kind, changes))
        made = set(db.session.scalars(select(Ticket.id))) - before
        assert len(made) == (1 if accepted else 0), channel
        if accepted:
            phones[channel] = db.session.get(Ticket, made.pop()).caller_phone
        outcomes[channel] = "accepted" if accepted else fields[0]
        if not accepted:
            assert fields == [refused] or fields[0] == refused, (channel, fields)
    assert outcomes == {channel: refused or "accepted" for channel in where}
    assert len(set(phones.values())) <= 1, phones  # the same number stored, normalised alike
