"""Links sent to callers: the status page, and the signed satisfaction link (满意度评价链接).

A satisfaction token names one ticket and one round of handling (a reopened ticket is judged
again), is signed with the application's secret (itsdangerous, its own salt) and expires after
``SATISFACTION_LINK_DAYS``. That it is used only once is recorded in the database by whoever
accepts the answer (:mod:`hotline.public.services`).
"""
from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "hotline.satisfaction.v1"


class LinkInvalid(Exception):
    """The token was altered, signed with another key, or is not a token at all."""


class LinkExpired(LinkInvalid):
    """The token was genuine but is older than its lifetime."""


@dataclass(frozen=True)
class SatisfactionClaim:
    """What a genuine satisfaction token says: the ticket and the round it asks about."""

    ticket_id: int
    round: int


def _serializer(secret: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret, salt=SALT)


def sign_satisfaction(secret: str, ticket_id: int, round_: int) -> str:
    """A token for the satisfaction link of ``ticket_id``'s ``round_``."""
    return _serializer(secret).dumps({"t": int(ticket_id), "r": int(round_)})


def read_satisfaction(secret: str, token: str, *, max_age_seconds: int) -> SatisfactionClaim:
    """The claim in ``token``; :class:`LinkExpired` or :class:`LinkInvalid` otherwise."""
    try:
        data = _serializer(secret).loads(token, max_age=max_age_seconds)
    except SignatureExpired as exc:
        raise LinkExpired("expired") from exc
    except BadSignature as exc:
        raise LinkInvalid("bad signature") from exc
    try:
        return SatisfactionClaim(ticket_id=int(data["t"]), round=int(data["r"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise LinkInvalid("malformed") from exc


def status_link(base_url: str, number: str) -> str:
    """The public status page with the ticket number filled in."""
    return f"{base_url}/status?n={quote(number)}"


def satisfaction_link(base_url: str, token: str) -> str:
    """The public satisfaction page for ``token``."""
    return f"{base_url}/satisfaction/{token}"


def staff_link(base_url: str, number: str, *, handler: bool) -> str:
    """The ticket's page in the application (login required): a handler's workbench page, else the
    ticket's page."""
    return f"{base_url}/work/tickets/{quote(number)}" if handler else f"{base_url}/tickets/{quote(number)}"
