"""Tickets (工单), their chains, assignments (派单), contacts, extensions, callbacks, events."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.models import User
from hotline.db import UTCDateTime, enum_column, utcnow
from hotline.directory.models import Category, Department, District
from hotline.enums import N_, LabelledEnum
from hotline.extensions import db
from hotline.tickets.routing import Rule
from hotline.tickets.states import LIVE_ASSIGNMENT_STATES, AssignmentState, TicketState
from hotline.worktime.limits import Urgency

#: SQL for "the assignment is live" (dispatched, signed or contacted), for partial indexes.
LIVE_ASSIGNMENT_SQL = "status IN ({})".format(", ".join(f"'{s.value}'" for s in sorted(LIVE_ASSIGNMENT_STATES)))


class Channel(LabelledEnum):
    """How the matter reached the hotline (in the order the intake form offers them)."""

    PHONE = "phone", N_("Phone")
    TRANSFER_12345 = "12345", N_("Transferred from 12345")
    WEB = "web", N_("Web form")
    EMAIL = "email", N_("Email")
    WALK_IN = "walk_in", N_("Walk-in")
    API = "api", N_("API / Open311")


class Kind(LabelledEnum):
    """诉求类型: complaint 投诉, report 举报, inquiry 咨询, help 求助, suggestion 建议."""

    COMPLAINT = "complaint", N_("Complaint")
    REPORT = "report", N_("Report of misconduct")
    INQUIRY = "inquiry", N_("Inquiry")
    HELP = "help", N_("Help request")
    SUGGESTION = "suggestion", N_("Suggestion")


class AssignmentRole(LabelledEnum):
    """A department's part in a ticket: the lead (主办) or a co-handler (协办)."""

    LEAD = "lead", N_("Lead")
    CO = "co", N_("Co-handler")


class ContactMethod(LabelledEnum):
    """How a department tried to reach the caller (stored as its value in ``ContactAttempt.method``)."""

    PHONE = "phone", N_("Phone")
    VISIT = "visit", N_("Visit")
    SMS = "sms", N_("Text message")
    VIA_CENTRE = "via_centre", N_("Through the hotline centre")  # a confidential ticket's caller
    OTHER = "other", N_("Other")


class Satisfaction(LabelledEnum):
    """The caller's verdict at callback (回访)."""

    SATISFIED = "satisfied", N_("Satisfied")
    BASIC = "basically_satisfied", N_("Basically satisfied")
    UNSATISFIED = "unsatisfied", N_("Unsatisfied")


class ExtensionStatus(LabelledEnum):
    """An extension request (延期) awaits a supervisor's decision."""

    PENDING = "pending", N_("Pending")
    APPROVED = "approved", N_("Approved")
    REFUSED = "refused", N_("Refused")


class MatterChain(db.Model):
    """A matter that keeps coming back (屡诉): the tickets linked as repeats of one another."""

    __tablename__ = "matter_chains"
    id: Mapped[int] = mapped_column(primary_key=True)
    repeat_count: Mapped[int] = mapped_column(Integer, default=1)
    supervision_level: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    __table_args__ = (CheckConstraint("supervision_level BETWEEN 0 AND 3", name="level_range"),)


class TicketCounter(db.Model):
    """Per-day counter behind readable ticket numbers; incremented atomically."""

    __tablename__ = "ticket_counters"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class Ticket(db.Model):
    """One matter from one caller (工单)."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_received", "status", "received_at"),
        Index("ix_tickets_credit_received", "credit_code", "received_at"),
        Index("ix_tickets_enterprise_received", "enterprise_norm", "received_at"),
        Index("ix_tickets_phone_received", "caller_phone", "received_at"),
        Index("ix_tickets_operator_received", "operator_id", "received_at"),
        Index("ix_tickets_callback_due", "status", "callback_due_at"),
        Index("ix_tickets_updated_at", "updated_at"),
        CheckConstraint("supervision_level BETWEEN 0 AND 3", name="level_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "channel"))
    kind: Mapped[Kind] = mapped_column(enum_column(Kind, "ticket_kind"))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    caller_name: Mapped[str] = mapped_column(String(64), default="")
    caller_phone: Mapped[str | None] = mapped_column(String(32))
    enterprise_name: Mapped[str] = mapped_column(String(200), default="")
    enterprise_norm: Mapped[str | None] = mapped_column(String(200))
    credit_code: Mapped[str | None] = mapped_column(String(18))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"), index=True)
    # 被反映单位: the body the caller complains about, as typed, and the directory department it names
    respondent_name: Mapped[str] = mapped_column(String(120), default="")
    respondent_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "urgency"), default=Urgency.NORMAL)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    # The caller agreed at intake to SMS about a confidential ticket (others get them without asking).
    caller_sms_opt_in: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    status: Mapped[TicketState] = mapped_column(enum_column(TicketState, "ticket_state"))
    routing_rule: Mapped[Rule | None] = mapped_column(enum_column(Rule, "routing_rule"))
    routing: Mapped[dict] = mapped_column(JSON, default=dict)
    answer: Mapped[str] = mapped_column(Text, default="")
    supervision_level: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    # The current round: every dispatch, re-dispatch and reopen opens the next one (0: never dispatched).
    round: Mapped[int] = mapped_column(Integer, default=0)
    chain_id: Mapped[int | None] = mapped_column(ForeignKey("matter_chains.id"), index=True)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id"), index=True)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    dispatch_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    callback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    close_reason: Mapped[str | None] = mapped_column(String(32))
    false_closure: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    category: Mapped[Category | None] = relationship()
    district: Mapped[District | None] = relationship()
    respondent_department: Mapped[Department | None] = relationship()
    operator: Mapped[User | None] = relationship()
    chain: Mapped[MatterChain | None] = relationship()
    assignments: Mapped[list[Assignment]] = relationship(
        back_populates="ticket", order_by="Assignment.id", cascade="all, delete-orphan"
    )

    @property
    def is_urgent(self) -> bool:
        """Whether the ticket is marked more urgent than normal (the queues tag it)."""
        return self.urgency is not None and self.urgency != Urgency.NORMAL


class Assignment(db.Model):
    """A department's part of a ticket (派单), with its own clock running from dispatch."""

    __tablename__ = "assignments"
    __table_args__ = (
        UniqueConstraint("ticket_id", "department_id", "round"),
        # A department holds at most one live assignment per ticket (the round invariant, in the database).
        Index("uq_assignments_one_live_per_department", "ticket_id", "department_id", unique=True,
              sqlite_where=text(LIVE_ASSIGNMENT_SQL), postgresql_where=text(LIVE_ASSIGNMENT_SQL)),
        Index("ix_assignments_dept_status_due", "department_id", "status", "resolve_due_at"),
        Index("ix_assignments_status_sign_due", "status", "sign_due_at"),
        Index("ix_assignments_status_contact_due", "status", "contact_due_at"),
        Index("ix_assignments_status_resolve_due", "status", "resolve_due_at"),
        Index("ix_assignments_dept_status_warn", "department_id", "status", "resolve_warn_at"),
        Index("ix_assignments_dept_status_submitted", "department_id", "status", "submitted_at", "id"),
        Index("ix_assignments_dispatched_at", "dispatched_at"),
        # The on-time measure's month range. BRIN on PostgreSQL: tiny, serves range filters, and cannot
        # serve ORDER BY, so the queue pages' "ORDER BY resolve_due_at LIMIT" plans cannot be drawn to it
        # (a plain B-tree here made them walk the whole history: docs/BENCHMARKS.md).
        Index("ix_assignments_resolve_due_range", "resolve_due_at", postgresql_using="brin"),
        CheckConstraint("extension_count BETWEEN 0 AND 10", name="extension_count_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    role: Mapped[AssignmentRole] = mapped_column(enum_column(AssignmentRole, "assignment_role"))
    round: Mapped[int] = mapped_column(Integer, default=1)  # the ticket's round it was dispatched in
    status: Mapped[AssignmentState] = mapped_column(enum_column(AssignmentState, "assignment_state"))
    dispatched_at: Mapped[datetime] = mapped_column(UTCDateTime)
    sign_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sign_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    contact_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolve_warn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    # Working minutes from dispatch, stored when the step happens (on the working calendar of that
    # moment), so the audit's average times are one SQL aggregate instead of a clock walk per row.
    sign_minutes: Mapped[float | None] = mapped_column(Float)
    contact_minutes: Mapped[float | None] = mapped_column(Float)
    submit_minutes: Mapped[float | None] = mapped_column(Float)
    reply: Mapped[str] = mapped_column(Text, default="")
    reply_solved: Mapped[bool | None] = mapped_column(Boolean)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    return_grounds: Mapped[str] = mapped_column(Text, default="")
    extension_count: Mapped[int] = mapped_column(Integer, default=0)
    extension_days: Mapped[int] = mapped_column(Integer, default=0)

    ticket: Mapped[Ticket] = relationship(back_populates="assignments")
    department: Mapped[Department] = relationship()

    @property
    def is_lead(self) -> bool:
        """Whether this is the lead department's part (主办), which writes the consolidated reply."""
        return self.role == AssignmentRole.LEAD


class ContactAttempt(db.Model):
    """A recorded attempt to contact the caller (响应); "contacted" is only ever one of these."""

    __tablename__ = "contact_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    method: Mapped[str] = mapped_column(String(20))
    reached: Mapped[bool] = mapped_column(Boolean)
    summary: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Extension(db.Model):
    """A request to extend an assignment's resolution limit (延期), decided by a supervisor."""

    __tablename__ = "extensions"
    __table_args__ = (
        Index("ix_extensions_status_requested", "status", "requested_at"),
        CheckConstraint("days BETWEEN 1 AND 30", name="days_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    days: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[ExtensionStatus] = mapped_column(
        enum_column(ExtensionStatus, "extension_status"), default=ExtensionStatus.PENDING
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str] = mapped_column(Text, default="")


class Callback(db.Model):
    """An operator's callback attempt (回访) after resolution; at most two per round."""

    __tablename__ = "callbacks"
    __table_args__ = (
        UniqueConstraint("ticket_id", "round", "attempt"),
        Index("ix_callbacks_at", "at"),
        Index("ix_callbacks_department_at", "department_id", "at"),
        CheckConstraint("attempt BETWEEN 1 AND 2", name="attempt_range"),
        CheckConstraint("reached OR (solved IS NULL AND satisfaction IS NULL)", name="unreached_has_no_verdict"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    round: Mapped[int] = mapped_column(Integer, default=1)
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    operator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reached: Mapped[bool] = mapped_column(Boolean)
    solved: Mapped[bool | None] = mapped_column(Boolean)
    satisfaction: Mapped[Satisfaction | None] = mapped_column(enum_column(Satisfaction, "satisfaction"))
    comment: Mapped[str] = mapped_column(Text, default="")
    # The lead department whose reply the caller judged, and whether it submitted the matter as
    # solved: facts of the moment of the callback, kept so the audit groups callbacks without a
    # correlated subquery per row.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    reply_solved: Mapped[bool | None] = mapped_column(Boolean)
    #: how the verdict came: ``phone`` (an operator's call) or ``link`` (the caller's satisfaction link)
    via: Mapped[str] = mapped_column(String(10), default="phone", server_default="phone")

    ticket: Mapped[Ticket] = relationship()


class Attachment(db.Model):
    """Evidence uploaded to a ticket; the bytes live on disk, not in the database."""

    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    filename: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(100), unique=True)
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Event(db.Model):
    """One entry of a ticket's append-only, hash-chained history."""

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("ticket_id", "seq"),
        Index("ix_events_action_created", "action", "created_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignments.id"))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str | None] = mapped_column(String(32))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()
    # Declared so a flush inserts a new ticket before its events (its id may be taken beforehand).
    ticket: Mapped[Ticket] = relationship()


class SupervisionRequest(db.Model):
    """The tickets package's outbox to escalation (督办申请): "put this ticket under supervision at
    ``level``" (``kind`` raise: a repeat, an unsatisfied callback) or "its supervision ends" (``kind``
    close: the ticket was closed). Escalation consumes the rows in the transaction that wrote them
    (:func:`hotline.escalation.outbox.install`) and the sweep takes any left unhandled, so tickets
    never call escalation and no request is lost."""

    __tablename__ = "supervision_requests"
    __table_args__ = (
        Index("ix_supervision_requests_unhandled", "requested_at", sqlite_where=text("handled_at IS NULL"),
              postgresql_where=text("handled_at IS NULL")),
        CheckConstraint("kind IN ('raise', 'close')", name="kind_known"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(10))
    level: Mapped[int | None] = mapped_column(Integer)
    trigger: Mapped[str] = mapped_column(String(40), default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    ticket: Mapped[Ticket] = relationship()


class HistoryCheckpoint(db.Model):
    """An anchor of one ticket's chain head (its last seq and hash), appended in the transaction
    that wrote the events (:mod:`hotline.tickets.events`).

    Events are append-only, so every anchored (seq, hash) must stay in the chain for good: a
    history that lost its end, was wiped, or was rewritten with recomputed hashes no longer matches
    its checkpoints. No foreign key: the anchors must outlive a deleted ticket. Signed in daily
    digests (:class:`HistoryDigest`), so the anchors themselves cannot be changed unseen.
    """

    __tablename__ = "history_checkpoints"
    __table_args__ = (
        Index("ix_history_checkpoints_ticket_seq", "ticket_id", "seq"),
        Index("ix_history_checkpoints_created_id", "created_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class HistoryDigest(db.Model):
    """A signed digest (HMAC-SHA256, key outside the database) of the checkpoints written before
    ``cutoff`` and since the previous digest, chained to that digest's MAC
    (:mod:`hotline.tickets.anchors`). One digest follows another: ``prev_mac`` is unique."""

    __tablename__ = "history_digests"
    __table_args__ = (UniqueConstraint("prev_mac"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cutoff: Mapped[datetime] = mapped_column(UTCDateTime, unique=True)
    rows: Mapped[int] = mapped_column(Integer)
    prev_mac: Mapped[str] = mapped_column(String(64))
    mac: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
