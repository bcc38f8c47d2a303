"""Reading requests safely: bounded ids in paths and query strings, sane years, no NUL characters.

:func:`init_app` installs the app-wide parts (the ``int`` URL converter and the NUL check); the
factory calls it before any blueprint is registered, because a rule picks its converter when it
is added.
"""
from __future__ import annotations

import builtins
from datetime import date, datetime

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

#: The largest database id: ids are INTEGER columns, which PostgreSQL keeps in 32 bits (a larger
#: value is an error there, and beyond 2**63 - 1 an overflow in SQLite's driver).
MAX_ID = 2**31 - 1
#: Dates the hotline can mean: tickets, deadlines, interviews and reporting months.
YEAR_MIN, YEAR_MAX = 2000, 2100
#: Blueprints that answer bad text themselves, in their own error format.
_OWN_TEXT_CHECKS = ("api", "open311")


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


def request_texts() -> list[str]:
    """Every piece of text a request carries in its path, query, form fields and file names."""
    texts = [request.path, *request.args.keys(), *(v for vs in request.args.listvalues() for v in vs)]
    if request.method in ("POST", "PUT", "PATCH", "DELETE") and request.mimetype in (
            "application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [*request.form.keys(), *(v for vs in request.form.listvalues() for v in vs)]
        texts += [f.filename or "" for fs in request.files.listvalues() for f in fs]
    return texts


def refuse_nul_text() -> None:
    """App-wide ``before_request``: a page request whose text holds a NUL is refused with a 400
    page that says why (the two APIs check the same in their own error format)."""
    if request.blueprint in _OWN_TEXT_CHECKS:
        return
    if any(has_nul(text) for text in request_texts()):
        abort(400, description=_("Text may not contain NUL characters (character code 0). Nothing was saved."))


def init_app(app: Flask) -> None:
    """Install the bounded ``int`` converter and the NUL check (before blueprints are registered)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul_text)
