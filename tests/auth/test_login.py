"""Login, logout, rate limits, CSRF and the session cookie."""
from __future__ import annotations

from tests.conftest import PASSWORD, csrf_from


def _session_user(client):
    with client.session_transaction() as sess:
        return sess.get("_user_id")


def test_login_success_starts_a_session(client, make_user, login):
    user = make_user("operator", username="wangli")
    response = login("wangli")
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert _session_user(client) == str(user.id)
    page = client.get("/").get_data(as_text=True)
    assert "测试operator" in page


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


def test_failed_logins_are_limited_per_account(client, make_user, login):
    make_user("operator", username="wangli")
    for _ in range(5):
        assert login("wangli", "wrong").status_code == 400
    blocked = login("wangli")  # even the right password is refused now
    assert blocked.status_code == 429
    assert "尝试次数过多" in blocked.get_data(as_text=True)
    assert _session_user(client) is None


def test_failed_logins_are_limited_per_address(client, make_user, login):
    make_user("operator", username="wangli")
    for i in range(30):
        assert login(f"nobody{i}", "wrong").status_code == 400
    assert login("wangli").status_code == 429


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


def test_next_parameter_cannot_leave_the_site(client, make_user):
    make_user("operator", username="wangli")
    token = csrf_from(client.get("/login").get_data(as_text=True))
    response = client.post("/login?next=//evil.example/x",
                           data={"username": "wangli", "password": PASSWORD, "csrf_token": token})
    assert response.headers["Location"] == "/"
