"""Tests for hotline.tickets.routing — the three rules, pure functions."""

from __future__ import annotations

import json
from dataclasses import FrozenInstanceError, replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.tickets.routing import (
    ERROR_CODES,
    REASON_CODES,
    CategoryFacts,
    Decision,
    KeywordRule,
    Matter,
    Reason,
    RepeatLink,
    RoutingError,
    Rule,
    decide,
    override,
    supervision_level_for_repeat,
)
from hotline.tickets.states import DomainError

DISCIPLINE = "jiwei"

APPROVAL = CategoryFacts("refusing_applications", False, ("approval",))
FACTOR = CategoryFacts("factor_supply", False, ("zone", "finance"))
BRIBE = CategoryFacts("bribe_seeking", True, ("market",))
NO_DEPT = CategoryFacts("other", False, ())

RULES = (
    KeywordRule(("贷款", "融资"), "finance", priority=1),
    KeywordRule(("停电", "供电"), "power", priority=5),
    KeywordRule(("用水",), "water"),
    KeywordRule(("", "   "), "everything"),  # blank keywords never match
)


def matter(**kw: Any) -> Matter:
    base: dict[str, Any] = dict(
        kind="complaint",
        category=APPROVAL,
        subject="审批超时",
        description="新能源项目审批迟迟未办结",
        confidential_requested=False,
        answered_on_spot=False,
    )
    base.update(kw)
    return Matter(**base)


def repeat(**kw: Any) -> RepeatLink:
    base: dict[str, Any] = dict(
        ticket_number="LF-2025-000123",
        ticket_status="in_progress",
        chain_id=7,
        chain_repeat_count=1,
        chain_supervision_level=0,
        new_facts=False,
        last_callback_unsatisfied=False,
    )
    base.update(kw)
    return RepeatLink(**base)


def run(m: Matter, r: RepeatLink | None = None, rules=RULES) -> Decision:
    return decide(m, rules=rules, repeat=r, discipline_department=DISCIPLINE)


# (id, matter, repeat, rule, lead, co_handlers, merge_into, level, confidential, joint, codes)
CASES = [
    ("answered_on_spot", matter(kind="inquiry", answered_on_spot=True, description="停电怎么办"),
     None, Rule.answered, None, (), None, 0, False, False, ("answered_on_spot",)),
    ("answered_on_spot_confidential",
     matter(kind="inquiry", answered_on_spot=True, confidential_requested=True),
     None, Rule.answered, None, (), None, 0, True, False,
     ("answered_on_spot", "confidential_requested")),
    ("answered_precedes_repeat", matter(kind="inquiry", answered_on_spot=True),
     repeat(), Rule.answered, None, (), None, 0, False, False, ("answered_on_spot",)),
    ("inquiry_not_on_spot_routed", matter(kind="inquiry"),
     None, Rule.on_receipt, "approval", (), None, 0, False, False, ("category_default",)),
    ("help_routed", matter(kind="help", category=None, description="企业用水困难"),
     None, Rule.on_receipt, "water", (), None, 0, False, False, ("keyword_match",)),
    ("suggestion_routed", matter(kind="suggestion"),
     None, Rule.on_receipt, "approval", (), None, 0, False, False, ("category_default",)),
    ("report_kind", matter(kind="report", category=APPROVAL, description="贷款"),
     None, Rule.discipline, DISCIPLINE, (), None, 0, True, False,
     ("report_kind", "confidential_by_rule")),
    ("report_without_category", matter(kind="report", category=None),
     None, Rule.discipline, DISCIPLINE, (), None, 0, True, False,
     ("report_kind", "confidential_by_rule")),
    ("misconduct_category_as_complaint", matter(category=BRIBE),
     None, Rule.discipline, DISCIPLINE, (), None, 0, True, False,
     ("misconduct_category", "confidential_by_rule")),
    ("report_and_misconduct_confidential_requested",
     matter(kind="report", category=BRIBE, confidential_requested=True),
     None, Rule.discipline, DISCIPLINE, (), None, 0, True, False,
     ("report_kind", "misconduct_category", "confidential_requested", "confidential_by_rule")),
    ("discipline_precedes_repeat", matter(category=BRIBE), repeat(),
     Rule.discipline, DISCIPLINE, (), None, 0, True, False,
     ("misconduct_category", "repeat_superseded_by_discipline", "confidential_by_rule")),
    ("single_department_on_receipt", matter(),
     None, Rule.on_receipt, "approval", (), None, 0, False, False, ("category_default",)),
    ("category_plus_keyword_joint", matter(description="审批卡住了，还需要贷款"),
     None, Rule.joint, "approval", ("finance",), None, 0, False, True,
     ("category_default", "keyword_match", "multiple_departments")),
    ("category_with_two_defaults_joint", matter(category=FACTOR),
     None, Rule.joint, "zone", ("finance",), None, 0, False, True,
     ("category_default", "category_default", "multiple_departments")),
    ("keyword_duplicate_of_category_deduplicated",
     matter(category=FACTOR, description="融资难"),
     None, Rule.joint, "zone", ("finance",), None, 0, False, True,
     ("category_default", "category_default", "keyword_match", "multiple_departments")),
    ("keyword_only", matter(category=None, subject="停电", description="厂区频繁停电"),
     None, Rule.on_receipt, "power", (), None, 0, False, False, ("keyword_match",)),
    ("keywords_by_priority", matter(category=None, description="用水、贷款和供电都有问题"),
     None, Rule.joint, "power", ("finance", "water"), None, 0, False, True,
     ("keyword_match", "keyword_match", "keyword_match", "multiple_departments")),
    ("keyword_in_subject_fullwidth_case",
     matter(category=None, subject="ＡＢＣ", description=""), None,
     Rule.on_receipt, "abc_dept", (), None, 0, False, False, ("keyword_match",)),
    ("confidential_requested", matter(confidential_requested=True),
     None, Rule.on_receipt, "approval", (), None, 0, True, False,
     ("category_default", "confidential_requested")),
    ("repeat_open_no_new_facts_merge", matter(), repeat(),
     Rule.merge, None, (), "LF-2025-000123", 1, False, False, ("repeat_open_no_new_facts",)),
    ("repeat_open_no_new_facts_merge_confidential",
     matter(confidential_requested=True), repeat(ticket_status="received"),
     Rule.merge, None, (), "LF-2025-000123", 1, True, False,
     ("repeat_open_no_new_facts", "confidential_requested")),
    ("repeat_resolved_awaiting_callback_merge", matter(), repeat(ticket_status="resolved"),
     Rule.merge, None, (), "LF-2025-000123", 1, False, False, ("repeat_open_no_new_facts",)),
    ("repeat_open_new_facts_rehandle", matter(), repeat(new_facts=True),
     Rule.rehandle, "approval", (), None, 1, False, False,
     ("repeat_new_facts", "category_default")),
    ("repeat_after_close_rehandle", matter(), repeat(ticket_status="closed"),
     Rule.rehandle, "approval", (), None, 1, False, False,
     ("repeat_after_close", "category_default")),
    ("repeat_after_answered_rehandle", matter(), repeat(ticket_status="answered"),
     Rule.rehandle, "approval", (), None, 1, False, False,
     ("repeat_after_close", "category_default")),
    ("repeat_after_unsatisfied_callback_rehandle", matter(),
     repeat(ticket_status="reopened", last_callback_unsatisfied=True),
     Rule.rehandle, "approval", (), None, 1, False, False,
     ("repeat_after_unsatisfied_callback", "category_default")),
    ("repeat_after_close_new_facts_joint_rehandle", matter(description="还需要贷款"),
     repeat(ticket_status="closed", new_facts=True, chain_repeat_count=2),
     Rule.rehandle, "approval", ("finance",), None, 2, False, True,
     ("repeat_after_close", "repeat_new_facts", "category_default", "keyword_match",
      "multiple_departments")),
]
# 属地管理、分级负责、谁主管谁负责: who leads when the caller names a body or the matter has a place.
FACTOR_NDRC = CategoryFacts("factor_supply", False, ("ndrc",))
TAX_REFUND = CategoryFacts("tax_refund", False, ("tax",), territorial=False)
CASES += [
    ("respondent_answers_for_itself", matter(respondent="housing", place="county"),
     None, Rule.on_receipt, "housing", (), None, 0, False, False, ("respondent_leads",)),
    ("place_leads_and_keyword_co_handles",  # the jewellery maker in the development zone
     matter(category=FACTOR_NDRC, place="zone", place_district="kaifaqu",
            description="园区厂房迟迟未验收；缺少流动资金，贷款未获批"),
     None, Rule.joint, "zone", ("finance",), None, 0, False, True,
     ("place_leads", "keyword_match", "multiple_departments")),
    ("place_leads_default_co_handlers_stay", matter(category=FACTOR, place="county"),
     None, Rule.joint, "county", ("finance",), None, 0, False, True,
     ("place_leads", "category_default", "multiple_departments")),
    ("place_is_the_default_lead", matter(category=FACTOR, place="zone"),
     None, Rule.joint, "zone", ("finance",), None, 0, False, True,
     ("place_leads", "category_default", "multiple_departments")),
    ("competent_bureau_leads_wherever", matter(category=TAX_REFUND, place="county"),
     None, Rule.on_receipt, "tax", (), None, 0, False, False, ("competent_bureau_leads",)),
    ("replaced_default_lead_joins_by_keyword",
     matter(category=CategoryFacts("arrears", False, ("finance",)), place="county", description="贷款还不上"),
     None, Rule.joint, "county", ("finance",), None, 0, False, True,
     ("place_leads", "keyword_match", "multiple_departments")),
    ("place_without_category", matter(category=None, place="county", description="用水困难"),
     None, Rule.joint, "county", ("water",), None, 0, False, True,
     ("place_leads", "keyword_match", "multiple_departments")),
    ("discipline_precedes_respondent", matter(category=BRIBE, respondent="housing", place="county"),
     None, Rule.discipline, DISCIPLINE, (), None, 0, True, False,
     ("misconduct_category", "confidential_by_rule")),
    ("rehandle_goes_to_the_last_lead", matter(place="county"),
     repeat(ticket_status="closed", last_lead="housing"),
     Rule.rehandle, "housing", (), None, 1, False, False,
     ("repeat_after_close", "rehandle_last_lead")),
    ("rehandle_last_lead_keeps_keyword_co_handlers", matter(description="还需要贷款"),
     repeat(ticket_status="closed", last_lead="zone"),
     Rule.rehandle, "zone", ("finance",), None, 1, False, True,
     ("repeat_after_close", "rehandle_last_lead", "keyword_match", "multiple_departments")),
    ("merged_link_resolves_to_the_chain_open_ticket", matter(),
     repeat(ticket_number="LF-3", linked_number="LF-2", resolution="chain_open"),
     Rule.merge, None, (), "LF-3", 1, False, False,
     ("repeat_resolved_in_chain", "repeat_open_no_new_facts")),
    ("merged_link_resolves_to_the_chain_latest_ticket", matter(),
     repeat(ticket_number="LF-1", ticket_status="closed", linked_number="LF-2", resolution="chain_latest",
            last_lead="zone"),
     Rule.rehandle, "zone", (), None, 1, False, False,
     ("repeat_resolved_in_chain", "repeat_after_close", "rehandle_last_lead")),
]
RULES_WITH_LATIN = (*RULES, KeywordRule(("abc",), "abc_dept"))


@pytest.mark.parametrize(
    "m, r, rule, lead, co, merge_into, level, confidential, joint, codes",
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_decide(m, r, rule, lead, co, merge_into, level, confidential, joint, codes):
    d = run(m, r, rules=RULES_WITH_LATIN)
    assert d.rule is rule
    assert d.lead == lead
    assert d.co_handlers == co
    assert d.departments == ((lead,) if lead else ()) + co
    assert d.merge_into == merge_into
    assert d.supervision_level == level
    assert d.confidential is confidential
    assert d.joint_limits is joint
    assert d.reason_codes == codes
    assert d.overridden is False


def test_every_rule_and_reason_code_is_covered():
    decisions = [run(c[1], c[2], rules=RULES_WITH_LATIN) for c in CASES]
    decisions.append(override(decisions[0], lead="a", co_handlers=(), by="op1", reason="r"))
    assert {d.rule for d in decisions} == set(Rule)
    assert {code for d in decisions for code in d.reason_codes} == set(REASON_CODES)


def test_reason_params():
    d = run(matter(description="审批卡住了，还需要贷款"), None)
    params = [r.param_dict for r in d.reasons]
    assert params == [
        {"category": "refusing_applications", "department": "approval"},
        {"keyword": "贷款", "department": "finance"},
        {"count": "2", "lead": "approval"},
    ]
    merged = run(matter(), repeat(chain_id=None, chain_repeat_count=2))
    assert merged.reasons[0].param_dict == {
        "ticket": "LF-2025-000123",
        "status": "in_progress",
        "chain": "",
        "complaint_number": "3",
        "supervision_level": "2",
    }
    assert run(matter(category=BRIBE)).reasons[0].param_dict == {"category": "bribe_seeking"}


# chain_repeat_count = tickets already in the chain (first included); new = count + 1.
@pytest.mark.parametrize(
    "count, chain_level, expected",
    [
        (1, 0, 1),  # 2nd complaint → level 1
        (2, 0, 2),  # 3rd complaint → level 2
        (2, 1, 2),
        (3, 0, 3),  # 4th complaint → level 3
        (4, 0, 3),  # 5th: capped at 3
        (10, 2, 3),
        (1, 2, 2),  # an escalated chain is never lowered
        (1, 3, 3),
    ],
    ids=["2nd", "3rd", "3rd_from_1", "4th", "5th_capped", "11th_capped", "kept_2", "kept_3"],
)
@pytest.mark.parametrize("status, new_facts", [("dispatched", False), ("closed", False),
                                               ("in_progress", True)],
                         ids=["merge", "after_close", "new_facts"])
def test_supervision_levels(count, chain_level, expected, status, new_facts):
    assert supervision_level_for_repeat(count, chain_level) == expected
    r = repeat(chain_repeat_count=count, chain_supervision_level=chain_level,
               ticket_status=status, new_facts=new_facts)
    assert run(matter(), r).supervision_level == expected


ERRORS = [
    ("only_inquiry_on_spot", "only_inquiry_on_spot", lambda: run(matter(answered_on_spot=True))),
    ("only_inquiry_on_spot_report", "only_inquiry_on_spot",
     lambda: run(matter(kind="report", answered_on_spot=True))),
    ("unknown_kind", "unknown_kind", lambda: run(matter(kind="praise"))),
    ("unknown_urgency", "unknown_urgency", lambda: run(matter(urgency="asap"))),
    ("no_discipline_department", "no_discipline_department",
     lambda: decide(matter(), rules=RULES, repeat=None, discipline_department=" ")),
    ("no_department", "no_department", lambda: run(matter(category=None, description="无"))),
    ("no_department_empty_category", "no_department", lambda: run(matter(category=NO_DEPT))),
    ("no_department_rehandle", "no_department",
     lambda: run(matter(category=None), repeat(ticket_status="closed"))),
    ("unknown_ticket_status", "unknown_ticket_status",
     lambda: run(matter(), repeat(ticket_status="lost"))),
    ("repeat_target_merged", "repeat_target_merged",
     lambda: run(matter(), repeat(ticket_status="merged"))),
    ("invalid_repeat_chain_count", "invalid_repeat_chain",
     lambda: run(matter(), repeat(chain_repeat_count=0))),
    ("invalid_repeat_chain_level", "invalid_repeat_chain",
     lambda: run(matter(), repeat(chain_supervision_level=4))),
]


@pytest.mark.parametrize("code, fn", [e[1:] for e in ERRORS], ids=[e[0] for e in ERRORS])
def test_routing_errors(code, fn):
    with pytest.raises(RoutingError) as info:
        fn()
    assert info.value.code == code
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, DomainError)


def test_every_error_code_is_tested():
    tested = {e[1] for e in ERRORS} | {e[0] for e in OVERRIDE_ERRORS}
    assert tested == set(ERROR_CODES)


def test_no_department_when_keyword_has_no_match_even_with_other_rules():
    with pytest.raises(RoutingError, match="no_department"):
        run(matter(category=None, description="something"), rules=())


# ---- override --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "original, lead, co, rule, level",
    [
        (run(matter()), "zone", (), Rule.on_receipt, 0),
        (run(matter()), "zone", ("finance", "approval"), Rule.joint, 0),
        (run(matter(kind="inquiry", answered_on_spot=True)), "approval", (), Rule.on_receipt, 0),
        (run(matter(), repeat(chain_repeat_count=2)), "approval", (), Rule.rehandle, 2),
        (run(matter(), repeat(ticket_status="closed")), "zone", ("power",), Rule.rehandle, 1),
        (run(matter(category=BRIBE, confidential_requested=True)), "market", (), Rule.on_receipt, 0),
        (run(matter(kind="report", category=BRIBE)), "market", (), Rule.on_receipt, 0),
        (run(matter(category=BRIBE)), DISCIPLINE, ("market",), Rule.joint, 0),
    ],
    ids=["on_receipt_to_other", "to_joint", "answered_rerouted", "merge_becomes_rehandle",
         "rehandle_kept", "discipline_rerouted_requested_stays_confidential",
         "report_rerouted_stays_confidential", "discipline_kept_as_lead_stays_confidential"],
)
def test_override_valid(original, lead, co, rule, level):
    d = override(original, lead=lead, co_handlers=co, by="op-7", reason="  市民补充了情况 ")
    assert d.rule is rule
    assert d.lead == lead and d.co_handlers == co
    assert d.departments == (lead, *co)
    assert d.merge_into is None
    assert d.supervision_level == level
    assert d.joint_limits is (len(co) > 0)
    assert d.confidential is original.confidential
    assert d.overridden is True
    assert d.reasons[:-1] == original.reasons
    assert d.reasons[-1] == Reason.make(
        "operator_override", by="op-7", reason="市民补充了情况", from_rule=original.rule,
        lead=lead, co_handlers=",".join(co),
    )


def test_override_twice_keeps_both_notes():
    once = override(run(matter()), lead="zone", co_handlers=(), by="a", reason="x")
    twice = override(once, lead="finance", co_handlers=("zone",), by="b", reason="y")
    assert twice.reason_codes == ("category_default", "operator_override", "operator_override")
    assert twice.rule is Rule.joint


OVERRIDE_ERRORS = [
    ("override_reason_required", dict(lead="zone", co_handlers=(), by="op", reason="  ")),
    ("override_by_required", dict(lead="zone", co_handlers=(), by="", reason="r")),
    ("override_lead_required", dict(lead=" ", co_handlers=("zone",), by="op", reason="r")),
    ("blank_department", dict(lead="zone", co_handlers=("finance", ""), by="op", reason="r")),
    ("lead_in_co_handlers", dict(lead="zone", co_handlers=("finance", "zone"), by="op",
                                 reason="r")),
    ("duplicate_co_handlers", dict(lead="zone", co_handlers=("finance", "water", "finance"),
                                   by="op", reason="r")),
]


@pytest.mark.parametrize("code, kwargs", OVERRIDE_ERRORS, ids=[e[0] for e in OVERRIDE_ERRORS])
def test_override_errors(code, kwargs):
    with pytest.raises(RoutingError) as info:
        override(run(matter()), **kwargs)
    assert info.value.code == code


def test_override_error_params():
    with pytest.raises(RoutingError) as info:
        override(run(matter()), lead="z", co_handlers=("a", "b", "a", "b"), by="o", reason="r")
    assert info.value.params == {"duplicates": ("a", "b")}
    with pytest.raises(RoutingError) as info:
        override(run(matter()), lead="z", co_handlers=("z",), by="o", reason="r")
    assert info.value.params == {"department": "z"}


# ---- storage ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_to_dict_json_round_trip(case):
    d = run(case[1], case[2], rules=RULES_WITH_LATIN)
    stored = json.loads(json.dumps(d.to_dict(), ensure_ascii=False))
    assert stored["rule"] == d.rule.value
    assert stored["departments"] == list(d.departments)
    assert Decision.from_dict(stored) == d


def test_to_dict_shape_after_override():
    d = override(run(matter(), repeat()), lead="zone", co_handlers=("finance",), by="op",
                 reason="改派")
    assert json.loads(json.dumps(d.to_dict())) == {
        "rule": "rehandle",
        "lead": "zone",
        "co_handlers": ["finance"],
        "departments": ["zone", "finance"],
        "merge_into": None,
        "supervision_level": 1,
        "confidential": False,
        "joint_limits": True,
        "overridden": True,
        "reasons": [
            {"code": "repeat_open_no_new_facts",
             "params": {"ticket": "LF-2025-000123", "status": "in_progress", "chain": "7",
                        "complaint_number": "2", "supervision_level": "1"}},
            {"code": "operator_override",
             "params": {"by": "op", "reason": "改派", "from_rule": "merge", "lead": "zone",
                        "co_handlers": "finance"}},
        ],
    }


def test_reason_rejects_unknown_code():
    with pytest.raises(ValueError):
        Reason("because")


def test_inputs_are_frozen():
    m = matter()
    with pytest.raises(FrozenInstanceError):
        m.kind = "report"  # type: ignore[misc]
    assert replace(m, kind="report").kind == "report"


# ---- properties ------------------------------------------------------------------------

DEPTS = st.sampled_from(["approval", "zone", "finance", "power", "water", "market"])


@given(
    kind=st.sampled_from(["complaint", "report", "inquiry", "help", "suggestion"]),
    cat_depts=st.lists(DEPTS, max_size=4).map(tuple),
    misconduct=st.booleans(),
    text=st.text(alphabet="贷款融资停电供电用水审批 ", max_size=20),
    confidential=st.booleans(),
    has_repeat=st.booleans(),
    status=st.sampled_from(["received", "dispatched", "in_progress", "resolved", "returned",
                            "reopened", "closed", "answered"]),
    new_facts=st.booleans(),
    unsatisfied=st.booleans(),
    count=st.integers(1, 8),
    level=st.integers(0, 3),
)
def test_decision_invariants(kind, cat_depts, misconduct, text, confidential, has_repeat,
                             status, new_facts, unsatisfied, count, level):
    m = matter(kind=kind, category=CategoryFacts("c", misconduct, cat_depts), description=text,
               confidential_requested=confidential)
    r = repeat(ticket_status=status, new_facts=new_facts, last_callback_unsatisfied=unsatisfied,
               chain_repeat_count=count, chain_supervision_level=level) if has_repeat else None
    try:
        d = run(m, r)
    except RoutingError as e:
        assert e.code == "no_department"
        return
    assert len(set(d.departments)) == len(d.departments)
    assert d.lead not in d.co_handlers
    assert 0 <= d.supervision_level <= 3
    assert d.confidential is (confidential or d.rule is Rule.discipline)
    assert d.joint_limits is (len(d.departments) > 1)
    assert (d.rule in (Rule.merge, Rule.answered)) is (not d.departments)
    if d.rule is Rule.discipline:
        assert d.departments == (DISCIPLINE,)
    elif r is not None:
        assert d.rule in (Rule.merge, Rule.rehandle)
        assert d.supervision_level >= max(1, level)
    else:
        assert d.rule in (Rule.on_receipt, Rule.joint)
        assert d.departments[: len(set(cat_depts))] == tuple(dict.fromkeys(cat_depts))
    json.dumps(d.to_dict())


def test_override_away_from_discipline_drops_the_rule_s_confidentiality():
    """A fee complaint filed under a misconduct category and re-routed to the charging body is
    no longer confidential: only the discipline rule made it so."""
    original = run(matter(category=BRIBE))
    assert original.confidential is True
    d = override(original, lead="market", co_handlers=(), by="op-7", reason="收费问题，不是索贿")
    assert d.confidential is False and d.rule is Rule.on_receipt
