"""The three rules in the city's real cases, through the services and the pages: who leads (the
respondent, the place, the category), joint returns and rounds, repeat chains, fee complaints."""
from __future__ import annotations

from datetime import timedelta
from functools import partial

import pytest
import time_machine
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.demo.data import DEMO_TICKETS
from hotline.demo.tickets import intake_data as demo_intake
from hotline.directory.models import Category
from hotline.extensions import db
from hotline.tickets import chain, lifecycle
from hotline.tickets.intake import IntakeData, create_ticket, redispatch
from hotline.tickets.models import Assignment, Event, Ticket
from hotline.tickets.states import DomainError
from tests.conftest import csrf_from
from tests.escalation.conftest import local
from tests.factories import make_ticket, post_intake

NOW = local(2026, 11, 16, 10, 0)  # a Monday; every test travels here, whatever today's date is


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def _demo(key: str) -> IntakeData:
    return demo_intake(next(t for t in DEMO_TICKETS if t.key == key), {})


#: A call saved by the intake service at ``NOW`` (override any field).
_intake = partial(make_ticket, now=NOW)


def _parts(ticket: Ticket) -> list[tuple[str, str, str, int]]:
    db.session.refresh(ticket)
    return [(a.department.code, str(a.role), str(a.status), a.round) for a in ticket.assignments]


def _live(ticket: Ticket) -> list[str]:
    return [code for code, _, status, _ in _parts(ticket) if status in ("dispatched", "signed", "contacted")]


# ---- who leads ---------------------------------------------------------------------------------


def test_the_jewellery_maker_in_the_zone_is_led_by_the_zone_with_finance_regulation(city):
    ticket = create_ticket(_demo("jewellery-plant-finance"), operator_id=None, operator_name="王丽", now=NOW)
    assert ticket.routing_rule == "joint" and not ticket.routing["overridden"]
    assert [(code, role) for code, role, _, _ in _parts(ticket)] == [("devzone", "lead"), ("finance_regulator", "co")]
    codes = [r["code"] for r in ticket.routing["reasons"]]
    assert codes[0] == "place_leads" and "keyword_match" in codes
    assert ticket.routing["reasons"][0]["params"] == {"department": "devzone", "district": "kaifaqu"}


def test_the_body_complained_about_answers_for_itself(city):
    ticket = create_ticket(_demo("quwo-fee-refund"), operator_id=None, operator_name="王丽", now=NOW)
    assert ticket.kind == "complaint" and not ticket.confidential
    assert ticket.respondent_name == "市住房和城乡建设局" and ticket.respondent_department.code == "housing"
    assert [(code, role) for code, role, _, _ in _parts(ticket)] == [("housing", "lead"), ("market", "co")]
    assert ticket.routing["reasons"][0] == {"code": "respondent_leads", "params": {"department": "housing"}}


def test_a_respondent_typed_by_name_or_unknown_to_the_directory(city):
    named = _intake(respondent="Linfen Tax Service, State Taxation Administration", district_code="yaodu")
    assert _parts(named)[0][:2] == ("tax", "lead")
    unknown = _intake(respondent="某某物业公司", district_code="yaodu", caller_phone="13800000002")
    assert unknown.respondent_name == "某某物业公司" and unknown.respondent_department_id is None
    assert _parts(unknown)[0][:2] == ("yaodu_gov", "lead")  # not in the directory: the place leads


def test_a_category_led_by_its_competent_bureau_ignores_the_place(city):
    db.session.scalar(select(Category).where(Category.code == "refusal")).territorial = False
    db.session.commit()
    ticket = _intake(district_code="anze")
    assert _parts(ticket)[0][:2] == ("approval", "lead")
    assert ticket.routing["reasons"][0]["code"] == "competent_bureau_leads"


def test_a_fee_complaint_is_a_complaint_against_the_charging_body_not_a_report(city):
    ticket = _intake(category_code="arbitrary_fees", subject="多收检测费", district_code="houma",
                     description="办理许可时被要求缴纳清单外的检测费3000元，要求退还。")
    assert ticket.routing_rule == "on_receipt" and not ticket.confidential
    assert _parts(ticket)[0][:2] == ("houma_gov", "lead")
    bribe = _intake(category_code="bribery", kind="report", subject="索要好处费", caller_phone="13800000003",
                    description="检查人员索要好处费，否则从严处罚，要求保密。")
    assert bribe.routing_rule == "discipline" and bribe.confidential


def test_overriding_a_misconduct_category_to_the_charging_body_drops_the_rule_s_confidentiality(city):
    kept = _intake(category_code="bribery", subject="收费", lead="market", override_reason="乱收费，非索贿",
                   description="窗口多收了办证费用，要求退还多收部分。")
    assert kept.routing_rule == "on_receipt" and kept.confidential is False
    asked = _intake(category_code="bribery", subject="收费", lead="market", override_reason="乱收费，非索贿",
                    confidential=True, caller_phone="13800000004", description="窗口多收了办证费用，要求退还。")
    assert asked.confidential is True


def test_the_live_panel_names_the_zone_and_why(operator_client):
    token = csrf_from(operator_client.get("/tickets/new").get_data(as_text=True))
    story = next(t for t in DEMO_TICKETS if t.key == "jewellery-plant-finance")
    html = operator_client.post("/tickets/new/preview", data={
        "csrf_token": token, "kind": "help", "category": "factor_supply", "district": "kaifaqu",
        "subject": story.subject, "description": story.description}).get_data(as_text=True)
    assert "有诉联办" in html and "临汾经济开发区管委会" in html and "市地方金融监管局" in html
    assert "事项发生在临汾经济开发区：由“临汾经济开发区管委会”主办（属地管理）" in html  # the reason, in Chinese
    fee = operator_client.post("/tickets/new/preview", data={
        "csrf_token": token, "kind": "complaint", "category": "arbitrary_fees", "district": "quwo",
        "respondent": "市住房和城乡建设局", "subject": "重复收取配套费",
        "description": "县住建局重复收取城市基础设施配套费，要求退还。"}).get_data(as_text=True)
    assert "市住房和城乡建设局" in fee and "举报" not in fee and "保密" not in fee


def test_the_intake_form_keeps_the_respondent_and_routes_by_it(operator_client):
    response = post_intake(operator_client, respondent="市市场监督管理局", district="yaodu")
    assert response.status_code == 302
    ticket = db.session.scalars(select(Ticket).order_by(Ticket.id.desc())).first()
    assert ticket.respondent_department.code == "market" and _parts(ticket)[0][:2] == ("market", "lead")
    page = operator_client.get("/tickets/new").get_data(as_text=True)
    assert 'list="respondent-options"' in page and "<option value=\"市纪委监委\">" in page


# ---- joint returns and rounds --------------------------------------------------------------------


def test_the_lead_s_return_withdraws_every_live_part_and_redispatch_opens_a_new_round(city):
    ticket = create_ticket(_demo("jewellery-plant-finance"), operator_id=None, operator_name="王丽", now=NOW)
    lead, co = ticket.assignments
    lifecycle.sign_for(co.id, actor=None, now=NOW + timedelta(minutes=5))
    lifecycle.return_assignment(lead.id, grounds="厂房验收归住建部门", actor=None, now=NOW + timedelta(minutes=10))
    assert _parts(ticket) == [("devzone", "lead", "returned", 1), ("finance_regulator", "co", "withdrawn", 1)]
    assert ticket.status == "returned"
    withdrawn = db.session.scalar(select(Event).where(Event.ticket_id == ticket.id,
                                                      Event.action == "assignment_withdraw"))
    assert withdrawn.assignment_id == co.id and withdrawn.data["department"] == "finance_regulator"
    assert (withdrawn.from_state, withdrawn.to_state) == ("signed", "withdrawn")
    with pytest.raises(DomainError):  # a withdrawn part can no longer act
        lifecycle.sign_for(co.id, actor=None)
    db.session.rollback()
    redispatch(ticket, "housing", ("finance_regulator",), note="改由住建局主办", actor_id=None,
               now=NOW + timedelta(hours=1))
    assert ticket.round == 2
    assert sorted(_live(ticket)) == ["finance_regulator", "housing"]
    assert all(rnd == 2 for _, _, status, rnd in _parts(ticket) if status == "dispatched")


def test_a_co_handler_s_return_ends_only_its_part_and_the_lead_carries_on(city):
    ticket = create_ticket(_demo("jewellery-plant-finance"), operator_id=None, operator_name="王丽", now=NOW)
    lead, co = ticket.assignments
    lifecycle.return_assignment(co.id, grounds="无融资需求", actor=None, now=NOW + timedelta(minutes=10))
    assert ticket.status == "dispatched" and _live(ticket) == ["devzone"]
    lifecycle.sign_for(lead.id, actor=None, now=NOW + timedelta(minutes=20))
    at = NOW + timedelta(minutes=30)
    lifecycle.record_contact(lead.id, at=at, method="phone", reached=True, summary="已联系", actor=None, now=at)
    lifecycle.submit(lead.id, reply="已协调厂房验收", solved=True, actor=None, now=NOW + timedelta(hours=2))
    assert ticket.status == "resolved"  # the returned co-handler does not hold the lead's reply back


def test_the_database_refuses_a_second_live_part_for_one_department(city):
    ticket = _intake()
    [a] = ticket.assignments
    db.session.add(Assignment(ticket_id=ticket.id, department_id=a.department_id, role="co", round=2,
                              status="dispatched", dispatched_at=NOW))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_a_reopen_opens_the_next_round_for_the_same_lead(city):
    ticket = _intake()
    [a] = ticket.assignments
    lifecycle.sign_for(a.id, actor=None, now=NOW + timedelta(minutes=5))
    at = NOW + timedelta(minutes=10)
    lifecycle.record_contact(a.id, at=at, method="phone", reached=True, summary="已联系", actor=None, now=at)
    lifecycle.submit(a.id, reply="已受理", solved=True, actor=None, now=NOW + timedelta(hours=1))
    lifecycle.record_callback(ticket.id, reached=True, solved=False, satisfaction="unsatisfied", comment="",
                              actor=None, now=NOW + timedelta(hours=2))
    assert ticket.round == 2 and _live(ticket) == ["approval"]
    assert [rnd for *_, rnd in _parts(ticket)] == [1, 2]


# ---- repeat chains ---------------------------------------------------------------------------------


def _close(ticket: Ticket, at) -> None:
    a = next(x for x in ticket.assignments if x.status == "dispatched")
    lifecycle.sign_for(a.id, actor=None, now=at)
    lifecycle.record_contact(a.id, at=at, method="phone", reached=True, summary="已联系", actor=None, now=at)
    lifecycle.submit(a.id, reply="已办结", solved=True, actor=None, now=at + timedelta(minutes=5))
    lifecycle.record_callback(ticket.id, reached=True, solved=True, satisfaction="satisfied", comment="",
                              actor=None, now=at + timedelta(minutes=10))


def test_a_rehandled_repeat_goes_to_the_lead_of_the_chain_s_last_round(city):
    first = _intake(district_code="anze")  # anze_gov leads by place
    lead = first.assignments[0]
    lifecycle.return_assignment(lead.id, grounds="属住建局职责", actor=None, now=NOW + timedelta(minutes=5))
    redispatch(first, "housing", (), note="改派", actor_id=None, now=NOW + timedelta(minutes=10))
    _close(first, NOW + timedelta(minutes=20))
    again = _intake(district_code="anze", repeat_of=first.number, new_facts=True,
                    description="窗口仍然拒收申请材料，情况和上次一样。")
    assert again.routing_rule == "rehandle" and _parts(again)[0][:2] == ("housing", "lead")
    assert {"code": "rehandle_last_lead", "params": {"department": "housing", "ticket": first.number}} in \
        again.routing["reasons"]
    assert again.supervision_level == 1


def test_a_repeat_of_a_merged_ticket_merges_into_the_chain_s_open_ticket(city):
    first = _intake()
    merged = _intake(repeat_of=first.number, description="再次反映窗口拒收申请材料的问题。")
    assert merged.status == "merged"
    _close(first, NOW + timedelta(minutes=5))
    reopened = _intake(repeat_of=first.number, new_facts=True, description="窗口又一次拒收申请材料，有新情况。")
    assert reopened.routing_rule == "rehandle" and reopened.status == "dispatched"
    before = db.session.query(Assignment).count()
    again = _intake(repeat_of=merged.number, description="第四次反映窗口拒收申请材料。")
    assert again.status == "merged" and again.merged_into_id == reopened.id
    assert db.session.query(Assignment).count() == before  # no new dispatch while the chain has an open ticket
    reason = again.routing["reasons"][0]
    assert reason == {"code": "repeat_resolved_in_chain",
                      "params": {"linked": merged.number, "ticket": reopened.number, "how": "chain_open"}}


def test_a_repeat_of_a_merged_ticket_in_a_closed_chain_rehandles_the_chain_s_latest(city):
    first = _intake(district_code="quwo")
    merged = _intake(repeat_of=first.number, description="再次反映窗口拒收申请材料的问题。")
    _close(first, NOW + timedelta(minutes=5))
    again = _intake(repeat_of=merged.number, description="窗口拒收的问题又出现了。")
    assert again.routing_rule == "rehandle" and _parts(again)[0][:2] == ("quwo_gov", "lead")
    assert again.routing["reasons"][0]["params"]["how"] == "chain_latest"
    assert again.chain_id == first.chain_id


def test_the_panel_says_which_ticket_a_merged_candidate_stands_for(operator_client):
    first = _intake()
    merged = _intake(repeat_of=first.number, description="再次反映窗口拒收申请材料的问题。")
    token = csrf_from(operator_client.get("/tickets/new").get_data(as_text=True))
    html = operator_client.post("/tickets/new/preview", data={
        "csrf_token": token, "kind": "complaint", "category": "refusal", "caller_phone": "13800000001",
        "subject": "测试", "description": "窗口拒收申请材料，没有说明理由。",
        "repeat_of": merged.number}).get_data(as_text=True)
    assert f"工单 {merged.number} 属于重复诉求链，该链当前工单为 {first.number}" in html and "并单" in html


# ---- history ---------------------------------------------------------------------------------------


def test_history_names_the_department_of_every_part_event(city, operator_client):
    ticket = create_ticket(_demo("jewellery-plant-finance"), operator_id=None, operator_name="王丽", now=NOW)
    for a in ticket.assignments:
        lifecycle.sign_for(a.id, actor=None, now=NOW + timedelta(minutes=5))
    html = operator_client.get(f"/tickets/{ticket.number}").get_data(as_text=True)
    history = html[html.index('class="history"'):]
    assert history.count("签收") >= 2 and "系统" in history
    assert "临汾经济开发区管委会" in history and "市地方金融监管局" in history
    assert chain.verify([{c: getattr(e, c) for c in (*chain.HASHED_FIELDS, "prev_hash", "hash")}
                         for e in db.session.scalars(select(Event).where(Event.ticket_id == ticket.id)
                                                     .order_by(Event.seq))]) is None


def test_a_withdrawn_part_shows_no_clock_and_takes_no_evidence(city, client, login, make_user):
    from hotline.demo.data import DEMO_PASSWORD

    ticket = create_ticket(_demo("jewellery-plant-finance"), operator_id=None, operator_name="王丽", now=NOW)
    lead, co = ticket.assignments
    lifecycle.return_assignment(lead.id, grounds="厂房验收归住建部门", actor=None, now=NOW + timedelta(minutes=10))
    assert login("handler2", DEMO_PASSWORD).status_code == 302  # 市地方金融监管局, whose part was withdrawn
    html = client.get(f"/work/tickets/{ticket.number}").get_data(as_text=True)
    assert "已撤回（主办单位退单）" in html
    assert "剩余办理时间" not in html and 'enctype="multipart/form-data"' not in html
    assert "主办单位已退单：退回话务员重新派单" in html  # not "every department returned it"
    import io

    token = csrf_from(html) if "csrf_token" in html else csrf_from(client.get("/work/").get_data(as_text=True))
    refused = client.post(f"/work/tickets/{ticket.number}/attachments",
                          data={"att-csrf_token": token, "att-file": (io.BytesIO(b"%PDF-1.4 x"), "x.pdf")},
                          content_type="multipart/form-data")
    assert refused.status_code == 409 and "当前状态" in refused.get_data(as_text=True)
    assert db.session.scalar(select(Event).where(Event.ticket_id == ticket.id,
                                                 Event.action == "attachment_added")) is None


def test_the_ticket_pages_show_the_body_complained_about(city, operator_client):
    typed = _intake(respondent="某某物业公司", district_code="yaodu")
    assert "某某物业公司" in operator_client.get(f"/tickets/{typed.number}").get_data(as_text=True)
    named = create_ticket(_demo("quwo-fee-refund"), operator_id=None, operator_name="王丽", now=NOW)
    html = operator_client.get(f"/tickets/{named.number}").get_data(as_text=True)
    assert "被反映单位" in html and "市住房和城乡建设局" in html
