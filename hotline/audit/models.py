"""Precomputed figures of closed months, and the log of late changes that make them stale."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import UTCDateTime, utcnow
from hotline.extensions import db


class AuditRollup(db.Model):
    """Every figure of one closed, settled month, as computed at ``computed_at`` (see docs/MEASURES.md)."""

    __tablename__ = "audit_rollups"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)  # YYYY-MM in the city's time
    computed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seconds: Mapped[float] = mapped_column(Float, default=0.0)  # how long the computation took
    # Bumped by every save; a run saves only over the version it read, so of two overlapping runs the
    # one that read an older state cannot overwrite a newer result.
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Which definitions of the measures computed ``data`` (rollups.DEFINITION). A rollup of other
    # definitions is never served and is recomputed by the next run; rows from before this column
    # existed are definition 1 (inquiries still inside the complaint measures).
    definition: Mapped[int] = mapped_column(Integer, server_default="1")
    data: Mapped[dict] = mapped_column(JSON)


class AuditChange(db.Model):
    """A change to a ticket, assignment or callback of a closed month (a late event).

    Written in the same transaction as the change; every rollup of ``month`` or later is stale
    while such a row exists. The rollup job deletes exactly the rows it has read, after
    recomputing the months they touch, so a change it did not see keeps the months stale.
    """

    __tablename__ = "audit_changes"
    __table_args__ = (Index("ix_audit_changes_month", "month"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    month: Mapped[str] = mapped_column(String(7))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
