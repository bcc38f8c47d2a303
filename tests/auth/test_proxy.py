"""Behind the reverse proxy the README calls for, each client keeps its own address: one person's
failed logins lock nobody else out. Without trusted proxies, X-Forwarded-For is ignored."""
from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import select

from hotline import create_app
from hotline.auth.models import LoginLockout, UserSession
from hotline.extensions import db
from tests.conftest import PASSWORD, _TestConfig, csrf_from

PROXY = {"REMOTE_ADDR": "127.0.0.1"}  # every request arrives from the proxy


@pytest.fixture
def proxied_app(app, database_url, redis_url):
    """The app as deployed behind one nginx (TRUSTED_PROXY_COUNT = 1), on the test database."""
    config = _TestConfig(database_url, redis_url)
    config.TRUSTED_PROXY_COUNT = 1
    behind = create_app(config)

    @behind.before_request
    def _fresh_request_globals():  # as tests/conftest.py's app does: each request starts with a clean g
        g.__dict__.clear()
        db.session.expire_all()

    with behind.app_context():
        yield behind


def _attempt(client, username, password, forwarded_for):
    headers = {"X-Forwarded-For": forwarded_for}
    token = csrf_from(client.get("/login", headers=headers, environ_base=PROXY).get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       headers=headers, environ_base=PROXY)


def test_one_attacker_behind_the_proxy_locks_out_only_themselves(proxied_app, make_user):
    make_user("operator", username="wangli")
    attacker, staff = proxied_app.test_client(), proxied_app.test_client()
    for i in range(31):
        _attempt(attacker, f"guess{i}", "wrong", "203.0.113.9")
    assert _attempt(attacker, "wangli", PASSWORD, "203.0.113.9").status_code == 429
    assert _attempt(staff, "wangli", PASSWORD, "10.20.0.15").status_code == 302
    lockout = db.session.scalar(select(LoginLockout))
    assert lockout.address == "203.0.113.9" and lockout.account is None
    assert db.session.scalar(select(UserSession.address)) == "10.20.0.15"


def test_a_forged_first_hop_does_not_change_the_address_behind_the_proxy(proxied_app, make_user):
    make_user("operator", username="wangli")
    attacker = proxied_app.test_client()
    for i in range(30):  # the proxy appends the real address after whatever the client sent
        _attempt(attacker, f"guess{i}", "wrong", f"198.51.100.{i}, 203.0.113.9")
    assert _attempt(attacker, "wangli", PASSWORD, "198.51.100.250, 203.0.113.9").status_code == 429


def test_without_trusted_proxies_forwarded_headers_are_ignored(app, make_user):
    make_user("operator", username="wangli")
    attacker = app.test_client()
    for i in range(30):
        _attempt(attacker, f"guess{i}", "wrong", f"198.51.100.{i}")
    assert _attempt(attacker, "wangli", PASSWORD, "198.51.100.77").status_code == 429
    assert db.session.scalar(select(LoginLockout.address)) == "127.0.0.1"
