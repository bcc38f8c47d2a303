"""The OpenAPI document matches the implementation (schemathesis against the WSGI app), and the
docs page is rendered on the server from it, with no script and nothing from elsewhere."""
from __future__ import annotations

import re

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from hotline.api.openapi import document
from tests.factories import bearer

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 40


def test_document_is_openapi_3_1_and_lists_every_route(app):
    doc = document()
    assert doc["openapi"] == "3.1.0"
    rules: dict[str, set] = {}
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and rule.endpoint not in ("api.openapi_document", "api.docs"):
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            rules.setdefault(path, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    documented = {path: {m.upper() for m in item} for path, item in doc["paths"].items()}
    assert documented == {path: rules[path] for path in documented} and set(documented) == set(rules)


@pytest.mark.slow
@pytest.mark.parametrize("role, department", [("operator", None), ("handler", "approval"), ("supervisor", None)])
def test_schemathesis_finds_no_server_error_and_no_schema_break(app, make_key, make_ticket, role, department):
    key = make_key(role, department=department, rate_limit="100000 per minute")
    ticket = make_ticket()  # something to list, read and act on (it is the approval bureau's)
    make_ticket(kind="report", category_code="bribery", confidential=True, subject="举报",
                description="窗口工作人员索要好处费，不给就不办理。")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 13  # 7 on tickets; 6 on meetings, decisions and projects

    for operation in operations:
        @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy(), real=st.booleans())
        def run(case, real):
            if real:  # half the cases on a real ticket and category, so success paths are checked too
                if "number" in (case.path_parameters or {}):
                    case.path_parameters["number"] = ticket.number
                if isinstance(case.body, dict) and "subject" in case.body:  # a TicketCreate
                    case.body.update(category="refusal", caller_phone="13812345678", caller_name="赵建国")
            response = case.call(headers=bearer(key))
            case.validate_response(response, checks=CHECKS)

        run()


def test_docs_page_is_rendered_from_the_document(client, app):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    for item in document()["paths"].values():
        for op in item.values():
            assert f'id="op-{op["operationId"]}"' in html
    for name in document()["components"]["schemas"]:
        assert f'id="schema-{name}"' in html
    assert 'id="problem-not_your_department"' in html or 'id="problem-ticket_not_found"' in html
    assert "<script>" not in html and "<script " not in html.replace(
        '<script src="/static/js/app.js" defer></script>', "")
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing from a CDN
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert client.get("/api/v1/openapi.json").get_json() == document()
