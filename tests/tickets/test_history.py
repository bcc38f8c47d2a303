"""The tamper-evident history: hashes chain, and the verify command names the first broken link."""
from __future__ import annotations

from sqlalchemy import select, update

from hotline.extensions import db
from hotline.tickets.events import verify_ticket
from hotline.tickets.models import Event, Ticket
from tests.factories import post_intake


def test_altering_one_stored_event_is_reported(operator_client, runner):
    post_intake(operator_client)
    post_intake(operator_client, caller_phone="13900002222")
    first, second = db.session.scalars(select(Ticket).order_by(Ticket.id)).all()
    ok = runner.invoke(args=["verify-events"])
    assert ok.exit_code == 0 and "2 ticket histories checked, 0 broken" in ok.output

    db.session.execute(update(Event).where(Event.ticket_id == first.id, Event.seq == 2)
                       .values(data={"lead": "market", "co_handlers": [], "joint": False}))
    db.session.commit()
    result = runner.invoke(args=["verify-events"])
    assert result.exit_code == 1
    assert f"BROKEN ticket {first.number}: event #2 (hash)" in result.output
    assert second.number not in result.output
    assert verify_ticket(second.id) is None


def test_deleting_an_event_breaks_the_sequence(operator_client):
    post_intake(operator_client, confidential="y")
    ticket = db.session.scalars(select(Ticket)).first()
    db.session.execute(db.delete(Event).where(Event.ticket_id == ticket.id, Event.seq == 1))
    db.session.commit()
    broken = verify_ticket(ticket.id)
    assert broken is not None and broken.seq == 2 and broken.reason == "sequence"


def test_each_event_carries_the_previous_hash(operator_client):
    post_intake(operator_client)
    events = db.session.scalars(select(Event).order_by(Event.seq)).all()
    assert events[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(events, events[1:]))
