"""The reference-data generation: a token in ``settings`` that changes whenever reference data does.

Processes keep the reference data (categories, departments, districts, policies, the routing
table, the working calendar with its years' complete marks, and the working hours) in memory
(:mod:`hotline.directory.reference`) and check this one token per transaction to know whether
their copy is still current.

The token is a fresh random value, not a counter, so two databases (or one emptied and
re-seeded) never share one. It is written in the same transaction as the change, by the
session hooks below, whoever makes the change — the admin pages, the seed, the CLI or a test:

* ``after_flush``: a flush that inserts, updates or deletes a reference row;
* ``do_orm_execute``: an ORM bulk ``insert``/``update``/``delete`` of a reference table.

Changes made with raw SQL (``text()``) are not seen; the only raw writes (the test fixture's
``DELETE FROM`` every table, ``TRUNCATE``) also remove the token, and with no token nothing
is cached. The hooks are installed by :func:`hotline.hooks.install_session_hooks`; the transaction's
snapshot (``txcache.REFERENCE_SNAPSHOT``) is dropped on every bump and after every commit and rollback.
"""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline import txcache
from hotline.db import utcnow

GENERATION_KEY = "reference_generation"
#: Tables whose rows :mod:`hotline.directory.reference` caches.
REFERENCE_TABLES = frozenset({
    "categories", "category_departments", "departments", "districts", "routing_rules",
    "time_limit_policies", "calendar_days", "calendar_years", "settings",
    "projects",  # which enterprises a commissioner watches (hotline.meetings.projects keeps them per process)
})
#: ``session.info`` key of the transaction's reference snapshot (dropped on every bump).
SNAPSHOT_INFO_KEY = txcache.REFERENCE_SNAPSHOT


def _settings_table():
    from hotline.extensions import db

    return db.metadata.tables["settings"]


def _insert(connection, value: dict):
    table = _settings_table()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).values(key=GENERATION_KEY, value=value, updated_at=utcnow())


def bump(connection) -> str:
    """Write a new token (in the caller's transaction); returns it."""
    token = uuid.uuid4().hex
    value = {"token": token}
    stmt = _insert(connection, value)
    stmt = stmt.on_conflict_do_update(index_elements=[_settings_table().c.key],
                                      set_={"value": value, "updated_at": utcnow()})
    connection.execute(stmt)
    return token


def token_subquery():
    """The current token's stored value as a scalar subquery, for a statement that reads it on the way
    (the intake's number allocation returns it, saving the transaction its token query); pass what it
    returns to :func:`token_of`."""
    table = _settings_table()
    return select(table.c.value).where(table.c.key == GENERATION_KEY).scalar_subquery()


def token_of(value) -> str | None:
    """The token in a stored value (None: no token written yet)."""
    return value.get("token") if isinstance(value, dict) else None


def read_token(session: Session) -> str | None:
    """The current token as this transaction sees it (None: no token written yet)."""
    table = _settings_table()
    value = session.execute(select(table.c.value).where(table.c.key == GENERATION_KEY)).scalar()
    return value.get("token") if isinstance(value, dict) else None


def create_token(session: Session) -> str | None:
    """Write a first token if there is none (in the caller's transaction).

    Returns the token written, or None when another transaction wrote one first (then the
    caller does not know which data it describes and must not cache under it).
    """
    table = _settings_table()
    token = uuid.uuid4().hex
    stmt = _insert(session.connection(), {"token": token}).on_conflict_do_nothing(index_elements=[table.c.key])
    written = session.connection().execute(stmt.returning(table.c.key)).first()
    return token if written is not None else None


def _is_reference(obj) -> bool:
    table = getattr(type(obj), "__tablename__", None)
    if table not in REFERENCE_TABLES:
        return False
    return not (table == "settings" and getattr(obj, "key", None) == GENERATION_KEY)


def bump_after_flush(session: Session, _flush_context) -> None:
    """A flush wrote reference rows: new token in the same transaction."""
    changed = any(_is_reference(o) for o in session.new) or any(_is_reference(o) for o in session.deleted) or any(
        _is_reference(o) and session.is_modified(o) for o in session.dirty)
    if changed:
        bump(session.connection())
        txcache.forget(session, SNAPSHOT_INFO_KEY)


def bump_on_bulk(state) -> None:
    """An ORM bulk insert/update/delete of a reference table: new token in the same transaction."""
    if not (state.is_insert or state.is_update or state.is_delete):
        return
    mapper = state.bind_mapper
    table = getattr(mapper, "local_table", None) if mapper is not None else None
    name = getattr(table, "name", None)
    if name in REFERENCE_TABLES:
        bump(state.session.connection())
        txcache.forget(state.session, SNAPSHOT_INFO_KEY)
