"""One set of intake rules (受理规则): what a call must carry before it becomes a ticket.

Pure module (standard library and :mod:`hotline.tickets.identity` only): no Flask, no database.
The operator's form, the JSON API and Open311 each gather what they were sent into an
:class:`Intake` of plain values, call :func:`check`, and map each :class:`Problem`
``(field, code)`` to their own message: a translated field error, a problem-details pointer,
an Open311 error. So the three channels accept and refuse the same calls, on the same field.

The rules, in the order they are checked (at most one problem per field, the first found):

1. ``kind``, ``channel`` and ``urgency`` are known values; ``confidential`` is a yes or a no.
2. Text is cleaned (control characters dropped, whitespace folded; :func:`identity.clean_text`)
   and held to the field limits in :data:`MAX_LENGTH`; the subject is required, the description
   needs :data:`DESCRIPTION_MIN` characters.
3. The caller's phone is normalised (:func:`identity.normalize_phone`). It is required whenever
   someone must call the caller back: a complaint, a help request, and an inquiry that was not
   answered during the call (直办). A report (举报) may be anonymous, and a suggestion needs no
   answer. The caller's name is required for a complaint and a help request.
4. A credit code, when given, is a valid GB 32100-2015 code (normalised, check character verified).
5. A complaint and a report need a category; a county or district, when given, is a known one.
6. Only an inquiry is answered on the spot, and the answer given is then written down.
7. An override names its lead (co-handlers alone are not enough), never also as a co-handler,
   and says why.

Confidentiality is a yes or a no here; that a report is always confidential, whatever the caller
asked, is decided by routing (:mod:`hotline.tickets.routing`, the discipline rule).
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from typing import NamedTuple

from hotline.tickets.identity import (
    InvalidCreditCode,
    InvalidPhone,
    clean_text,
    normalize_phone,
    validate_credit_code,
)

KINDS = ("complaint", "report", "inquiry", "help", "suggestion")
CHANNELS = ("phone", "12345", "web", "email", "walk_in", "api")
URGENCIES = ("normal", "urgent", "emergency")

#: The most characters each text field may hold (after cleaning; the phone and the credit code as typed).
MAX_LENGTH = {
    "caller_phone": 40, "caller_name": 64, "credit_code": 30, "enterprise_name": 200, "respondent": 120,
    "subject": 80, "description": 5000, "answer": 3000, "override_reason": 200,
}
#: The fewest characters of a description that says what happened.
DESCRIPTION_MIN = 10

#: Kinds whose caller must be named (a report may be anonymous; a suggestion or an inquiry need no name).
NAME_REQUIRED = frozenset({"complaint", "help"})
#: Kinds that need a category.
CATEGORY_REQUIRED = frozenset({"complaint", "report"})

_MULTILINE = frozenset({"description", "answer"})


class Problem(NamedTuple):
    """One refusal: the field (the form's and the JSON API's name) and a code saying why.

    Codes: ``required``, ``too_long``, ``too_short``, ``choice`` (not a known value), ``unknown``
    (not in the directory), ``inquiry_only``, ``lead_included``, ``phone_<InvalidPhone.code>`` and
    ``credit_code_<InvalidCreditCode.code>``.
    """

    field: str
    code: str


@dataclass(frozen=True)
class Intake:
    """One call as a channel received it: plain strings (uncleaned), flags and codes."""

    kind: str
    subject: str = ""
    description: str = ""
    channel: str = "phone"
    category: str = ""
    caller_name: str = ""
    caller_phone: str = ""
    enterprise_name: str = ""
    credit_code: str = ""
    district: str = ""
    respondent: str = ""
    urgency: str = "normal"
    confidential: object = False  # must be a bool; a channel passes what it could not parse as is
    answered_on_spot: bool = False
    answer: str = ""
    lead: str = ""
    co_handlers: tuple[str, ...] = ()
    override_reason: str = ""


@dataclass(frozen=True)
class Checked:
    """The call cleaned (text) and normalised (phone, credit code), and what is wrong with it."""

    intake: Intake
    problems: tuple[Problem, ...]

    @property
    def ok(self) -> bool:
        """Whether the call may become a ticket."""
        return not self.problems

    def problem(self, field: str) -> Problem | None:
        """The problem of ``field``, if it has one."""
        return next((p for p in self.problems if p.field == field), None)


def needs_phone(kind: str, answered_on_spot: bool) -> bool:
    """Whether the caller must be called back: a complaint, a help request, an inquiry not answered
    during the call."""
    return kind in ("complaint", "help") or (kind == "inquiry" and not answered_on_spot)


def clean(intake: Intake) -> Intake:
    """Every text field and code cleaned (:func:`identity.clean_text`); flags as given."""
    text = {name: clean_text(getattr(intake, name) or "", multiline=name in _MULTILINE)
            for name in ("subject", "description", "caller_name", "caller_phone", "enterprise_name",
                         "credit_code", "respondent", "answer", "override_reason")}
    codes = {name: clean_text(getattr(intake, name) or "", multiline=False)
             for name in ("kind", "channel", "category", "district", "urgency", "lead")}
    co_handlers = tuple(c for c in (clean_text(c or "", multiline=False) for c in intake.co_handlers or ()) if c)
    return replace(intake, **text, **codes, co_handlers=co_handlers)


def check(intake: Intake, *, districts: Collection[str] | None = None) -> Checked:
    """Clean, normalise and check one call. ``districts``: the known county/district codes (None:
    not checked here)."""
    values = clean(intake)
    problems: dict[str, str] = {}
    _choices(values, problems)
    _texts(values, problems)
    phone = _phone(values, problems)
    if values.kind in NAME_REQUIRED and not values.caller_name:
        _add(problems, "caller_name", "required")
    code = _credit_code(values, problems)
    _who_and_what(values, problems, districts)
    _routing_override(values, problems)
    values = replace(values, caller_phone=phone or "", credit_code=code or "")
    return Checked(values, tuple(Problem(f, c) for f, c in problems.items()))


def _add(problems: dict[str, str], field: str, code: str) -> None:
    problems.setdefault(field, code)


def _choices(v: Intake, problems: dict[str, str]) -> None:
    for field, allowed in (("kind", KINDS), ("channel", CHANNELS), ("urgency", URGENCIES)):
        if getattr(v, field) not in allowed:
            _add(problems, field, "choice")
    if not isinstance(v.confidential, bool):
        _add(problems, "confidential", "choice")


def _texts(v: Intake, problems: dict[str, str]) -> None:
    if not v.subject:
        _add(problems, "subject", "required")
    if not v.description:
        _add(problems, "description", "required")
    elif len(v.description) < DESCRIPTION_MIN:
        _add(problems, "description", "too_short")
    for field, limit in MAX_LENGTH.items():
        if len(getattr(v, field)) > limit:
            _add(problems, field, "too_long")


def _phone(v: Intake, problems: dict[str, str]) -> str | None:
    if "caller_phone" in problems:
        return None
    if not v.caller_phone:
        if needs_phone(v.kind, v.answered_on_spot):
            _add(problems, "caller_phone", "required")
        return None
    try:
        return normalize_phone(v.caller_phone)
    except InvalidPhone as exc:
        _add(problems, "caller_phone", f"phone_{exc.code}")
        return None


def _credit_code(v: Intake, problems: dict[str, str]) -> str | None:
    if not v.credit_code or "credit_code" in problems:
        return None
    try:
        return validate_credit_code(v.credit_code)
    except InvalidCreditCode as exc:
        _add(problems, "credit_code", f"credit_code_{exc.code}")
        return None


def _who_and_what(v: Intake, problems: dict[str, str], districts: Collection[str] | None) -> None:
    if v.kind in CATEGORY_REQUIRED and not v.category:
        _add(problems, "category", "required")
    if v.district and districts is not None and v.district not in districts:
        _add(problems, "district", "unknown")
    if v.answered_on_spot and v.kind != "inquiry":
        _add(problems, "answered_on_spot", "inquiry_only")
    if v.answered_on_spot and not v.answer:
        _add(problems, "answer", "required")


def _routing_override(v: Intake, problems: dict[str, str]) -> None:
    if v.co_handlers and not v.lead:
        _add(problems, "lead", "required")
    if v.lead and v.lead in v.co_handlers:
        _add(problems, "co_handlers", "lead_included")
    if v.lead and not v.override_reason:
        _add(problems, "override_reason", "required")
