"""Login, logout, failed-login throttling, CSRF and the session cookie."""
from __future__ import annotations

import time

import time_machine
from sqlalchemy import select

from hotline.auth.models import LoginLockout, UserSession
from hotline.extensions import db
from tests.conftest import PASSWORD, csrf_from

START = "2026-11-16 02:00:00+00:00"  # a Monday, 10:00 in Linfen


def _session_user(client):
    with client.session_transaction() as sess:
        return sess.get("_user_id")


def test_login_success_starts_a_session(client, make_user, login):
    user = make_user("operator", username="wangli")
    response = login("wangli")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _session_user(client).startswith(f"{user.id}:1:")  # user id, session version, token
    page = client.get("/").get_data(as_text=True)
    assert "测试operator" in page
    record = db.session.scalar(select(UserSession))
    assert record.user_id == user.id and record.address == "127.0.0.1" and record.ended_at is None
    assert record.token_hash not in _session_user(client)  # only a hash of the token is stored


def test_username_is_case_insensitive(client, make_user, login):
    make_user("operator", username="WangLi")
    assert login("wangli").status_code == 302


def test_wrong_password_shows_error_and_no_session(client, make_user, login):
    make_user("operator", username="wangli")
    response = login("wangli", "wrong-password")
    assert response.status_code == 400
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert _session_user(client) is None


def test_deactivated_user_is_refused(client, make_user, login):
    from hotline.extensions import db

    user = make_user("handler", username="zhangwei")
    user.active = False
    db.session.commit()
    response = login("zhangwei")
    assert response.status_code == 400
    assert _session_user(client) is None


def test_deactivating_a_logged_in_user_ends_their_access(client, make_user, login):
    from hotline.extensions import db

    user = make_user("operator", username="wangli")
    login("wangli")
    assert client.get("/").status_code == 200
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_empty_fields_get_clear_messages_in_chinese(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    page = client.post("/login", data={"username": "", "password": "", "csrf_token": token}).get_data(as_text=True)
    assert "请输入用户名" in page and "请输入密码" in page


def test_oversized_fields_get_messages_and_keep_what_was_typed(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    name = "a" * 65
    page = client.post("/login", data={"username": name, "password": "x" * 129, "csrf_token": token})
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "64" in html and "128" in html
    assert f'value="{name}"' in html


def test_english_messages_after_switching_language(client):
    token = csrf_from(client.get("/login").get_data(as_text=True))
    client.post("/language/en", data={"csrf_token": token, "next": "/login"})
    page = client.post("/login", data={"username": "", "password": "", "csrf_token": token}).get_data(as_text=True)
    assert "Please enter your username." in page


def test_login_without_csrf_token_is_rejected(client, make_user):
    make_user("operator", username="wangli")
    response = client.post("/login", data={"username": "wangli", "password": PASSWORD})
    assert response.status_code == 400
    assert _session_user(client) is None


def _attempt(client, username, password, address="127.0.0.1"):
    environ = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/login", environ_base=environ).get_data(as_text=True))
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token},
                       environ_base=environ)


def test_failures_slow_down_then_lock_the_account_from_that_address_only(app, make_user):
    make_user("operator", username="wangli")
    attacker, colleague = app.test_client(), app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(3):
            assert _attempt(attacker, "wangli", "wrong", "10.0.0.66").status_code == 400
        waiting = _attempt(attacker, "wangli", PASSWORD, "10.0.0.66")  # even the right password waits
        assert waiting.status_code == 429 and waiting.headers["Retry-After"] == "1"
        assert "请等待 1 秒" in waiting.get_data(as_text=True)
        for delay in (1, 2, 4, 8, 16, 32, 60):  # doubling, capped at a minute
            clock.shift(delay)
            assert _attempt(attacker, "wangli", "wrong", "10.0.0.66").status_code == 400
        clock.shift(60)
        locked = _attempt(attacker, "wangli", PASSWORD, "10.0.0.66")
        assert locked.status_code == 429 and "这台电脑" in locked.get_data(as_text=True)
        lockout = db.session.scalar(select(LoginLockout))
        assert (lockout.account, lockout.address, lockout.failures) == ("wangli", "10.0.0.66", 10)
        assert _attempt(colleague, "wangli", PASSWORD, "10.0.0.5").status_code == 302  # from elsewhere: fine
        clock.shift(15 * 60)
        assert _attempt(attacker, "wangli", PASSWORD, "10.0.0.66").status_code == 302  # the window has passed


def test_failed_logins_for_other_accounts_do_not_touch_this_one(app, make_user):
    make_user("operator", username="wangli")
    client = app.test_client()
    with time_machine.travel(START, tick=False):
        for i in range(9):
            assert _attempt(client, f"nobody{i}", "wrong", "10.0.0.66").status_code == 400
        assert _attempt(client, "wangli", PASSWORD, "10.0.0.66").status_code == 302


def test_failed_logins_are_limited_per_address(client, make_user, login):
    make_user("operator", username="wangli")
    for i in range(30):
        assert login(f"nobody{i}", "wrong").status_code == 400
    refused = login("wangli")
    assert refused.status_code == 429 and "这台电脑的登录失败次数过多" in refused.get_data(as_text=True)
    lockout = db.session.scalar(select(LoginLockout))
    assert lockout.account is None and lockout.address == "127.0.0.1" and lockout.failures == 30


def test_unknown_usernames_take_as_long_as_known_ones(app, client, make_user, monkeypatch):
    """An unknown name is checked against a dummy hash, so timing does not tell which names exist."""
    from hotline.auth import services

    app.config["PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:60000"
    make_user("operator", username="wangli")
    checks = []
    real = services.check_password_hash
    monkeypatch.setattr(services, "check_password_hash", lambda h, p: checks.append(h) or real(h, p))
    assert _attempt(client, "no-such-person", "wrong", "10.0.0.1").status_code == 400
    assert len(checks) == 1 and checks[0].startswith("pbkdf2:sha256:60000$")

    def timed(username, address):
        started = time.perf_counter()
        assert _attempt(client, username, "wrong", address).status_code == 400
        return time.perf_counter() - started

    known = min(timed("wangli", f"10.0.1.{i}") for i in range(3))
    unknown = min(timed(f"ghost{i}", f"10.0.2.{i}") for i in range(3))
    assert unknown > known * 0.6, (known, unknown)


def test_an_admin_sees_lockouts_and_can_unlock_one(app, client, make_user, login):
    from hotline.demo.data import DEMO_PASSWORD

    make_user("operator", username="wangli")
    make_user("admin", username="boss", password=DEMO_PASSWORD, locale="zh_CN")
    victim = app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(10):
            _attempt(victim, "wangli", "wrong", "10.0.0.7")
            clock.shift(61)
        assert _attempt(victim, "wangli", PASSWORD, "10.0.0.7").status_code == 429
        assert login("boss", DEMO_PASSWORD).status_code == 302
        page = client.get("/admin/logins").get_data(as_text=True)
        assert "wangli" in page and "10.0.0.7" in page and "锁定中" in page
        lockout = db.session.scalar(select(LoginLockout))
        token = csrf_from(page)
        assert client.post(f"/admin/logins/{lockout.id}/unlock", data={"csrf_token": token}).status_code == 302
        db.session.refresh(lockout)
        assert lockout.unlocked_at is not None and lockout.unlocked_by.username == "boss"
        assert "测试admin 于" in client.get("/admin/logins").get_data(as_text=True)
        assert _attempt(victim, "wangli", PASSWORD, "10.0.0.7").status_code == 302


def test_successful_logins_do_not_count_against_the_limit(client, make_user, login):
    make_user("operator", username="wangli")
    for _ in range(7):
        assert login("wangli").status_code == 302
        token = csrf_from(client.get("/").get_data(as_text=True))
        client.post("/logout", data={"csrf_token": token})


def test_remember_me_is_off_by_default(client, make_user, login):
    make_user("operator", username="wangli")
    response = login("wangli")
    assert "remember_token" not in response.headers.get("Set-Cookie", "")


def test_session_cookie_is_httponly_and_samesite(client, make_user, login):
    make_user("operator", username="wangli")
    cookie = login("wangli").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_ends_the_session(client, make_user, login):
    make_user("operator", username="wangli")
    login("wangli")
    token = csrf_from(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert client.get("/").status_code == 302
    assert db.session.scalar(select(UserSession.end_reason)) == "logout"


def test_next_parameter_cannot_leave_the_site(client, make_user):
    make_user("operator", username="wangli")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "wangli", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
