"""The redaction pass over a confidential ticket's free text (pure: no app, no database)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.tickets.identity import make_credit_code
from hotline.tickets.redaction import Identity, redact, redact_phones

CODE = make_credit_code("91141002MA0GRB8K1")
CALLER = Identity.of("赵建国", "13812345678", "临汾市华晟珠宝有限公司", CODE)
NOBODY = Identity()


@pytest.mark.parametrize("text, gone", [
    ("我是赵建国，有事找我", ["赵建国"]),
    ("请赵先生明天到窗口", ["赵先生"]),
    ("电话13812345678", ["13812345678", "1234"]),
    ("电话 138 1234 5678", ["1234 5678", "138 1234"]),
    ("电话+86 138-1234-5678", ["1234-5678"]),
    ("电话００８６１３８１２３４５６７８", ["１２３４５６７８"]),
    ("手机１３８１２３４５６７８", ["１２３４"]),
    ("临汾市华晟珠宝有限公司的申请", ["华晟珠宝"]),
    ("我们华晟珠宝公司申请扩建", ["华晟珠宝"]),
    (f"代码{CODE}", [CODE]),
    (f"代码{CODE.lower()}", [CODE.lower()]),
    (f"代码 {CODE[:6]} {CODE[6:12]} {CODE[12:]}", [CODE[6:12]]),
])
def test_what_is_known_of_the_caller_is_redacted(text, gone):
    out = redact(text, CALLER)
    for secret in gone:
        assert secret not in out, (text, out)


@pytest.mark.parametrize("text, gone, kept", [
    ("另一个号码13998765432也可以", ["13998765432", "8765"], "也可以"),
    ("座机0357-2096666转801", ["2096666", "801"], "座机"),
    ("座机（0357）2096666", ["2096666"], "座机"),
    ("座机+86 357 2096666", ["2096666"], "座机"),
    ("身份证110101199001011234", ["19900101"], "身份证"),
    ("身份证11010119900101123X", ["19900101"], "身份证"),
    ("身份证 110101 19900101 1234", ["19900101"], "身份证"),
    ("老身份证110101900101123", ["900101"], "老身份证"),
    ("银行卡6222021234567890123", ["6222021234567890123"], "银行卡"),
    ("邮箱 zhao.jg@huasheng.com.cn", ["zhao.jg", "huasheng"], "邮箱"),
    ("微信：zhaojg_1982，QQ 12345678", ["zhaojg_1982", "12345678"], "微信"),
    ("电话：12345", ["12345"], "电话"),
    (f"另一家企业代码{make_credit_code('91141023MA0H2C3D4')}", ["MA0H2C3D4"], "另一家企业"),
])
def test_identifying_details_of_anyone_are_redacted(text, gone, kept):
    out = redact(text, NOBODY)
    for secret in gone:
        assert secret not in out, (text, out)
    assert kept in out


@pytest.mark.parametrize("text", [
    "窗口工作人员以材料不全为由拒收我公司的申请，但没有一次性告知需要补充什么材料，已经跑了三趟。",
    "2023年12月1日10:00到窗口，被罚款20000元，第3次申请，编号2023-0015。",
    "Approval took 45 days instead of 20; fee 3500 yuan.",
])
def test_text_without_identity_is_left_as_it_is(text):
    assert redact(text, CALLER) == text


def test_masks_keep_what_a_handler_may_know():
    out = redact("赵建国 13812345678 临汾市华晟珠宝有限公司", CALLER)
    assert out == "某某 138****5678 临汾**有限公司"


def test_full_width_text_keeps_its_own_characters_where_nothing_is_replaced():
    assert redact("（全角）申请：ＡＢＣ", NOBODY) == "（全角）申请：ＡＢＣ"


def test_a_short_or_placeholder_name_is_not_hunted_in_the_text():
    assert redact("匿名举报：王某收钱", Identity.of("匿名", None, "", None)) == "匿名举报：王某收钱"
    assert redact("王先生说", Identity.of("王", None, "", None)) == "王先生说"


def test_public_text_loses_phones_only():
    assert redact_phones("请联系赵建国 13812345678") == "请联系赵建国 138****5678"
    assert redact_phones(None) == ""


@given(st.text(max_size=200))
def test_redacting_never_leaks_the_caller_s_phone_or_code(noise):
    for text in (f"{noise}13812345678{noise}", f"{noise} {CODE} {noise}", f"{noise}赵建国{noise}"):
        out = redact(text, CALLER)
        assert "13812345678" not in out and CODE not in out and "赵建国" not in out


@given(st.text(max_size=200))
def test_redacting_is_idempotent(text):
    once = redact(text, CALLER)
    assert redact(once, CALLER) == once
