"""Consistency checks for the demo data (hotline/demo/data.py); pure, no app."""

import re
from collections import Counter

import pytest

from hotline.demo import data
from hotline.demo.data import (
    CATEGORIES,
    DEMO_TICKETS,
    DEMO_USERS,
    DEPARTMENTS,
    DISTRICTS,
    ROUTING_RULES,
)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
CHANNELS = {"phone", "email", "web", "walk_in", "12345", "api"}
KINDS = {"complaint", "report", "inquiry", "help", "suggestion"}
URGENCIES = {"normal", "urgent", "emergency"}
ROLES = {"admin", "operator", "supervisor", "handler"}
STORY_NAMES = {name for name, _ in data.STORIES}
IN_PROGRESS = {"new", "signed", "contacted", "submitted", "returned"}

DISTRICT_CODES = {d.code for d in DISTRICTS}
DEPARTMENT_CODES = {d.code for d in DEPARTMENTS}
CATEGORY_BY_CODE = {c.code: c for c in CATEGORIES}
TICKET_BY_KEY = {t.key: t for t in DEMO_TICKETS}


def uscc_is_valid(code):
    """Return whether `code` is a valid unified social credit code (GB 32100-2015)."""
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        return False
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(code[:17], USCC_WEIGHTS))
    return code[17] == USCC_ALPHABET[(31 - total % 31) % 31]


def chain_head(ticket):
    """Follow `repeat_of` back to the first ticket of the chain."""
    while ticket.repeat_of:
        ticket = TICKET_BY_KEY[ticket.repeat_of]
    return ticket


def test_uscc_check_accepts_known_code_and_rejects_altered_ones():
    assert uscc_is_valid("91350100M000100Y43")
    assert not uscc_is_valid("91350100M000100Y44")
    assert not uscc_is_valid("91350100M000100Y4")
    assert not uscc_is_valid("91350100M000100I43")


@pytest.mark.parametrize(
    "codes",
    [
        [d.code for d in DISTRICTS],
        [d.code for d in DEPARTMENTS],
        [c.code for c in CATEGORIES],
        [r.code for r in ROUTING_RULES],
        [u.username for u in DEMO_USERS],
        [t.key for t in DEMO_TICKETS],
    ],
    ids=["districts", "departments", "categories", "routing_rules", "users", "tickets"],
)
def test_codes_are_unique_slugs(codes):
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9_-]*", code) for code in codes)


def test_eighteen_districts_in_order():
    assert [d.name_zh for d in DISTRICTS] == [
        "尧都区", "侯马市", "霍州市", "曲沃县", "翼城县", "襄汾县", "洪洞县", "古县", "安泽县",
        "浮山县", "吉县", "乡宁县", "大宁县", "隰县", "永和县", "蒲县", "汾西县", "临汾经济开发区",
    ]  # fmt: skip
    assert all(d.name_en for d in DISTRICTS)


def test_departments_reference_districts_and_cover_every_county():
    for department in DEPARTMENTS:
        assert department.kind in data.DEPARTMENT_KINDS
        assert department.district_code is None or department.district_code in DISTRICT_CODES
        assert department.name_zh and department.name_en
    counties = [d for d in DEPARTMENTS if d.kind == "county"]
    assert sorted(d.district_code for d in counties) == sorted(DISTRICT_CODES - {"kaifaqu"})
    assert all(d.name_zh.endswith("人民政府") for d in counties)
    zone = [d for d in DEPARTMENTS if d.kind == "development_zone"]
    assert [(d.code, d.district_code) for d in zone] == [("devzone", "kaifaqu")]
    kinds = {d.code: d.kind for d in DEPARTMENTS}
    assert kinds["centre"] == "hotline_centre"
    assert kinds["discipline"] == "discipline_commission"
    assert kinds["power"] == "public_utility"
    assert kinds["inspection"] == kinds["bizenv_office"] == kinds["approval"] == "city_department"


def test_departments_named_in_domain_are_present():
    names = [d.name_zh for d in DEPARTMENTS]
    for wanted in [
        "市营商环境投诉举报监督中心", "市行政审批服务管理局", "市促进外来投资局", "市发展和改革委员会",
        "市工业和信息化局", "市财政局", "市自然资源和规划局", "市住房和城乡建设局", "市市场监督管理局",
        "市生态环境局", "市人力资源和社会保障局", "市税务局", "市水务局", "供电公司", "市地方金融监管局",
        "市纪委监委", "临汾经济开发区管委会", "市政府办公室督查室", "市营商环境建设办公室",
    ]:  # fmt: skip
        assert any(wanted in name for name in names), wanted


def test_fifteen_categories_in_domain_order():
    assert [c.name_zh for c in CATEGORIES] == [
        "不予受理", "增设环节、提高门槛", "超时限办理", "推诿扯皮、刁难", "吃拿卡要", "乱收费、乱罚款、乱摊派",
        "谋取私利", "粗暴执法", "泄露商业秘密、隐私", "打击报复", "拖欠企业账款", "政策不兑现",
        "指定中介", "要素保障", "不作为、慢作为、乱作为",
    ]  # fmt: skip


def test_categories_defaults():
    misconduct = {"吃拿卡要", "谋取私利", "泄露商业秘密、隐私", "打击报复"}
    for category in CATEGORIES:
        assert category.is_misconduct == (category.name_zh in misconduct)
        assert category.default_kind == ("report" if category.is_misconduct else "complaint")
        assert 1 <= len(category.departments) <= 3
        assert len(set(category.departments)) == len(category.departments)
        assert set(category.departments) <= DEPARTMENT_CODES
        if category.is_misconduct:
            assert category.departments == ("discipline",)
        assert category.keywords and all(category.keywords)
        assert category.name_en and category.description_zh.endswith("。")


def test_routing_rules():
    assert 10 <= len(ROUTING_RULES) <= 20
    for rule in ROUTING_RULES:
        assert rule.department_code in DEPARTMENT_CODES
        assert rule.keywords and all(rule.keywords)
        assert isinstance(rule.priority, int)


def test_demo_users_one_per_role():
    roles = Counter(u.role for u in DEMO_USERS)
    assert set(roles) == ROLES
    assert all(count == 1 for role, count in roles.items() if role != "handler")
    for user in DEMO_USERS:
        assert user.locale in {"zh", "en"} and user.display_name
        if user.role == "handler":
            assert user.department_code in DEPARTMENT_CODES
        else:
            assert user.department_code is None
    handlers = {u.username: u.department_code for u in DEMO_USERS if u.role == "handler"}
    assert handlers == {
        "handler": "devzone",
        "handler2": "finance_regulator",
        "handler3": "approval",
    }
    assert data.DEMO_PASSWORD == "hotline-demo"


def test_ticket_count_and_order():
    assert 30 <= len(DEMO_TICKETS) <= 40
    days = [t.days_ago for t in DEMO_TICKETS]
    assert days == sorted(days, reverse=True)
    assert 0 <= min(days) and max(days) <= 60


def test_ticket_fields_use_known_values():
    for t in DEMO_TICKETS:
        assert t.channel in CHANNELS, t.key
        assert t.kind in KINDS, t.key
        assert t.urgency in URGENCIES, t.key
        assert t.story in STORY_NAMES, t.key
        assert t.district_code in DISTRICT_CODES, t.key
        assert t.category_code is None or t.category_code in CATEGORY_BY_CODE, t.key
        if t.category_code is None:
            assert t.kind in {"inquiry", "suggestion"}, t.key
            assert t.answered_on_spot or t.departments, t.key
        if t.departments is not None:
            assert t.departments and set(t.departments) <= DEPARTMENT_CODES, t.key
            assert len(set(t.departments)) == len(t.departments), t.key


def test_ticket_texts():
    for t in DEMO_TICKETS:
        assert 0 < len(t.subject) <= 40, t.key
        assert 2 <= len(re.findall(r"[。！？]", t.description)) <= 4, t.key
        assert t.description.endswith("。"), t.key
        assert t.caller_name, t.key


def test_every_credit_code_is_valid():
    codes = [t.credit_code for t in DEMO_TICKETS if t.credit_code]
    assert len(codes) >= 20
    for code in codes:
        assert uscc_is_valid(code), code
        assert code[2:6] == "1410", code  # registered in Linfen


def test_every_phone_is_well_formed():
    for t in DEMO_TICKETS:
        assert re.fullmatch(r"1[3-9]\d{9}|0\d{2,3}-\d{7,8}", t.caller_phone), t.caller_phone


def test_identities_are_shared_only_within_a_repeat_chain():
    """Repeat detection must find the intended chains and nothing else."""
    for field in ("caller_phone", "credit_code", "enterprise_name"):
        heads = {}
        for t in DEMO_TICKETS:
            value = getattr(t, field)
            if value:
                assert heads.setdefault(value, chain_head(t).key) == chain_head(t).key, value


def test_repeats_refer_to_earlier_tickets():
    position = {t.key: i for i, t in enumerate(DEMO_TICKETS)}
    for i, t in enumerate(DEMO_TICKETS):
        if t.repeat_of is None:
            assert not t.new_facts and t.story != "merged", t.key
            continue
        assert position[t.repeat_of] < i, t.key
        earlier = TICKET_BY_KEY[t.repeat_of]
        assert (earlier.caller_phone, earlier.credit_code) == (t.caller_phone, t.credit_code)
        if t.story == "merged":
            assert not t.new_facts and earlier.story not in {"merged"}, t.key


def test_a_three_ticket_chain_merges_then_rehandles():
    chains = {}
    for t in DEMO_TICKETS:
        chains.setdefault(chain_head(t).key, []).append(t)
    long_chains = [c for c in chains.values() if len(c) >= 3]
    assert long_chains
    first, second, third = long_chains[0][:3]
    assert first.story.startswith("closed")  # open when `second` came, closed before `third`
    assert second.story == "merged" and not second.new_facts
    assert third.story not in {"merged", "answered"}


def test_answered_on_spot_only_for_inquiries_with_an_answer():
    for t in DEMO_TICKETS:
        if t.answered_on_spot:
            assert t.kind == "inquiry" and t.answer and t.story == "answered", t.key
            assert t.departments is None and t.repeat_of is None, t.key
        else:
            assert t.answer is None and t.story != "answered", t.key
    assert sum(t.answered_on_spot for t in DEMO_TICKETS) >= 3
    assert any("0357-2096666" in (t.answer or "") for t in DEMO_TICKETS)
    assert any("营业执照" in t.description and t.answered_on_spot for t in DEMO_TICKETS)


def test_reports_are_misconduct_and_confidential():
    reports = [t for t in DEMO_TICKETS if t.kind == "report"]
    assert len(reports) >= 2
    for t in DEMO_TICKETS:
        category = CATEGORY_BY_CODE.get(t.category_code)
        is_misconduct = bool(category and category.is_misconduct)
        assert (t.kind == "report") == is_misconduct, t.key
        if t.kind == "report":
            assert t.confidential and t.departments is None, t.key
    assert any(t.category_code == "bribery" and "检查" in t.description for t in reports)
    fees = [t for t in DEMO_TICKETS if t.category_code == "arbitrary_fees"]
    assert fees and all(t.kind == "complaint" and not t.confidential and t.respondent for t in fees)
    assert any("指定" in t.description for t in reports)


def test_stories_fit_the_clock():
    """In-progress stories are young enough to be on time; overdue ones old enough to be late."""
    for t in DEMO_TICKETS:
        joint = t.departments is not None and len(t.departments) > 1
        if t.story == "new":
            assert t.days_ago == 0, t.key
        elif t.story == "returned":
            assert t.days_ago <= 1, t.key
        elif t.story in IN_PROGRESS:
            assert t.days_ago <= (14 if joint else 6), t.key
        elif t.story == "overdue":
            assert t.days_ago >= (25 if joint else 10), t.key
        elif t.story in {"closed_satisfied", "reopened_unsatisfied"}:
            assert t.days_ago >= 7, t.key


def test_the_three_domain_stories():
    jeweller = [t for t in DEMO_TICKETS if "珠宝" in t.description]
    assert any(
        t.district_code == "kaifaqu" and t.departments is None  # routed by the rules, no override
        and "厂房" in t.description and "资金" in t.description
        for t in jeweller
    )  # fmt: skip
    coking = [t for t in DEMO_TICKETS if "焦化" in t.description and "股东" in t.description]
    assert any(
        t.district_code == "guxian" and len(t.departments or ()) >= 3 and "协调会" in t.description
        for t in coking
    )
    new_energy = [t for t in DEMO_TICKETS if "新能源" in t.description and "150" in t.description]
    assert any(t.departments == ("approval",) for t in new_energy)


def test_other_required_cases_and_spread():
    categories = Counter(t.category_code for t in DEMO_TICKETS)
    assert categories["unpaid_debts"] >= 2
    assert categories["rough_enforcement"] >= 1
    assert any(t.category_code == "factor_supply" and "增容" in t.description for t in DEMO_TICKETS)
    assert {t.channel for t in DEMO_TICKETS} == CHANNELS
    assert {t.kind for t in DEMO_TICKETS} == KINDS
    assert {t.urgency for t in DEMO_TICKETS} == URGENCIES
    assert {t.story for t in DEMO_TICKETS} == STORY_NAMES
    assert {t.district_code for t in DEMO_TICKETS} == DISTRICT_CODES
    assert any(t.confidential and t.kind != "report" for t in DEMO_TICKETS)
