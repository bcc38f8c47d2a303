"""Status-page lookups (for its rate limits) and satisfaction answers given by link."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.db import UTCDateTime, utcnow
from hotline.extensions import db


class StatusLookup(db.Model):
    """One lookup on the public status page: the client's address, the ticket number as typed, and
    whether the digits matched. Rows older than the longest counting window are purged."""

    __tablename__ = "status_lookups"
    __table_args__ = (
        Index("ix_status_lookups_address_at", "address", "at"),
        Index("ix_status_lookups_number_at", "number", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    address: Mapped[str] = mapped_column(String(64))
    number: Mapped[str] = mapped_column(String(40))
    matched: Mapped[bool] = mapped_column(Boolean, default=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class SatisfactionAnswer(db.Model):
    """The caller's answer through a satisfaction link: one per ticket and round (the link is single-use)."""

    __tablename__ = "satisfaction_answers"
    __table_args__ = (UniqueConstraint("ticket_id", "round"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    round: Mapped[int] = mapped_column(Integer)
    solved: Mapped[bool] = mapped_column(Boolean)
    satisfaction: Mapped[str] = mapped_column(String(32))
    comment: Mapped[str] = mapped_column(Text, default="")
    callback_id: Mapped[int | None] = mapped_column(ForeignKey("callbacks.id", ondelete="SET NULL"))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
