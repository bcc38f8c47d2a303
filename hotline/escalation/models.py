"""Supervision (督办) cases and their actions, exactly-once escalation steps, the working calendar,
deadline recomputations."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import UTCDateTime, enum_column, utcnow
from hotline.enums import N_, LabelledEnum
from hotline.extensions import db


class CaseStatus(LabelledEnum):
    """A supervision case is open until cleared, or escalated to the next level."""

    OPEN = "open", N_("Open")
    ESCALATED = "escalated", N_("Escalated")
    CLEARED = "cleared", N_("Cleared")


class SupervisionActionKind(LabelledEnum):
    """What a supervisor records on a case."""

    NOTICE = "notice", N_("Supervision notice")  # 督办通知
    INTERVIEW = "interview", N_("Interview (约谈)")  # 约谈
    ACCOUNTABILITY = "accountability", N_("Accountability referral (问责)")  # 问责
    CLEAR = "clear", N_("Cleared")


class Trigger(LabelledEnum):
    """Why a supervision case was opened (stored as its value in ``SupervisionCase.trigger``)."""

    REPEAT = "repeat", N_("Repeat complaint")  # 屡诉: the matter came back
    RESOLVE_BREACH = "resolve_breach", N_("Resolution limit breached")
    UNSATISFIED_CALLBACK = "unsatisfied_callback", N_("Unsatisfied callback")
    LEVEL_BREACH = "level_breach", N_("Previous level not cleared")
    DECISION_BREACH = "decision_breach", N_("Meeting decision deadline breached")  # a coordination meeting's


class SupervisionCase(db.Model):
    """A ticket under supervision at one level of the ladder (三级督办), with its own deadline."""

    __tablename__ = "supervision_cases"
    __table_args__ = (
        UniqueConstraint("ticket_id", "level", "opened_round"),
        Index("ix_supervision_status_due", "status", "due_at"),
        CheckConstraint("level BETWEEN 1 AND 3", name="level_range"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    level: Mapped[int] = mapped_column(Integer)
    opened_round: Mapped[int] = mapped_column(Integer, default=1)
    trigger: Mapped[str] = mapped_column(String(40))
    status: Mapped[CaseStatus] = mapped_column(enum_column(CaseStatus, "case_status"), default=CaseStatus.OPEN)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    close_reason: Mapped[str] = mapped_column(Text, default="")

    ticket: Mapped[Ticket] = relationship()  # noqa: F821 (resolved by name in the registry)


class SupervisionAction(db.Model):
    """A notice, interview (约谈), accountability referral (问责) or clearance on a case."""

    __tablename__ = "supervision_actions"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("supervision_cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[SupervisionActionKind] = mapped_column(enum_column(SupervisionActionKind, "supervision_action"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    held_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    participants: Mapped[str] = mapped_column(Text, default="")
    outcome: Mapped[str] = mapped_column(Text, default="")
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()  # noqa: F821
    actor: Mapped[User | None] = relationship()  # noqa: F821


class EscalationStep(db.Model):
    """A record that one escalation step happened; the unique key makes it exactly-once."""

    __tablename__ = "escalation_steps"
    __table_args__ = (UniqueConstraint("target_type", "target_id", "step"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    target_type: Mapped[str] = mapped_column(String(20))
    target_id: Mapped[int] = mapped_column(Integer)
    step: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    data: Mapped[dict] = mapped_column(JSON, default=dict)


class RecomputeStatus(enum.StrEnum):
    """A deadline recomputation waits for a worker, runs, then is finished."""

    QUEUED = "queued"
    RUNNING = "running"
    FINISHED = "finished"


class DeadlineRecompute(db.Model):
    """One recomputation of open deadlines after a change of the rules of time.

    ``cause`` says what changed: ``{"kind": "calendar", "year": 2027}``, ``{"kind": "hours"}``,
    ``{"kind": "policy", "policy_id": 3, "code": "fast"}`` or ``{"kind": "categories",
    "category_ids": [...], "codes": [...]}``. ``total``, ``done`` and ``changed`` count tickets
    (to check, checked, whose deadlines moved); ``heartbeat_at`` is the last sign of progress and
    ``last_ticket_id`` where a stopped run resumes (tickets are worked through in id order).
    """

    __tablename__ = "deadline_recomputes"
    __table_args__ = (Index("ix_deadline_recomputes_status", "status", "heartbeat_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    cause: Mapped[dict] = mapped_column(JSON)
    status: Mapped[RecomputeStatus] = mapped_column(enum_column(RecomputeStatus, "recompute_status"),
                                                    default=RecomputeStatus.QUEUED)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    total: Mapped[int] = mapped_column(Integer, default=0)
    done: Mapped[int] = mapped_column(Integer, default=0)
    changed: Mapped[int] = mapped_column(Integer, default=0)
    last_ticket_id: Mapped[int] = mapped_column(Integer, default=0)  # tickets up to here are done
