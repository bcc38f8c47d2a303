"""The tamper-evident history: each event carries the hash of the one before it.

Pure functions over plain values. ``canonical`` fixes one serialisation of an event
(sorted keys, UTF-8, instants in UTC ISO-8601 with microseconds), so the hash of the
same event is the same on SQLite and PostgreSQL and in any Python process.
"""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

GENESIS = "0" * 64
HASHED_FIELDS = ("ticket_id", "seq", "assignment_id", "actor_id", "action", "from_state", "to_state",
                 "data", "created_at")


def _default(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime in an event")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    raise TypeError(f"cannot serialise {type(value).__name__} in an event")


def canonical(fields: Mapping) -> bytes:
    """The canonical bytes of an event's hashed fields."""
    payload = {name: fields.get(name) for name in HASHED_FIELDS}
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=_default).encode("utf-8")


def event_hash(prev_hash: str, fields: Mapping) -> str:
    """SHA-256 over the previous hash and the event's canonical bytes."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + canonical(fields)).hexdigest()


@dataclass(frozen=True)
class Break:
    """The first broken link of a chain: which event (by seq) and why.

    ``reason``: "sequence", "prev_hash", "hash" (the chain itself, :func:`verify`); "truncated",
    "wiped", "rewritten", "unanchored", "empty" (the chain against its checkpoints,
    :func:`hotline.tickets.anchors.check_anchors`). ``anchored``: the last seq the checkpoints
    vouch for, where that explains the break.
    """

    seq: int
    reason: str
    anchored: int | None = None


def verify(events: Iterable[Mapping]) -> Break | None:
    """Check a ticket's events in seq order; None if intact, else the first broken link."""
    prev = GENESIS
    expected_seq = 1
    for ev in events:
        if ev["seq"] != expected_seq:
            return Break(ev["seq"], "sequence")
        if ev["prev_hash"] != prev:
            return Break(ev["seq"], "prev_hash")
        if ev["hash"] != event_hash(prev, ev):
            return Break(ev["seq"], "hash")
        prev = ev["hash"]
        expected_seq += 1
    return None
