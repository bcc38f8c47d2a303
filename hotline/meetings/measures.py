"""Measures of the face-to-face work (docs/MEASURES.md, "Coordination meetings"), each defined once.

- meetings held, by kind and by convener: meetings in state ``held``;
- matters settled at the table: agenda items a held meeting marked settled ÷ agenda items of held
  meetings (a matter carried over and settled later counts once per meeting it was on);
- decisions done on time: decisions done at or before their deadline ÷ decisions due (not cancelled,
  and done or past their deadline).

Each figure drills down to the tickets it counts, from the same condition (:data:`DRILLS`). With a
period (a month, :class:`hotline.audit.periods.Period`), meetings and their agenda items count when the
meeting is held in it, decisions when their deadline falls in it.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select

from hotline.audit.periods import Period
from hotline.auth.models import User
from hotline.db import utcnow
from hotline.extensions import db
from hotline.meetings.models import AgendaItem, Decision, Meeting
from hotline.meetings.rules import DecisionState, ItemOutcome, MeetingState
from hotline.tickets.models import Ticket


def _held(period: Period | None):
    condition = Meeting.status == MeetingState.held
    if period is not None:
        condition = and_(condition, Meeting.held_at >= period.start, Meeting.held_at < period.end)
    return condition


def _decisions_due(now: datetime, period: Period | None = None):
    condition = and_(Decision.status != DecisionState.cancelled,
                     or_(Decision.status == DecisionState.done, Decision.due_at <= now))
    if period is not None:
        condition = and_(condition, Decision.due_at >= period.start, Decision.due_at < period.end)
    return condition


def _on_time():
    return and_(Decision.status == DecisionState.done, Decision.done_at <= Decision.due_at)


#: Drill-down keys and their titles.
DRILLS = {
    "items": _l("Matters on the agenda of held meetings"),
    "settled": _l("Matters settled at the table"),
    "decisions_due": _l("Decisions due"),
    "decisions_on_time": _l("Decisions done on time"),
}


@dataclass(frozen=True)
class Report:
    """The figures of the measures page."""

    by_kind: list[tuple[str, int]]
    by_convener: list[tuple[str, int]]
    items: int
    settled: int
    decisions_due: int
    on_time: int

    @staticmethod
    def rate(hits: int, base: int) -> float | None:
        """A share, or None for an empty base (shown as "—", never 0 %)."""
        return hits / base if base else None


def report(now: datetime | None = None, period: Period | None = None) -> Report:
    """Every figure of the measures page (all time, or ``period``)."""
    now = now or utcnow()
    held = _held(period)
    by_kind = db.session.execute(select(Meeting.kind, func.count()).where(held).group_by(Meeting.kind)
                                 .order_by(Meeting.kind)).all()
    by_convener = db.session.execute(select(User.display_name, func.count()).select_from(Meeting)
                                     .join(User, User.id == Meeting.convener_id).where(held)
                                     .group_by(User.display_name).order_by(User.display_name)).all()
    items = db.session.scalar(select(func.count()).select_from(AgendaItem).join(Meeting).where(held)) or 0
    settled = db.session.scalar(select(func.count()).select_from(AgendaItem).join(Meeting).where(
        held, AgendaItem.outcome == ItemOutcome.settled)) or 0
    due = db.session.scalar(select(func.count()).select_from(Decision).where(_decisions_due(now, period))) or 0
    on_time = db.session.scalar(select(func.count()).select_from(Decision).where(
        _decisions_due(now, period), _on_time())) or 0
    return Report(by_kind=[(str(k), n) for k, n in by_kind], by_convener=list(by_convener), items=items,
                  settled=settled, decisions_due=due, on_time=on_time)


def drill(key: str, now: datetime | None = None, period: Period | None = None) -> list[Ticket]:
    """The tickets behind figure ``key`` (each once), newest first."""
    now = now or utcnow()
    if key in ("items", "settled"):
        condition = [_held(period)]
        if key == "settled":
            condition.append(AgendaItem.outcome == ItemOutcome.settled)
        ids = select(AgendaItem.ticket_id).join(Meeting, Meeting.id == AgendaItem.meeting_id).where(*condition)
    else:
        condition = [_decisions_due(now, period)] + ([_on_time()] if key == "decisions_on_time" else [])
        ids = select(Decision.ticket_id).where(*condition)
    return list(db.session.scalars(select(Ticket).where(Ticket.id.in_(ids)).order_by(Ticket.received_at.desc())))
