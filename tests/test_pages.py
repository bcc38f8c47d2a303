"""Error pages, language switch, security headers, no inline script."""
from __future__ import annotations

import re

from tests.conftest import csrf_from


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
