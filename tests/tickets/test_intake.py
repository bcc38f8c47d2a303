"""Intake through the real form: tickets, assignments, events, validation, idempotency, repeats."""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import func, select

from hotline.escalation.models import SupervisionCase
from hotline.extensions import db
from hotline.tickets.events import verify_ticket
from hotline.tickets.models import Assignment, Event, MatterChain, Ticket
from tests.conftest import PASSWORD, csrf_from
from tests.factories import OTHER_CODE, VALID_CODE, post_intake


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _ticket(number=None) -> Ticket:
    query = select(Ticket).order_by(Ticket.id.desc())
    if number:
        query = query.where(Ticket.number == number)
    return db.session.scalars(query).first()


def test_a_form_post_creates_the_ticket_its_assignment_and_events(operator_client, operator):
    response = post_intake(operator_client)
    assert response.status_code == 302
    ticket = _ticket()
    assert response.headers["Location"].endswith(f"/tickets/{ticket.number}")
    assert re.fullmatch(r"\d{6}-\d{5}", ticket.number)
    assert ticket.status == "dispatched" and ticket.routing_rule == "on_receipt"
    assert ticket.caller_phone == "13812345678" and ticket.credit_code == VALID_CODE
    assert ticket.operator_id == operator.id
    [assignment] = ticket.assignments
    assert assignment.department.code == "approval" and assignment.role == "lead"
    assert assignment.status == "dispatched" and assignment.dispatched_at == ticket.dispatched_at
    assert assignment.sign_due_at > assignment.dispatched_at
    assert assignment.resolve_due_at > assignment.return_due_at > assignment.dispatched_at
    actions = [e.action for e in db.session.scalars(select(Event).where(Event.ticket_id == ticket.id)
                                                    .order_by(Event.seq))]
    assert actions == ["received", "dispatch"]
    assert verify_ticket(ticket.id) is None
    page = operator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert ticket.number in page and "市行政审批服务管理局" in page and "接诉即办" in page


def test_joint_handling_from_category_and_keyword(operator_client):
    post_intake(operator_client, category="factor_supply", subject="厂房电力增容迟迟不批",
                description="我公司新建厂房需要电力增容，申请提交两个月了一直没有答复，影响设备调试。")
    ticket = _ticket()
    assert ticket.routing_rule == "joint"
    codes = [(a.department.code, a.role) for a in ticket.assignments]
    assert codes == [("ndrc", "lead"), ("power", "co")]
    lead, co = ticket.assignments
    assert lead.resolve_due_at > co.resolve_due_at  # 15 working days for the lead, 10 for co-handlers


def test_inquiry_answered_on_the_spot_is_closed_and_never_dispatched(operator_client):
    post_intake(operator_client, kind="inquiry", category="", answered_on_spot="y",
                subject="咨询专线服务时间", description="来电询问营商环境专线的受理时间和受理范围。",
                answer="专线每日08:00–18:00受理，号码0357-2096666。")
    ticket = _ticket()
    assert ticket.status == "answered" and ticket.routing_rule == "answered"
    assert ticket.assignments == [] and ticket.closed_at is not None


def test_a_report_goes_to_the_discipline_commission_and_is_confidential(operator_client):
    post_intake(operator_client, kind="report", category="bribery", caller_name="", caller_phone="",
                subject="检查人员索要好处费",
                description="市场检查时执法人员暗示要送购物卡才能少罚款，时间是上周三下午。")
    ticket = _ticket()
    assert ticket.routing_rule == "discipline" and ticket.confidential
    assert [a.department.code for a in ticket.assignments] == ["discipline"]


def test_invalid_credit_code_is_refused_in_chinese_and_nothing_is_lost(operator_client):
    bad = VALID_CODE[:-1] + ("0" if VALID_CODE[-1] != "0" else "1")
    response = post_intake(operator_client, credit_code=bad, caller_name="钱多多")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "校验位" in html
    assert 'value="钱多多"' in html and "已经跑了三趟" in html and f'value="{bad}"' in html
    assert _count(Ticket) == 0


@pytest.mark.parametrize("phone, message", [("1381234567", "位数"), ("12812345678", "13"), ("abc", "")])
def test_invalid_phone_is_refused(operator_client, phone, message):
    response = post_intake(operator_client, caller_phone=phone)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(Ticket) == 0


def test_a_complaint_needs_a_phone_but_a_report_may_be_anonymous(operator_client):
    assert post_intake(operator_client, caller_phone="").status_code == 400
    assert post_intake(operator_client, kind="report", category="retaliation", caller_name="",
                       caller_phone="").status_code == 302


def test_landline_is_normalised(operator_client):
    post_intake(operator_client, caller_phone="(0357)2096666")
    assert _ticket().caller_phone == "0357-2096666"


def test_control_characters_are_stripped(operator_client):
    post_intake(operator_client, subject="申请\x00被拒\u200b收",
                description="窗口\x1b[31m拒收申请，\n没有一次性告知材料清单。")
    ticket = _ticket()
    assert ticket.subject == "申请被拒收"
    assert "\x1b" not in ticket.description and "\n" in ticket.description


def test_only_an_inquiry_can_be_answered_on_the_spot(operator_client):
    response = post_intake(operator_client, answered_on_spot="y", answer="已解答")
    assert response.status_code == 400 and _count(Ticket) == 0


def test_a_double_submit_creates_one_ticket(operator_client):
    key = uuid.uuid4().hex
    first = post_intake(operator_client, intake_key=key)
    second = post_intake(operator_client, intake_key=key)
    assert first.headers["Location"] == second.headers["Location"]
    assert _count(Ticket) == 1 and _count(Assignment) == 1


def test_override_is_recorded_with_its_reason(operator_client):
    response = post_intake(operator_client, lead="market", co_handlers=["approval"],
                           override_reason="涉及营业执照变更，由市场监管局主办")
    assert response.status_code == 302
    ticket = _ticket()
    assert [a.department.code for a in ticket.assignments] == ["market", "approval"]
    assert ticket.routing["overridden"] is True
    override = [r for r in ticket.routing["reasons"] if r["code"] == "operator_override"]
    assert override and override[0]["params"]["reason"] == "涉及营业执照变更，由市场监管局主办"
    assert override[0]["params"]["by"] == "王丽"


def test_override_without_reason_is_refused(operator_client):
    response = post_intake(operator_client, lead="market")
    assert response.status_code == 400 and "理由" in response.get_data(as_text=True)
    assert _count(Ticket) == 0


def test_the_preview_shows_routing_and_repeat_candidates_before_saving(operator_client):
    post_intake(operator_client, subject="扩建厂房用地审批拖延",
                description="开发区管委会对我公司扩建厂房的用地审批一直拖着不办，已经三个月了。")
    earlier = _ticket()
    token = csrf_from(operator_client.get("/tickets/new").get_data(as_text=True))
    from tests.factories import form_data

    response = operator_client.post("/tickets/new/preview", data={**form_data(
        caller_phone="13812345678", subject="厂房用地审批", credit_code=VALID_CODE,
        description="我们珠宝厂扩建厂房用地的审批拖了三个月还没办下来。"), "csrf_token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert earlier.number in html and "同一信用代码" in html
    assert _count(Ticket) == 1  # the preview saves nothing


def test_unrelated_caller_has_no_candidates(operator_client):
    post_intake(operator_client)
    token = csrf_from(operator_client.get("/tickets/new").get_data(as_text=True))
    from tests.factories import form_data

    html = operator_client.post("/tickets/new/preview", data={**form_data(
        caller_phone="13900001111", credit_code=OTHER_CODE, enterprise_name="另一家公司"),
        "csrf_token": token}).get_data(as_text=True)
    assert _ticket().number not in html


def test_repeat_of_an_open_ticket_without_new_facts_is_merged_and_supervised(operator_client):
    post_intake(operator_client)
    earlier = _ticket()
    response = post_intake(operator_client, repeat_of=earlier.number)
    assert response.status_code == 302
    merged = _ticket()
    db.session.refresh(earlier)
    assert merged.status == "merged" and merged.merged_into_id == earlier.id and merged.assignments == []
    chain = db.session.get(MatterChain, earlier.chain_id)
    assert merged.chain_id == chain.id and chain.repeat_count == 2 and chain.supervision_level == 1
    assert earlier.supervision_level == 1
    case = db.session.scalar(select(SupervisionCase).where(SupervisionCase.ticket_id == earlier.id))
    assert case.level == 1 and case.trigger == "repeat" and case.status == "open"
    assert "repeat_merged" in [e.action for e in db.session.scalars(
        select(Event).where(Event.ticket_id == earlier.id))]
    assert verify_ticket(earlier.id) is None and verify_ticket(merged.id) is None


def test_repeat_with_new_facts_is_re_handled_and_the_third_complaint_is_level_two(operator_client):
    post_intake(operator_client)
    first = _ticket()
    post_intake(operator_client, repeat_of=first.number, new_facts="y")
    second = _ticket()
    assert second.routing_rule == "rehandle" and second.status == "dispatched"
    assert second.supervision_level == 1 and len(second.assignments) == 1
    post_intake(operator_client, repeat_of=second.number, new_facts="y")
    third = _ticket()
    assert third.supervision_level == 2
    assert db.session.get(MatterChain, third.chain_id).repeat_count == 3


def test_repeat_after_an_answered_inquiry_is_re_handled(operator_client):
    post_intake(operator_client, kind="inquiry", category="", answered_on_spot="y", answer="已当场解答。",
                subject="咨询贴息政策", description="来电咨询技改贷款贴息政策的申报条件和时间。")
    answered = _ticket()
    post_intake(operator_client, repeat_of=answered.number, category="policy_unfulfilled",
                subject="贴息资金未兑现", description="按咨询时告知的条件申报了技改贷款贴息，至今没有兑现。")
    ticket = _ticket()
    assert ticket.routing_rule == "rehandle" and ticket.supervision_level == 1


def test_intake_is_for_operators(client, login, city):
    from hotline.demo.data import DEMO_PASSWORD

    login("handler", DEMO_PASSWORD)
    assert client.get("/tickets/new").status_code == 403


def test_every_operator_gets_the_blank_form_in_their_language_with_keys_of_their_own(
        app, operator_client, make_user):
    """The blank form's body is rendered once and shared (hotline.tickets.intake_form.blank_body); what
    belongs to one form — the CSRF token and the intake key that makes a double submit harmless — does
    not, and an English-speaking operator gets the English form."""
    key = re.compile(r'<input[^>]*name="intake_key"[^>]*value="([0-9a-f]{32})"')
    first, second = (operator_client.get("/tickets/new").get_data(as_text=True) for _ in range(2))
    assert first.count("保存并派单") == second.count("保存并派单") == 1
    assert "市市场监督管理局" in second and "— 按建议 —" in second
    assert key.search(first).group(1) != key.search(second).group(1)

    english = app.test_client()
    user = make_user("operator", locale="en")
    db.session.commit()
    page = english.get("/login").get_data(as_text=True)
    assert english.post("/login", data={"username": user.username, "password": PASSWORD,
                                        "csrf_token": csrf_from(page)}).status_code == 302
    page = english.get("/tickets/new").get_data(as_text=True)
    assert "Save and dispatch" in page and "保存并派单" not in page
    assert csrf_from(page) != csrf_from(second)
    assert key.search(page).group(1) not in (key.search(first).group(1), key.search(second).group(1))

    # a form sent back with an error is rendered from what was typed, not from the shared blank body
    response = post_intake(operator_client, caller_phone="12345")
    assert response.status_code == 400
    assert 'value="12345"' in response.get_data(as_text=True)
