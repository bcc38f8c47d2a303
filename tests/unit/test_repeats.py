"""Tests for hotline.tickets.repeats (pure ranking of repeat candidates)."""
from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.tickets.repeats import (
    OPEN_STATUSES,
    Candidate,
    NewMatter,
    PastTicket,
    is_repeat_of_open,
    rank_candidates,
    text_similarity,
    window_start,
)

CST = timezone(timedelta(hours=8))
NOW = datetime(2025, 6, 30, 10, 0, tzinfo=CST)

JEWELLER_CODE = "91141000MA0GUQ6K31"
JEWELLER = "临汾市华晟珠宝"
JEWELLER_PHONE = "13812345678"
COKING_CODE = "91141025MA0K7C4X5K"  # a 古县 coking company

LAND_PAST = "开发区管委会对我公司扩建厂房的用地审批一直拖着不办，已经三个月了"
LAND_NEW = "我们珠宝厂扩建厂房用地的审批拖了三个月还没办下来"
SUBSIDY_PAST = "企业申请的贷款贴息资金至今没有兑现"
LAND_PAST_LONG = (
    "扩建厂房用地审批久拖不办。我公司是临汾经济开发区内一家小型珠宝加工企业，因订单增加需要扩建厂房，"
    "今年三月向开发区管委会提交了用地申请，材料齐全，但管委会规划建设部门一直以需要研究为由拖着不办，"
    "已经三个月了，期间多次询问都没有明确答复，严重影响企业生产。"
)
SUBSIDY_PAST_LONG = (
    "贷款贴息资金未兑现。我公司去年按照市里的扶持政策申请了流动资金贷款贴息，财政局审核通过后承诺年底前拨付，"
    "但至今没有兑现，多次打电话询问都说在走流程，企业资金周转非常困难。"
)


def past(id_: int, text: str, *, days: float = 30, **fields) -> PastTicket:
    """An earlier ticket of the jeweller, received ``days`` before NOW (fields overridable)."""
    ticket = PastTicket(
        id=id_,
        number=f"LF2025{id_:05d}",
        received_at=NOW - timedelta(days=days),
        status="in_progress",
        credit_code=JEWELLER_CODE,
        enterprise_norm=JEWELLER,
        phone=JEWELLER_PHONE,
        category_code="overdue",
        text=text,
        chain_id=None,
    )
    return replace(ticket, **fields)


def matter(text: str = LAND_NEW, **fields) -> NewMatter:
    """The jeweller's new matter (fields overridable)."""
    base = NewMatter(JEWELLER_CODE, JEWELLER, JEWELLER_PHONE, "overdue", text)
    return replace(base, **fields)


def ids(candidates: list[Candidate]) -> list[int]:
    return [c.ticket.id for c in candidates]


def test_same_matter_in_other_words_ranks_first():
    tickets = [past(1, SUBSIDY_PAST, days=10), past(2, LAND_PAST, days=40)]
    result = rank_candidates(matter(), tickets, now=NOW)
    assert ids(result) == [2]  # the subsidy matter is below min_score
    best = result[0]
    assert best.score >= 40.0
    assert best.matched_on == ("credit_code", "enterprise", "phone")
    assert best.same_category


def test_other_matter_of_same_enterprise_ranks_below_even_if_newer():
    tickets = [past(1, SUBSIDY_PAST, days=10), past(2, LAND_PAST, days=40)]
    result = rank_candidates(matter(), tickets, now=NOW, min_score=0)
    assert ids(result) == [2, 1]
    assert result[0].score - result[1].score > 20
    assert result[1].text_similarity < 10


def test_long_descriptions_of_both_matters():
    tickets = [past(1, SUBSIDY_PAST_LONG, days=5), past(2, LAND_PAST_LONG, days=90)]
    result = rank_candidates(matter(category_code=None), tickets, now=NOW, min_score=0)
    assert ids(result) == [2, 1]
    assert result[0].score >= 40.0 > result[1].score


def test_similar_text_without_identity_match_is_not_a_candidate():
    stranger = past(
        3, LAND_PAST, days=5, credit_code=COKING_CODE, enterprise_norm="古县宏达焦化", phone="13912345678"
    )
    assert rank_candidates(matter(), [stranger], now=NOW, min_score=0) == []


def test_missing_identity_values_never_match():
    anonymous_past = past(4, LAND_PAST, credit_code=None, enterprise_norm=None, phone=None)
    anonymous_new = matter(credit_code=None, enterprise_norm="", phone=None)
    assert rank_candidates(anonymous_new, [anonymous_past], now=NOW, min_score=0) == []


def test_window_edge_is_inside_and_one_second_more_is_outside():
    at_edge = past(5, LAND_PAST, days=180)
    too_old = past(6, LAND_PAST, received_at=NOW - timedelta(days=180, seconds=1))
    result = rank_candidates(matter(), [at_edge, too_old], now=NOW, min_score=0)
    assert ids(result) == [5]
    assert window_start(NOW) == at_edge.received_at


def test_window_days_is_configurable():
    ticket = past(7, LAND_PAST, days=45)
    assert ids(rank_candidates(matter(), [ticket], now=NOW, window_days=60)) == [7]
    assert rank_candidates(matter(), [ticket], now=NOW, window_days=30) == []


def test_times_in_other_zones_compare_correctly():
    utc_edge = past(8, LAND_PAST, received_at=(NOW - timedelta(days=180)).astimezone(UTC))
    assert ids(rank_candidates(matter(), [utc_edge], now=NOW, min_score=0)) == [8]


def test_naive_now_is_rejected():
    with pytest.raises(ValueError):
        window_start(datetime(2025, 6, 30, 10, 0))


def test_phone_only_match():
    other_company_same_caller = past(9, LAND_PAST, credit_code=None, enterprise_norm="临汾市晟达商贸")
    new = matter(credit_code=None, enterprise_norm=None)
    result = rank_candidates(new, [other_company_same_caller], now=NOW)
    assert ids(result) == [9]
    assert result[0].matched_on == ("phone",)


def test_identity_kinds_are_weighted_credit_code_over_name_over_phone():
    by_code = past(10, LAND_PAST, enterprise_norm=None, phone=None)
    by_name = past(11, LAND_PAST, credit_code=None, phone=None)
    by_phone = past(12, LAND_PAST, credit_code=None, enterprise_norm=None)
    result = rank_candidates(matter(), [by_phone, by_name, by_code], now=NOW, min_score=0)
    assert ids(result) == [10, 11, 12]
    assert [c.matched_on for c in result] == [("credit_code",), ("enterprise",), ("phone",)]


def test_same_category_and_recency_add_a_little():
    same_cat = past(13, LAND_PAST, days=30)
    other_cat = past(14, LAND_PAST, days=30, category_code="factor_supply")
    older = past(15, LAND_PAST, days=150)
    result = rank_candidates(matter(), [older, other_cat, same_cat], now=NOW, min_score=0)
    assert ids(result) == [13, 15, 14]
    by_id = {c.ticket.id: c for c in result}
    assert by_id[13].score - by_id[14].score == pytest.approx(10.0)
    assert 0 < by_id[13].score - by_id[15].score <= 5.0
    assert not by_id[14].same_category


def test_identity_category_and_recency_alone_stay_below_min_score():
    unrelated_text = past(16, "去年十月路灯改造工程款至今未结算", days=0)
    assert rank_candidates(matter(), [unrelated_text], now=NOW) == []
    assert rank_candidates(matter(), [unrelated_text], now=NOW, min_score=0)[0].score <= 30.0


def test_equal_scores_most_recent_first_then_higher_id():
    same_time = [past(i, LAND_PAST, days=20) for i in (20, 22, 21)]
    newer = past(19, LAND_PAST, days=1)
    result = rank_candidates(matter(), [*same_time, newer], now=NOW, min_score=0)
    assert ids(result) == [19, 22, 21, 20]


def test_clock_skew_tickets_after_now_tie_and_go_most_recent_first():
    one_minute_ahead = past(40, LAND_PAST, received_at=NOW + timedelta(minutes=1))
    two_minutes_ahead = past(39, LAND_PAST, received_at=NOW + timedelta(minutes=2))
    result = rank_candidates(matter(), [one_minute_ahead, two_minutes_ahead], now=NOW)
    assert ids(result) == [39, 40]
    assert result[0].score == result[1].score


def test_limit_is_respected_and_scores_descend():
    tickets = [past(100 + d, LAND_PAST, days=d) for d in range(0, 160, 20)]
    result = rank_candidates(matter(), tickets, now=NOW, limit=3)
    assert ids(result) == [100, 120, 140]
    assert all(a.score >= b.score for a, b in zip(result, result[1:]))
    assert rank_candidates(matter(), tickets, now=NOW, limit=0) == []


def test_text_similarity_is_character_level():
    assert text_similarity(LAND_PAST, LAND_PAST) == pytest.approx(100.0)
    assert text_similarity("审批", "") == 0.0
    # punctuation and spaces do not matter; no whitespace word splitting
    assert text_similarity("扩建厂房，用地审批", "扩建 厂房 用地 审批！") == pytest.approx(100 * 7 / 8)
    # a short new description inside a long earlier one is not punished for its length
    assert text_similarity("扩建厂房的用地审批拖着不办", LAND_PAST_LONG) > 50
    assert text_similarity(LAND_NEW, SUBSIDY_PAST_LONG) < 10


OPEN = ["received", "dispatched", "in_progress", "resolved", "returned", "reopened"]


def test_open_statuses_are_the_lifecycle_states_before_closing():
    assert OPEN_STATUSES == set(OPEN)


def _reference_similarity(a: str, b: str) -> float:
    """Straightforward string-bigram version of the documented definition."""

    def grams(text: str) -> set[str]:
        chars = "".join(c for c in text[:500] if c.isalnum()).lower()
        return {chars[i : i + 2] for i in range(len(chars) - 1)}

    ga, gb = grams(a), grams(b)
    if not ga or not gb:
        return 0.0
    return 100.0 * len(ga & gb) / max(min(len(ga), len(gb)), 8)


_TEXT = st.text(alphabet="扩建厂房用地审批拖着不办贷款贴息兑现公司Ab1，。 \n", max_size=600)


@given(a=_TEXT, b=_TEXT)
def test_text_similarity_matches_the_definition(a, b):
    assert text_similarity(a, b) == pytest.approx(_reference_similarity(a, b))


@pytest.mark.parametrize("status", OPEN)
def test_open_statuses(status):
    candidate = rank_candidates(matter(), [past(30, LAND_PAST, status=status)], now=NOW)[0]
    assert is_repeat_of_open(candidate)


@pytest.mark.parametrize("status", ["closed", "answered", "merged"])
def test_closed_statuses(status):
    candidate = rank_candidates(matter(), [past(31, LAND_PAST, status=status)], now=NOW)[0]
    assert not is_repeat_of_open(candidate)
