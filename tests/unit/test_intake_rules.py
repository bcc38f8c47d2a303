"""The intake rules (hotline.tickets.intake_rules): pure, no app."""
from __future__ import annotations

import pytest

from hotline.tickets.identity import make_credit_code
from hotline.tickets.intake_rules import DESCRIPTION_MIN, MAX_LENGTH, Intake, Problem, check, needs_phone

CODE = make_credit_code("91141002MA0GRB8K1")
DISTRICTS = {"kaifaqu", "yaodu"}


def call(**changes) -> Intake:
    fields = dict(kind="complaint", subject="申请被窗口拒收", description="窗口以材料不全为由拒收申请，已经跑了三趟。",
                  category="refusal", caller_name="赵建国", caller_phone="138 1234 5678", credit_code=CODE,
                  enterprise_name="临汾市华晟珠宝有限公司", district="kaifaqu")
    fields.update(changes)
    return Intake(**fields)


def problems(**changes) -> list[Problem]:
    return list(check(call(**changes), districts=DISTRICTS).problems)


def test_a_complete_complaint_passes_with_its_phone_and_code_normalised():
    checked = check(call(caller_phone="（0357）２０９６６６６", credit_code=CODE.lower()), districts=DISTRICTS)
    assert checked.ok and checked.problems == ()
    assert checked.intake.caller_phone == "0357-2096666" and checked.intake.credit_code == CODE


def test_text_is_cleaned_before_it_is_measured():
    checked = check(call(subject="  申请\x00被拒\u200b收 ", description="窗口\x1b拒收申请，\r\n没有一次性告知材料。  "))
    assert checked.intake.subject == "申请被拒收"
    assert checked.intake.description == "窗口拒收申请，\n没有一次性告知材料。"
    assert problems(subject=" \u200b ") == [("subject", "required")]


@pytest.mark.parametrize("kind, answered, needed", [
    ("complaint", False, True), ("help", False, True), ("inquiry", False, True), ("inquiry", True, False),
    ("report", False, False), ("suggestion", False, False)])
def test_who_must_leave_a_phone(kind, answered, needed):
    assert needs_phone(kind, answered) is needed
    found = problems(kind=kind, caller_phone="", caller_name="", category="bribery",
                     answered_on_spot=answered, answer="已当场解答。" if answered else "")
    assert (("caller_phone", "required") in found) is needed


@pytest.mark.parametrize("kind, named", [("complaint", True), ("help", True), ("report", False),
                                         ("inquiry", False), ("suggestion", False)])
def test_who_must_give_a_name(kind, named):
    assert (("caller_name", "required") in problems(kind=kind, caller_name="")) is named


@pytest.mark.parametrize("phone, code", [("1381234567", "phone_length"), ("12812345678", "phone_prefix"),
                                         ("abc", "phone_characters"), ("2096666", "phone_area_code"),
                                         ("12345", "phone_short"), ("+1 212 555 0100", "phone_country")])
def test_a_bad_phone_says_why(phone, code):
    assert problems(caller_phone=phone) == [("caller_phone", code)]


@pytest.mark.parametrize("raw, code", [(CODE[:17], "credit_code_length"),
                                       (CODE[:16] + "I" + CODE[17], "credit_code_alphabet"),
                                       (CODE[:17] + ("0" if CODE[17] != "0" else "1"), "credit_code_check")])
def test_a_bad_credit_code_says_why(raw, code):
    assert problems(credit_code=raw) == [("credit_code", code)]


def test_an_empty_credit_code_is_absent():
    checked = check(call(credit_code="  "))
    assert checked.ok and checked.intake.credit_code == ""


@pytest.mark.parametrize("field", sorted(MAX_LENGTH))
def test_every_limit_is_held_one_character_past_it(field):
    limit = MAX_LENGTH[field]
    at_limit = {"caller_phone": "1" * limit, "credit_code": "9" * limit}.get(field, "字" * limit)
    over = at_limit + ("1" if field in ("caller_phone", "credit_code") else "字")
    assert ("too_long" != dict(problems(**{field: at_limit})).get(field))
    assert dict(problems(**{field: over}, lead="market" if field == "override_reason" else ""))[field] == "too_long"


def test_the_description_says_what_happened():
    assert problems(description="") == [("description", "required")]
    assert problems(description="太短了") == [("description", "too_short")]
    assert problems(description="字" * DESCRIPTION_MIN) == []


def test_complaints_and_reports_need_a_category_others_do_not():
    assert problems(category="") == [("category", "required")]
    assert problems(kind="report", category="") == [("category", "required")]
    assert problems(kind="help", category="") == []


def test_a_district_is_checked_against_those_given():
    assert problems(district="atlantis") == [("district", "unknown")]
    assert check(call(district="atlantis")).ok  # no directory given: not checked here


@pytest.mark.parametrize("field, value", [("kind", "gossip"), ("channel", "fax"), ("urgency", "whenever"),
                                          ("confidential", "maybe")])
def test_choices_are_known_values(field, value):
    assert (field, "choice") in problems(**{field: value})


def test_only_an_inquiry_is_answered_on_the_spot_and_the_answer_is_written_down():
    assert problems(answered_on_spot=True, answer="已解答") == [("answered_on_spot", "inquiry_only")]
    assert problems(kind="inquiry", category="", caller_phone="", caller_name="", answered_on_spot=True) == [
        ("answer", "required")]
    assert problems(kind="inquiry", category="", caller_phone="", answered_on_spot=True, answer="已解答。") == []


def test_an_override_names_its_lead_apart_from_the_co_handlers_and_says_why():
    assert problems(co_handlers=("market",)) == [("lead", "required")]
    assert problems(lead="market") == [("override_reason", "required")]
    assert problems(lead="market", co_handlers=("market", "approval"), override_reason="原因") == [
        ("co_handlers", "lead_included")]
    assert problems(lead="market", co_handlers=("approval", " "), override_reason="原因") == []
    assert check(call(lead=" market ", co_handlers=("approval", ""), override_reason="原因")).intake.co_handlers == (
        "approval",)


def test_one_problem_per_field_in_rule_order():
    found = problems(subject="", description="短", caller_phone="12", caller_name="", credit_code="X",
                     category="", district="atlantis")
    assert [p.field for p in found] == ["subject", "description", "caller_phone", "caller_name", "credit_code",
                                        "category", "district"]
    assert problems(caller_phone="1" * 41) == [("caller_phone", "too_long")]
