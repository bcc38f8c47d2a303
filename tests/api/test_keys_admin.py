"""Admin pages for API keys: admins only, CSRF-protected, the full key shown once, only its hash
stored, revocation effective at once."""
from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from hotline.api.models import ApiKey
from hotline.extensions import db
from tests.conftest import csrf_from
from tests.factories import bearer

PAGES = ["/admin/api-keys/", "/admin/api-keys/new"]


def zh(msgid: str, **params) -> str:
    """A message as the Chinese interface shows it (and proof that it is translated)."""
    from flask_babel import force_locale, gettext

    with force_locale("zh_CN"):
        text = gettext(msgid, **params)
    assert text != msgid % params if params else text != msgid, f"untranslated: {msgid}"
    return text


@pytest.mark.parametrize("role", ["operator", "handler", "supervisor"])
@pytest.mark.parametrize("url", PAGES)
def test_only_admins_get_in(client, app, make_user, login, role, url):
    login(make_user(role).username)
    assert client.get(url).status_code == 403


def test_anonymous_is_sent_to_login(client, app):
    response = client.get("/admin/api-keys/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.fixture
def admin_client(client, city, make_user, login):
    login(make_user("admin", username="root-admin").username)
    return client


def _issue(client, **data):
    token = csrf_from(client.get("/admin/api-keys/new").get_data(as_text=True))
    fields = {"name": "开发区管委会系统", "role": "handler", "department_id": "", "rate_limit": "600 per minute"}
    fields.update(data)
    return client.post("/admin/api-keys/new", data={**fields, "csrf_token": token})


def test_issue_shows_the_key_once_and_stores_only_a_hash(admin_client):
    from hotline.tickets.lookup import departments_by_code

    devzone = departments_by_code(["devzone"])["devzone"]
    response = _issue(admin_client, department_id=str(devzone.id))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    raw = re.search(r'<code id="api-key">([^<]+)</code>', html).group(1)
    prefix, secret = raw.split(".", 1)
    key = db.session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    assert key.key_hash == hashlib.sha256(secret.encode()).hexdigest() and secret not in key.key_hash
    assert key.role == "handler" and key.department_id == devzone.id and key.created_by_id is not None
    assert zh("Copy it now and hand it over securely: it is shown only this once. The hotline keeps only a hash "
              "of it.") in html
    listing = admin_client.get("/admin/api-keys/").get_data(as_text=True)
    assert prefix in listing and secret not in listing and "开发区管委会系统" in listing
    assert admin_client.get("/api/v1/tickets", headers=bearer(raw)).status_code == 200


@pytest.mark.parametrize("data, message", [
    ({"department_id": ""}, "A department system's key needs its department."),
    ({"role": "operator", "rate_limit": "lots"}, "Not a rate limit: write e.g. 600 per minute."),
    ({"role": "operator", "name": ""}, "Please name the integration."),
])
def test_refusals_keep_the_input(admin_client, data, message):
    response = _issue(admin_client, **data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert zh(message).replace("'", "&#39;") in html
    assert 'value="600 per minute"' in html or data.get("rate_limit") == "lots"
    assert db.session.scalar(select(ApiKey.id)) is None


def test_a_name_is_used_once(admin_client):
    assert _issue(admin_client, role="operator", name="12345").status_code == 200
    response = _issue(admin_client, role="operator", name="12345")
    assert response.status_code == 400 and zh("Another key already has this name.") in response.get_data(as_text=True)


def test_forms_need_their_csrf_token(admin_client, make_key):
    assert admin_client.post("/admin/api-keys/new", data={"name": "x", "role": "operator",
                                                          "rate_limit": "1 per second"}).status_code == 400
    make_key("operator", name="12345")
    key_id = db.session.scalar(select(ApiKey.id))
    assert admin_client.post(f"/admin/api-keys/{key_id}/revoke").status_code == 400
    assert db.session.get(ApiKey, key_id).active


def test_revoke_stops_the_key_at_once(admin_client, make_key):
    raw = make_key("operator", name="12345")
    key_id = db.session.scalar(select(ApiKey.id))
    token = csrf_from(admin_client.get("/admin/api-keys/").get_data(as_text=True))
    response = admin_client.post(f"/admin/api-keys/{key_id}/revoke", data={"csrf_token": token},
                                 follow_redirects=True)
    assert response.status_code == 200
    assert zh("Key “%(name)s” revoked.", name="12345") in response.get_data(as_text=True)
    key = db.session.get(ApiKey, key_id)
    assert not key.active and key.revoked_at is not None
    assert admin_client.get("/api/v1/tickets", headers=bearer(raw)).status_code == 401
