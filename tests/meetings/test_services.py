"""Meeting services: the agenda, decisions on the working clock, the ticket that cannot be resolved
while a decision is open, history, notices, and a decision's warning and breach taken exactly once."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from hotline.escalation import engine
from hotline.escalation.models import EscalationStep, SupervisionCase
from hotline.extensions import db
from hotline.meetings import services
from hotline.meetings.models import Decision
from hotline.meetings.rules import MeetingRefused
from hotline.notifications.models import Notification
from hotline.tickets import lifecycle
from hotline.tickets.lookup import departments_by_code
from hotline.tickets.models import Event
from hotline.tickets.states import DomainError
from tests.escalation.conftest import local
from tests.meetings.conftest import MONDAY


def _salon(people, now=MONDAY):
    return services.schedule(kind="evening_salon", title="珠宝企业夜沙龙", convener_id=people["leader"].id,
                             held_at=now + timedelta(hours=10), place="开发区管委会", actor=people["supervisor"],
                             department_ids=[d.id for d in
                                             departments_by_code(["devzone", "finance_regulator"]).values()],
                             now=now)


def _actions(ticket) -> list[str]:
    return list(db.session.scalars(select(Event.action).where(Event.ticket_id == ticket.id).order_by(Event.seq)))


def _decided(people, joint_ticket, now=MONDAY, days=5):
    ticket = joint_ticket()
    meeting = _salon(people, now)
    item = services.add_ticket(meeting.id, ticket.number, actor=people["supervisor"], now=now)
    services.hold(meeting.id, minutes="管委会本周组织验收；金融局对接两家银行。", actor=people["leader"], now=now)
    zone = departments_by_code(["devzone"])["devzone"]
    decision = services.decide(item.id, department_id=zone.id, text="这周抓紧组织验收园区新厂房",
                               done_means="验收意见书出具", working_days=days, actor=people["leader"], now=now)
    return ticket, meeting, item, decision


def test_a_decision_blocks_the_ticket_until_the_zone_marks_it_done(people, joint_ticket):
    ticket, meeting, item, decision = _decided(people, joint_ticket)
    assert decision.due_at == local(2026, 11, 23, 9, 0)  # five working days on the clock
    zone_lead = next(a for a in ticket.assignments if a.role == "lead")
    co = next(a for a in ticket.assignments if a.role == "co")
    for a, who in ((co, people["finance"]), (zone_lead, people["zone"])):
        lifecycle.sign_for(a.id, actor=who, now=MONDAY + timedelta(minutes=10))
        lifecycle.record_contact(a.id, at=MONDAY + timedelta(minutes=20), method="phone", reached=True,
                                 summary="已联系", actor=who, now=MONDAY + timedelta(minutes=30))
    lifecycle.submit(co.id, reply="已对接银行", solved=True, actor=people["finance"], now=MONDAY + timedelta(hours=1))
    with pytest.raises(DomainError) as refused:
        lifecycle.submit(zone_lead.id, reply="已验收", solved=True, actor=people["zone"],
                         now=MONDAY + timedelta(hours=2))
    assert refused.value.code == "open_decisions" and refused.value.params == {"count": 1}
    db.session.rollback()
    db.session.refresh(ticket)
    assert ticket.status == "in_progress"

    with pytest.raises(MeetingRefused):  # another department's handler may not mark it done
        services.complete(decision.id, evidence="x", actor=people["outsider"])
    db.session.rollback()
    services.complete(decision.id, evidence="验收意见书已出具（附件）", actor=people["zone"],
                      now=MONDAY + timedelta(hours=3))
    lifecycle.submit(zone_lead.id, reply="已验收", solved=True, actor=people["zone"], now=MONDAY + timedelta(hours=4))
    db.session.refresh(ticket)
    assert ticket.status == "resolved"
    actions = _actions(ticket)
    steps = [actions.index(a) for a in ("meeting_agenda_added", "meeting_held", "meeting_decision",
                                        "meeting_decision_done", "resolve")]
    assert steps == sorted(steps)  # the history tells the meeting's part in order
    done = db.session.scalar(select(Event).where(Event.ticket_id == ticket.id, Event.action == "meeting_decision_done"))
    assert (done.data["from"], done.data["to"], done.actor_id) == ("open", "done", people["zone"].id)
    assert done.from_state is None  # the event's states are the ticket's and its parts' only
    notices = db.session.scalars(select(Notification.kind).where(Notification.user_id == people["leader"].id)).all()
    assert "decision_done" in notices and "meeting_scheduled" in notices


def test_a_resolved_ticket_with_an_open_decision_cannot_be_closed_at_callback(people, joint_ticket):
    ticket = joint_ticket(co_handlers=())
    lead = ticket.assignments[0]
    lifecycle.sign_for(lead.id, actor=people["zone"], now=MONDAY)
    lifecycle.record_contact(lead.id, at=MONDAY, method="phone", reached=True, summary="s", actor=people["zone"],
                             now=MONDAY + timedelta(minutes=1))
    lifecycle.submit(lead.id, reply="已办结", solved=True, actor=people["zone"], now=MONDAY + timedelta(minutes=2))
    meeting = _salon(people)
    item = services.add_ticket(meeting.id, ticket.number, actor=people["leader"], now=MONDAY)
    services.hold(meeting.id, minutes="纪要", actor=people["leader"], now=MONDAY)
    services.decide(item.id, department_id=lead.department_id, text="补发验收意见", done_means="意见书送达企业",
                    working_days=2, actor=people["leader"], now=MONDAY)
    with pytest.raises(DomainError) as refused:
        lifecycle.record_callback(ticket.id, reached=True, solved=True, satisfaction="satisfied", comment="",
                                  actor=people["operator"], now=MONDAY + timedelta(hours=1))
    assert refused.value.code == "open_decisions"
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Event).where(
        Event.ticket_id == ticket.id, Event.action == "callback")) == 0  # nothing was written


def test_agenda_rules(people, joint_ticket):
    ticket = joint_ticket()
    meeting = _salon(people)
    services.add_ticket(meeting.id, ticket.number, actor=people["supervisor"], now=MONDAY)
    with pytest.raises(MeetingRefused) as again:
        services.add_ticket(meeting.id, ticket.number, actor=people["supervisor"], now=MONDAY)
    assert again.value.code == "already_on_agenda"
    db.session.rollback()
    with pytest.raises(MeetingRefused) as refused:  # an operator is not a convener or a supervisor
        services.add_ticket(meeting.id, ticket.number, actor=people["operator"], now=MONDAY)
    assert refused.value.code == "role_not_allowed"
    db.session.rollback()
    with pytest.raises(MeetingRefused) as not_held:  # decisions only at a held meeting
        services.decide(meeting.items[0].id, department_id=ticket.assignments[0].department_id, text="t",
                        done_means="d", working_days=1, actor=people["leader"], now=MONDAY)
    assert not_held.value.code == "not_allowed_in_state"
    db.session.rollback()
    with pytest.raises(MeetingRefused) as convener:
        services.schedule(kind="breakfast", title="早餐会", convener_id=people["supervisor"].id, held_at=MONDAY,
                          actor=people["supervisor"])
    assert convener.value.code == "convener_must_be_leader"


def test_a_matter_comes_back_to_later_meetings_until_settled(people, joint_ticket):
    """The 古县 case: a matter carried over meeting after meeting, settled at the fifth."""
    ticket = joint_ticket()
    for n in range(5):
        now = MONDAY + timedelta(days=7 * n)
        meeting = services.schedule(kind="afternoon_tea", title=f"第{n + 1}次下午茶", convener_id=people["leader"].id,
                                    held_at=now, actor=people["leader"], now=now)
        item = services.add_ticket(meeting.id, ticket.number, actor=people["leader"], now=now)
        services.hold(meeting.id, minutes="协调股东分歧", actor=people["leader"], now=now)
        services.record_outcome(item.id, "settle" if n == 4 else "carry_over", actor=people["leader"], now=now)
    actions = _actions(ticket)
    assert actions.count("meeting_item_carried_over") == 4 and actions.count("meeting_item_settled") == 1


def test_a_matter_raised_at_the_table_becomes_a_routed_ticket(people, city):
    from hotline.tickets.intake import IntakeData

    meeting = _salon(people)
    item = services.raise_on_spot(meeting.id, IntakeData(
        channel="walk_in", kind="complaint", category_code="factor_supply", subject="流动资金紧张",
        description="企业在夜沙龙上提出流动资金紧张，希望对接银行贷款。", enterprise_name="临汾市华晟珠宝有限公司",
        district_code="devzone"), actor=people["leader"], now=MONDAY)
    assert item.raised_on_spot and item.ticket.status == "dispatched" and item.ticket.assignments
    assert _actions(item.ticket)[:3] == ["received", "dispatch", "meeting_agenda_added"]


def test_a_decision_warns_at_75_percent_then_breaches_and_escalates_exactly_once(people, joint_ticket):
    ticket, meeting, item, decision = _decided(people, joint_ticket, days=1)
    assert decision.warn_at == local(2026, 11, 16, 16, 45) and decision.due_at == local(2026, 11, 17, 9, 0)
    with time_machine.travel(local(2026, 11, 16, 17, 0), tick=False):
        items = engine.due_items(local(2026, 11, 16, 17, 0))
        assert ("decision", decision.id, "decision_warn") in items
        assert engine.apply("decision", decision.id, "decision_warn") is True
        assert engine.apply("decision", decision.id, "decision_warn") is False  # once
    after = local(2026, 11, 17, 9, 5)
    with time_machine.travel(after, tick=False):
        assert [i for i in engine.due_items(after) if i[0] == "decision"] == [
            ("decision", decision.id, "decision_breach")]
        assert engine.apply("decision", decision.id, "decision_breach") is True
        assert engine.apply("decision", decision.id, "decision_breach") is False  # a retry, another worker
        assert [i for i in engine.due_items(after) if i[0] == "decision"] == []
    assert _actions(ticket).count("escalation_decision_breach") == 1
    assert _actions(ticket).count("escalation_decision_warn") == 1
    cases = db.session.scalars(select(SupervisionCase).where(SupervisionCase.ticket_id == ticket.id)).all()
    assert [(c.level, c.trigger) for c in cases] == [(1, "decision_breach")]
    assert db.session.scalar(select(func.count()).select_from(EscalationStep).where(
        EscalationStep.target_type == "decision")) == 2
    told = set(db.session.scalars(select(Notification.user_id)
                                  .where(Notification.kind == "escalation_decision_breach")))
    assert {people["leader"].id, people["supervisor"].id, people["zone"].id} <= told


def test_a_late_warning_is_not_written_when_the_breach_has_passed(people, joint_ticket):
    ticket, meeting, item, decision = _decided(people, joint_ticket, days=1)
    late = local(2026, 11, 18, 9, 0)
    with time_machine.travel(late, tick=False):
        assert engine.apply("decision", decision.id, "decision_warn") is True  # the breach, in its place
    assert "escalation_decision_warn" not in _actions(ticket)
    assert _actions(ticket).count("escalation_decision_breach") == 1


def test_a_done_decision_is_never_escalated(people, joint_ticket):
    ticket, meeting, item, decision = _decided(people, joint_ticket, days=1)
    services.complete(decision.id, evidence="已完成", actor=people["zone"], now=MONDAY + timedelta(hours=1))
    late = local(2026, 11, 20, 9, 0)
    assert [i for i in engine.due_items(late) if i[0] == "decision"] == []
    with time_machine.travel(late, tick=False):
        assert engine.apply("decision", decision.id, "decision_breach") is False
    assert db.session.get(Decision, decision.id).status == "done"


def test_the_sweep_and_workers_escalate_a_breached_decision_once(people, joint_ticket, jobs):
    ticket, meeting, item, decision = _decided(people, joint_ticket, days=1)
    jobs(local(2026, 11, 17, 10, 0))
    jobs(local(2026, 11, 17, 10, 1))  # the next minute's sweep finds nothing more
    assert _actions(ticket).count("escalation_decision_breach") == 1
    assert "escalation_decision_warn" not in _actions(ticket)


def _commissioner_watches_the_jewellers(people) -> None:
    """A key project of the jewellery company (by its name), served by the commissioner."""
    from hotline.meetings import projects

    projects.create_project(name="新能源项目", enterprise_name="临汾市华晟珠宝有限公司", credit_code=None,
                            commissioner_id=people["commissioner"].id, signed_on=MONDAY.date(),
                            targets={k: MONDAY.date() + timedelta(days=30 * (n + 1)) for n, k in
                                     enumerate(("approvals", "land", "construction", "production"))})


def test_the_commissioner_is_told_of_a_new_ticket_and_of_each_warning_and_escalation_on_it(people, joint_ticket):
    _commissioner_watches_the_jewellers(people)
    ticket = joint_ticket(credit_code=None)  # the same enterprise by its name
    later = local(2026, 12, 10, 9, 0)  # every limit of the ticket has passed
    with time_machine.travel(later, tick=False):
        for kind, target, step in engine.due_items(later):
            engine.apply(kind, target, step, later)
    told = db.session.scalars(select(Notification.data).where(
        Notification.user_id == people["commissioner"].id, Notification.kind == "project_ticket_event")).all()
    events_told = [d["event"] for d in told if d["ticket"] == ticket.number]
    assert events_told[0] == "received"
    assert "escalation_sign_breach" in events_told and "escalation_resolve_breach" in events_told
    assert "supervision_opened" in events_told
    watched = [a for a in _actions(ticket) if a in ("received", "supervision_opened") or
               (a.startswith("escalation_") and a.endswith(("_warn", "_breach")))]
    assert sorted(events_told) == sorted(watched)  # one notice per event (two parts breach twice), none missed


def test_a_batch_of_due_steps_tells_the_commissioner_of_each_warning_and_breach_as_single_steps_do(
        people, joint_ticket):
    """The batch writes its events as rows, which no flush hook sees: it tells the commissioners itself."""
    from hotline.escalation import batch

    _commissioner_watches_the_jewellers(people)
    ticket = joint_ticket(credit_code=None)
    later = local(2026, 12, 10, 9, 0)
    with time_machine.travel(later, tick=False):
        items = [(target, step) for kind, target, step in engine.due_items(later) if kind == "assignment"]
        assert batch.take_assignment_steps(items, later) >= 3
    told = db.session.scalars(select(Notification.data).where(
        Notification.user_id == people["commissioner"].id, Notification.kind == "project_ticket_event")).all()
    events_told = [d["event"] for d in told if d["ticket"] == ticket.number]
    assert "escalation_sign_breach" in events_told and "escalation_resolve_breach" in events_told
    assert "supervision_opened" in events_told
    watched = [a for a in _actions(ticket) if a in ("received", "supervision_opened") or
               (a.startswith("escalation_") and a.endswith(("_warn", "_breach")))]
    assert sorted(events_told) == sorted(watched)
