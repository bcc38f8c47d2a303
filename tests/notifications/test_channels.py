"""The e-mail channel over TLS against a real SMTP server (STARTTLS and implicit TLS, with login),
and the channel preference pages."""
from __future__ import annotations

import ssl
import subprocess
from email import message_from_bytes, policy

import pytest

from hotline.extensions import db
from hotline.notifications.channels import CHANNELS, DeliveryError
from hotline.notifications.models import ChannelPreference, ContactPoint
from tests.conftest import csrf_from
from tests.notifications.conftest import _free_port, _Inbox


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1 (cert, key)."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


class _Logins:
    """Accepts one user name and password (AUTH PLAIN/LOGIN)."""

    def __init__(self) -> None:
        self.seen: list[bytes] = []

    def __call__(self, server, session, envelope, mechanism, auth_data):
        from aiosmtpd.smtp import AuthResult

        self.seen.append(auth_data.login)
        return AuthResult(success=auth_data.login == b"hotline" and auth_data.password == b"s3cret")


def _server(certificate, *, implicit: bool):
    from aiosmtpd.controller import Controller

    cert, key = certificate
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    inbox, logins, port = _Inbox(), _Logins(), _free_port()
    options = {"ssl_context": context} if implicit else {"tls_context": context, "require_starttls": True}
    # aiosmtpd offers AUTH only after STARTTLS when told to require TLS; on implicit TLS it is TLS already
    controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=logins,
                            auth_require_tls=not implicit, **options)
    controller.start()
    return controller, inbox, logins, port


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_mail_goes_out_over_tls_with_a_login_and_a_verified_certificate(app, certificate, security):
    controller, inbox, logins, port = _server(certificate, implicit=security == "ssl")
    try:
        config = {**app.config, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_SECURITY": security,
                  "SMTP_USERNAME": "hotline", "SMTP_PASSWORD": "s3cret", "SMTP_CA_FILE": str(certificate[0]),
                  "SMTP_SENDER": "hotline@linfen.test", "SMTP_TIMEOUT": 5.0}
        CHANNELS["email"].send("wang@linfen.test", "新派单 261203-00001", "工单 261203-00001 已派至贵部门", config)
        [(sender, rcpts, raw)] = inbox.messages
        mail = message_from_bytes(raw, policy=policy.default)
        assert (sender, rcpts) == ("hotline@linfen.test", ["wang@linfen.test"])
        assert mail["Subject"] == "新派单 261203-00001" and "261203-00001" in mail.get_content()
        assert logins.seen == [b"hotline"]

        with pytest.raises(DeliveryError):  # a wrong password is a failed try, not a crash
            CHANNELS["email"].send("wang@linfen.test", "s", "b", {**config, "SMTP_PASSWORD": "wrong"})
        with pytest.raises(DeliveryError, match="CERTIFICATE_VERIFY_FAILED"):  # an unknown certificate is refused
            CHANNELS["email"].send("wang@linfen.test", "s", "b", {**config, "SMTP_CA_FILE": ""})
        assert len(inbox.messages) == 1
    finally:
        controller.stop()


def test_a_handler_sets_an_address_a_mobile_and_the_channels_per_event(app, client, login, make_user):
    handler = make_user("handler")
    login(handler.username)
    html = client.get("/notifications/channels").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "email": "not-an-address", "mobile": "13912345678",
            "pref_new_assignment": "none", "pref_escalation_sign_warn": "email,sms"}
    refused = client.post("/notifications/channels", data=data)
    assert refused.status_code == 400 and db.session.get(ContactPoint, handler.id) is None
    saved = client.post("/notifications/channels", data={**data, "email": "li@linfen.test"})
    assert saved.status_code == 302
    contact = db.session.get(ContactPoint, handler.id)
    assert (contact.email, contact.mobile) == ("li@linfen.test", "13912345678")
    prefs = {p.event: p.channels for p in db.session.query(ChannelPreference).filter_by(user_id=handler.id)}
    assert prefs == {"new_assignment": "", "escalation_sign_warn": "email,sms"}
    html = client.get("/notifications/channels").get_data(as_text=True)
    assert 'value="li@linfen.test"' in html


def test_an_admin_sets_a_departments_channels_and_others_may_not(app, client, login, make_user, make_department):
    department = make_department()
    admin = make_user("admin")
    login(admin.username)
    html = client.get(f"/admin/departments/{department.id}/channels").get_data(as_text=True)
    response = client.post(f"/admin/departments/{department.id}/channels",
                           data={"csrf_token": csrf_from(html), "pref_escalation_resolve_breach": "email,sms"})
    assert response.status_code == 302
    [pref] = db.session.query(ChannelPreference).filter_by(department_id=department.id).all()
    assert (pref.event, pref.channels) == ("escalation_resolve_breach", "email,sms")

    handler = make_user("handler", department=department)
    other = app.test_client()
    token = csrf_from(other.get("/login").get_data(as_text=True))
    from tests.conftest import PASSWORD

    other.post("/login", data={"username": handler.username, "password": PASSWORD, "csrf_token": token})
    assert other.get("/notifications/channels").status_code == 200
    assert other.get(f"/admin/departments/{department.id}/channels").status_code == 403
    assert other.get("/admin/deliveries").status_code == 403
