"""The seed's face-to-face stories, played through the services (DOMAIN.md, "Face-to-face"):

- the evening salon (夜沙龙) where the development zone's secretary settled a jewellery maker's new
  plant ("这周抓紧组织验收园区新厂房") and its funding with the department heads;
- the coking upgrade in 古县 that needed five afternoon teas (下午茶) before it was settled;
- a key new-energy project with its service commissioner and its 150-day milestones.

Idempotent: the stories are played once (their tickets carry ``demo-meetings:`` intake keys).
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select

from hotline.auth.models import User
from hotline.auth.services import create_user
from hotline.db import utcnow
from hotline.demo.data import DEMO_PASSWORD
from hotline.extensions import db
from hotline.meetings import projects, services
from hotline.meetings.models import Project
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.lookup import departments_by_code
from hotline.tickets.models import Ticket

#: Demo logins of the face-to-face roles (README lists them): username, name, role.
PEOPLE = (("zone_secretary", "赵立新（开发区党工委书记）", "leader"),
          ("guxian_head", "刘振华（古县县长）", "leader"),
          ("commissioner", "杨帆（项目服务专员）", "commissioner"))


def _user(username: str, name: str, role: str) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    return user or create_user(username=username, display_name=name, password=DEMO_PASSWORD, role=role)


def _at(now: datetime, days_ago: int, hour: int, minute: int = 0) -> datetime:
    """City time ``hour:minute``, ``days_ago`` days before ``now`` (never after it)."""
    tz = ZoneInfo(current_app.config["TIMEZONE"])
    day = (now.astimezone(tz) - timedelta(days=days_ago)).date()
    return min(datetime.combine(day, time(hour, minute), tz), now - timedelta(minutes=5))


def _ticket(key: str, at: datetime, operator: User, **fields) -> Ticket:
    existing = db.session.scalar(select(Ticket).where(Ticket.idempotency_key == f"demo-meetings:{key}"))
    if existing is not None:
        return existing
    data = IntakeData(channel="walk_in", kind="help", idempotency_key=f"demo-meetings:{key}",
                      override_reason="协调会事项，指定牵头和协办单位", **fields)
    return create_ticket(data, operator_id=operator.id, operator_name=operator.display_name, now=at)


def evening_salon(now: datetime, supervisor: User, operator: User, secretary: User) -> None:
    """The jewellery maker's plant acceptance and funding, settled at one evening salon."""
    depts = departments_by_code(["devzone", "finance_regulator", "approval", "housing"])
    ticket = _ticket("jewellery-salon", _at(now, 9, 10), operator, category_code="factor_supply",
                     subject="园区新厂房建成后验收迟迟不组织，流动资金仍有缺口",
                     description="临汾市华晟珠宝有限公司反映：开发区协调的新厂房已建成一个月，验收迟迟没有组织，设备无法进场；"
                                 "原料采购仍有约500万元流动资金缺口。请求开发区和金融监管部门协调解决。",
                     caller_name="孙晓燕", caller_phone="13900001001", enterprise_name="临汾市华晟珠宝有限公司",
                     credit_code="91141000MA0HJ4K20C", district_code="kaifaqu", lead="devzone",
                     co_handlers=("finance_regulator",))
    salon_at = _at(now, 2, 19, 30)
    meeting = services.schedule(kind="evening_salon", title="珠宝加工企业扩产夜沙龙", convener_id=secretary.id,
                                held_at=salon_at, place="开发区管委会三楼会议室", enterprises="临汾市华晟珠宝有限公司",
                                attendees="开发区党工委书记、管委会主任，市地方金融监管局、市行政审批服务管理局、"
                                          "市住房和城乡建设局负责人，两家银行客户经理，企业负责人孙晓燕",
                                department_ids=[d.id for d in depts.values() if d is not None],
                                actor=supervisor, now=salon_at - timedelta(days=3))
    item = services.add_ticket(meeting.id, ticket.number, note="联办工单时限过半，企业两次来电", actor=supervisor,
                               now=salon_at - timedelta(days=3))
    services.hold(meeting.id, minutes="一、开发区管委会这周抓紧组织验收园区新厂房，验收合格即交付企业使用。\n"
                                      "二、市地方金融监管局牵头召集两家银行，一周内提出流动资金融资方案。\n"
                                      "三、企业按要求补齐验收资料。",
                  actor=secretary, now=salon_at + timedelta(hours=2))
    services.decide(item.id, department_id=depts["devzone"].id, text="这周抓紧组织验收园区新厂房",
                    done_means="验收意见书出具，厂房交付企业", working_days=5, actor=secretary,
                    now=salon_at + timedelta(hours=2))
    funding = services.decide(item.id, department_id=depts["finance_regulator"].id,
                              text="召集银行为企业提出流动资金融资方案", done_means="银行出具授信方案并与企业签约",
                              working_days=5, actor=secretary, now=salon_at + timedelta(hours=2))
    services.record_outcome(item.id, "settle", note="厂房和资金两件事当场议定", actor=secretary,
                            now=salon_at + timedelta(hours=2))
    finance = db.session.scalar(select(User).where(User.username == "handler2"))
    services.complete(funding.id, evidence="已组织两家银行现场对接，拟授信500万元，授信方案已送企业。", actor=finance,
                      now=min(now, salon_at + timedelta(days=1, hours=15)))


def afternoon_teas(now: datetime, operator: User, head: User) -> None:
    """The 古县 coking upgrade: four afternoon teas carried it over, the fifth settled it."""
    depts = departments_by_code(["guxian_gov", "industry", "ndrc", "ecology"])
    ticket = _ticket("guxian-coking-teas", _at(now, 30, 9, 30), operator, category_code="inaction",
                     subject="焦化升级改造项目股东分歧，请求县政府牵头协调",
                     description="古县汇晟焦化有限责任公司反映：焦化升级改造项目因股东在出资比例和产能置换方案上意见分歧停滞，"
                                 "备案变更、环评批复随之搁置，请求县政府牵头，工信、发改、生态环境部门共同协调。",
                     caller_name="郭建平", caller_phone="13500001002", enterprise_name="古县汇晟焦化有限责任公司",
                     credit_code="91141025MA0GT7R357", district_code="guxian", lead="guxian_gov",
                     co_handlers=("industry", "ndrc", "ecology"))
    topics = ("摸清两方股东分歧", "出资比例第一轮方案", "产能置换方案比选", "环评和备案变更路径", "股东签署补充协议")
    for n, topic in enumerate(topics):
        at = _at(now, 25 - 5 * n, 15, 0)
        meeting = services.schedule(kind="afternoon_tea", title=f"焦化升级改造第{n + 1}次下午茶：{topic}",
                                    convener_id=head.id, held_at=at, place="古县人民政府小会议室",
                                    enterprises="古县汇晟焦化有限责任公司",
                                    department_ids=[d.id for d in depts.values()], actor=head,
                                    now=at - timedelta(days=1))
        item = services.add_ticket(meeting.id, ticket.number, actor=head, now=at - timedelta(days=1))
        services.hold(meeting.id, minutes=f"议题：{topic}。" + (
                          "股东签署补充协议，项目复工。" if n == 4 else "未达成一致，下次继续。"),
                      actor=head, now=at + timedelta(hours=2))
        if n < 4:
            services.record_outcome(item.id, "carry_over", actor=head, now=at + timedelta(hours=2))
            continue
        services.decide(item.id, department_id=depts["ndrc"].id, text="办理项目备案变更",
                        done_means="备案变更通知书出具", working_days=10, actor=head, now=at + timedelta(hours=2))
        services.decide(item.id, department_id=depts["ecology"].id, text="指导企业报批环评变更",
                        done_means="环评变更受理", working_days=10, actor=head, now=at + timedelta(hours=2))
        services.record_outcome(item.id, "settle", note="第五次下午茶议定", actor=head, now=at + timedelta(hours=2))


def key_project(now: datetime, supervisor: User, commissioner: User) -> None:
    """The new-energy project whose approvals must finish within 150 days, with its commissioner."""
    if db.session.scalar(select(Project.id).where(Project.name == "乡宁县云岭10万千瓦风电项目")):
        return
    signed = (now.astimezone(ZoneInfo(current_app.config["TIMEZONE"])) - timedelta(days=90)).date()
    project = projects.create_project(
        name="乡宁县云岭10万千瓦风电项目", enterprise_name="乡宁县云岭新能源开发有限公司",
        credit_code="91141029MA0LC2N89B", commissioner_id=commissioner.id, signed_on=signed,
        targets={"approvals": signed + timedelta(days=60), "land": signed + timedelta(days=75),
                 "construction": signed + timedelta(days=90), "production": signed + timedelta(days=150)},
        description="全部审批150天内办结的重点项目。")
    blocking = db.session.scalar(select(Ticket).where(Ticket.idempotency_key == "demo:xiangning-newenergy-150-days"))
    approvals = next(m for m in project.milestones if m.kind == "approvals")
    if blocking is not None:
        projects.link_ticket(project.id, blocking.number, milestone_id=approvals.id, actor=commissioner, now=now)
        projects.add_note(project, text="用地预审超时，已与审批局、自然资源局约定本周会商。", ticket=blocking,
                          actor=commissioner, now=now)
    projects.log_visit(project.id, visited_at=_at(now, 1, 10), place="乡宁县云岭风电项目工地",
                       summary="现场办公：核对接入系统批复材料，协调供电公司提前介入。", actor=commissioner)


def seed_meetings(now: datetime | None = None) -> int:
    """Play the face-to-face stories not yet played; returns how many meetings exist."""
    from hotline.meetings.models import Meeting

    now = now or utcnow()
    users = {username: _user(username, name, role) for username, name, role in PEOPLE}
    supervisor = db.session.scalar(select(User).where(User.username == "supervisor"))
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    played = db.session.scalar(select(Ticket.id).where(Ticket.idempotency_key == "demo-meetings:jewellery-salon"))
    if played is None:
        evening_salon(now, supervisor, operator, users["zone_secretary"])
        afternoon_teas(now, operator, users["guxian_head"])
    key_project(now, supervisor, users["commissioner"])
    return len(db.session.scalars(select(Meeting.id)).all())
