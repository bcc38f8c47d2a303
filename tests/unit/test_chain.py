"""The tamper-evident history's hash chain: one serialisation everywhere, every kind of break named.
Pure: no app, no database."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hotline.tickets import chain

SH = timezone(timedelta(hours=8))
T0 = datetime(2026, 12, 3, 9, 30, 0, 123456, tzinfo=SH)


def _event(seq: int, **changes) -> dict:
    fields = {"ticket_id": 7, "seq": seq, "assignment_id": None, "actor_id": 3, "action": "assignment_sign",
              "from_state": "dispatched", "to_state": "signed", "data": {"部门": "市税务局", "n": seq},
              "created_at": T0 + timedelta(minutes=seq)}
    fields.update(changes)
    return fields


def _chain(n: int) -> list[dict]:
    events, prev = [], chain.GENESIS
    for seq in range(1, n + 1):
        ev = _event(seq)
        ev["prev_hash"], ev["hash"] = prev, chain.event_hash(prev, ev)
        prev = ev["hash"]
        events.append(ev)
    return events


def test_the_serialisation_is_fixed_so_stored_histories_verify_for_ever():
    """A known vector: changing the canonical form would break every stored chain."""
    ev = _event(1)
    assert chain.canonical(ev) == (
        '{"action":"assignment_sign","actor_id":3,"assignment_id":null,"created_at":"2026-12-03T01:31:00.123456Z",'
        '"data":{"n":1,"部门":"市税务局"},"from_state":"dispatched","seq":1,"ticket_id":7,"to_state":"signed"}'
    ).encode()
    assert chain.event_hash(chain.GENESIS, ev) == chain.event_hash("0" * 64, dict(ev, unhashed="ignored"))


def test_the_same_instant_in_any_timezone_hashes_the_same():
    utc = _event(1, created_at=T0.astimezone(UTC) + timedelta(minutes=1))
    assert chain.event_hash(chain.GENESIS, _event(1)) == chain.event_hash(chain.GENESIS, utc)


def test_a_naive_instant_or_an_unknown_value_is_refused():
    with pytest.raises(ValueError):
        chain.canonical(_event(1, created_at=datetime(2026, 12, 3, 9, 30)))
    with pytest.raises(TypeError):
        chain.canonical(_event(1, data={"x": object()}))


def test_an_intact_chain_verifies_and_an_empty_one_too():
    assert chain.verify(_chain(5)) is None
    assert chain.verify([]) is None


def test_each_kind_of_tampering_is_named_at_the_first_broken_event():
    events = _chain(5)
    rewritten = [dict(e) for e in events]
    rewritten[2]["to_state"] = "returned"  # content changed, hashes left alone
    assert chain.verify(rewritten) == chain.Break(3, "hash")

    removed = events[:2] + events[3:]  # an event deleted from the middle
    assert chain.verify(removed) == chain.Break(4, "sequence")

    relinked = [dict(e) for e in events]
    relinked[3]["prev_hash"] = "f" * 64
    assert chain.verify(relinked) == chain.Break(4, "prev_hash")

    assert chain.verify(events[1:]) == chain.Break(2, "sequence")  # the first event is missing


@given(st.integers(min_value=0, max_value=4), st.sampled_from(["actor_id", "action", "data", "created_at"]))
def test_any_change_to_a_hashed_field_is_caught(index, field):
    events = [dict(e) for e in _chain(5)]
    before = events[index][field]
    events[index][field] = (before + timedelta(seconds=1) if isinstance(before, datetime)
                            else {"changed": True} if isinstance(before, dict)
                            else "x" if isinstance(before, str) else 999)
    broken = chain.verify(events)
    assert broken is not None and broken.seq == index + 1
