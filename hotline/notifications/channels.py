"""The registry of channels: in-app, e-mail over SMTP, SMS through a gateway.

In-app notices are rows written in the ticket's own transaction (:mod:`hotline.notifications.services`).
E-mail and SMS leave the system: each is a :class:`~hotline.notifications.models.Delivery` row written
in that transaction and sent afterwards by a job (:mod:`hotline.notifications.jobs`), so a slow or
failing server never holds or rolls back the ticket. A channel's ``send`` raises
:class:`DeliveryError` when the message did not go out; the job records it and tries again later.

SMS providers: ``log`` (the demo: the message is written to the application log and counts as
sent) and ``http`` (a gateway: ``POST`` JSON ``{"to", "text", "sender"}`` to ``SMS_GATEWAY_URL``
with ``Authorization: Bearer SMS_GATEWAY_KEY``; any 2xx answer is a success).
"""
from __future__ import annotations

import json
import logging
import smtplib
import ssl
import urllib.error
import urllib.request
from email.message import EmailMessage
from email.utils import make_msgid

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """A message did not go out (the server refused it, could not be reached, or did not answer)."""


class NotConfigured(DeliveryError):
    """The channel has no server configured."""


class EmailChannel:
    """E-mail over SMTP (``smtplib``): STARTTLS, implicit TLS (``ssl``) or none, optional login."""

    name = "email"

    def send(self, address: str, subject: str, body: str, config) -> str:
        """Send one mail; returns its Message-ID."""
        if not config.get("SMTP_HOST"):
            raise NotConfigured("SMTP_HOST is not set")
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = config["SMTP_SENDER"], address, subject
        msg["Message-ID"] = make_msgid(domain=config["SMTP_SENDER"].partition("@")[2] or None)
        msg.set_content(body)
        security = (config.get("SMTP_SECURITY") or "none").lower()
        host, port, timeout = config["SMTP_HOST"], int(config["SMTP_PORT"]), float(config["SMTP_TIMEOUT"])
        try:
            # the server's certificate is verified (system CAs, or SMTP_CA_FILE for an internal CA)
            context = ssl.create_default_context(cafile=config.get("SMTP_CA_FILE") or None)
            if security == "ssl":
                server = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
            else:
                server = smtplib.SMTP(host, port, timeout=timeout)
            with server:
                if security == "starttls":
                    server.starttls(context=context)
                if config.get("SMTP_USERNAME"):
                    server.login(config["SMTP_USERNAME"], config.get("SMTP_PASSWORD", ""))
                server.send_message(msg)
        except (smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"smtp: {type(exc).__name__}: {exc}") from exc
        return msg["Message-ID"]


class LogSmsProvider:
    """The demo's SMS provider: writes the message to the log."""

    def send(self, phone: str, text: str, config) -> str:
        """Log the message; it counts as sent."""
        log.info("SMS to %s****%s: %s", phone[:3], phone[-4:], text)
        return "log"


class HttpSmsProvider:
    """An HTTP SMS gateway configured by URL and key."""

    def send(self, phone: str, text: str, config) -> str:
        """POST the message to the gateway; returns the gateway's message id (or its status)."""
        url = config.get("SMS_GATEWAY_URL")
        if not url:
            raise NotConfigured("SMS_GATEWAY_URL is not set")
        payload = json.dumps({"to": phone, "text": text, "sender": config.get("SMS_SENDER", "")}).encode()
        request = urllib.request.Request(url, data=payload, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {config.get('SMS_GATEWAY_KEY', '')}"})
        try:
            with urllib.request.urlopen(request, timeout=float(config["SMS_TIMEOUT"])) as response:
                answer = response.read(4096)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"sms gateway: HTTP {exc.code}") from exc
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            raise DeliveryError(f"sms gateway: {type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc
        try:
            return str(json.loads(answer or b"{}").get("id", "ok"))[:100]
        except (ValueError, AttributeError):
            return "ok"


SMS_PROVIDERS = {"log": LogSmsProvider(), "http": HttpSmsProvider()}


class SmsChannel:
    """SMS through the configured provider (``SMS_PROVIDER``)."""

    name = "sms"

    def send(self, address: str, subject: str, body: str, config) -> str:
        """Send ``body`` to the mobile number ``address``."""
        provider = SMS_PROVIDERS.get(config.get("SMS_PROVIDER") or "log")
        if provider is None:
            raise NotConfigured(f"unknown SMS_PROVIDER {config.get('SMS_PROVIDER')!r}")
        return provider.send(address, body, config)


#: Channels that leave the system, by name (in-app notices are written directly).
CHANNELS = {"email": EmailChannel(), "sms": SmsChannel()}
