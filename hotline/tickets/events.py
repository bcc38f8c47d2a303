"""Appending events to a ticket's history (the only way history is written), and anchoring it.

Every commit of a transaction that appended events also appends, per ticket, the chain's new head
to ``history_checkpoints`` (:func:`anchor_heads`), in that same transaction: one row per ticket
per transaction. Verifying the whole history against them is :mod:`hotline.tickets.history`.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect

from hotline import txcache
from hotline.db import insert_rows, utcnow
from hotline.extensions import db
from hotline.tickets import chain
from hotline.tickets.models import Event, HistoryCheckpoint, Ticket


def _value(state) -> str | None:
    return None if state is None else str(state.value if hasattr(state, "value") else state)


def record(ticket: Ticket, action: str, *, actor_id: int | None, from_state=None, to_state=None,
           data: dict | None = None, assignment_id: int | None = None, at: datetime | None = None) -> Event:
    """Append an event to ``ticket``'s chain in the current transaction.

    Callers hold the ticket (new in this transaction, or locked with
    :func:`hotline.tickets.intake.lock_ticket`), so sequence numbers do not race;
    the unique (ticket, seq) constraint refuses a second writer if they ever did.
    A ticket not yet inserted (pending in this session) has no history: its chain starts at
    the genesis without a query. The event itself is written by the next flush.
    """
    new = sa_inspect(ticket).pending  # inserted by this transaction: its chain starts at the genesis
    if ticket.id is None:
        db.session.flush()  # the ticket's id is part of the hashed fields (unless it was taken beforehand)
    event = Event(**_append(ticket.id, new, action, actor_id=actor_id, from_state=from_state, to_state=to_state,
                            data=data, assignment_id=assignment_id, at=at))
    db.session.add(event)
    return event


def row(ticket: Ticket, action: str, *, actor_id: int | None, data: dict | None = None,
        assignment_id: int | None = None, at: datetime | None = None) -> dict:
    """The row of an event appended to an inserted, held ticket's chain, as :func:`record` would
    write it, for a batch that writes many at once (:func:`hotline.db.insert_rows`, into ``events``)
    instead of one object each. The chain head moves on as with :func:`record`, so events recorded
    after it in the same transaction follow it, and the commit anchors the head."""
    return _append(ticket.id, False, action, actor_id=actor_id, from_state=None, to_state=None, data=data,
                   assignment_id=assignment_id, at=at)


def _append(ticket_id: int, new: bool, action: str, *, actor_id, from_state, to_state, data, assignment_id,
            at) -> dict:
    """The next link of ``ticket_id``'s chain (its fields, ``prev_hash`` and ``hash``); moves the head."""
    heads = db.session.info.setdefault(HEADS, {})
    if new and ticket_id not in heads:
        heads[ticket_id] = (0, chain.GENESIS)
    if ticket_id in heads:
        seq, prev = heads[ticket_id]
        seq += 1
    elif ticket_id in db.session.info.get(PRIMED, {}):
        seq, prev = db.session.info[PRIMED].pop(ticket_id)
        seq += 1
    else:
        last = db.session.execute(
            select(Event.seq, Event.hash).where(Event.ticket_id == ticket_id).order_by(Event.seq.desc()).limit(1)
        ).first()
        seq, prev = (last.seq + 1, last.hash) if last else (1, chain.GENESIS)
    fields = {
        "ticket_id": ticket_id, "seq": seq, "assignment_id": assignment_id, "actor_id": actor_id,
        "action": action, "from_state": _value(from_state), "to_state": _value(to_state),
        "data": data or {}, "created_at": at or utcnow(),
    }
    digest = chain.event_hash(prev, fields)
    heads[ticket_id] = (seq, digest)
    return {**fields, "prev_hash": prev, "hash": digest}


HEADS = txcache.EVENT_HEADS
PRIMED = txcache.EVENT_HEADS_PRIMED


def prime_heads(ticket_ids) -> None:
    """Read the chain heads of many locked tickets in one statement, for a batch that appends to
    them (a ticket no event is then appended to gets no checkpoint)."""
    ids = [i for i in set(ticket_ids) if i not in db.session.info.get(HEADS, {})]
    if not ids:
        return
    last = select(Event.ticket_id, func.max(Event.seq).label("seq")).where(Event.ticket_id.in_(ids)) \
        .group_by(Event.ticket_id).subquery()
    rows = db.session.execute(select(Event.ticket_id, Event.seq, Event.hash).join(
        last, (Event.ticket_id == last.c.ticket_id) & (Event.seq == last.c.seq)))
    primed = db.session.info.setdefault(PRIMED, {})
    primed.update({ticket_id: (seq, head) for ticket_id, seq, head in rows})
    primed.update({i: (0, chain.GENESIS) for i in ids if i not in primed})


def anchor_heads(session) -> None:
    """Append each chain this transaction extended to the checkpoints, committed with its events (a
    ``before_commit`` hook, after escalation's: installed by :func:`hotline.hooks.install_session_hooks`)."""
    heads = session.info.get(HEADS)
    if not heads:
        return
    now = utcnow()
    insert_rows(session, HistoryCheckpoint.__table__,
                [{"ticket_id": ticket_id, "seq": seq, "hash": head, "created_at": now}
                 for ticket_id, (seq, head) in heads.items() if seq])


def as_fields(event: Event) -> dict:
    """An event row as the plain mapping :mod:`hotline.tickets.chain` hashes."""
    return {name: getattr(event, name) for name in chain.HASHED_FIELDS} | {
        "prev_hash": event.prev_hash, "hash": event.hash}


def verify_ticket(ticket_id: int) -> chain.Break | None:
    """Verify one ticket's stored chain on its own (hashes and sequence; its checkpoints are
    :func:`hotline.tickets.history.check_ticket`)."""
    rows = db.session.scalars(select(Event).where(Event.ticket_id == ticket_id).order_by(Event.seq))
    return chain.verify(as_fields(e) for e in rows)
