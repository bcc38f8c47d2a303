"""History that proves its completeness: each attack on the stored history is named by
``hotline verify-events`` (and the service behind it), and normal work keeps it clean.

The attacker here can write to the database (delete, update, recompute hashes) but does not hold
the digest key, which lives in the environment.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import delete, func, select, update

from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets import chain, history, lifecycle
from hotline.tickets.events import verify_ticket
from hotline.tickets.jobs import sign_history
from hotline.tickets.models import Event, HistoryCheckpoint, HistoryDigest, Ticket
from tests.factories import make_ticket

KEY = "history-key-for-tests-only-7f3a9c"


@pytest.fixture
def keyed(app):
    """The digest key configured, as HOTLINE_HISTORY_KEY would in production."""
    app.config["HISTORY_KEY"] = KEY
    return app


@pytest.fixture
def worked(city, make_user):
    """Make a ticket and work on it: received, dispatched, signed, contacted (one transaction each step)."""
    def make(phone: str = "13800001111") -> Ticket:
        ticket = make_ticket(caller_phone=phone)
        a = ticket.assignments[0]
        handler = make_user("handler", department=a.department)
        lifecycle.sign_for(a.id, actor=handler)
        lifecycle.record_contact(a.id, at=utcnow(), method="phone", reached=True, summary="已联系", actor=handler)
        return db.session.get(Ticket, ticket.id)

    return make


def _seqs(ticket_id: int) -> list[int]:
    return db.session.scalars(select(Event.seq).where(Event.ticket_id == ticket_id).order_by(Event.seq)).all()


def _verify(runner):
    db.session.commit()  # the command reads what is committed, as another process would
    return runner.invoke(args=["verify-events"])


def _rewrite(ticket_id: int, seq: int, data: dict) -> None:
    """Change event #seq and recompute every hash from there on, so the chain verifies again."""
    prev = chain.GENESIS
    for event in db.session.scalars(select(Event).where(Event.ticket_id == ticket_id).order_by(Event.seq)).all():
        fields = {name: getattr(event, name) for name in chain.HASHED_FIELDS}
        if event.seq == seq:
            fields["data"] = data
        head = chain.event_hash(prev, fields)
        db.session.execute(update(Event).where(Event.id == event.id)
                           .values(data=fields["data"], prev_hash=prev, hash=head))
        prev = head
    db.session.commit()


def test_every_transaction_anchors_its_ticket_s_head(worked):
    ticket = worked()
    checkpoints = db.session.execute(select(HistoryCheckpoint.seq, HistoryCheckpoint.hash)
                                     .where(HistoryCheckpoint.ticket_id == ticket.id)
                                     .order_by(HistoryCheckpoint.seq)).all()
    events = dict(db.session.execute(select(Event.seq, Event.hash).where(Event.ticket_id == ticket.id)).all())
    assert len(checkpoints) == 3  # intake (received + dispatched), sign (sign + start), contact
    assert [seq for seq, _ in checkpoints][-1] == max(events)
    assert all(events[seq] == head for seq, head in checkpoints)


def test_normal_work_keeps_verification_clean(keyed, worked, runner, operator_client):
    from tests.factories import post_intake

    start = utcnow()
    with time_machine.travel(start, tick=True) as clock:
        first = worked()
        post_intake(operator_client, confidential="y")  # through the pages: intake, identity view
        confidential = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
        operator_client.post(f"/tickets/{confidential.number}",
                             data={"csrf_token": _csrf(operator_client, f"/tickets/{confidential.number}")})
        clock.move_to(start + timedelta(hours=1))
        assert sign_history().startswith("signed")
        lifecycle.submit(first.assignments[0].id, reply="已受理并办结", solved=True, actor=None)
        worked("13800002222")
        clock.move_to(start + timedelta(days=1))
        assert sign_history().startswith("signed")
        lifecycle.record_callback(first.id, reached=True, solved=True, satisfaction="satisfied", comment="",
                                  actor=None)
        result = _verify(runner)
    assert result.exit_code == 0, result.output
    assert "3 ticket histories checked, 0 broken" in result.output
    assert "2 digests checked, 0 broken" in result.output
    assert "BROKEN" not in result.output


def _csrf(client, url: str) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client.get(url).get_data(as_text=True))


def test_deleting_the_last_event_is_named_truncation(worked, runner):
    ticket, other = worked(), worked("13800002222")
    last = _seqs(ticket.id)[-1]
    db.session.execute(delete(Event).where(Event.ticket_id == ticket.id, Event.seq == last))
    db.session.commit()
    assert verify_ticket(ticket.id) is None  # the chain alone cannot see it
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN ticket {ticket.number}: event #{last} (truncated)" in result.output
    assert f"checkpoint vouches for #{last}" in result.output
    assert other.number not in result.output
    broken = history.check_ticket(ticket.id)
    assert (broken.seq, broken.reason, broken.anchored) == (last, "truncated", last)


def test_wiping_a_ticket_s_whole_history_is_named(worked, runner):
    ticket = worked()
    last = _seqs(ticket.id)[-1]
    db.session.execute(delete(Event).where(Event.ticket_id == ticket.id))
    db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN ticket {ticket.number}: event #1 (wiped)" in result.output
    assert f"vouch for #{last}" in result.output
    assert history.check_ticket(ticket.id).reason == "wiped"


def test_deleting_the_ticket_itself_is_named(worked, runner):
    ticket = worked()
    ticket_id = ticket.id
    db.session.execute(delete(Event).where(Event.ticket_id == ticket_id))
    db.session.delete(db.session.get(Ticket, ticket_id))
    db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN ticket id {ticket_id} (deleted): event #1 (wiped)" in result.output
    assert "0 ticket histories checked, 1 broken" in result.output


def test_deleting_a_middle_event_is_named(worked, runner):
    ticket = worked()
    db.session.execute(delete(Event).where(Event.ticket_id == ticket.id, Event.seq == 2))
    db.session.commit()
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN ticket {ticket.number}: event #3 (sequence)" in result.output


def test_a_chain_rewritten_with_recomputed_hashes_is_named(worked, runner):
    ticket = worked()
    _rewrite(ticket.id, 2, {"lead": "market", "co_handlers": [], "joint": False})
    assert verify_ticket(ticket.id) is None  # every hash recomputed: the chain verifies
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN ticket {ticket.number}: event #2 (rewritten)" in result.output
    assert history.check_ticket(ticket.id).reason == "rewritten"


def test_events_appended_outside_the_application_are_named(worked, runner):
    ticket = worked()
    last = db.session.scalars(select(Event).where(Event.ticket_id == ticket.id).order_by(Event.seq.desc())).first()
    fields = {name: getattr(last, name) for name in chain.HASHED_FIELDS} | {
        "seq": last.seq + 1, "action": "assignment_submit", "data": {"solved": True}}
    db.session.add(Event(**fields, prev_hash=last.hash, hash=chain.event_hash(last.hash, fields)))
    db.session.commit()  # a forged, well-hashed event with no checkpoint
    result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN ticket {ticket.number}: event #{last.seq + 1} (unanchored)" in result.output


def test_tampering_with_signed_checkpoints_breaks_the_digest(keyed, worked, runner):
    ticket, _other = worked(), worked("13800002222")
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=True):
        digest = history.write_digest()
        assert digest.rows == 6
        # Rewrite the chain, then make its checkpoints agree with the rewritten chain.
        _rewrite(ticket.id, 2, {"lead": "market", "co_handlers": [], "joint": False})
        heads = dict(db.session.execute(select(Event.seq, Event.hash).where(Event.ticket_id == ticket.id)).all())
        for seq, head in heads.items():
            db.session.execute(update(HistoryCheckpoint).where(HistoryCheckpoint.ticket_id == ticket.id,
                                                               HistoryCheckpoint.seq == seq).values(hash=head))
        db.session.commit()
        assert history.check_ticket(ticket.id) is None  # chain and checkpoints agree again
        result = _verify(runner)
    assert result.exit_code == 1
    assert "0 broken\n" in result.output.split("digests")[0]  # no ticket is named…
    assert f"BROKEN digest of {digest.cutoff.isoformat()}: the checkpoints it signed were altered" in result.output
    assert "(6 signed, 6 found)" in result.output
    assert "1 digests checked, 1 broken" in result.output


def test_deleting_checkpoints_with_the_events_they_anchor_breaks_the_digest(keyed, worked, runner):
    ticket = worked()
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=True):
        history.write_digest()
        last = _seqs(ticket.id)[-1]
        db.session.execute(delete(Event).where(Event.ticket_id == ticket.id, Event.seq == last))
        db.session.execute(delete(HistoryCheckpoint).where(HistoryCheckpoint.ticket_id == ticket.id,
                                                           HistoryCheckpoint.seq == last))
        db.session.commit()
        assert history.check_ticket(ticket.id) is None
        result = _verify(runner)
    assert result.exit_code == 1 and "(3 signed, 2 found)" in result.output


def test_removing_a_digest_breaks_the_chain_of_digests(keyed, worked, runner):
    worked()
    start = utcnow()
    with time_machine.travel(start + timedelta(hours=1), tick=True) as clock:
        first = history.write_digest()
        worked("13800002222")
        clock.move_to(start + timedelta(hours=2))
        second = history.write_digest()
        assert second.prev_mac == first.mac
        db.session.execute(delete(HistoryDigest).where(HistoryDigest.id == first.id))
        db.session.commit()
        result = _verify(runner)
    assert result.exit_code == 1
    assert f"BROKEN digest of {second.cutoff.isoformat()}: it does not follow the digest before it" in result.output


def test_a_digest_forged_without_the_key_does_not_verify(keyed, worked, runner, app):
    worked()
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=True):
        app.config["HISTORY_KEY"] = "a-guessed-key"
        history.write_digest()
        app.config["HISTORY_KEY"] = KEY
        result = _verify(runner)
    assert result.exit_code == 1 and "1 digests checked, 1 broken" in result.output


def test_old_checkpoints_no_digest_signs_are_reported(keyed, worked, runner):
    worked()
    with time_machine.travel(utcnow() + timedelta(days=3), tick=True):
        result = _verify(runner)
    assert result.exit_code == 1
    assert "BROKEN checkpoints older than two days that no digest signs" in result.output


def test_without_a_key_digests_are_not_checked_and_not_written(worked, runner, monkeypatch):
    monkeypatch.delenv("HOTLINE_HISTORY_KEY", raising=False)
    worked()
    result = _verify(runner)
    assert result.exit_code == 0
    assert "digests not checked: HOTLINE_HISTORY_KEY is not set" in result.output
    assert sign_history() == "no key"
    refused = runner.invoke(args=["history-digest"])
    assert refused.exit_code != 0 and "HOTLINE_HISTORY_KEY is not set" in refused.output
    assert db.session.scalar(select(func.count()).select_from(HistoryDigest)) == 0


def test_the_key_may_come_from_the_environment(worked, runner, monkeypatch):
    monkeypatch.setenv("HOTLINE_HISTORY_KEY", KEY)
    worked()
    with time_machine.travel(utcnow() + timedelta(hours=1), tick=True):
        signed = runner.invoke(args=["history-digest"])
        assert signed.exit_code == 0 and "signed 3 checkpoints" in signed.output
        again = runner.invoke(args=["history-digest"])
        assert "nothing to sign" in again.output
        result = _verify(runner)
    assert result.exit_code == 0 and "1 digests checked, 0 broken" in result.output


def test_of_two_digest_writers_racing_one_is_refused(keyed, worked, monkeypatch):
    worked()
    later = utcnow() + timedelta(hours=1)
    assert history.write_digest(now=later) is not None
    monkeypatch.setattr(history, "_last_digest", lambda: None)  # the second read before the first committed
    assert history.write_digest(now=later + timedelta(minutes=1)) is None
    assert db.session.scalar(select(func.count()).select_from(HistoryDigest)) == 1
