"""Who is told what, on which channel, and when a failed send is tried again — pure rules.

No Flask, no database: plain values in, plain values out.

- **Staff** (handlers; other roles only when they chose a channel): every in-app notice is also sent
  on the channels of the user's own preference for that event, else their department's, else, for
  a handler, the default below (SMS for the sign-for and contact limits, e-mail for the rest). A
  channel without an address for the user (no e-mail, no mobile number) is skipped.
- **Callers** (来电人): on dispatch an SMS with the ticket number and the status link; on resolution an
  SMS with the satisfaction link. Only to a mobile number, and for a confidential ticket only when
  the caller opted in at intake. A message to a caller carries the ticket number and links, never
  a name, a phone number or an enterprise.
- **Retries**: a failed send is tried again after ``base · 2^(n-1)`` seconds (capped), at most
  ``max_attempts`` tries in all; then the delivery is *failed* and shown to admins.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta

#: Channels besides in-app (which every notice uses) that a preference can name.
EXTERNAL_CHANNELS = ("email", "sms")

#: Events a handler is told of by default on a channel besides in-app.
DEFAULT_CHANNELS: dict[str, tuple[str, ...]] = {
    "new_assignment": ("email",),
    "escalation_sign_warn": ("sms",),
    "escalation_sign_breach": ("sms",),
    "escalation_contact_warn": ("sms",),
    "escalation_contact_breach": ("sms",),
    "escalation_resolve_warn": ("email",),
    "escalation_resolve_breach": ("email",),
    "ticket_reopened": ("email",),
}

#: Events a staff preference may route (the ones that have a message template).
STAFF_EVENTS = tuple(DEFAULT_CHANNELS) + ("supervision_opened",)

#: Events told to the caller, by SMS.
CALLER_EVENTS = ("caller_dispatched", "caller_resolved")

STATUSES = ("pending", "sent", "failed")

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def is_mobile(phone: str | None) -> bool:
    """Whether ``phone`` (digits, as intake stores it) is a mainland mobile number that can take an SMS."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return bool(_MOBILE.match(digits))


def normalize_mobile(phone: str | None) -> str | None:
    """The 11-digit mobile number in ``phone``, or None when it is not one."""
    digits = re.sub(r"\D", "", phone or "")
    if digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if _MOBILE.match(digits) else None


def is_email(address: str | None) -> bool:
    """Whether ``address`` looks like an e-mail address (one @, a dot in the domain, no spaces)."""
    return bool(_EMAIL.match((address or "").strip()))


def parse_channels(text: str | None) -> tuple[str, ...]:
    """A stored preference (``"email,sms"``; empty: none) as known channel names, in registry order."""
    chosen = {c.strip() for c in (text or "").split(",")}
    return tuple(c for c in EXTERNAL_CHANNELS if c in chosen)


def staff_channels(event: str, *, is_handler: bool, user_pref: str | None,
                   department_pref: str | None) -> tuple[str, ...]:
    """The channels besides in-app on which a staff member hears of ``event``.

    ``user_pref`` / ``department_pref``: the stored preference (None: none stored; ``""``: none wanted).
    """
    if user_pref is not None:
        return parse_channels(user_pref)
    if department_pref is not None:
        return parse_channels(department_pref)
    return DEFAULT_CHANNELS.get(event, ()) if is_handler else ()


def staff_address(channel: str, *, email: str | None, mobile: str | None) -> str | None:
    """Where ``channel`` reaches a staff member, or None when they gave no usable address for it."""
    if channel == "email":
        return email.strip() if is_email(email) else None
    if channel == "sms":
        return normalize_mobile(mobile)
    return None


def caller_may_be_told(*, phone: str | None, confidential: bool, opted_in: bool) -> bool:
    """Whether the caller gets an SMS: a mobile number, and for a confidential ticket their consent."""
    return is_mobile(phone) and (opted_in or not confidential)


def backoff_seconds(attempt: int, *, base: int, cap: int) -> int:
    """Seconds to wait after failed try number ``attempt`` (1, 2, …): base, 2·base, 4·base … ≤ cap."""
    if attempt < 1:
        return 0
    return int(min(cap, base * 2 ** min(attempt - 1, 30)))


def retry_intervals(max_attempts: int, *, base: int, cap: int) -> list[int]:
    """The waits between the ``max_attempts`` tries of one send (for RQ's ``Retry(interval=...)``)."""
    return [backoff_seconds(n, base=base, cap=cap) for n in range(1, max(1, max_attempts))]


def after_failure(attempts: int, now: datetime, *, max_attempts: int, base: int,
                  cap: int) -> tuple[str, datetime | None]:
    """The delivery's status after its ``attempts``-th try failed at ``now``, and when to try next."""
    if attempts >= max_attempts:
        return "failed", None
    return "pending", now + timedelta(seconds=backoff_seconds(attempts, base=base, cap=cap))


def mask_address(address: str) -> str:
    """An address as the admin list shows it: ``138****5678`` or ``w***@example.com``."""
    if "@" in address:
        name, _, domain = address.partition("@")
        return f"{name[:1]}***@{domain}"
    digits = address
    return f"{digits[:3]}****{digits[-4:]}" if len(digits) >= 8 else "****"
