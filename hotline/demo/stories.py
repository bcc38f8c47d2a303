"""Playing a demo ticket's story through the real lifecycle services after its intake.

Steps happen at plausible instants after receipt (never after ``now``), acted by the
system (no user), so each ticket's history reads like a real one.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from hotline.demo import data
from hotline.tickets import lifecycle
from hotline.tickets.models import AssignmentRole, Ticket

RETURN_GROUNDS = "该事项属燃气供应，不属于本单位职责，请改派市住房和城乡建设局。"


def _at(start: datetime, now: datetime, hours: float) -> datetime:
    return min(start + timedelta(hours=hours), now - timedelta(minutes=1))


def _current(ticket: Ticket):
    return [a for a in ticket.assignments if a.dispatched_at == ticket.dispatched_at]


def _sign(ticket, at, now):
    for a in _current(ticket):
        lifecycle.sign_for(a.id, actor=None, now=_at(at, now, 1))


def _contact(ticket, at, now):
    _sign(ticket, at, now)
    for a in _current(ticket):
        when = _at(at, now, 3)
        lifecycle.record_contact(a.id, at=when, method="phone", reached=True, actor=None, now=when,
                                 summary="已电话联系诉求人，了解具体情况并约定现场核实时间。")


def _co_submit(ticket, at, now):
    _contact(ticket, at, now)
    for a in _current(ticket):
        if a.role == AssignmentRole.CO:
            lifecycle.submit(a.id, reply="协办单位已完成职责范围内的核查，意见已报主办单位。", solved=True,
                             actor=None, now=_at(at, now, 48))


def _resolve(ticket, at, now):
    _co_submit(ticket, at, now)
    lead = next(a for a in _current(ticket) if a.role == AssignmentRole.LEAD)
    lifecycle.submit(lead.id, solved=True, actor=None, now=_at(at, now, 72),
                     reply="经核查，已协调相关单位办理完毕，并将办理结果告知诉求人。")


def _submitted(ticket, at, now):
    """Co-handlers have answered; a single department has submitted its reply."""
    if len(_current(ticket)) > 1:
        _co_submit(ticket, at, now)
    else:
        _resolve(ticket, at, now)


def _closed(ticket, at, now):
    _resolve(ticket, at, now)
    lifecycle.record_callback(ticket.id, reached=True, solved=True, satisfaction="satisfied", actor=None,
                              comment="诉求人表示问题已解决，对办理结果满意。", now=_at(at, now, 96))


def _reopened(ticket, at, now):
    _resolve(ticket, at, now)
    lifecycle.record_callback(ticket.id, reached=True, solved=False, satisfaction="unsatisfied", actor=None,
                              comment="诉求人表示款项仍未支付，对答复不满意。", now=_at(at, now, 96))


def _returned(ticket, at, now):
    for a in _current(ticket):
        lifecycle.return_assignment(a.id, grounds=RETURN_GROUNDS, actor=None, now=_at(at, now, 2))


# new, answered and merged need nothing after intake.
PLAYERS = {
    "signed": _sign, "contacted": _contact, "overdue": _contact, "submitted": _submitted,
    "resolved_awaiting_callback": _resolve, "closed_satisfied": _closed, "reopened_unsatisfied": _reopened,
    "returned": _returned,
}


def play(ticket: Ticket, t: data.DemoTicket, at: datetime, now: datetime) -> None:
    """Run the story's steps (if it has any beyond intake)."""
    player = PLAYERS.get(t.story)
    if player is not None:
        player(ticket, at, now)
