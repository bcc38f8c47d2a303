"""Routing at intake: the three rules (接诉即办 · 有诉联办 · 屡诉督办) plus 直办 and 纪委监委.

Pure module: standard library only, no Flask, no database.  The intake view
gathers the facts (category, the admin-editable keyword table, the repeat the
operator confirmed) into plain values; ``decide`` proposes a ``Decision``; the
operator confirms it or calls ``override``.  The ``Decision`` — including every
``Reason`` — is stored with the ticket (``Decision.to_dict``) so the ticket
always says *why* it went where it went.

``decide`` applies, in order:

1. 直办 — an inquiry answered on the spot is ``answered`` and never dispatched.
2. 严肃查处 — a misconduct category, or a report (举报), goes to the discipline
   commission (纪委监委), always confidential, no co-handlers.  This takes
   precedence over a repeat link (noted as ``repeat_superseded_by_discipline``).
3. 屡诉督办 — a confirmed repeat: merged (并单) into the chain's open ticket while
   there are no new facts; otherwise re-handled (重办) under supervision, by the
   lead of the chain's last round (the body that failed answers again).
4. 接诉即办 / 有诉联办 — who leads follows 属地管理、分级负责、谁主管谁负责, in order:

   a. the respondent (被反映单位) the caller names, when it is in the directory: it
      answers for its own conduct;
   b. otherwise the place: the government or zone committee of the ticket's county,
      district or development zone (属地), unless the category is set to be led by
      its competent bureau wherever it happens (``CategoryFacts.territorial``);
   c. otherwise the category's default department (行业主管), and failing that the
      first keyword department.

   When the respondent or the place leads, it takes the category default lead's
   place; the category's other default departments and every keyword department
   become co-handlers (协办).  One department → ``on_receipt``; two or more →
   ``joint``.

首接负责制 (the first department to receive a matter is responsible for it and may
not pass it on) is enforced by the return window in ``hotline.tickets.states``,
not here: this module only proposes where the matter goes first.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from hotline.directory.facts import CategoryFacts, KeywordRule
from hotline.enums import N_, LabelledEnum
from hotline.tickets.states import OPEN_TICKET_STATES, DomainError, TicketState

__all__ = [
    "ERROR_CODES",
    "KINDS",
    "REASON_CODES",
    "URGENCIES",
    "CategoryFacts",
    "Decision",
    "KeywordRule",
    "Matter",
    "Reason",
    "RepeatLink",
    "RoutingError",
    "Rule",
    "decide",
    "override",
    "supervision_level_for_repeat",
]

#: Ticket kinds (诉求类型): complaint 投诉, report 举报, inquiry 咨询, help 求助, suggestion 建议.
KINDS: tuple[str, ...] = ("complaint", "report", "inquiry", "help", "suggestion")
URGENCIES: tuple[str, ...] = ("normal", "urgent", "emergency")
MAX_SUPERVISION_LEVEL = 3

#: Every reason code a ``Reason`` may carry, with its params (all values are strings).
REASON_CODES: tuple[str, ...] = (
    "answered_on_spot",  # 直办: inquiry answered during the call
    "report_kind",  # the kind is report (举报)
    "misconduct_category",  # category: an official's own misconduct
    "confidential_requested",  # the caller asked for confidentiality
    "confidential_by_rule",  # discipline matters are always confidential
    "category_default",  # category, department: a default department of the category
    "respondent_leads",  # department: the body complained about answers for its own conduct
    "place_leads",  # department, district: the place's government or zone committee leads (属地)
    "competent_bureau_leads",  # category, department: the category is led by its bureau wherever it happens
    "rehandle_last_lead",  # department, ticket: the lead of the chain's last round answers again
    "repeat_resolved_in_chain",  # linked, ticket, how: the linked ticket stands for its chain's ticket
    "keyword_match",  # keyword, department: the routing table matched the text
    "multiple_departments",  # count, lead: two or more departments → 有诉联办
    "repeat_open_no_new_facts",  # ticket, status, chain, complaint_number, supervision_level
    "repeat_new_facts",  # (same params) the repeat brings new facts
    "repeat_after_close",  # (same params) the earlier ticket is closed / answered
    "repeat_after_unsatisfied_callback",  # (same params) the last callback was unsatisfied
    "repeat_superseded_by_discipline",  # ticket: repeat link noted, discipline rule applies
    "operator_override",  # by, reason, from_rule, lead, co_handlers (comma-separated)
)

#: Every code ``RoutingError`` may carry.
ERROR_CODES: tuple[str, ...] = (
    "unknown_kind",  # kind
    "unknown_urgency",  # urgency
    "only_inquiry_on_spot",  # kind: only an inquiry can be answered on the spot
    "no_discipline_department",  # the discipline department code is blank
    "no_department",  # no category or keyword department: the operator must choose
    "unknown_ticket_status",  # status of the linked earlier ticket
    "repeat_target_merged",  # ticket: link to the chain's ticket, not a merged one
    "invalid_repeat_chain",  # chain_repeat_count < 1 or supervision level outside 0..3
    "override_reason_required",
    "override_by_required",
    "override_lead_required",
    "blank_department",
    "lead_in_co_handlers",  # department
    "duplicate_co_handlers",  # duplicates
)


class RoutingError(DomainError, ValueError):
    """Routing cannot decide, or an override is invalid; ``code`` is in ``ERROR_CODES``."""


class Rule(LabelledEnum):
    """Which rule routed the matter (分派规则)."""

    on_receipt = "on_receipt", N_("Handle on receipt (接诉即办)")  # 接诉即办: one department
    joint = "joint", N_("Joint handling (有诉联办)")  # 有诉联办: lead (主办) + co-handlers (协办)
    merge = "merge", N_("Merge into the open ticket (并单)")  # 并单: into an open ticket of the chain, no new dispatch
    rehandle = "rehandle", N_("Re-handle under supervision (重办督办)")  # 重办: dispatched again, under supervision
    answered = "answered", N_("Answered on the spot (直办)")  # 直办: inquiry answered on the spot
    discipline = "discipline", N_("Refer to the discipline commission")  # to the 纪委监委


#: How a confirmed repeat's linked ticket was resolved to the ticket it merges into or re-handles.
REPEAT_RESOLUTIONS: tuple[str, ...] = ("linked", "chain_open", "chain_latest")


@dataclass(frozen=True)
class RepeatLink:
    """A repeat (重复诉求) the operator confirmed; candidates are found elsewhere.

    ``chain_repeat_count`` counts the tickets already in the chain, the first one
    included (a first repeat: 1), so the new ticket is complaint number
    ``chain_repeat_count + 1``.  ``chain_id`` is None while the earlier ticket has
    no chain yet.

    ``ticket_number`` is the ticket the repeat merges into or re-handles: the chain's
    open ticket, or when the linked ticket was merged, the chain's latest ticket —
    ``linked_number`` is what the operator chose and ``resolution`` (in
    ``REPEAT_RESOLUTIONS``) says how one became the other.  ``last_lead`` is the lead
    department of the chain's last round (None if the chain was never dispatched).
    """

    ticket_number: str
    ticket_status: str
    chain_id: int | None
    chain_repeat_count: int
    chain_supervision_level: int
    new_facts: bool
    last_callback_unsatisfied: bool
    last_lead: str | None = None
    linked_number: str | None = None
    resolution: str = "linked"


@dataclass(frozen=True)
class Matter:
    """The matter as entered at intake (诉求), reduced to what routing needs."""

    kind: str
    category: CategoryFacts | None
    subject: str
    description: str
    confidential_requested: bool
    answered_on_spot: bool
    urgency: str = "normal"
    respondent: str | None = None  # 被反映单位: a directory department the caller complains about
    place: str | None = None  # the government or zone committee of the matter's county or zone
    place_district: str | None = None  # that county's or zone's code (for the reason shown)


@dataclass(frozen=True)
class Reason:
    """A machine-readable reason (``code`` in ``REASON_CODES``) that the UI translates."""

    code: str
    params: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.code not in REASON_CODES:
            raise ValueError(f"unknown reason code: {self.code!r}")

    @classmethod
    def make(cls, code: str, **params: object) -> Reason:
        """Build a reason; param values are turned into strings (None → "")."""
        return cls(code, tuple((k, "" if v is None else str(v)) for k, v in params.items()))

    @property
    def param_dict(self) -> dict[str, str]:
        """The params as a dict."""
        return dict(self.params)


@dataclass(frozen=True)
class Decision:
    """A routing decision (分派决定): the rule, the departments and why.

    ``supervision_level`` is 0 (none) to 3 (三级督办).  ``joint_limits`` says the
    joint-handling time limits apply (15 working days; co-handlers answer in 10).
    """

    rule: Rule
    lead: str | None
    co_handlers: tuple[str, ...]
    merge_into: str | None
    supervision_level: int
    confidential: bool
    joint_limits: bool
    reasons: tuple[Reason, ...]
    overridden: bool = False

    @property
    def departments(self) -> tuple[str, ...]:
        """Lead first, then the co-handlers; empty for merge / answered."""
        return ((self.lead,) if self.lead else ()) + self.co_handlers

    @property
    def reason_codes(self) -> tuple[str, ...]:
        """The codes of ``reasons``, in order."""
        return tuple(r.code for r in self.reasons)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-friendly dict for the ticket's routing record."""
        return {
            "rule": str(self.rule),
            "lead": self.lead,
            "co_handlers": list(self.co_handlers),
            "departments": list(self.departments),
            "merge_into": self.merge_into,
            "supervision_level": self.supervision_level,
            "confidential": self.confidential,
            "joint_limits": self.joint_limits,
            "overridden": self.overridden,
            "reasons": [{"code": r.code, "params": r.param_dict} for r in self.reasons],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Decision:
        """Rebuild a decision stored with ``to_dict`` (``departments`` is derived)."""
        return cls(
            rule=Rule(data["rule"]),
            lead=data["lead"],
            co_handlers=tuple(data["co_handlers"]),
            merge_into=data["merge_into"],
            supervision_level=int(data["supervision_level"]),
            confidential=bool(data["confidential"]),
            joint_limits=bool(data["joint_limits"]),
            reasons=tuple(
                Reason(r["code"], tuple((str(k), str(v)) for k, v in r["params"].items()))
                for r in data["reasons"]
            ),
            overridden=bool(data.get("overridden", False)),
        )


def supervision_level_for_repeat(chain_repeat_count: int, chain_supervision_level: int) -> int:
    """Supervision level (督办级别) for a new complaint in a chain.

    The new complaint is number ``chain_repeat_count + 1``: the 2nd complaint on a
    matter → level 1, the 3rd → level 2, the 4th and later → level 3 (the cap).
    A level the chain already reached (e.g. by escalation) is never lowered:
    ``max(chain_supervision_level, min(3, chain_repeat_count))``.
    """
    if chain_repeat_count < 1 or not 0 <= chain_supervision_level <= MAX_SUPERVISION_LEVEL:
        raise RoutingError(
            "invalid_repeat_chain",
            chain_repeat_count=chain_repeat_count,
            chain_supervision_level=chain_supervision_level,
        )
    return max(chain_supervision_level, min(MAX_SUPERVISION_LEVEL, chain_repeat_count))


def _validate(matter: Matter, discipline_department: str) -> None:
    """Reject inputs no rule can route."""
    if matter.kind not in KINDS:
        raise RoutingError("unknown_kind", kind=matter.kind)
    if matter.urgency not in URGENCIES:
        raise RoutingError("unknown_urgency", urgency=matter.urgency)
    if matter.answered_on_spot and matter.kind != "inquiry":
        raise RoutingError("only_inquiry_on_spot", kind=matter.kind)
    if not discipline_department.strip():
        raise RoutingError("no_discipline_department")


def _normalise(text: str) -> str:
    """Fold full-width forms and case so keyword matching is forgiving."""
    return unicodedata.normalize("NFKC", text).casefold()


def _keyword_departments(matter: Matter, rules: Sequence[KeywordRule]) -> list[tuple[str, Reason]]:
    """Keyword departments by priority (desc; table order within a priority), first match each."""
    text = _normalise(f"{matter.subject}\n{matter.description}")
    found: list[tuple[str, Reason]] = []
    for rule in sorted(rules, key=lambda r: -r.priority):  # stable: table order within a priority
        keyword = next(
            (k for k in rule.keywords if k.strip() and _normalise(k.strip()) in text), None
        )
        if keyword is not None and rule.department:
            found.append(
                (rule.department,
                 Reason.make("keyword_match", keyword=keyword.strip(), department=rule.department))
            )
    return found


def _lead(matter: Matter, keyword_depts: Sequence[str]) -> tuple[str | None, Reason | None]:
    """Who leads (see the module docstring, rule 4 a–c) and why; (None, None) if nobody."""
    category = matter.category
    defaults = tuple(d for d in (category.departments if category else ()) if d)
    if matter.respondent:
        return matter.respondent, Reason.make("respondent_leads", department=matter.respondent)
    if matter.place and (category is None or category.territorial):
        return matter.place, Reason.make(
            "place_leads", department=matter.place, district=matter.place_district or "")
    if defaults:
        if matter.place and category is not None and not category.territorial:
            return defaults[0], Reason.make(
                "competent_bureau_leads", category=category.code, department=defaults[0])
        return defaults[0], Reason.make("category_default", category=category.code, department=defaults[0])
    if keyword_depts:
        return keyword_depts[0], None  # its keyword_match reason is listed with the others
    return None, None


def _route_departments(
    matter: Matter, rules: Sequence[KeywordRule], *, lead: str | None = None,
    lead_reason: Reason | None = None,
) -> tuple[tuple[str, ...], tuple[Reason, ...]]:
    """The lead first (given, or chosen by ``_lead``), then the co-handlers, with every reason.

    Co-handlers are the category's default departments — without its default lead when
    someone else leads — then the keyword departments, deduplicated.
    """
    keywords = _keyword_departments(matter, rules)
    if lead is None:
        lead, lead_reason = _lead(matter, [d for d, _ in keywords])
    if lead is None:
        return (), ()
    departments: dict[str, None] = {lead: None}
    reasons: list[Reason] = [lead_reason] if lead_reason is not None else []
    category = matter.category
    defaults = tuple(d for d in (category.departments if category else ()) if d)
    replaced = defaults[:1] if defaults and defaults[0] != lead else ()
    for dept in defaults:
        if dept not in departments and dept not in replaced:
            departments[dept] = None
            reasons.append(Reason.make("category_default", category=category.code, department=dept))
    for dept, reason in keywords:  # a replaced default lead still joins when the matter's words call for it
        departments.setdefault(dept, None)
        reasons.append(reason)
    return tuple(departments), tuple(reasons)


def _confidential_reasons(matter: Matter) -> tuple[Reason, ...]:
    return (Reason.make("confidential_requested"),) if matter.confidential_requested else ()


def _repeat_reason(code: str, repeat: RepeatLink, level: int) -> Reason:
    return Reason.make(
        code,
        ticket=repeat.ticket_number,
        status=repeat.ticket_status,
        chain=repeat.chain_id,
        complaint_number=repeat.chain_repeat_count + 1,
        supervision_level=level,
    )


def _answered(matter: Matter) -> Decision:
    """Rule 1: 直办."""
    return Decision(
        rule=Rule.answered,
        lead=None,
        co_handlers=(),
        merge_into=None,
        supervision_level=0,
        confidential=matter.confidential_requested,
        joint_limits=False,
        reasons=(Reason.make("answered_on_spot"), *_confidential_reasons(matter)),
    )


def _discipline(matter: Matter, repeat: RepeatLink | None, discipline_department: str) -> Decision:
    """Rule 2: referral to the discipline commission (纪委监委), always confidential."""
    reasons: list[Reason] = []
    if matter.kind == "report":
        reasons.append(Reason.make("report_kind"))
    if matter.category is not None and matter.category.is_misconduct:
        reasons.append(Reason.make("misconduct_category", category=matter.category.code))
    if repeat is not None:
        reasons.append(Reason.make("repeat_superseded_by_discipline", ticket=repeat.ticket_number))
    reasons.extend(_confidential_reasons(matter))
    reasons.append(Reason.make("confidential_by_rule"))
    return Decision(
        rule=Rule.discipline,
        lead=discipline_department.strip(),
        co_handlers=(),
        merge_into=None,
        supervision_level=0,
        confidential=True,
        joint_limits=False,
        reasons=tuple(reasons),
    )


def _repeat_status(repeat: RepeatLink) -> TicketState:
    """The linked ticket's state; a merged ticket is not a valid link target."""
    try:
        status = TicketState(repeat.ticket_status)
    except ValueError:
        raise RoutingError("unknown_ticket_status", status=repeat.ticket_status) from None
    if status is TicketState.merged:
        raise RoutingError("repeat_target_merged", ticket=repeat.ticket_number)
    return status


def _repeat_codes(repeat: RepeatLink) -> tuple[str, ...]:
    """Reason codes for a confirmed repeat; merge iff it is the only one."""
    status = _repeat_status(repeat)
    if status in OPEN_TICKET_STATES and not (repeat.new_facts or repeat.last_callback_unsatisfied):
        return ("repeat_open_no_new_facts",)
    codes: list[str] = []
    if status not in OPEN_TICKET_STATES:
        codes.append("repeat_after_close")
    if repeat.last_callback_unsatisfied:
        codes.append("repeat_after_unsatisfied_callback")
    if repeat.new_facts:
        codes.append("repeat_new_facts")
    return tuple(codes)


def _assess_repeat(repeat: RepeatLink | None) -> tuple[int, tuple[Reason, ...]]:
    """Supervision level and repeat reasons; (0, ()) when there is no repeat."""
    if repeat is None:
        return 0, ()
    level = supervision_level_for_repeat(repeat.chain_repeat_count, repeat.chain_supervision_level)
    return level, tuple(_repeat_reason(code, repeat, level) for code in _repeat_codes(repeat))


def _merge(matter: Matter, repeat: RepeatLink, level: int, reasons: tuple[Reason, ...]) -> Decision:
    """Rule 3, 并单: merged into the open earlier ticket, no new dispatch."""
    return Decision(
        rule=Rule.merge,
        lead=None,
        co_handlers=(),
        merge_into=repeat.ticket_number,
        supervision_level=level,
        confidential=matter.confidential_requested,
        joint_limits=False,
        reasons=reasons + _confidential_reasons(matter),
    )


def _dispatch(
    rule: Rule,
    departments: tuple[str, ...],
    reasons: Iterable[Reason],
    *,
    supervision_level: int,
    confidential: bool,
) -> Decision:
    """A decision that dispatches to departments: first = lead, rest = co-handlers."""
    reasons = tuple(reasons)
    if len(departments) > 1:
        reasons += (
            Reason.make("multiple_departments", count=len(departments), lead=departments[0]),
        )
    return Decision(
        rule=rule,
        lead=departments[0],
        co_handlers=departments[1:],
        merge_into=None,
        supervision_level=supervision_level,
        confidential=confidential,
        joint_limits=len(departments) > 1,
        reasons=reasons,
    )


def decide(
    matter: Matter,
    *,
    rules: Sequence[KeywordRule],
    repeat: RepeatLink | None,
    discipline_department: str,
) -> Decision:
    """Propose a routing decision for a matter at intake (see the module docstring).

    A merge (并单) and a re-handle (重办) both raise the chain's supervision level
    per ``supervision_level_for_repeat`` (at least 1).  Confidential = the caller
    asked, or the discipline rule.  Raises ``RoutingError`` (codes in
    ``ERROR_CODES``), e.g. ``no_department`` when the operator must choose.
    """
    _validate(matter, discipline_department)
    if matter.answered_on_spot:
        return _answered(matter)
    if matter.kind == "report" or (matter.category is not None and matter.category.is_misconduct):
        return _discipline(matter, repeat, discipline_department)
    level, repeat_reasons = _assess_repeat(repeat)
    if repeat is not None and repeat.resolution != "linked":
        repeat_reasons = (Reason.make("repeat_resolved_in_chain", linked=repeat.linked_number,
                                      ticket=repeat.ticket_number, how=repeat.resolution),
                          *repeat_reasons)
    if repeat is not None and repeat_reasons[-1].code == "repeat_open_no_new_facts":
        return _merge(matter, repeat, level, repeat_reasons)
    if repeat is not None and repeat.last_lead:
        departments, dept_reasons = _route_departments(
            matter, rules, lead=repeat.last_lead,
            lead_reason=Reason.make("rehandle_last_lead", department=repeat.last_lead,
                                    ticket=repeat.ticket_number))
    else:
        departments, dept_reasons = _route_departments(matter, rules)
    if not departments:
        raise RoutingError("no_department")
    if repeat is not None:
        rule = Rule.rehandle
    else:
        rule = Rule.joint if len(departments) > 1 else Rule.on_receipt
    return _dispatch(
        rule,
        departments,
        repeat_reasons + dept_reasons + _confidential_reasons(matter),
        supervision_level=level,
        confidential=matter.confidential_requested,
    )


def _check_override(lead: str, co_handlers: Sequence[str], by: str, reason: str) -> None:
    """Validate an operator override; raise ``RoutingError`` on the first problem."""
    if not reason.strip():
        raise RoutingError("override_reason_required")
    if not by.strip():
        raise RoutingError("override_by_required")
    if not lead:
        raise RoutingError("override_lead_required")
    if any(not c for c in co_handlers):
        raise RoutingError("blank_department")
    if lead in co_handlers:
        raise RoutingError("lead_in_co_handlers", department=lead)
    duplicates = tuple(dict.fromkeys(c for c in co_handlers if co_handlers.count(c) > 1))
    if duplicates:
        raise RoutingError("duplicate_co_handlers", duplicates=duplicates)


def override(
    decision: Decision, *, lead: str, co_handlers: Sequence[str], by: str, reason: str
) -> Decision:
    """The operator overrides the proposal with explicit departments (人工改派).

    The rule becomes ``on_receipt`` (one department) or ``joint`` (several), so an
    override of ``merge`` / ``answered`` / ``discipline`` is an explicit re-route to
    departments — except that a confirmed repeat stays a repeat: overriding
    ``merge`` or ``rehandle`` gives ``rehandle`` and keeps the supervision level.
    Confidentiality the caller asked for, or that a report (举报) carries, is never
    dropped; the confidentiality the discipline rule alone imposed goes with it when
    the override routes the matter away from the discipline commission.  The original
    reasons are kept and an ``operator_override`` reason (by, reason, from_rule, lead,
    co_handlers) added.
    """
    lead, co_handlers = lead.strip(), tuple(c.strip() for c in co_handlers)
    _check_override(lead, co_handlers, by, reason)
    departments = (lead, *co_handlers)
    if decision.rule in (Rule.merge, Rule.rehandle):
        rule = Rule.rehandle
    else:
        rule = Rule.joint if len(departments) > 1 else Rule.on_receipt
    note = Reason.make(
        "operator_override",
        by=by.strip(),
        reason=reason.strip(),
        from_rule=decision.rule,
        lead=lead,
        co_handlers=",".join(co_handlers),
    )
    confidential = decision.confidential
    if decision.rule == Rule.discipline and decision.lead not in departments:
        confidential = bool({"confidential_requested", "report_kind"} & set(decision.reason_codes))
    return Decision(
        rule=rule,
        lead=lead,
        co_handlers=co_handlers,
        merge_into=None,
        supervision_level=decision.supervision_level,
        confidential=confidential,
        joint_limits=len(departments) > 1,
        reasons=(*decision.reasons, note),
        overridden=True,
    )
