"""Fuzzing: arbitrary text (NUL, lone surrogates, huge numbers, odd dates, wildcards, markup) posted
to every form a role can reach and to every JSON API body never gets a 5xx answer.

The forms are found, not listed: each role's pages are fetched and every ``<form>`` on them is
parsed (action, method, field names, the options of selects). A coverage test checks that every
POST route of the pages is reached by some form, so a new form cannot slip past the fuzzer.
Bodies are encoded by hand, so invalid UTF-8 (a surrogate's bytes) reaches the server as a
hostile client would send it. Hypothesis is bounded (``max_examples`` per target, no deadline)
to keep the whole module well under a minute on SQLite.
"""
from __future__ import annotations

import json
import uuid
from datetime import timedelta
from html.parser import HTMLParser
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from hotline.db import utcnow
from hotline.demo.data import DEMO_PASSWORD
from hotline.directory.models import TimeLimitPolicy
from hotline.extensions import db
from tests.factories import make_ticket

EXAMPLES = 30  # per form; there are about forty forms


@pytest.fixture(autouse=True)
def _clock(working_morning):
    """Every test here runs on a fixed working morning: it names fixed dates."""
    yield
API_EXAMPLES = 50  # per JSON body
FUZZ = settings(max_examples=EXAMPLES, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

NASTY = ["", " ", "\x00", "a\x00b", "\ud800", "x\udfffy", "\ufeff", "\u202e", "9" * 30, str(2**63), str(-2**63 - 1),
         "-1", "0", "1e309", "NaN", "0001-01-01", "0001-01-01T00:00", "9999-12-31", "9999-12-31T23:59",
         "2026-02-30", "2026-11-16T10:00", "24:61", "%", "_", "%_%", "' OR '1'='1", "<script>alert(1)</script>",
         "１２３４５", "y", "yes", "true", "on", "x" * 6000, "../../etc/passwd", "\r\n\r\n", "{{ 7*7 }}"]
TEXT = st.one_of(st.sampled_from(NASTY), st.text(st.characters(exclude_categories=()), max_size=40),
                 st.integers(min_value=-2**70, max_value=2**70).map(str))
#: Hostile values aimed at a typed input: years 1 and 9999, impossible days, 64-bit overflows.
TYPED = {
    "month": ["0001-01", "9999-12", "2026-13", "2026-00", "1999-12", "2101-01"],
    "datetime-local": ["0001-01-01T00:00", "9999-12-31T23:59", "2026-02-30T10:00", "2026-11-16T25:00",
                       "1970-01-01T00:00", "2101-01-01T00:00"],
    "date": ["0001-01-01", "9999-12-31", "2026-02-30", "1900-01-01", "2101-01-01"],
    "number": [str(2**63), str(2**64 + 1), "-1", "0", "1e309", "1.5", "９"],
}

# POST routes of the pages that the form crawl need not reach, and why.
NOT_FUZZED = {
    "auth.logout": "a CSRF token only; posting it would end the fuzzing client's own session",
    "auth.logout_everywhere": "a CSRF token only; posting it would end the fuzzing client's own session",
    "admin.requeue_job": "shown only for failed RQ jobs; its inputs are path segments, not form text",
    "admin.unlock_login": "shown only for a lockout; a CSRF token only",
    "settings.calendar_day_remove": "a CSRF token only; the day is a path segment",
    "settings.calendar_complete": "shown only for a year the bundled data does not know; a path segment and "
                                  "one flag, posted with hostile values in test_bad_input",
    "deliveries.retry": "shown only for a failed delivery; a CSRF token only, the delivery a path segment",
}


# ------------------------------------------------------------------------------ the crawl


#: A plausible value per input type, so that most posts pass validation and reach the services.
PLAUSIBLE = {"datetime-local": "2026-11-16T10:00", "date": "2026-11-20", "time": "09:00", "number": "1",
             "email": "zhao@example.cn", "tel": "13812345678", "password": "a-long-password-123",
             "checkbox": "y", "radio": "yes"}
PLAUSIBLE_TEXT = "窗口以材料不全为由拒收申请，没有一次性告知需要补充什么材料。"


class _Forms(HTMLParser):
    """Every form of a page: method, action, and its fields (name → a plausible value and the
    values the page offers)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "action": a.get("action") or "",
                          "fields": {}, "files": []}
            self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "textarea", "select", "button") and a.get("name"):
            kind = a.get("type") or ("text" if tag != "button" else "submit")
            if kind == "file":
                self._form["files"].append(a["name"])
                return
            field = self._form["fields"].setdefault(a["name"], {"plausible": PLAUSIBLE.get(kind, PLAUSIBLE_TEXT),
                                                                "offered": [], "type": kind})
            if a.get("value"):
                field["offered"].append(a["value"])
            self._select = a["name"] if tag == "select" else None
        elif tag == "option" and self._form is not None and self._select and a.get("value"):
            self._form["fields"][self._select]["offered"].append(a["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None


def _forms_of(client, url: str, page_url: str) -> list[dict]:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    parser = _Forms()
    parser.feed(response.get_data(as_text=True))
    for form in parser.forms:
        form["action"] = form["action"] or page_url
    return parser.forms


def _login(app, username: str):
    from tests.conftest import csrf_from

    client = app.test_client()
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login", data={"username": username, "password": DEMO_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return client


def _world(app, make_user):
    """The demo city with one ticket in each state a form acts on, and the pages each role sees."""
    from hotline.api import keys
    from hotline.demo.seed import seed_reference
    from hotline.escalation import engine
    from hotline.escalation.models import SupervisionCase
    from hotline.notifications.services import notify_users
    from hotline.tickets import lifecycle

    seed_reference()

    def ticket(phone: str, days_ago: int = 0, confidential: bool = False):
        return make_ticket(now=utcnow() - timedelta(days=days_ago), caller_phone=phone, confidential=confidential,
                           enterprise_name="临汾华晟珠宝", district_code="kaifaqu")

    fresh, working, resolved, returned = (ticket("13800000005", confidential=True), ticket("13800000001"),
                                          ticket("13800000002"), ticket("13800000003"))
    ticket("13800000004", days_ago=20)  # late: the sweep puts it under supervision
    department = working.assignments[0].department
    handler = make_user("handler", username="fuzz-handler", department=department, password=DEMO_PASSWORD)
    a = working.assignments[0]
    lifecycle.sign_for(a.id, actor=handler)
    lifecycle.record_contact(a.id, at=utcnow(), method="phone", reached=True, summary="已联系", actor=handler)
    lifecycle.request_extension(a.id, days=2, reason="需要现场核查", actor=handler)
    other_handler = make_user("handler", username="fuzz-other", department=department, password=DEMO_PASSWORD)
    notify_users([other_handler.id], kind="dispatched", data={"ticket": fresh.number}, ticket_id=fresh.id)
    db.session.commit()
    r = resolved.assignments[0]
    lifecycle.sign_for(r.id, actor=handler)
    lifecycle.record_contact(r.id, at=utcnow(), method="phone", reached=True, summary="已联系", actor=handler)
    lifecycle.submit(r.id, reply="已办结", solved=True, actor=handler)
    lifecycle.return_assignment(returned.assignments[0].id, grounds="不属于本单位职责", actor=handler)
    rated = ticket("13800000006")  # resolved too, for the caller's satisfaction link (its answer closes it)
    q = rated.assignments[0]
    lifecycle.sign_for(q.id, actor=handler)
    lifecycle.record_contact(q.id, at=utcnow(), method="phone", reached=True, summary="已联系", actor=handler)
    lifecycle.submit(q.id, reply="已办结", solved=True, actor=handler)
    from hotline.notifications.links import sign_satisfaction

    rating = f"/satisfaction/{sign_satisfaction(app.config['SECRET_KEY'], rated.id, 1)}"
    for item in engine.due_items(utcnow()):
        engine.apply(*item)
    case = db.session.scalar(select(SupervisionCase).order_by(SupervisionCase.id))
    target = make_user("operator", username="fuzz-target", password=DEMO_PASSWORD)
    _, raw_key = keys.issue(name="fuzz 12345", role="operator", department_id=None,
                            rate_limit="100000 per minute", created_by_id=None)
    _, handler_key = keys.issue(name="fuzz dept", role="handler", department_id=department.id,
                                rate_limit="100000 per minute", created_by_id=None)
    policy_id = db.session.scalar(select(TimeLimitPolicy.id).order_by(TimeLimitPolicy.id).limit(1))
    meetings = _meetings_world(make_user, working, department)
    pages = {
        None: ["/login", f"/status?n={working.number}", rating],
        "operator": ["/", "/tickets/new", f"/tickets/{fresh.number}", "/tickets/search",
                     f"/tickets/{resolved.number}/callback", f"/tickets/{returned.number}/redispatch",
                     "/notifications", "/account/sessions"],
        handler.username: [f"/work/tickets/{working.number}", f"/work/tickets/{fresh.number}", "/work/",
                           "/audit/department", "/notifications/channels"],
        other_handler.username: ["/notifications"],
        "supervisor": ["/supervision/extensions", f"/supervision/cases/{case.id}", "/supervision/", "/audit/"],
        "admin": ["/admin/users/new", f"/admin/users/{target.id}", f"/admin/users/{target.id}/sessions",
                  "/admin/departments/new", f"/admin/departments/{department.id}", "/admin/settings/calendar",
                  "/admin/settings/hours", "/admin/settings/policies/new", f"/admin/settings/policies/{policy_id}",
                  "/admin/settings/policies/categories", "/admin/api-keys/", "/admin/api-keys/new", "/audit/",
                  f"/admin/departments/{department.id}/channels"],
    }
    pages[handler.username].append("/meetings/decisions")
    pages["supervisor"] += ["/projects/new", f"/projects/{meetings['project']}"]
    pages["fuzz-leader"] = ["/meetings/new", f"/meetings/{meetings['scheduled']}", f"/meetings/{meetings['held']}"]
    _login(app, target.username)  # so the target's sessions page has a session to end
    return {"pages": pages, "working": working.number, "resolved": resolved.number, "key": raw_key,
            "handler_key": handler_key}


def _meetings_world(make_user, ticket, department) -> dict:
    """A leader's scheduled meeting and held one (with an open decision for the fuzzed handler's
    department), and a key project of the ticket's enterprise."""
    from hotline.meetings import projects, services

    leader = make_user("leader", username="fuzz-leader", password=DEMO_PASSWORD)
    now = utcnow()
    scheduled = services.schedule(kind="breakfast", title="早餐会", convener_id=leader.id, held_at=now, actor=leader)
    services.add_ticket(scheduled.id, ticket.number, actor=leader)
    held = services.schedule(kind="evening_salon", title="夜沙龙", convener_id=leader.id, held_at=now, actor=leader)
    item = services.add_ticket(held.id, ticket.number, actor=leader)
    services.hold(held.id, minutes="纪要", actor=leader)
    services.decide(item.id, department_id=department.id, text="组织验收", done_means="验收意见书", working_days=5,
                    actor=leader)
    project = projects.create_project(name="新能源项目", enterprise_name=ticket.enterprise_name, credit_code=None,
                                      commissioner_id=None, signed_on=now.date(),
                                      targets={k: now.date() + timedelta(days=30 * (n + 1)) for n, k in
                                               enumerate(("approvals", "land", "construction", "production"))})
    return {"scheduled": scheduled.id, "held": held.id, "project": project.id}


@pytest.fixture
def world(app, make_user):
    """The fuzzing world and, per role, a logged-in client and the forms found on its pages."""
    built = _world(app, make_user)
    forms: dict = {}
    for role, urls in built["pages"].items():
        client = app.test_client() if role is None else _login(app, role)
        found = []
        for url in urls:
            found += [f for f in _forms_of(client, url, url) if f["action"] not in ("/logout", "/logout/everywhere")]
        # its live panel
        found += [{**f, "action": "/tickets/new/preview"} for f in found if f["action"] == "/tickets/new"]
        unique = {(f["method"], f["action"], tuple(sorted(f["fields"]))): f for f in found}  # base.html's repeat
        forms[role] = (client, list(unique.values()))
    built["forms"] = forms
    return built


# ------------------------------------------------------------------------------ encoding


def _raw(value: str) -> bytes:
    """The bytes a hostile client may send: UTF-8, lone surrogates included (invalid UTF-8)."""
    return value.encode("utf-8", "surrogatepass")


def _urlencoded(fields: dict[str, str]) -> bytes:
    return "&".join(f"{quote_from_bytes(_raw(k))}={quote_from_bytes(_raw(v))}" for k, v in fields.items()).encode()


def _multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]], boundary: str) -> bytes:
    parts = []
    for name, value in fields.items():
        parts.append(b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"" + _raw(name)
                     + b"\"\r\n\r\n" + _raw(value) + b"\r\n")
    for name, (filename, content) in files.items():
        parts.append(b"--" + boundary.encode() + b"\r\nContent-Disposition: form-data; name=\"" + _raw(name)
                     + b"\"; filename=\"" + _raw(filename) + b"\"\r\nContent-Type: application/pdf\r\n\r\n"
                     + content + b"\r\n")
    return b"".join(parts) + b"--" + boundary.encode() + b"--\r\n"


def _send(client, form: dict, values: dict[str, str], filename: str):
    action = urlsplit(form["action"]).path or "/"
    if form["method"] == "get":
        return client.get(action + "?" + _urlencoded(values).decode())
    if form["files"]:
        boundary = uuid.uuid4().hex
        body = _multipart(values, {name: (filename, b"%PDF-1.4\n%fuzz\n") for name in form["files"]}, boundary)
        return client.post(action, data=body, content_type=f"multipart/form-data; boundary={boundary}")
    return client.post(action, data=_urlencoded(values), content_type="application/x-www-form-urlencoded")


def _field_values(form: dict):
    """A strategy for a whole form: each field mostly a value the page offers (or a plausible one),
    otherwise hostile text, so that posts both pass validation and break it; the CSRF token kept
    (else every post is simply refused); sometimes an extra unknown field."""
    strategies = {}
    for name, field in form["fields"].items():
        usual = field["offered"] or [field["plausible"]]
        if name.endswith("csrf_token"):
            strategies[name] = st.just(usual[0])
        elif field["type"] in TYPED:  # random text in a date field is only ever a form error
            strategies[name] = st.one_of(st.sampled_from(usual), st.sampled_from(TYPED[field["type"]]))
        else:
            strategies[name] = st.one_of(st.sampled_from(usual), st.sampled_from(NASTY), TEXT)
    return st.fixed_dictionaries(strategies, optional={"extra": TEXT})


# ------------------------------------------------------------------------------ the tests


def test_every_post_route_of_the_pages_is_fuzzed(app, world):
    """The crawl reaches a form for each POST route outside the APIs (or the route is listed in
    NOT_FUZZED with its reason), so a new form cannot slip past the fuzzer."""
    adapter = app.url_map.bind("localhost")
    reached = set()
    for _, (_, forms) in world["forms"].items():
        for form in forms:
            endpoint, _ = adapter.match(urlsplit(form["action"]).path, method=form["method"].upper())
            reached.add(endpoint)
    posts = {r.endpoint for r in app.url_map.iter_rules()
             if "POST" in r.methods and r.endpoint.split(".")[0] not in ("api", "open311")}
    assert posts - reached - set(NOT_FUZZED) == set()


def test_no_form_answers_with_a_server_error(world):
    for role, (client, forms) in world["forms"].items():
        assert forms, f"no forms found for {role}"
        for form in forms:

            @FUZZ
            @given(values=_field_values(form), filename=st.one_of(st.just("现场照片.pdf"), TEXT))
            def post(values, filename):  # run at once, inside this iteration: the loop variables are current
                response = _send(client, form, values, filename)  # noqa: B023
                assert response.status_code < 500, (role, form["action"], values, response.status_code)  # noqa: B023

            post()
        if role is not None:  # a fuzzer that had logged itself out would have fuzzed only redirects
            assert client.get("/account/sessions").status_code == 200, role


def _json_value():
    scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**200, max_value=2**200),
                        st.floats(allow_nan=False), TEXT)
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
                        max_leaves=12)


def _shaped(names: list[str]):
    """Bodies with the schema's own field names and hostile values (more of them reach the services)."""
    value = st.one_of(TEXT, st.booleans(), st.integers(min_value=-2**70, max_value=2**70), st.none(),
                      st.lists(TEXT, max_size=3))
    return st.fixed_dictionaries({}, optional={n: value for n in names})


BODIES = {
    "create": ("/api/v1/tickets", "key", ["channel", "kind", "category", "subject", "description", "caller_name",
                                          "caller_phone", "enterprise_name", "credit_code", "district", "urgency",
                                          "confidential", "lead", "co_handlers", "override_reason", "repeat_of",
                                          "new_facts"]),
    "contacts": ("/api/v1/tickets/{working}/contacts", "handler_key", ["at", "method", "reached", "summary"]),
    "submit": ("/api/v1/tickets/{working}/submit", "handler_key", ["reply", "solved"]),
    "sign": ("/api/v1/tickets/{working}/sign", "handler_key", []),
    "callbacks": ("/api/v1/tickets/{resolved}/callbacks", "key", ["reached", "solved", "satisfaction", "comment"]),
}


def _encoded(value) -> bytes:
    return json.dumps(value, ensure_ascii=True).encode()


API_FUZZ = settings(max_examples=API_EXAMPLES, deadline=None, database=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


def _fuzz_body(client, url: str, key: str, names: list[str]) -> None:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    deep = st.integers(min_value=30, max_value=3000).map(lambda n: b"[" * n + b"]" * n)
    bodies = st.one_of(_shaped(names).map(_encoded), _json_value().map(_encoded), deep, TEXT.map(_raw))

    @API_FUZZ
    @given(body=bodies, idempotency=st.one_of(st.none(), st.sampled_from(["", "k\x00", "a" * 100, "ok-1"])))
    def post(body, idempotency):
        extra = {"Idempotency-Key": idempotency} if idempotency is not None else {}
        response = client.post(url, data=body, headers={**headers, **extra})
        assert response.status_code < 500, (url, body[:200], response.get_data(as_text=True)[:300])
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"

    post()


OPEN311_FIELDS = ("service_code", "description", "first_name", "last_name", "phone", "email", "lat", "long",
                  "address_string", "attribute[subject]", "attribute[credit_code]", "attribute[district]",
                  "attribute[urgency]", "attribute[confidential]", "attribute[enterprise_name]")


def test_no_api_body_gets_a_server_error(client, world):
    for url, key, names in BODIES.values():
        _fuzz_body(client, url.format(**world), world[key], names)

    @API_FUZZ
    @given(fields=st.fixed_dictionaries({}, optional={n: st.one_of(st.just("refusal"), TEXT) for n in OPEN311_FIELDS}))
    def open311(fields):
        body = _urlencoded({"api_key": world["key"], **fields})
        response = client.post("/open311/v2/requests.json", data=body,
                               content_type="application/x-www-form-urlencoded")
        assert response.status_code < 500, (fields, response.get_data(as_text=True)[:300])

    open311()
