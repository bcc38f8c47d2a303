"""Error pages, language switch, security headers, no inline script."""
from __future__ import annotations

import re

from tests.conftest import csrf_from
from tests.factories import make_ticket


def test_unknown_url_gets_the_404_page_in_chinese(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "404" in html and "页面不存在" in html


def test_language_link_switches_to_english(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/language/en", data={"csrf_token": token, "next": "/login"})
    assert "Log in" in client.get("/login").get_data(as_text=True)
    assert client.get("/missing").status_code == 404
    assert "Page not found" in client.get("/missing").get_data(as_text=True)


def test_user_language_is_kept_at_next_login(client, make_user, login):
    make_user("operator", username="wangli", locale="en")
    login("wangli")
    assert "Welcome" in client.get("/").get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_pages_carry_no_inline_script_or_style(client, make_user, login):
    admin = make_user("admin")
    login(admin.username)
    for url in ("/", "/admin/users", "/admin/users/new", "/admin/departments", "/notifications"):
        html = client.get(url).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), url
        assert " style=" not in html and "<style" not in html and "onclick" not in html, url


def test_home_shows_role_fitted_navigation(client, make_user, login):
    handler = make_user("handler")
    login(handler.username)
    html = client.get("/").get_data(as_text=True)
    assert "/admin/users" not in html
    assert handler.department.name_zh in html


def test_the_favicon_is_linked_and_served(client):
    login_page = client.get("/login").get_data(as_text=True)
    assert 'rel="icon"' in login_page and "favicon.svg" in login_page
    assert client.get("/static/favicon.svg").status_code == 200
    legacy = client.get("/favicon.ico")
    assert legacy.status_code == 301 and legacy.headers["Location"].endswith("/static/favicon.svg")


def test_the_operator_home_lists_what_to_do_now_with_counts(client, login):
    """Callbacks due today or late, returned tickets, my tickets of today: each a link with its count."""
    import time_machine

    from tests.escalation.conftest import local

    with time_machine.travel(local(2026, 11, 16, 12, 0), tick=True):  # midday: "today" is unambiguous
        _operator_home(client, login)


def _operator_home(client, login):
    from datetime import timedelta

    from hotline.db import utcnow
    from hotline.demo.data import DEMO_PASSWORD
    from hotline.demo.seed import seed_reference
    from hotline.extensions import db
    from hotline.tickets import lifecycle

    seed_reference()
    from hotline.auth.models import User
    operator = db.session.scalar(db.select(User).where(User.username == "operator"))

    def intake(phone, now=None):
        return make_ticket(now=now, operator=operator, caller_phone=phone)

    intake("13800000001")
    back = intake("13800000002")
    lifecycle.return_assignment(back.assignments[0].id, grounds="不属本单位", actor=None)
    done = intake("13800000003", now=utcnow() - timedelta(days=10))
    a = done.assignments[0]
    at = a.dispatched_at + timedelta(minutes=30)
    lifecycle.sign_for(a.id, actor=None, now=at)
    lifecycle.record_contact(a.id, at=at, method="phone", reached=True, summary="已联系", actor=None, now=at)
    lifecycle.submit(a.id, reply="已办结", solved=True, actor=None, now=at + timedelta(hours=1))  # callback late
    assert login("operator", DEMO_PASSWORD).status_code == 302
    html = client.get("/").get_data(as_text=True)
    todo = html[html.index("待办事项"):]
    assert '<a href="/tickets/callbacks">今日到期或已逾期的回访</a> <span class="badge badge-alert">1</span>' in todo
    assert '<a href="/tickets/returned">待重新派单的退单</a> <span class="badge badge-alert">1</span>' in todo
    assert '<a href="/tickets/mine">我今天受理的工单</a> <span class="badge">2</span>' in todo
