"""Every SQLAlchemy listener of Hotline, installed in one place by :func:`install_session_hooks`.

No module registers a listener when it is imported: the app factory calls
:func:`install_session_hooks`, which installs the list :func:`session_hooks` returns, in its order.
What a connection, a statement, a flush and a commit also do:

1. every new SQLite connection: WAL, a busy timeout, foreign keys (:func:`hotline.db.sqlite_pragmas`);
2. every ORM statement: on SQLite, a ``SELECT … FOR UPDATE`` first takes the write lock with
   ``BEGIN IMMEDIATE`` (:func:`hotline.db.sqlite_write_lock_for_update`); an ORM bulk write of a
   reference table writes a new reference generation (:func:`hotline.directory.generation.bump_on_bulk`);
3. before every flush: a change to a ticket, assignment, callback or extension of a closed month logs
   that month as changed (:func:`hotline.audit.rollups.log_late_changes`); each new ticket event a
   project commissioner must hear of (a new ticket, a warning, a breach, supervision) adds an in-app
   notice for the commissioner of every project of that ticket's enterprise
   (:func:`hotline.meetings.projects.notify_commissioners`);
4. after every flush: a flush that wrote reference rows writes a new reference generation
   (:func:`hotline.directory.generation.bump_after_flush`);
5. before every commit, first: escalation handles the supervision requests the transaction wrote
   to its outbox (:func:`hotline.escalation.outbox.handle_pending`); then each ticket history the
   transaction extended gets its checkpoint (:func:`hotline.tickets.events.anchor_heads`) — in this
   order, so the events escalation writes are checkpointed too; last, the e-mail and SMS deliveries of
   every notice the transaction added are written in it
   (:func:`hotline.notifications.wiring.write_deliveries`);
6. after every commit: the request's working clock is rebuilt on next use
   (:func:`hotline.directory.reference.forget_clock`) and the deliveries' send jobs are enqueued
   (:func:`hotline.notifications.wiring.enqueue_deliveries`); then, after every commit and every
   rollback, the per-transaction caches are dropped (:func:`hotline.txcache.clear`).

Installing is idempotent (a listener already installed is skipped): tests build many apps in one process.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session


class Hook(NamedTuple):
    """One listener: what it listens on, to which event, the function, and whether it goes first."""

    target: type
    identifier: str
    fn: Callable
    first: bool = False


def session_hooks() -> list[Hook]:
    """Every listener, in the order they are installed (and, for one event, run)."""
    from hotline import db, txcache
    from hotline.audit import rollups
    from hotline.directory import generation, reference
    from hotline.escalation import outbox
    from hotline.meetings import projects
    from hotline.notifications import wiring as notifications
    from hotline.tickets import events

    return [
        Hook(Engine, "connect", db.sqlite_pragmas),
        Hook(Session, "do_orm_execute", db.sqlite_write_lock_for_update),
        Hook(Session, "do_orm_execute", generation.bump_on_bulk),
        Hook(Session, "before_flush", rollups.log_late_changes),
        Hook(Session, "before_flush", projects.notify_commissioners),
        Hook(Session, "after_flush", generation.bump_after_flush),
        # first of all before-commit hooks, whoever else listens: the events it writes are checkpointed next
        Hook(Session, "before_commit", outbox.handle_pending, first=True),
        Hook(Session, "before_commit", events.anchor_heads),
        # last before the commit: every notice of the transaction (escalation's too) is known by now
        Hook(Session, "before_commit", notifications.write_deliveries),
        Hook(Session, "after_commit", reference.forget_clock),
        # before the caches are dropped: it takes the ids of the deliveries this transaction wrote
        Hook(Session, "after_commit", notifications.enqueue_deliveries),
        Hook(Session, "after_commit", txcache.clear),
        Hook(Session, "after_rollback", txcache.clear),
    ]


def install_session_hooks(app=None) -> None:
    """Install every listener of :func:`session_hooks` once per process (called by the app factory)."""
    for hook in session_hooks():
        if not event.contains(hook.target, hook.identifier, hook.fn):
            event.listen(hook.target, hook.identifier, hook.fn, insert=hook.first)
