"""A confidential ticket as each reader may see it (保密): who may see the caller's identity, and
its free text with the identity redacted for everyone else.

DOMAIN.md: handlers see no name, phone or enterprise identity; operators and supervisors see it,
and each view is recorded (:func:`hotline.tickets.intake.record_identity_view`). Integrations
(API keys, Open311) see a confidential ticket's text redacted, whatever the key's role. An admin
sees the identity only when also holding the supervisor (or operator) role.
"""
from __future__ import annotations

from collections.abc import Callable

from hotline.roles import Role
from hotline.tickets import redaction
from hotline.tickets.models import Ticket

#: The roles that may reveal a confidential caller's identity (each reveal is recorded).
REVEALING_ROLES = (Role.operator, Role.supervisor)


def may_see_identity(user) -> bool:
    """Whether ``user`` may reveal a confidential caller's identity."""
    return user is not None and user.has_role(*REVEALING_ROLES)


def identity_of(ticket: Ticket) -> redaction.Identity:
    """What identifies the ticket's caller."""
    return redaction.Identity.of(ticket.caller_name, ticket.caller_phone, ticket.enterprise_name,
                                 ticket.credit_code)


def text_filter(ticket: Ticket, *, revealed: bool = False) -> Callable[[str | None], str]:
    """A function showing the ticket's free text: as written when the ticket is not confidential
    or its identity was revealed (and recorded), else with the caller's identity redacted."""
    if revealed or not ticket.confidential:
        return lambda text: text or ""
    identity = identity_of(ticket)
    return lambda text: redaction.redact(text, identity)


def subject(ticket: Ticket) -> str:
    """The ticket's subject as a list shows it (redacted when the ticket is confidential)."""
    return text_filter(ticket)(ticket.subject)
