"""Tests for hotline.tickets.identity (pure functions, no app needed)."""
from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.tickets.identity import (
    CREDIT_CODE_ALPHABET,
    CREDIT_CODE_WEIGHTS,
    InvalidCreditCode,
    InvalidPhone,
    clean_text,
    credit_code_check_char,
    is_valid_credit_code,
    make_credit_code,
    mask_enterprise,
    mask_name,
    mask_phone,
    normalize_credit_code,
    normalize_enterprise_name,
    normalize_phone,
    validate_credit_code,
)

# 91350100M000100Y43 is the published GB 32100 example; the others were checked with an
# independent computation (Linfen-style codes: 141000 city, 141002 尧都区, 141023 襄汾县).
VALID_CODES = [
    "91350100M000100Y43",
    "91310000775785552L",
    "91141000MA0GUQ6K31",
    "92141002MA0K5XYW0L",
    "93141023MA0H8LJT7F",
]


# ---------------------------------------------------------------- credit codes


def test_alphabet_and_weights_follow_the_standard():
    assert CREDIT_CODE_ALPHABET == "0123456789ABCDEFGHJKLMNPQRTUWXY"
    assert CREDIT_CODE_WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


@pytest.mark.parametrize("code", VALID_CODES)
def test_known_valid_codes(code):
    assert validate_credit_code(code) == code
    assert is_valid_credit_code(code)
    assert credit_code_check_char(code[:17]) == code[17]
    assert make_credit_code(code[:17]) == code


def test_normalization_before_validation():
    messy = " ９１３５０１００ｍ０００ １００ｙ４３\u3000"
    assert normalize_credit_code(messy) == "91350100M000100Y43"
    assert validate_credit_code(messy) == "91350100M000100Y43"
    assert validate_credit_code("91350100m000100y43") == "91350100M000100Y43"


@pytest.mark.parametrize("code", ["", "91350100M000100Y4", "91350100M000100Y433"])
def test_length_error(code):
    with pytest.raises(InvalidCreditCode) as exc:
        validate_credit_code(code)
    assert exc.value.code == "length"
    assert exc.value.position is None
    assert not is_valid_credit_code(code)


@pytest.mark.parametrize("bad", ["I", "O", "Z", "S", "V", "-", "中"])
def test_alphabet_error_reports_position(bad):
    code = "91350100M000100Y43"
    broken = code[:9] + bad + code[10:]
    with pytest.raises(InvalidCreditCode) as exc:
        validate_credit_code(broken)
    assert (exc.value.code, exc.value.position) == ("alphabet", 9)


def test_check_error():
    with pytest.raises(InvalidCreditCode) as exc:
        validate_credit_code("91350100M000100Y44")
    assert (exc.value.code, exc.value.position) == ("check", 17)
    assert isinstance(exc.value, ValueError)


def test_check_char_needs_17_alphabet_chars():
    with pytest.raises(InvalidCreditCode) as exc:
        credit_code_check_char("91350100M000100")
    assert exc.value.code == "length"
    with pytest.raises(InvalidCreditCode) as exc:
        make_credit_code("91350100M000100O4")
    assert (exc.value.code, exc.value.position) == ("alphabet", 15)


_BODY = st.text(alphabet=CREDIT_CODE_ALPHABET, min_size=17, max_size=17)


@given(body=_BODY, data=st.data())
def test_generated_codes_validate_and_any_substitution_is_caught(body, data):
    code = make_credit_code(body)
    assert validate_credit_code(code) == code
    position = data.draw(st.integers(0, 17), label="position")
    others = CREDIT_CODE_ALPHABET.replace(code[position], "")
    other = data.draw(st.sampled_from(others), label="char")
    tampered = code[:position] + other + code[position + 1:]
    with pytest.raises(InvalidCreditCode) as exc:
        validate_credit_code(tampered)
    assert exc.value.code == "check"


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13812345678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("86-13812345678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("(+86)13812345678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0357-2096666", "0357-2096666"),
        ("03572096666", "0357-2096666"),
        ("(0357)2096666", "0357-2096666"),
        ("（０３５７）２０９６６６６", "0357-2096666"),
        ("0357 209 6666", "0357-2096666"),
        ("0357-209-6666", "0357-2096666"),
        ("+86 357 2096666", "0357-2096666"),
        ("+86-10-65123456", "010-65123456"),
        ("01065123456", "010-65123456"),
        ("021 6234 5678", "021-62345678"),
        ("0357-2096666-801", "0357-2096666-801"),
        ("0357-2096666转801", "0357-2096666-801"),
        ("0357 2096666 分机 801", "0357-2096666-801"),
        ("+86 357 2096666-801", "0357-2096666-801"),
    ],
)
def test_normalize_phone_accepts(raw, expected):
    assert normalize_phone(raw) == expected
    assert normalize_phone(expected) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1381234567", "length"),
        ("138123456789", "length"),
        ("12812345678", "prefix"),
        ("11012345678", "prefix"),
        ("138abcd5678", "characters"),
        ("tel:13812345678", "characters"),
        ("+1 202 555 0100", "country"),
        ("2096666", "area_code"),
        ("0357-20966", "length"),
        ("0357-0123456", "prefix"),
        ("12345", "short"),
        ("95598", "short"),
        ("13812345678转801", "extension"),
    ],
)
def test_normalize_phone_rejects(raw, code):
    with pytest.raises(InvalidPhone) as exc:
        normalize_phone(raw)
    assert exc.value.code == code


def test_service_numbers_only_when_allowed():
    assert normalize_phone("12345", allow_short=True) == "12345"
    assert normalize_phone(" ９５５９８ ", allow_short=True) == "95598"
    with pytest.raises(InvalidPhone):
        normalize_phone("12346789", allow_short=True)


_DIGIT = "0123456789"
_MOBILE = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    st.text(_DIGIT, min_size=9, max_size=9),
)
_AREA = st.one_of(
    st.just("010"),
    st.builds(lambda d: "02" + d, st.sampled_from(_DIGIT)),
    st.builds(
        lambda d, r: "0" + d + r,
        st.sampled_from("3456789"),
        st.text(_DIGIT, min_size=2, max_size=2),
    ),
)
_LOCAL = st.builds(
    lambda first, rest: first + rest,
    st.sampled_from("2345678"),
    st.one_of(st.text(_DIGIT, min_size=6, max_size=6), st.text(_DIGIT, min_size=7, max_size=7)),
)


def _fullwidth(s: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in s)


@given(number=_MOBILE, style=st.integers(0, 4), wide=st.booleans())
def test_mobile_formats_normalize_idempotently(number, style, wide):
    a, b, c = number[:3], number[3:7], number[7:]
    raw = [number, f"+86 {a} {b} {c}", f"86-{number}", f"{a}-{b}-{c}", f"0086{number}"][style]
    raw = _fullwidth(raw) if wide else raw
    once = normalize_phone(raw)
    assert once == number
    assert normalize_phone(once) == once


@given(area=_AREA, local=_LOCAL, style=st.integers(0, 4), ext=st.sampled_from(["", "-801", "转8"]))
def test_landline_formats_normalize_idempotently(area, local, style, ext):
    raw = [f"{area}-{local}", f"{area}{local}", f"({area}){local}",
           f"{area} {local[:3]} {local[3:]}", f"+86 {area[1:]} {local}"][style] + ext
    once = normalize_phone(raw)
    assert once == f"{area}-{local}" + ("-" + ext.lstrip("-转") if ext else "")
    assert normalize_phone(once) == once


# ---------------------------------------------------------------- masks


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0357-2096666", "0357-****666"),
        ("0357-2096666-801", "0357-****666"),
        ("010-65123456", "010-****3456"),
        ("12345", "12345"),
        ("not a phone", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_mask_name_is_always_anonymous():
    assert mask_name("张三") == "匿名"
    assert mask_name("") == "匿名"
    assert mask_name(None) == "匿名"


@pytest.mark.parametrize(
    ("name", "masked"),
    [
        ("临汾市华晟珠宝有限公司", "临汾**有限公司"),
        ("山西古县焦化股份有限公司", "山西**股份有限公司"),
        ("尧都区金穗农机专业合作社", "尧都**专业合作社"),
        ("老王烧烤店", "**店"),
        ("临汾市华晟珠宝", "临汾***"),
        ("华晟", "***"),
        ("", ""),
    ],
)
def test_mask_enterprise(name, masked):
    assert mask_enterprise(name) == masked


# ---------------------------------------------------------------- text


def test_clean_text_multiline_keeps_punctuation_and_newlines():
    raw = "\ufeff 审批拖了三个月，\x00还没办下来！\x1b[31m\r\n\r\n联系人：\t王经理\u200b（厂长）\t \n"
    assert clean_text(raw, multiline=True) == "审批拖了三个月，还没办下来！[31m\n\n联系人：\t王经理（厂长）"


def test_clean_text_collapses_long_runs_of_blank_lines():
    assert clean_text("第一段\n\n\n\n\n\n第二段", multiline=True) == "第一段\n\n\n第二段"
    assert clean_text("第一段\n \n\n第二段", multiline=True) == "第一段\n\n\n第二段"


def test_clean_text_single_line():
    raw = " 用地审批\x00久拖\u200b不办：\r\n\t开发区管委会 "
    assert clean_text(raw, multiline=False) == "用地审批久拖不办： 开发区管委会"


@pytest.mark.parametrize(
    "spelling",
    [
        "临汾市华晟珠宝有限公司",
        "临汾市 华晟珠宝（有限公司）",
        "临汾市华晟珠宝有限责任公司",
        "临汾市华晟珠宝集团有限公司",
        "临汾市华晟珠宝公司",
        " 临汾市·华晟珠宝\u200b有限公司。",
    ],
)
def test_enterprise_spellings_normalize_equal(spelling):
    assert normalize_enterprise_name(spelling) == "临汾市华晟珠宝"


def test_enterprise_normalization_details():
    assert normalize_enterprise_name("ＡＢＣ新能源（临汾）股份有限公司") == "abc新能源临汾"
    assert normalize_enterprise_name("公司") == "公司"  # never stripped to nothing
    assert normalize_enterprise_name("集团公司") == "集团"
    assert normalize_enterprise_name("临汾市华晟珠宝有限公司") != normalize_enterprise_name("临汾市华盛珠宝有限公司")
    assert normalize_enterprise_name("山西焦化公司临汾分公司") == "山西焦化公司临汾分"


def test_clean_text_s_fast_path_skips_nothing_it_would_drop():
    """clean_text skips its character-by-character pass when the text is printable (tabs and line
    breaks aside); that is exact only if no printable character is one it drops — checked for every
    code point of this Python's Unicode database."""
    import sys

    from hotline.tickets.identity import _keep_char

    dropped_yet_printable = [hex(cp) for cp in range(sys.maxunicode + 1)
                             if chr(cp).isprintable() and not _keep_char(chr(cp))]
    assert dropped_yet_printable == []
    assert clean_text("a\u200bb\u202ec\x07d", multiline=False) == "abcd"  # the slow path still drops them
