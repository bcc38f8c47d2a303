"""Coordination meetings (协调会), their agendas and decisions; key projects (重点项目) with their
milestones, service commissioners (项目服务专员), visits and notes."""
from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.auth.models import User
from hotline.db import UTCDateTime, enum_column, utcnow
from hotline.directory.models import Department
from hotline.enums import N_, LabelledEnum
from hotline.extensions import db
from hotline.meetings.rules import DecisionState, ItemOutcome, MeetingKind, MeetingState
from hotline.tickets.models import Ticket


class Meeting(db.Model):
    """A government–enterprise meeting convened by a leader: 早餐会, 下午茶, 夜沙龙, 现场办公."""

    __tablename__ = "meetings"
    __table_args__ = (Index("ix_meetings_held_at", "held_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MeetingKind] = mapped_column(enum_column(MeetingKind, "meeting_kind"))
    title: Mapped[str] = mapped_column(String(200))
    convener_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime)  # when it is (or was) held
    place: Mapped[str] = mapped_column(String(200), default="")
    attendees: Mapped[str] = mapped_column(Text, default="")  # people, as listed in the minutes
    enterprises: Mapped[str] = mapped_column(Text, default="")  # enterprises at the table
    status: Mapped[MeetingState] = mapped_column(enum_column(MeetingState, "meeting_state"),
                                                 default=MeetingState.scheduled)
    minutes: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    convener: Mapped[User] = relationship(foreign_keys=[convener_id])
    departments: Mapped[list[Department]] = relationship(secondary="meeting_departments", order_by="Department.id")
    items: Mapped[list[AgendaItem]] = relationship(back_populates="meeting", order_by="AgendaItem.position",
                                                   cascade="all, delete-orphan")


class MeetingDepartment(db.Model):
    """A department at a meeting's table."""

    __tablename__ = "meeting_departments"
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)


class AgendaItem(db.Model):
    """One matter on a meeting's agenda: a hotline ticket (a matter raised at the table became one)."""

    __tablename__ = "agenda_items"
    __table_args__ = (UniqueConstraint("meeting_id", "ticket_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=1)
    raised_on_spot: Mapped[bool] = mapped_column(default=False)
    outcome: Mapped[ItemOutcome] = mapped_column(enum_column(ItemOutcome, "agenda_outcome"),
                                                 default=ItemOutcome.pending)
    note: Mapped[str] = mapped_column(Text, default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    meeting: Mapped[Meeting] = relationship(back_populates="items")
    ticket: Mapped[Ticket] = relationship()
    decisions: Mapped[list[Decision]] = relationship(back_populates="item", order_by="Decision.id")


class Decision(db.Model):
    """A decision taken at a meeting (会议决定): a department, a deadline on the working clock, and
    what "done" means; done with evidence, like an assignment's reply."""

    __tablename__ = "meeting_decisions"
    __table_args__ = (
        Index("ix_meeting_decisions_status_due", "status", "due_at"),
        Index("ix_meeting_decisions_status_warn", "status", "warn_at"),
        Index("ix_meeting_decisions_dept_status", "department_id", "status"),
        CheckConstraint("working_days > 0", name="working_days_positive"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("agenda_items.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    text: Mapped[str] = mapped_column(Text)  # what is to be done
    done_means: Mapped[str] = mapped_column(Text)  # what counts as done
    working_days: Mapped[int] = mapped_column(Integer)
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime)
    warn_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[DecisionState] = mapped_column(enum_column(DecisionState, "decision_state"),
                                                  default=DecisionState.open)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    evidence: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    item: Mapped[AgendaItem] = relationship(back_populates="decisions")
    meeting: Mapped[Meeting] = relationship()
    ticket: Mapped[Ticket] = relationship()
    department: Mapped[Department] = relationship()
    done_by: Mapped[User | None] = relationship(foreign_keys=[done_by_id])

    @property
    def is_open(self) -> bool:
        """Whether the decision is still to be carried out (its clock runs)."""
        return self.status == DecisionState.open


class MilestoneKind(LabelledEnum):
    """A key project's milestones, in order."""

    signed = "signed", N_("Signed")  # 签约
    approvals = "approvals", N_("Approvals")  # 审批
    land = "land", N_("Land")  # 供地
    construction = "construction", N_("Construction")  # 开工
    production = "production", N_("Production")  # 投产


class Project(db.Model):
    """A key project (重点项目) of an enterprise, with its service commissioner (项目服务专员)."""

    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    enterprise_name: Mapped[str] = mapped_column(String(200))
    enterprise_norm: Mapped[str | None] = mapped_column(String(200), index=True)
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    commissioner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    signed_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    commissioner: Mapped[User | None] = relationship()
    milestones: Mapped[list[Milestone]] = relationship(back_populates="project", order_by="Milestone.position",
                                                       cascade="all, delete-orphan")


class Milestone(db.Model):
    """One milestone of a project, with its target date and the day it was reached."""

    __tablename__ = "project_milestones"
    __table_args__ = (UniqueConstraint("project_id", "kind"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MilestoneKind] = mapped_column(enum_column(MilestoneKind, "milestone_kind"))
    position: Mapped[int] = mapped_column(Integer)
    target_on: Mapped[date] = mapped_column(Date)
    reached_on: Mapped[date | None] = mapped_column(Date)

    project: Mapped[Project] = relationship(back_populates="milestones")


class ProjectTicket(db.Model):
    """A ticket linked to the project milestone it blocks."""

    __tablename__ = "project_tickets"
    __table_args__ = (UniqueConstraint("project_id", "ticket_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    milestone_id: Mapped[int | None] = mapped_column(ForeignKey("project_milestones.id", ondelete="SET NULL"))
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    ticket: Mapped[Ticket] = relationship()
    milestone: Mapped[Milestone | None] = relationship()


class ProjectVisit(db.Model):
    """An on-site office visit (现场办公) the commissioner logged."""

    __tablename__ = "project_visits"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    visited_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(String(200), default="")
    summary: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()


class ProjectNote(db.Model):
    """A commissioner's note on a project, or on one of its enterprise's tickets."""

    __tablename__ = "project_notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id", ondelete="CASCADE"), index=True)
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship()
