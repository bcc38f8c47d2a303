"""Anchors that make a ticket's history provably complete: checkpoints and signed digests.

Pure functions over plain values (standard library only). The hash chain
(:mod:`hotline.tickets.chain`) shows that no event was altered in place, but not that none was
cut from the end, that a history was not wiped, or that it was not rewritten with its hashes
recomputed. Two anchors close those gaps:

* **checkpoints** — each transaction that writes events also appends, per ticket, the chain's
  new head (last seq, hash). Events are append-only, so every anchored (seq, hash) must stay in
  the chain forever (:func:`check_anchors`);
* **digests** — a daily HMAC-SHA256, with a key kept outside the database, over the checkpoints
  written since the previous digest, chained to its MAC (:class:`DigestMac`). Whoever can write to
  the database but does not hold the key cannot alter, add or remove a signed checkpoint unseen.

What neither can show: a change made to both the events and their checkpoints after the last
digest. Digest often enough for that window to be acceptable.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime

from hotline.tickets.chain import GENESIS, Break, verify

__all__ = ["DigestMac", "check_anchors", "checkpoint_line", "verify_history"]


def check_anchors(events: Sequence[Mapping], checkpoints: Iterable[tuple[int, str]]) -> Break | None:
    """Compare a ticket's chain (events in seq order) with its checkpoints ((seq, hash) pairs).

    The first finding, in this order: "wiped" (no events, yet checkpoints), "empty" (no events
    and no checkpoints: every ticket starts with one), "truncated" (a checkpoint names a seq past
    the last event), "rewritten" (the event at an anchored seq has another hash), "unanchored"
    (events past the last checkpoint: written outside the application).
    """
    anchors = sorted(checkpoints)
    top = anchors[-1][0] if anchors else 0
    if not events:
        return Break(1, "wiped", anchored=top) if anchors else Break(1, "empty")
    last = events[-1]["seq"]
    if top > last:
        return Break(last + 1, "truncated", anchored=top)
    hashes = {e["seq"]: e["hash"] for e in events}
    for seq, digest in anchors:
        if hashes.get(seq) != digest:
            return Break(seq, "rewritten", anchored=top)
    if last > top:
        return Break(top + 1, "unanchored", anchored=top)
    return None


def verify_history(events: Sequence[Mapping], checkpoints: Iterable[tuple[int, str]]) -> Break | None:
    """The chain's own first broken link, else its first disagreement with the checkpoints."""
    return verify(events) or check_anchors(events, checkpoints)


def _instant(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetime in a checkpoint")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def checkpoint_line(row_id: int, ticket_id: int, seq: int, head: str, created_at: datetime) -> bytes:
    """The canonical bytes of one checkpoint row, as a digest signs it."""
    return f"{row_id} {ticket_id} {seq} {head} {_instant(created_at)}\n".encode("ascii")


class DigestMac:
    """HMAC-SHA256 of one digest: the previous digest's MAC, the cutoff, then the checkpoint rows
    written before the cutoff and since the previous one, in (created_at, id) order."""

    def __init__(self, key: bytes, prev_mac: str, cutoff: datetime) -> None:
        if not key:
            raise ValueError("a digest needs a key")
        self._mac = hmac.new(key, digestmod=hashlib.sha256)
        self._mac.update(f"{prev_mac or GENESIS}\n{_instant(cutoff)}\n".encode("ascii"))
        self.rows = 0

    def add(self, row_id: int, ticket_id: int, seq: int, head: str, created_at: datetime) -> None:
        """Sign one more checkpoint row."""
        self._mac.update(checkpoint_line(row_id, ticket_id, seq, head, created_at))
        self.rows += 1

    def hexdigest(self) -> str:
        """The MAC, 64 hex digits."""
        return self._mac.hexdigest()

    def matches(self, mac: str) -> bool:
        """Whether ``mac`` is this digest's MAC (compared in constant time)."""
        return hmac.compare_digest(self.hexdigest(), mac or "")
