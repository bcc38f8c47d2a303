"""Small helpers for reading request arguments safely in views."""
from __future__ import annotations

from flask import request

MAX_ID = 2**31 - 1


def id_arg(name: str) -> int | None:
    """A positive database id from the query string, or None when absent, malformed or out of range."""
    value = request.args.get(name, type=int)
    return value if value is not None and 0 < value <= MAX_ID else None
