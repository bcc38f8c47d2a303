"""Identity fields of a ticket: credit codes, phone numbers, masks and text cleaning.

Pure functions only (standard library): no Flask, no database, no clock.
"""
from __future__ import annotations

import re
import unicodedata

__all__ = [
    "CREDIT_CODE_ALPHABET",
    "CREDIT_CODE_WEIGHTS",
    "InvalidCreditCode",
    "InvalidPhone",
    "clean_text",
    "credit_code_check_char",
    "is_valid_credit_code",
    "make_credit_code",
    "mask_enterprise",
    "mask_name",
    "mask_phone",
    "normalize_credit_code",
    "normalize_enterprise_name",
    "normalize_phone",
    "validate_credit_code",
]

# Full-width ASCII block (U+FF01..U+FF5E) and the ideographic space map to ASCII.
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _halfwidth(s: str) -> str:
    """Map full-width ASCII characters and U+3000 to their half-width forms."""
    return s.translate(_HALFWIDTH)


# --------------------------------------------------------------------------------------
# Unified social credit code (统一社会信用代码, GB 32100-2015)
# --------------------------------------------------------------------------------------

CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 chars: no I, O, Z, S, V
CREDIT_CODE_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_CC_VALUE = {c: i for i, c in enumerate(CREDIT_CODE_ALPHABET)}
_CC_MESSAGES = {
    "length": "a credit code has 18 characters",
    "alphabet": "character not allowed in a credit code",
    "check": "check character does not match",
}


class InvalidCreditCode(ValueError):
    """A credit code failed validation.

    ``code`` is "length", "alphabet" or "check"; ``position`` is the 0-based index of the
    offending character in the normalized code ("alphabet": the first bad character,
    "check": 17), or None for "length".
    """

    def __init__(self, code: str, position: int | None = None) -> None:
        self.code = code
        self.position = position
        where = "" if position is None else f" (position {position})"
        super().__init__(f"{_CC_MESSAGES.get(code, code)}{where}")


def normalize_credit_code(s: str) -> str:
    """Return ``s`` half-width, upper-case and with all whitespace removed (no validation)."""
    return re.sub(r"\s+", "", _halfwidth(s)).upper()


def _check_alphabet(code: str) -> None:
    """Raise InvalidCreditCode("alphabet") at the first character outside the alphabet."""
    for i, c in enumerate(code):
        if c not in _CC_VALUE:
            raise InvalidCreditCode("alphabet", i)


def credit_code_check_char(first17: str) -> str:
    """Return the check character (18th) for the first 17 characters of a credit code.

    The input is normalized first; raises InvalidCreditCode("length"/"alphabet").
    """
    body = normalize_credit_code(first17)
    if len(body) != 17:
        raise InvalidCreditCode("length")
    _check_alphabet(body)
    total = sum(_CC_VALUE[c] * w for c, w in zip(body, CREDIT_CODE_WEIGHTS))
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(s: str) -> str:
    """Return the normalized code, or raise InvalidCreditCode ("length", "alphabet", "check").

    Only the GB 32100 character set and check character are verified; the inner structure
    (registration authority, region, organization code) is not.
    """
    code = normalize_credit_code(s)
    if len(code) != 18:
        raise InvalidCreditCode("length")
    _check_alphabet(code)
    if credit_code_check_char(code[:17]) != code[17]:
        raise InvalidCreditCode("check", 17)
    return code


def is_valid_credit_code(s: str) -> bool:
    """Whether ``s`` is a valid credit code after normalization."""
    try:
        validate_credit_code(s)
    except InvalidCreditCode:
        return False
    return True


def make_credit_code(first17: str) -> str:
    """Return the normalized ``first17`` with its check character appended (for demo data)."""
    return normalize_credit_code(first17) + credit_code_check_char(first17)


# --------------------------------------------------------------------------------------
# Phone numbers
# --------------------------------------------------------------------------------------


class InvalidPhone(ValueError):
    """A phone number could not be normalized.

    ``code`` is one of: "empty"; "characters" (letters or other symbols); "country" (a
    non-Chinese international prefix); "length" (wrong number of digits); "prefix" (a mobile
    not starting 13-19, a malformed area code, or a local number starting 0/1); "area_code"
    (a 7-8 digit number without area code); "short" (a 5-digit service number while
    ``allow_short`` is false); "extension" (an extension on a non-landline number).
    """

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(f"invalid phone number: {code}")


_WORD_EXTENSION = re.compile(r"^(?P<main>.*?)\s*(?:转|分机)\s*(?P<ext>[0-9]{1,6})$")
_COUNTRY_86 = re.compile(r"^\(?\s*(?:\+\s*|00)?86\s*\)?[\s\-]*")
_PHONE_JUNK = re.compile(r"[^0-9\s\-()]")
_HYPHEN_EXTENSION = re.compile(r"[0-9]{1,6}")


def _national_digits(text: str, international: bool) -> str:
    """Digits of ``text``; after +86 the dropped trunk 0 of a landline is restored
    (anything but a mobile 1[3-9]... is a landline there: +86 10 ... is Beijing)."""
    digits = re.sub(r"[^0-9]", "", text)
    if international and digits and not re.match(r"0|1[3-9]", digits):
        digits = "0" + digits
    return digits


def _landline_error(digits: str) -> str | None:
    """Return an InvalidPhone code for an area-coded landline, or None if it is valid.

    Area codes 010 and 02x have 3 digits, all others 4; the local number has 7-8 digits and
    does not start with 0 or 1.
    """
    area_len = 3 if digits.startswith(("010", "02")) else 4
    local = digits[area_len:]
    if len(digits) < 2 or digits[1] == "0":
        return "prefix"
    if not 7 <= len(local) <= 8:
        return "length"
    if local[0] in "01":
        return "prefix"
    return None


def _split_hyphen_extension(text: str, international: bool) -> tuple[str, str | None]:
    """Split ``0357-2096666-801``: a last hyphen group of 1-6 digits is an extension when
    everything before it already forms a valid landline (so ``138-1234-5678`` and
    ``0357-209-6666`` are left whole)."""
    head, sep, tail = text.rpartition("-")
    if sep and _HYPHEN_EXTENSION.fullmatch(tail.strip()):
        head_digits = _national_digits(head, international)
        if head_digits.startswith("0") and _landline_error(head_digits) is None:
            return head, tail.strip()
    return text, None


def _format_phone(digits: str, ext: str | None, allow_short: bool) -> str:
    """Classify national ``digits`` and return the canonical form, or raise InvalidPhone."""
    if len(digits) == 5 and digits[0] in "19":
        if ext is not None:
            raise InvalidPhone("extension")
        if not allow_short:
            raise InvalidPhone("short")
        return digits
    if digits.startswith("1"):
        if len(digits) != 11:
            raise InvalidPhone("length")
        if digits[1] not in "3456789":
            raise InvalidPhone("prefix")
        if ext is not None:
            raise InvalidPhone("extension")
        return digits
    if digits.startswith("0"):
        error = _landline_error(digits)
        if error:
            raise InvalidPhone(error)
        area_len = 3 if digits.startswith(("010", "02")) else 4
        number = f"{digits[:area_len]}-{digits[area_len:]}"
        return number if ext is None else f"{number}-{ext}"
    raise InvalidPhone("area_code" if 7 <= len(digits) <= 8 else "length")


def normalize_phone(s: str, *, allow_short: bool = False) -> str:
    """Return a Chinese phone number in canonical form, or raise InvalidPhone.

    Mobiles become 11 digits (``13812345678``); landlines ``AREA-LOCAL`` with an optional
    ``-EXT`` (``0357-2096666-801``; ``转801``/``分机801`` accepted). Accepts full-width
    digits, spaces, hyphens, parentheses and a +86 / 0086 / 86 prefix. 5-digit service
    numbers starting 1 or 9 (12345, 95598) are kept only when ``allow_short``. Idempotent.
    """
    text = _halfwidth(s).strip()
    if not text:
        raise InvalidPhone("empty")
    ext: str | None = None
    if match := _WORD_EXTENSION.match(text):
        text, ext = match["main"], match["ext"]
    country = _COUNTRY_86.match(text)
    international = country is not None
    if country:
        text = text[country.end():]
    elif text.startswith(("+", "00")):
        raise InvalidPhone("country")
    if _PHONE_JUNK.search(text):
        raise InvalidPhone("characters")
    if ext is None:
        text, ext = _split_hyphen_extension(text, international)
    return _format_phone(_national_digits(text, international), ext, allow_short)


def mask_phone(phone: str | None) -> str:
    """Mask a phone number for confidential display.

    Mobiles: ``138****5678``. Landlines keep the area code and the last 3 (7-digit local) or
    4 (8-digit local) digits: ``0357-****666``; an extension is dropped. Service numbers are
    shown as is. Unparseable input becomes ``****``; empty input ``""``.
    """
    if not phone:
        return ""
    try:
        number = normalize_phone(phone, allow_short=True)
    except InvalidPhone:
        return "****"
    if number.startswith("1") and len(number) == 11:
        return f"{number[:3]}****{number[7:]}"
    if number.startswith("0"):
        area, local = number.split("-")[:2]
        keep = 3 if len(local) == 7 else 4
        return f"{area}-{'*' * (len(local) - keep)}{local[-keep:]}"
    return number


def mask_name(name: str | None) -> str:
    """Return "匿名" (anonymous) whatever the caller's name: handlers never see it."""
    return "匿名"


_MASK_ORG_FORMS = ("股份有限公司", "有限责任公司", "专业合作社", "有限公司", "合作社", "集团", "公司", "厂", "店")


def mask_enterprise(name: str | None) -> str:
    """Mask an enterprise name for confidential display.

    The trailing org form (longest of 股份有限公司, 有限责任公司, 专业合作社, 有限公司, 合作社,
    集团, 公司, 厂, 店) is kept. The first 2 characters are kept only if at least 4 characters
    of the rest stay hidden (they are then usually the place name). The hidden part is
    replaced by a fixed "**" (or "***" when no org form is found), so the length does not
    leak: "临汾市华晟珠宝有限公司" → "临汾**有限公司", "老王烧烤店" → "**店",
    "临汾市华晟珠宝" → "临汾***". Empty input gives "".
    """
    text = (name or "").strip()
    if not text:
        return ""
    suffix = next((f for f in _MASK_ORG_FORMS if text.endswith(f) and len(text) > len(f)), "")
    core = text[: len(text) - len(suffix)]
    prefix = core[:2] if len(core) >= 6 else ""
    return f"{prefix}{'**' if suffix else '***'}{suffix}"


# --------------------------------------------------------------------------------------
# Free text and enterprise names
# --------------------------------------------------------------------------------------

_LINE_BREAKS = str.maketrans({"\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n"})
#: Every Cc and Cf character is not printable (``str.isprintable``): text that is printable once
#: tabs and line breaks are left out has nothing :func:`clean_text` drops.
_NO_TABS_OR_BREAKS = str.maketrans("", "", "\n\t")


def _keep_char(c: str) -> bool:
    """Whether ``c`` survives clean_text: drops Cc (except \\n and \\t) and Cf characters."""
    return c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf")


def clean_text(s: str, *, multiline: bool) -> str:
    """Clean user-entered text without changing its characters (no NFKC).

    Removes control characters (category Cc) and invisible format characters (Cf: U+200B,
    U+FEFF, bidi overrides ...); normalizes CR LF / CR / U+2028 line breaks to ``\\n``.
    Multiline: keeps ``\\n`` and ``\\t``, strips trailing whitespace on each line and
    collapses a run of more than two blank lines to two. Single-line: every whitespace run,
    line breaks and tabs included, becomes one space. Both strip leading/trailing whitespace.
    Chinese punctuation and full-width characters are kept as they are (a full-width space
    counts as whitespace).
    """
    text = s.replace("\r\n", "\n").translate(_LINE_BREAKS)
    if not text.translate(_NO_TABS_OR_BREAKS).isprintable():  # else there is nothing to drop (fast path)
        text = "".join(c for c in text if _keep_char(c))
    if multiline:
        text = re.sub(r"[^\S\n]+(?=\n)", "", text)
        text = re.sub(r"\n{4,}", "\n\n\n", text)
    else:
        text = re.sub(r"\s+", " ", text)
    return text.strip()


_NAME_ORG_FORMS = ("有限责任公司", "股份有限公司", "有限公司", "集团", "公司")


def normalize_enterprise_name(name: str) -> str:
    """Return a matching key for an enterprise name (not for display).

    Steps, in order: full-width → half-width; lower-case; remove every character that is
    not a letter or digit in any script (whitespace, Chinese and ASCII punctuation,
    brackets, symbols, control/format characters); then repeatedly strip a trailing
    有限责任公司, 股份有限公司, 有限公司, 集团 or 公司 while something remains. So
    "临汾市华晟珠宝有限公司", "临汾市 华晟珠宝（有限公司）" and "临汾市华晟珠宝集团有限公司" all
    give "临汾市华晟珠宝". No place-name prefix is removed.
    """
    key = re.sub(r"[\W_]+", "", _halfwidth(name).lower())
    while True:
        form = next((f for f in _NAME_ORG_FORMS if key.endswith(f) and len(key) > len(f)), None)
        if form is None:
            return key
        key = key[: -len(form)]
