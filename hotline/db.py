"""Database helpers: aware-UTC datetimes, enumerations as checked strings, SQLite tuning and locking,
the unit of work (:func:`transaction`) and many rows in one insert (:func:`insert_rows`)."""
from __future__ import annotations

import enum
import functools
import json
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import DateTime, Enum, Table, text
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator):
    """An instant stored in UTC and always returned timezone-aware.

    PostgreSQL keeps ``timestamptz``; SQLite keeps the UTC wall time. Naive
    datetimes are refused: every instant in Hotline carries its zone.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        """Convert to UTC; naive values are a programming error."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        """Attach UTC to what SQLite returns; normalise PostgreSQL's to UTC."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def utcnow() -> datetime:
    """The current instant, aware, in UTC."""
    return datetime.now(UTC)


def enum_column(enum_cls: type[enum.Enum], name: str, members: tuple[enum.Enum, ...] | None = None):
    """A VARCHAR column holding an enumeration's values, with a named CHECK constraint; with ``members``,
    only those members' values are stored and checked (a user holds an account role, never ``system``)."""
    if members is not None:
        return _EnumSubset(enum_cls, members, name)
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda cls: [m.value for m in cls],
        validate_strings=True,
    )


class _EnumSubset(TypeDecorator):
    """Some members of an enumeration as a checked VARCHAR; loads them back as members."""

    impl = Enum
    cache_ok = True

    def __init__(self, enum_cls: type[enum.Enum], members: tuple[enum.Enum, ...], name: str):
        super().__init__(*[m.value for m in members], name=name, native_enum=False, create_constraint=True,
                         length=32, validate_strings=True)
        self.enum_cls = enum_cls

    def process_bind_param(self, value, dialect):
        """A member or its value; anything else is refused by the CHECK (and by the enum here)."""
        return None if value is None else self.enum_cls(value).value

    def process_result_value(self, value, dialect):
        """The member for the stored value."""
        return None if value is None else self.enum_cls(value)


def sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """WAL, a busy timeout and foreign keys, so a web process and a worker share the file (an engine
    ``connect`` hook, installed by :func:`hotline.hooks.install_session_hooks`)."""
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def sqlite_write_lock_for_update(state: ORMExecuteState) -> None:
    """On SQLite, a ``SELECT … FOR UPDATE`` first takes the database's write lock (BEGIN IMMEDIATE)
    (a session ``do_orm_execute`` hook, installed by :func:`hotline.hooks.install_session_hooks`).

    SQLite has no row locks and drops FOR UPDATE, so two handlers acting on one ticket at once
    both read it unchanged and both wrote (a doubled sign-for, two valid events). Taken before the
    read, the write lock makes the second writer wait (``busy_timeout``) until the first commits
    and then read what it committed — what PostgreSQL's row lock does. Only transactions that lock
    take it: plain reads keep running beside a writer (WAL), and a transaction that has already
    written holds the lock already (pysqlite opens its transaction at the first write).
    """
    statement = state.statement
    if not state.is_select or getattr(statement, "_for_update_arg", None) is None:
        return
    connection = state.session.connection(bind_arguments=state.bind_arguments)
    if connection.dialect.name != "sqlite":
        return
    if not connection.connection.driver_connection.in_transaction:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


@contextmanager
def transaction():
    """A unit of work (工作单元): the block's writes commit together when it ends, or all roll back
    if it raises (the exception goes on). Yields the session.

    Blocks nest: only the outermost commits, so a service called inside another's unit joins it
    (the API records its call and the action in one commit). An exception leaving any block rolls
    the whole transaction back at once: the session has one. A block whose work was already
    committed inside it (a service that commits itself) ends without another commit.
    """
    from hotline import txcache
    from hotline.extensions import db

    session = db.session()
    depth = session.info.get(txcache.UNIT_OF_WORK_DEPTH, 0)
    session.info[txcache.UNIT_OF_WORK_DEPTH] = depth + 1
    try:
        yield session
    except BaseException:
        session.info[txcache.UNIT_OF_WORK_DEPTH] = depth
        session.rollback()
        raise
    session.info[txcache.UNIT_OF_WORK_DEPTH] = depth
    if depth == 0 and session.in_transaction():
        session.commit()


def transactional(fn):
    """Run the decorated service in one :func:`transaction`: it commits when the service returns and
    rolls back when it raises, so its callers (views) never roll back by hand."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with transaction():
            return fn(*args, **kwargs)

    return run


def commit_keeping(*kept) -> None:
    """Commit; the objects ``kept`` keep their loaded values (no reload right after the commit: rows
    this transaction created, or read and wrote, that nobody else changes meanwhile), every other object
    is expired as usual."""
    from hotline.extensions import db

    session = db.session()
    expire = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expire
    if expire:
        keep = {id(obj) for obj in kept}
        for obj in list(session.identity_map.values()):
            if id(obj) not in keep:
                session.expire(obj)


def _json_default(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to insert_rows")
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"insert_rows cannot write {type(value).__name__}")


@functools.lru_cache(maxsize=64)
def _recordset_insert(table: str, columns: tuple[str, ...], conflict: tuple[str, ...] | None,
                      returning: tuple[str, ...]):
    cols = ", ".join(columns)
    sql = f"INSERT INTO {table} ({cols}) SELECT {cols} FROM json_populate_recordset(NULL::{table}, CAST(:rows AS json))"
    if conflict is not None:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    if returning:
        sql += f" RETURNING {', '.join(returning)}"
    return text(sql)


def insert_rows(session, table: Table, rows: list[dict], *, conflict: tuple[str, ...] | None = None,
                returning: tuple[str, ...] = ()) -> list:
    """Insert ``rows`` (dicts with the same keys, every value given) into ``table`` in one statement; with
    ``conflict`` (the columns of a unique key), a row that would break it is skipped; the ``returning``
    columns of the rows written.

    On PostgreSQL the rows travel as one JSON parameter read by ``json_populate_recordset``: the
    statement's text depends only on the table and its columns, so the driver parses it once and the
    server may prepare it, however many rows a batch has (a multi-row ``VALUES`` is a new, long text each
    time, parsed anew for every batch). Elsewhere (SQLite) one ``INSERT`` run for every row
    (``executemany``), or one multi-row ``INSERT … RETURNING`` when rows must come back.
    Instants are written in UTC; enumerations as their values. The ORM's session sees none of these
    rows (no objects, no flush hooks): callers do what a hook would do themselves.
    """
    if not rows:
        return []
    columns = tuple(rows[0])
    if session.get_bind().dialect.name == "postgresql":
        payload = json.dumps(rows, default=_json_default, ensure_ascii=False, separators=(",", ":"))
        result = session.execute(_recordset_insert(table.name, columns, conflict, returning), {"rows": payload})
        return result.all() if returning else []
    from sqlalchemy.dialects.sqlite import insert

    stmt = insert(table)
    if conflict is not None:
        stmt = stmt.on_conflict_do_nothing(index_elements=list(conflict))
    if returning:
        return session.execute(stmt.values(rows).returning(*(table.c[c] for c in returning))).all()
    session.execute(stmt, rows)
    return []


def render_item(type_, obj, autogen_context):
    """Alembic hook: write :class:`UTCDateTime` columns as plain ``sa.DateTime(timezone=True)``.

    Migrations must not import application code that may change later.
    """
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False
