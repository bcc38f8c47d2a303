"""Ticket numbers a person can read out on the phone: ``YYMMDD-NNNNN`` by the city's date.

The per-day counter row is incremented with one ``INSERT … ON CONFLICT DO UPDATE …
RETURNING`` statement, which locks the row until commit: concurrent intakes on
PostgreSQL get distinct, ordered numbers, and a rolled-back intake frees nothing
that another transaction already saw.
"""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlalchemy.dialects import postgresql, sqlite

from hotline.extensions import db
from hotline.tickets.models import TicketCounter


def format_number(day, serial: int) -> str:
    """``261128-00042``: the date, then the day's serial, at least five digits."""
    return f"{day:%y%m%d}-{serial:05d}"


def allocate(received_at: datetime, tz: str) -> str:
    """The next number for the city-local day of ``received_at`` (within the transaction)."""
    day = received_at.astimezone(ZoneInfo(tz)).date()
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    table = TicketCounter.__table__
    stmt = dialect.insert(table).values(day=day, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + 1})
    serial = db.session.execute(stmt.returning(table.c.last)).scalar_one()
    return format_number(day, serial)


def allocate_with_id(received_at: datetime, tz: str) -> tuple[str, int | None, str | None | object]:
    """The next number, and on PostgreSQL the new ticket's id from its sequence and the reference
    generation's token, all in the same statement.

    With its id known the ticket is inserted once, with its final state, at the commit (its events are
    hashed over the id); the token, read on the way, spares the transaction its own token query
    (:func:`hotline.directory.reference.snapshot`). SQLite has no sequence: None for the id, the token
    left unread (``reference.UNREAD``), and the ticket is inserted when its first event needs the id.
    """
    from hotline.directory import generation, reference

    day = received_at.astimezone(ZoneInfo(tz)).date()
    table = TicketCounter.__table__
    if db.engine.dialect.name != "postgresql":
        return allocate(received_at, tz), None, reference.UNREAD
    stmt = postgresql.insert(table).values(day=day, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + 1})
    next_id = func.nextval(func.pg_get_serial_sequence("tickets", "id"))
    serial, ticket_id, value = db.session.execute(
        stmt.returning(table.c.last, next_id, generation.token_subquery())).one()
    return format_number(day, serial), ticket_id, generation.token_of(value)
