"""Redacting a confidential caller's identity from free text (保密): pure, standard library only.

A caller may give their name, number or company in the description of a confidential matter,
and a handler's reply or an operator's note may repeat it. Whatever of a confidential ticket's
text is shown to a handler or an integration goes through :func:`redact` first, which replaces:

1. e-mail addresses, and QQ / WeChat ids written after their word;
2. ID card numbers (18 characters, also with spaces, or the old 15 digits) and other runs of
   15-19 digits (bank cards); unified social credit codes (18 characters of the GB 32100
   alphabet, valid or mistyped);
3. phone numbers: mobiles and landlines, with +86 / 0086, separators, parentheses, an
   extension, in full-width digits too; any number written after a phone word (电话、手机 …);
4. what is known of this caller: the phone and credit code on the ticket however they are
   spaced, the caller's name (and surname + honorific: 王先生、李总), the enterprise's name
   (also without its legal form or its place prefix: 华晟珠宝).

Matching runs on a half-width copy of the text (full-width ASCII has a half-width twin of the same
length), so the text keeps its own characters wherever nothing is replaced. Over-redaction is
the safe side: an 11-digit amount that looks like a mobile number is masked too.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from hotline.tickets.identity import mask_enterprise, mask_phone

__all__ = ["Identity", "redact", "redact_phones"]

HIDDEN = "******"
HIDDEN_NAME = "某某"
HIDDEN_EMAIL = "***@***"
_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_SEP = r"[\s\-]*"
_COUNTRY = r"(?:(?:\+|00)\s*86|86(?=[\s\-]*1[3-9]))[\s\-]*"
_MOBILE = rf"(?:{_COUNTRY})?1[3-9][0-9](?:{_SEP}[0-9]){{8}}"
_EXTENSION = r"(?:[\s\-]*(?:-|转|分机|ext\.?)[\s\-]*[0-9]{1,6})?"
_LANDLINE = (rf"(?:(?:{_COUNTRY})?(?:\(\s*0?[1-9][0-9]{{1,2}}\s*\)|0[1-9][0-9]{{1,2}})"
             rf"|(?:\+|00)\s*86[\s\-]*\(?[1-9][0-9]{{1,2}}\)?){_SEP}[2-9][0-9]{{2,3}}{_SEP}[0-9]{{4}}{_EXTENSION}")
_PHONE = re.compile(rf"(?<![0-9])(?:{_MOBILE}|{_LANDLINE})(?![0-9])", re.IGNORECASE)
_PHONE_WORD = re.compile(
    r"(?:联系电话|电话号码|手机号码|手机号|电话|手机|座机|联系方式|tel|phone|mobile)[\s:：]*(?:号码|是|为)?[\s:：]*"
    r"(\+?[0-9][0-9\s\-()]{3,}[0-9])", re.IGNORECASE)
_CHAT_ID = re.compile(r"(?<![A-Za-z])(?:QQ号?|微信号?|wechat|vx)[\s:：]*(?:号|是|为)?[\s:：]*([A-Za-z0-9_\-]{5,30})",
                      re.IGNORECASE)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
_ID_SPACED = re.compile(r"(?<![0-9])[1-9][0-9]{5}[\s\-]+(?:19|20)[0-9]{6}[\s\-]+[0-9]{3}[0-9Xx](?![0-9A-Za-z])")
_LONG_NUMBER = re.compile(r"(?<![0-9A-Za-z])[0-9]{14,18}[0-9Xx](?![0-9A-Za-z])")
_CREDIT_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-HJ-NP-RTUW-Y]{18}(?![0-9A-Za-z])", re.IGNORECASE)
_HONORIFICS = "先生|女士|小姐|总经理|总|经理|老板|师傅|厂长|董事长|主任|会计"
_ORG_FORMS = ("股份有限公司", "有限责任公司", "专业合作社", "有限公司", "合作社", "集团", "公司", "厂", "店")
_PLACE_PREFIX = re.compile(r"^(?:[\u4e00-\u9fff]{2,6}?(?:省|自治区|市|县|区))+")
_NOT_NAMES = {"匿名", "某某", "无", "不详", "未知", "anonymous"}


@dataclass(frozen=True)
class Identity:
    """What identifies one caller: their names, phones, enterprises and credit codes as stored."""

    names: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    enterprises: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()

    @classmethod
    def of(cls, caller_name: str | None, caller_phone: str | None, enterprise_name: str | None,
           credit_code: str | None) -> Identity:
        """The identity of a ticket's caller from its four identity fields."""
        def keep(*values):
            return tuple(v.strip() for v in values if v and v.strip())
        return cls(keep(caller_name), keep(caller_phone), keep(enterprise_name), keep(credit_code))


def _halfwidth(text: str) -> str:
    return text.translate(_HALFWIDTH)


def _replace(text: str, pattern: re.Pattern, replacement: Callable[[str], str], group: int = 0) -> str:
    """Replace each match of ``pattern`` (found in the half-width copy) in ``text`` itself."""
    out, last = [], 0
    for match in pattern.finditer(_halfwidth(text)):
        start, end = match.span(group)
        if start < 0 or start < last:
            continue
        out += [text[last:start], replacement(match.group(group))]
        last = end
    return "".join(out) + text[last:] if out else text


def _phone_mask(found: str) -> str:
    masked = mask_phone(re.sub(r"^\s*(?:\+|00)?\s*86[\s\-]*(?=\(?[1-9])", "", found.strip()))
    return masked if masked and masked != "****" else HIDDEN


def _looks_like_credit_code(found: str) -> bool:
    return sum(c.isdigit() for c in found) >= 6


def redact_phones(text: str | None) -> str:
    """Only the phone numbers of ``text`` masked (``138****5678``): for public, non-confidential text."""
    return _replace(text or "", _PHONE, _phone_mask)


def _generic(text: str) -> str:
    text = _replace(text, _EMAIL, lambda _: HIDDEN_EMAIL)
    text = _replace(text, _CHAT_ID, lambda _: HIDDEN, group=1)
    text = _replace(text, _ID_SPACED, lambda _: HIDDEN)
    text = _replace(text, _LONG_NUMBER, lambda _: HIDDEN)
    text = _replace(text, _CREDIT_CODE, lambda s: HIDDEN if _looks_like_credit_code(s) else s)
    text = _replace(text, _PHONE, _phone_mask)
    return _replace(text, _PHONE_WORD, lambda _: HIDDEN, group=1)


def _loose(chars: str) -> str:
    """A pattern for ``chars`` with any spaces or hyphens between them (``138 1234-5678``)."""
    return _SEP.join(re.escape(c) for c in chars)


def _enterprise_variants(name: str) -> list[str]:
    """The full name, the name without its legal form(s), and that without its place prefix."""
    variants = [name]
    core = name
    while form := next((f for f in _ORG_FORMS if core.endswith(f) and len(core) > len(f)), None):
        core = core[: -len(form)]
    variants.append(core)
    bare = _PLACE_PREFIX.sub("", core)
    if len(bare) >= 2:
        variants.append(bare)
    return [v for v in dict.fromkeys(variants) if len(v) >= 2]


@lru_cache(maxsize=256)
def _known(identity: Identity) -> tuple[tuple[re.Pattern, Callable[[str], str]], ...]:
    """Patterns for what this caller is known by, longest first, with their replacements."""
    rules: list[tuple[str, Callable[[str], str]]] = []
    for phone in identity.phones:
        digits = re.sub(r"[^0-9]", "", _halfwidth(phone))
        if len(digits) >= 5:
            rules.append((_loose(digits), lambda _, p=phone: mask_phone(p) or HIDDEN))
    for code in identity.codes:
        rules.append((_loose(_halfwidth(code)), lambda _: HIDDEN))
    for enterprise in identity.enterprises:
        for variant in _enterprise_variants(_halfwidth(enterprise)):
            mask = mask_enterprise(enterprise) if variant == _halfwidth(enterprise) else "**"
            rules.append((re.escape(variant), lambda _, m=mask: m))
    for name in identity.names:
        name = _halfwidth(name)
        if len(name) < 2 or name.lower() in _NOT_NAMES:
            continue
        rules.append((re.escape(name), lambda _: HIDDEN_NAME))
        if re.fullmatch(r"[\u4e00-\u9fff]{2,4}", name):
            surnames = (name[0], name[:2]) if len(name) == 4 else (name[0],)
            for surname in surnames:
                rules.append((rf"{re.escape(surname)}(?=(?:{_HONORIFICS}))", lambda _: "某"))
    rules.sort(key=lambda rule: -len(rule[0]))
    return tuple((re.compile(p, re.IGNORECASE), r) for p, r in rules)


def redact(text: str | None, identity: Identity) -> str:
    """``text`` with every identifying detail replaced (see the module's docstring)."""
    text = text or ""
    for pattern, replacement in _known(identity):
        text = _replace(text, pattern, replacement)
    return _generic(text)
