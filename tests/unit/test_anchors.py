"""Checkpoints and digests as pure rules (no app, no database)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hotline.tickets.anchors import DigestMac, check_anchors, checkpoint_line, verify_history
from hotline.tickets.chain import GENESIS, event_hash

T0 = datetime(2026, 3, 2, 1, 30, tzinfo=UTC)


def _chain(n: int, ticket_id: int = 7, tweak: int | None = None) -> list[dict]:
    events, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = {"ticket_id": ticket_id, "seq": seq, "assignment_id": None, "actor_id": 1,
                  "action": "changed" if seq == tweak else f"step{seq}", "from_state": None, "to_state": None,
                  "data": {}, "created_at": T0 + timedelta(minutes=seq)}
        head = event_hash(prev, fields)
        events.append(fields | {"prev_hash": prev, "hash": head})
        prev = head
    return events


def _anchored(events, *seqs) -> list[tuple[int, str]]:
    return [(e["seq"], e["hash"]) for e in events if e["seq"] in seqs]


def test_a_chain_matching_its_checkpoints_is_intact():
    events = _chain(5)
    assert check_anchors(events, _anchored(events, 2, 4, 5)) is None
    assert verify_history(events, _anchored(events, 5)) is None


@pytest.mark.parametrize("events, anchors, seq, reason, anchored", [
    (_chain(4), _anchored(_chain(5), 3, 5), 5, "truncated", 5),
    ([], _anchored(_chain(5), 5), 1, "wiped", 5),
    ([], [], 1, "empty", None),
    (_chain(5, tweak=2), _anchored(_chain(5), 1, 3, 5), 3, "rewritten", 5),
    (_chain(6), _anchored(_chain(6), 2, 4), 5, "unanchored", 4),
])
def test_each_disagreement_is_named(events, anchors, seq, reason, anchored):
    brk = check_anchors(events, anchors)
    assert (brk.seq, brk.reason, brk.anchored) == (seq, reason, anchored)


def test_the_chain_s_own_break_comes_first():
    events = _chain(5)
    del events[2]  # a middle event deleted
    brk = verify_history(events, _anchored(_chain(5), 5))
    assert (brk.seq, brk.reason) == (4, "sequence")


def _mac(key=b"k" * 32, prev=GENESIS, cutoff=T0, rows=((1, 7, 3, "a" * 64, T0),)) -> str:
    mac = DigestMac(key, prev, cutoff)
    for row in rows:
        mac.add(*row)
    return mac.hexdigest()


def test_a_digest_depends_on_its_key_rows_order_cutoff_and_predecessor():
    rows = ((1, 7, 3, "a" * 64, T0), (2, 8, 1, "b" * 64, T0))
    base = _mac(rows=rows)
    assert base == _mac(rows=rows) and len(base) == 64
    assert base != _mac(key=b"x" * 32, rows=rows)
    assert base != _mac(rows=rows[::-1])
    assert base != _mac(rows=rows[:1])
    assert base != _mac(rows=((1, 7, 3, "a" * 64, T0 + timedelta(microseconds=1)), rows[1]))
    assert base != _mac(cutoff=T0 + timedelta(seconds=1), rows=rows)
    assert base != _mac(prev="f" * 64, rows=rows)


def test_a_digest_needs_a_key_and_aware_instants():
    with pytest.raises(ValueError):
        DigestMac(b"", GENESIS, T0)
    with pytest.raises(ValueError):
        checkpoint_line(1, 7, 3, "a" * 64, T0.replace(tzinfo=None))


def test_a_checkpoint_line_is_the_same_in_any_zone():
    shanghai = T0.astimezone(timezone(timedelta(hours=8)))
    assert checkpoint_line(1, 7, 3, "a" * 64, T0) == checkpoint_line(1, 7, 3, "a" * 64, shanghai)
    assert DigestMac(b"k", GENESIS, T0).matches(_mac(key=b"k", rows=())) is True
    assert DigestMac(b"k", GENESIS, T0).matches(None) is False
