"""In-app notifications; e-mail and SMS deliveries; contact points and channel preferences."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import UTCDateTime, utcnow
from hotline.extensions import db


class Notification(db.Model):
    """A message for one user; messages for a department or role are fanned out when written."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    # Declared so a flush inserts a new ticket before the notices about it (by name: no import upward).
    ticket: Mapped[Ticket | None] = relationship("Ticket")  # noqa: F821


class Delivery(db.Model):
    """One message sent outside the application (e-mail or SMS) and what became of it.

    Written in the transaction of the fact it tells of; sent afterwards by a job, which records each
    try (``attempts``, ``last_error``). ``pending`` until sent; ``failed`` after the last try. The
    minute sweep re-enqueues a pending delivery whose retry is overdue (Redis lost the job)."""

    __tablename__ = "deliveries"
    __table_args__ = (
        Index("ix_deliveries_status_next", "status", "next_attempt_at"),
        Index("ix_deliveries_created", "created_at"),
        CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status_known"),
        CheckConstraint("channel IN ('email', 'sms')", name="channel_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    event: Mapped[str] = mapped_column(String(40))
    #: ``staff`` (a user) or ``caller`` (the ticket's caller)
    audience: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    address: Mapped[str] = mapped_column(String(254))
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str] = mapped_column(Text, default="")
    provider_ref: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: a worker sending it holds it until then (two runs of its job never send it twice at once)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket | None] = relationship("Ticket")  # noqa: F821


class ContactPoint(db.Model):
    """Where a staff member can be reached outside the application (e-mail, mobile)."""

    __tablename__ = "contact_points"
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), default="")
    mobile: Mapped[str] = mapped_column(String(20), default="")


class ChannelPreference(db.Model):
    """The channels (besides in-app) on which a user — or every handler of a department — hears of
    an event: ``channels`` is ``"email,sms"``, ``"sms"``, … or empty for none. A user's preference
    wins over their department's, which wins over the default."""

    __tablename__ = "channel_preferences"
    __table_args__ = (
        UniqueConstraint("user_id", "event"),
        UniqueConstraint("department_id", "event"),
        CheckConstraint("(user_id IS NULL) <> (department_id IS NULL)", name="one_scope"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id", ondelete="CASCADE"))
    event: Mapped[str] = mapped_column(String(40))
    channels: Mapped[str] = mapped_column(String(40), default="")
