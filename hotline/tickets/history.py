"""Verifying that every ticket's history is intact and complete (``hotline verify-events``), and
signing the checkpoints that anchor it (``hotline history-digest``, daily under ``rq cron``).

The rules are pure (:mod:`hotline.tickets.chain`, :mod:`hotline.tickets.anchors`); this module
reads the rows and writes the digests. The digest key (``HISTORY_KEY`` in the app's config, else
the ``HOTLINE_HISTORY_KEY`` environment variable) never enters the database.
"""
from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError

from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets import anchors, chain
from hotline.tickets.models import Event, HistoryCheckpoint, HistoryDigest, Ticket

log = logging.getLogger(__name__)

#: A digest signs checkpoints written until this long before it runs: a transaction still open
#: when the digest reads commits its checkpoint with an earlier instant, and must not be missed.
SETTLE = timedelta(minutes=10)
#: Checkpoints older than this that no digest signs mean the digest job stopped or digests were
#: deleted.
UNSIGNED_AFTER = timedelta(days=2)
_EVENT_FIELDS = (*chain.HASHED_FIELDS, "prev_hash", "hash")
_CHECKPOINT_FIELDS = (HistoryCheckpoint.id, HistoryCheckpoint.ticket_id, HistoryCheckpoint.seq,
                      HistoryCheckpoint.hash, HistoryCheckpoint.created_at)


class HistoryKeyMissing(RuntimeError):
    """No digest key is configured (``HOTLINE_HISTORY_KEY``)."""


def history_key() -> bytes | None:
    """The digest key: ``HISTORY_KEY`` from the config, else ``HOTLINE_HISTORY_KEY``; None if neither."""
    key = current_app.config.get("HISTORY_KEY") or os.environ.get("HOTLINE_HISTORY_KEY", "")
    key = key.strip() if isinstance(key, str) else key
    if not key:
        return None
    return key.encode("utf-8") if isinstance(key, str) else bytes(key)


@dataclass(frozen=True)
class DigestProblem:
    """A digest that does not vouch for the checkpoints (``cutoff`` None: checkpoints no digest signs).

    ``reason``: "mismatch" (checkpoints signed by it were altered, added or removed), "chain" (it
    does not follow the digest before it: a digest was removed), "unsigned" (checkpoints older than
    :data:`UNSIGNED_AFTER` that no digest signs)."""

    cutoff: datetime | None
    reason: str
    signed_rows: int | None = None
    found_rows: int | None = None


@dataclass
class Report:
    """What ``verify-events`` found."""

    checked: int = 0
    broken: list[tuple[str, chain.Break]] = field(default_factory=list)
    digests_checked: int = 0
    digest_problems: list[DigestProblem] = field(default_factory=list)
    key_missing: bool = False

    @property
    def ok(self) -> bool:
        """Whether nothing is broken."""
        return not self.broken and not self.digest_problems


def _checkpoints_of(ticket_ids) -> dict[int, list[tuple[int, str]]]:
    rows = db.session.execute(select(HistoryCheckpoint.ticket_id, HistoryCheckpoint.seq, HistoryCheckpoint.hash)
                              .where(HistoryCheckpoint.ticket_id.in_(ticket_ids)))
    out: dict[int, list[tuple[int, str]]] = {}
    for ticket_id, seq, head in rows:
        out.setdefault(ticket_id, []).append((seq, head))
    return out


def _events_of(ticket_ids) -> dict[int, list[dict]]:
    rows = db.session.execute(select(*(getattr(Event, n) for n in _EVENT_FIELDS))
                              .where(Event.ticket_id.in_(ticket_ids)).order_by(Event.ticket_id, Event.seq))
    out: dict[int, list[dict]] = {i: [] for i in ticket_ids}
    for row in rows:
        fields = dict(zip(_EVENT_FIELDS, row))
        out[fields["ticket_id"]].append(fields)
    return out


def check_ticket(ticket_id: int) -> chain.Break | None:
    """One ticket's history: its chain, then the chain against its checkpoints."""
    return anchors.verify_history(_events_of([ticket_id])[ticket_id], _checkpoints_of([ticket_id]).get(ticket_id, ()))


def _check_tickets(report: Report, batch: int) -> None:
    last_id = 0
    while True:
        rows = db.session.execute(select(Ticket.id, Ticket.number).where(Ticket.id > last_id)
                                  .order_by(Ticket.id).limit(batch)).all()
        if not rows:
            return
        numbers = dict(rows)
        events, checkpoints = _events_of(list(numbers)), _checkpoints_of(list(numbers))
        for ticket_id, number in numbers.items():
            brk = anchors.verify_history(events[ticket_id], checkpoints.get(ticket_id, ()))
            if brk is not None:
                report.broken.append((number, brk))
        report.checked += len(rows)
        last_id = rows[-1][0]


def _check_deleted_tickets(report: Report) -> None:
    """Checkpoints of tickets that no longer exist: the whole ticket was deleted."""
    gone = db.session.execute(
        select(HistoryCheckpoint.ticket_id, func.max(HistoryCheckpoint.seq))
        .where(~exists().where(Ticket.id == HistoryCheckpoint.ticket_id))
        .group_by(HistoryCheckpoint.ticket_id).order_by(HistoryCheckpoint.ticket_id))
    for ticket_id, top in gone:
        report.broken.append((f"id {ticket_id} (deleted)", chain.Break(1, "wiped", anchored=top)))


def _check_digests(report: Report, key: bytes, now: datetime) -> None:
    """Recompute every digest over the checkpoints, in one pass in (created_at, id) order."""
    digests = db.session.scalars(select(HistoryDigest).order_by(HistoryDigest.cutoff)).all()
    rows = db.session.execute(select(*_CHECKPOINT_FIELDS)
                              .order_by(HistoryCheckpoint.created_at, HistoryCheckpoint.id)
                              .execution_options(yield_per=5000))
    pending = next(rows, None)
    prev_mac = chain.GENESIS
    for digest in digests:
        mac = anchors.DigestMac(key, prev_mac, digest.cutoff)
        while pending is not None and pending.created_at < digest.cutoff:
            mac.add(*pending)
            pending = next(rows, None)
        if digest.prev_mac != prev_mac:
            report.digest_problems.append(DigestProblem(digest.cutoff, "chain"))
        elif not mac.matches(digest.mac):
            report.digest_problems.append(DigestProblem(digest.cutoff, "mismatch", digest.rows, mac.rows))
        report.digests_checked += 1
        prev_mac = digest.mac
    if pending is not None and pending.created_at < now - UNSIGNED_AFTER:
        report.digest_problems.append(DigestProblem(None, "unsigned"))
    rows.close()


def verify_all(batch: int = 1000, now: datetime | None = None) -> Report:
    """Verify every ticket's chain and checkpoints, the checkpoints of deleted tickets, and (with
    the key) every digest over the checkpoints."""
    report = Report()
    _check_tickets(report, batch)
    _check_deleted_tickets(report)
    key = history_key()
    if key is None:
        report.key_missing = True
    else:
        _check_digests(report, key, now or utcnow())
    return report


def _last_digest() -> HistoryDigest | None:
    return db.session.scalar(select(HistoryDigest).order_by(HistoryDigest.cutoff.desc()).limit(1))


def write_digest(now: datetime | None = None) -> HistoryDigest | None:
    """Sign the checkpoints written since the last digest and until :data:`SETTLE` before ``now``.

    Returns the new digest, or None when there is nothing new to sign or another process signed
    first. Raises :class:`HistoryKeyMissing` without a key.
    """
    key = history_key()
    if key is None:
        raise HistoryKeyMissing("HOTLINE_HISTORY_KEY is not set")
    cutoff = (now or utcnow()) - SETTLE
    last = _last_digest()
    if last is not None and last.cutoff >= cutoff:
        return None
    prev_mac = last.mac if last is not None else chain.GENESIS
    query = select(*_CHECKPOINT_FIELDS).where(HistoryCheckpoint.created_at < cutoff)
    if last is not None:
        query = query.where(HistoryCheckpoint.created_at >= last.cutoff)
    mac = anchors.DigestMac(key, prev_mac, cutoff)
    for row in db.session.execute(query.order_by(HistoryCheckpoint.created_at, HistoryCheckpoint.id)
                                  .execution_options(yield_per=5000)):
        mac.add(*row)
    if not mac.rows:
        return None
    digest = HistoryDigest(cutoff=cutoff, rows=mac.rows, prev_mac=prev_mac, mac=mac.hexdigest(),
                           created_at=now or utcnow())
    db.session.add(digest)
    try:
        db.session.commit()
    except IntegrityError:  # another process signed the same stretch first (prev_mac is unique)
        db.session.rollback()
        log.info("history digest: another process signed first")
        return None
    return digest
