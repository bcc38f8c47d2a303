"""Reading requests safely: bounded ids in paths and query strings, sane years, no NUL characters.

:func:`init_app` installs the app-wide parts: the ``int`` URL converter (the factory calls it
before any blueprint is registered, because a rule picks its converter when it is added), and a
request class that reads form fields, query arguments and file names without NUL characters —
PostgreSQL can neither store nor compare one, and the pages already strip other control
characters from what people type. The integration APIs refuse NULs instead (``had_nul``).
"""
from __future__ import annotations

import builtins
from datetime import date, datetime
from functools import cache, cached_property

from flask import Flask, Request, abort, request
from werkzeug.datastructures import FileStorage, ImmutableMultiDict, MultiDict
from werkzeug.routing import IntegerConverter

#: The largest database id: ids are INTEGER columns, which PostgreSQL keeps in 32 bits (a larger
#: value is an error there, and beyond 2**63 - 1 an overflow in SQLite's driver).
MAX_ID = 2**31 - 1
#: Dates the hotline can mean: tickets, deadlines, interviews and reporting months.
YEAR_MIN, YEAR_MAX = 2000, 2100
#: Blueprints that refuse NUL characters themselves, in their own error format.
_APIS = ("api", "open311")


def id_arg(name: str) -> int | None:
    """A positive database id from the query string, or None when absent, malformed or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` for ids: a number above :data:`MAX_ID` matches no route (404) instead of
    overflowing the database (500: "integer out of range" on PostgreSQL, OverflowError on SQLite)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = None,  # noqa: A002
                 signed: bool = False) -> None:
        bound = MAX_ID if max is None else builtins.min(max, MAX_ID)
        super().__init__(map, fixed_digits, min=min, max=bound, signed=signed)


def year_in_range(value: date | datetime | None) -> bool:
    """Whether a date or instant falls in a year the hotline can mean (:data:`YEAR_MIN`–:data:`YEAR_MAX`)."""
    return value is not None and YEAR_MIN <= value.year <= YEAR_MAX


def has_nul(text: str | None) -> bool:
    """Whether ``text`` holds a NUL character (PostgreSQL can neither store nor compare one)."""
    return bool(text) and "\x00" in text


class NulFreeMultiDict(ImmutableMultiDict):
    """Form fields or query arguments with every NUL character removed from names, values and
    file names; ``had_nul`` says whether any was."""

    had_nul = False

    def __init__(self, mapping=None) -> None:
        if isinstance(mapping, MultiDict):
            pairs = list(mapping.items(multi=True))
        elif isinstance(mapping, dict):
            pairs = list(mapping.items())
        else:
            pairs = list(mapping or ())
        cleaned = [(self._clean(key), self._clean(value)) for key, value in pairs]
        super().__init__(cleaned)

    def _clean(self, value):
        if isinstance(value, str) and has_nul(value):
            self.had_nul = True
            return value.replace("\x00", "")
        if isinstance(value, FileStorage) and has_nul(value.filename):
            self.had_nul = True
            value.filename = value.filename.replace("\x00", "")
        return value


class HotlineRequest(Request):
    """The request: its form fields, query arguments and file names come without NUL characters."""

    parameter_storage_class = NulFreeMultiDict

    @cached_property
    def wtforms_translations(self):
        """WTForms' own messages ("Not a valid float value.") in the request's language. Flask-WTF
        (``flask_wtf.i18n``) looks for this attribute on the request and, without it, loads the catalog
        from disk on every request that builds a form; here it comes from the process's cache."""
        from flask_babel import get_locale

        return _wtforms_catalog(str(get_locale()))


@cache
def _wtforms_catalog(locale: str):
    """WTForms' message catalog for ``locale``, loaded once per process."""
    from babel.support import Translations
    from wtforms.i18n import messages_path

    return Translations.load(messages_path(), [locale], domain="wtforms")


def request_had_nul() -> bool:
    """Whether the request's path, query or form carried a NUL (removed from the last two)."""
    form_had = request.method in ("POST", "PUT", "PATCH") and getattr(request.form, "had_nul", False)
    return has_nul(request.path) or getattr(request.args, "had_nul", False) or bool(form_had)


def no_nul_in_path() -> None:
    """App-wide ``before_request``: no page has a NUL in its address (404), so none reaches a query.
    (The integration APIs answer it with their own 400.)"""
    if has_nul(request.path) and request.blueprint not in _APIS:
        abort(404)


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter, the NUL-free request and the path check (before any
    blueprint is registered)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.request_class = HotlineRequest
    app.before_request(no_nul_in_path)
