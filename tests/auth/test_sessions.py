"""Sessions kept on the server: logout, a password change, a deactivation, "log out everywhere"
and an admin's revocation really end them; "remember me" lasts at most 14 days."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select

from hotline.auth.models import User, UserSession
from hotline.demo.data import DEMO_PASSWORD
from hotline.extensions import db
from tests.conftest import PASSWORD, csrf_from

START = datetime(2026, 11, 16, 2, 0, tzinfo=UTC)  # a Monday, 10:00 in Linfen


def _login(client, username, password=PASSWORD, remember=False, address="127.0.0.1"):
    environ = {"REMOTE_ADDR": address}
    token = csrf_from(client.get("/login", environ_base=environ).get_data(as_text=True))
    data = {"username": username, "password": password, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    response = client.post("/login", data=data, environ_base=environ)
    assert response.status_code == 302, response.get_data(as_text=True)
    return response


def _logged_in(client, address="127.0.0.1") -> bool:
    return client.get("/", environ_base={"REMOTE_ADDR": address}).status_code == 200


def _post(client, url, page="/"):
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={"csrf_token": token})


def _cookie(client, name):
    cookie = client.get_cookie(name)
    return cookie.value if cookie else None


def _forget_browser_session(client):
    """What closing the browser does: the session cookie goes, the remember cookie stays."""
    client.delete_cookie("session")


def test_a_session_cookie_replayed_after_logout_is_refused(app, make_user):
    make_user("operator", username="wangli")
    client = app.test_client()
    _login(client, "wangli")
    stolen = _cookie(client, "session")
    assert _post(client, "/logout").status_code == 302
    client.set_cookie("session", stolen)
    assert not _logged_in(client)
    assert db.session.scalar(select(UserSession.end_reason)) == "logout"


def test_logout_also_deletes_and_revokes_the_remember_cookie(app, make_user):
    make_user("operator", username="wangli")
    client = app.test_client()
    _login(client, "wangli", remember=True)
    remembered = _cookie(client, "remember_token")
    response = _post(client, "/logout")
    assert "remember_token=;" in " ".join(response.headers.getlist("Set-Cookie"))
    fresh = app.test_client()
    fresh.set_cookie("remember_token", remembered)
    assert not _logged_in(fresh)


def test_remember_me_restores_a_login_for_at_most_fourteen_days(app, make_user):
    make_user("operator", username="wangli")
    client = app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        response = _login(client, "wangli", remember=True)
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token="))
        expires = datetime.strptime(cookie.split("Expires=")[1].split(";")[0], "%a, %d %b %Y %H:%M:%S GMT")
        assert expires.replace(tzinfo=UTC) - START <= timedelta(days=14)
        remembered = _cookie(client, "remember_token")
        clock.shift(timedelta(days=13))
        _forget_browser_session(client)
        assert _logged_in(client)  # restored from the remember cookie
        clock.shift(timedelta(days=1, minutes=1))
        _forget_browser_session(client)
        client.set_cookie("remember_token", remembered)  # replayed even if the browser dropped it
        assert not _logged_in(client)


def test_a_password_change_ends_every_session_and_remember_cookie(app, make_user):
    user = make_user("operator", username="wangli")
    make_user("admin", username="boss", password=DEMO_PASSWORD)
    desk, laptop, admin = app.test_client(), app.test_client(), app.test_client()
    _login(desk, "wangli")
    _login(laptop, "wangli", remember=True)
    remembered = _cookie(laptop, "remember_token")
    _login(admin, "boss", DEMO_PASSWORD)
    page = f"/admin/users/{user.id}"
    token = csrf_from(admin.get(page).get_data(as_text=True))
    response = admin.post(page, data={"csrf_token": token, "username": "wangli", "display_name": "王丽",
                                      "role": "operator", "locale": "zh_CN", "password": "a-brand-new-password",
                                      "active": "y"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.session_version == 2
    assert not _logged_in(desk) and not _logged_in(laptop)
    replay = app.test_client()
    replay.set_cookie("remember_token", remembered)
    assert not _logged_in(replay)
    reasons = set(db.session.scalars(select(UserSession.end_reason).where(UserSession.user_id == user.id)))
    assert reasons == {"password_changed"}
    _login(desk, "wangli", "a-brand-new-password")
    assert _logged_in(desk)


def test_saving_a_user_without_a_new_password_keeps_their_sessions(app, make_user):
    user = make_user("operator", username="wangli")
    make_user("admin", username="boss", password=DEMO_PASSWORD)
    desk, admin = app.test_client(), app.test_client()
    _login(desk, "wangli")
    _login(admin, "boss", DEMO_PASSWORD)
    page = f"/admin/users/{user.id}"
    token = csrf_from(admin.get(page).get_data(as_text=True))
    admin.post(page, data={"csrf_token": token, "username": "wangli", "display_name": "王丽二",
                           "role": "operator", "locale": "zh_CN", "password": "", "active": "y"})
    assert _logged_in(desk)


def test_deactivation_ends_sessions_for_good(app, make_user):
    from hotline.auth.services import update_user

    user = make_user("operator", username="wangli")
    client = app.test_client()
    _login(client, "wangli", remember=True)
    update_user(user, display_name="王丽", role="operator", department_id=None, locale="zh_CN", active=False)
    assert not _logged_in(client)
    update_user(user, display_name="王丽", role="operator", department_id=None, locale="zh_CN", active=True)
    _forget_browser_session(client)
    assert not _logged_in(client)  # reactivating does not bring the old sessions back


def test_log_out_everywhere_ends_the_other_computers_too(app, make_user):
    make_user("operator", username="wangli")
    desk, laptop = app.test_client(), app.test_client()
    _login(desk, "wangli")
    _login(laptop, "wangli", remember=True, address="10.0.0.9")
    page = desk.get("/account/sessions").get_data(as_text=True)
    assert "10.0.0.9" in page and "本浏览器" in page
    response = _post(desk, "/logout/everywhere", "/account/sessions")
    assert response.status_code == 302
    assert not _logged_in(desk)
    _forget_browser_session(laptop)
    assert not _logged_in(laptop, "10.0.0.9")


def test_an_admin_sees_a_users_sessions_and_can_end_one(app, make_user):
    user = make_user("operator", username="wangli")
    make_user("admin", username="boss", password=DEMO_PASSWORD)
    desk, laptop, admin = app.test_client(), app.test_client(), app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        _login(desk, "wangli", address="10.0.0.8")
        _login(laptop, "wangli", address="10.0.0.9")
        clock.shift(timedelta(minutes=5))
        assert _logged_in(laptop, "10.0.0.9")  # last seen moves on (at most one write a minute)
        _login(admin, "boss", DEMO_PASSWORD)
        listing = admin.get("/admin/users").get_data(as_text=True)
        assert f'href="/admin/users/{user.id}/sessions">2</a>' in listing
        page = admin.get(f"/admin/users/{user.id}/sessions").get_data(as_text=True)
        assert "10.0.0.8" in page and "10.0.0.9" in page
        assert "2026-11-16 10:05" in page and "2026-11-16 10:00" in page  # last seen, in Linfen time
        laptop_session = db.session.scalar(select(UserSession).where(UserSession.address == "10.0.0.9"))
        token = csrf_from(page)
        response = admin.post(f"/admin/users/{user.id}/sessions/{laptop_session.id}/revoke",
                              data={"csrf_token": token})
        assert response.status_code == 302
        assert not _logged_in(laptop, "10.0.0.9")
        assert _logged_in(desk, "10.0.0.8")
        ended = admin.get(f"/admin/users/{user.id}/sessions").get_data(as_text=True)
        assert "被管理员结束" in ended
        admin.post(f"/admin/users/{user.id}/sessions/revoke-all", data={"csrf_token": token})
        assert not _logged_in(desk, "10.0.0.8")


def test_a_session_ends_on_the_server_after_its_lifetime_even_with_a_fresh_cookie(app, make_user):
    make_user("operator", username="wangli")
    client = app.test_client()
    with time_machine.travel(START, tick=False) as clock:
        _login(client, "wangli")
        clock.shift(timedelta(hours=7, minutes=59))
        token = csrf_from(client.get("/").get_data(as_text=True))
        client.post("/language/en", data={"csrf_token": token, "next": "/"})  # the cookie is signed anew
        clock.shift(timedelta(minutes=2))
        assert client.get_cookie("session") is not None
        assert not _logged_in(client)


def test_raising_the_session_version_alone_refuses_every_earlier_session_id(app, make_user):
    user = make_user("operator", username="wangli")
    client = app.test_client()
    _login(client, "wangli", remember=True)
    user.session_version += 1  # as "log out everywhere" does, without touching the session rows
    db.session.commit()
    assert not _logged_in(client)
    _forget_browser_session(client)
    assert not _logged_in(client)


def test_a_session_id_from_before_the_upgrade_is_logged_out(app, client, make_user):
    user = make_user("operator", username="wangli")
    with client.session_transaction() as sess:
        sess["_user_id"] = str(user.id)  # the old format: a bare user id
        sess["_fresh"] = True
    assert client.get("/").status_code == 302


def test_session_ids_are_not_guessable_from_the_database(app, make_user):
    make_user("operator", username="wangli")
    client = app.test_client()
    _login(client, "wangli")
    with client.session_transaction() as sess:
        user_id, version, token = sess["_user_id"].split(":")
    stored = db.session.scalar(select(UserSession.token_hash))
    assert token not in stored and len(token) >= 40
    other = db.session.scalar(select(User).where(User.username == "wangli"))
    assert int(user_id) == other.id and int(version) == other.session_version
