"""The per-process reference cache of intake: an admin's change made in another process (or app)
reaches the very next intake everywhere; and an intake runs few SQL statements."""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import event, select, text

from hotline.auth.models import User
from hotline.directory.generation import GENERATION_KEY, read_token
from hotline.directory.models import Category, Department, RoutingRule, TimeLimitPolicy
from hotline.directory.reference import request_clock
from hotline.extensions import db
from hotline.tickets.events import verify_ticket
from hotline.tickets.intake import IntakeData, IntakeError, create_ticket
from hotline.worktime.calendar import working_clock
from hotline.worktime.limits import Policy, assignment_deadlines, ticket_dispatch_due
from tests.conftest import _TestConfig
from tests.factories import VALID_CODE

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Linfen


def _intake(operator, **overrides):
    fields = dict(channel="phone", kind="complaint", subject="申请被窗口拒收", category_code="refusal",
                  description="窗口工作人员以材料不全为由拒收我公司的申请，没有一次性告知需要补充什么材料。",
                  caller_name="赵建国", caller_phone="13812345678", enterprise_name="临汾市华晟珠宝有限公司",
                  credit_code=VALID_CODE)
    fields.update(overrides)
    return create_ticket(IntakeData(**fields), operator_id=operator.id, operator_name=operator.display_name,
                         now=NOW)


def _departments(ticket) -> list[tuple[str, str]]:
    return [(a.department.code, str(a.role)) for a in ticket.assignments]


@pytest.fixture
def other_app(city, database_url, redis_url):
    """A second application on the same database: its own engine, session and process cache."""
    from hotline import create_app

    return create_app(_TestConfig(database_url, redis_url))


def test_a_routing_rule_added_by_another_process_routes_the_next_intake(city, operator, database_url):
    assert _departments(_intake(operator)) == [("approval", "lead")]  # the cache is warm now
    db.session.commit()
    script = textwrap.dedent("""
        import sys
        from bench.common import make_app
        from hotline.directory.models import Department, RoutingRule
        from hotline.extensions import db
        from sqlalchemy import select

        with make_app(sys.argv[1]).app_context():
            market = db.session.scalar(select(Department).where(Department.code == "market"))
            db.session.add(RoutingRule(code="perf-refusal", keywords="拒收", department_id=market.id, priority=9))
            db.session.commit()
    """)
    subprocess.run([sys.executable, "-c", script, database_url], cwd=ROOT, check=True, timeout=120)
    ticket = _intake(operator)
    assert _departments(ticket) == [("approval", "lead"), ("market", "co")]
    assert ticket.routing_rule == "joint"


def test_a_department_deactivated_in_another_app_is_no_longer_dispatched_to(other_app, operator, operator_client):
    assert _departments(_intake(operator, lead="market", override_reason="市场监管")) == [("market", "lead")]
    assert "市市场监督管理局" in operator_client.get("/tickets/new").get_data(as_text=True)
    db.session.commit()
    with other_app.app_context():
        from hotline.admin.services import save_department

        market = db.session.scalar(select(Department).where(Department.code == "market"))
        save_department(market, code=market.code, name_zh=market.name_zh, name_en=market.name_en,
                        kind=str(market.kind), district_id=market.district_id, active=False)
    with pytest.raises(IntakeError) as refused:
        _intake(operator, lead="market", override_reason="市场监管")
    assert refused.value.code == "unknown_department"
    db.session.rollback()
    assert "市市场监督管理局" not in operator_client.get("/tickets/new").get_data(as_text=True)


def test_working_hours_changed_in_another_app_set_the_next_deadlines(other_app, operator):
    before = _intake(operator)
    assert before.dispatch_due_at == ticket_dispatch_due(Policy(), working_clock(), NOW)
    db.session.commit()
    with other_app.app_context():
        from hotline.admin.settings_services import save_working_hours

        save_working_hours("09:00-11:00")
    after = _intake(operator)
    assert request_clock().hours.minutes_per_day == 120
    assert after.dispatch_due_at == ticket_dispatch_due(Policy(), working_clock(), NOW)
    assert after.dispatch_due_at != before.dispatch_due_at
    due = assignment_deadlines(Policy(), working_clock(), dispatched_at=NOW, urgency="normal", joint=False,
                               co_handler=False)
    assert (after.assignments[0].sign_due_at, after.assignments[0].resolve_due_at) == (due.sign_due, due.resolve_due)
    assert after.assignments[0].resolve_due_at != before.assignments[0].resolve_due_at


def test_a_policy_assigned_in_another_app_sets_the_next_deadlines(other_app, operator):
    before = _intake(operator)
    db.session.commit()
    with other_app.app_context():
        from hotline.admin.settings_services import assign_policies, policy_values, save_policy

        values = policy_values(None) | {"dispatch_days": 0.125}
        policy = save_policy(None, code="fast", name="Fast", values=values)
        refusal = db.session.scalar(select(Category).where(Category.code == "refusal"))
        assert assign_policies({refusal.id: policy.id}) == 1
    after = _intake(operator)
    limits = db.session.scalar(select(TimeLimitPolicy.limits).where(TimeLimitPolicy.code == "fast"))
    assert after.dispatch_due_at == ticket_dispatch_due(Policy.from_dict(limits), working_clock(), NOW)
    assert after.dispatch_due_at < before.dispatch_due_at


def test_a_change_in_this_transaction_is_seen_before_its_commit(city, operator):
    assert _departments(_intake(operator)) == [("approval", "lead")]
    market = db.session.scalar(select(Department).where(Department.code == "market"))
    db.session.add(RoutingRule(code="perf-same-tx", keywords="拒收", department_id=market.id, priority=9))
    ticket = _intake(operator)  # no commit in between: the flush writes a new generation
    assert _departments(ticket) == [("approval", "lead"), ("market", "co")]


def test_without_a_generation_nothing_stale_is_used_and_an_intake_starts_one(city, operator):
    db.session.execute(text("DELETE FROM settings WHERE key = :k"), {"k": GENERATION_KEY})
    db.session.execute(text("UPDATE departments SET active = :no WHERE code = :c"), {"no": False, "c": "approval"})
    db.session.commit()
    assert read_token(db.session) is None
    with pytest.raises(IntakeError) as refused:  # the category's only department is inactive now
        _intake(operator)
    assert refused.value.code == "no_department"
    db.session.rollback()
    db.session.execute(text("UPDATE departments SET active = :yes WHERE code = :c"), {"yes": True, "c": "approval"})
    db.session.commit()
    assert _departments(_intake(operator)) == [("approval", "lead")]
    assert read_token(db.session) is not None


def test_a_warm_intake_runs_few_statements_and_keeps_its_history_valid(city, operator):
    _intake(operator)  # warm
    db.session.remove()
    operator = db.session.scalar(select(User).where(User.username == "operator"))
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0:3])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        ticket = _intake(operator, category_code="factor_supply", subject="厂房电力增容迟迟不批",
                         description="我公司新建厂房需要电力增容，申请提交两个月了一直没有答复，影响设备调试。")
        number, rule = ticket.number, ticket.routing_rule
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert rule == "joint"
    # key check, generation, number, ticket, handlers, 2 events, ticket update, 2 assignments
    # (+ notifications when the departments have handlers): was 21 before the cache
    assert len(statements) <= 12, statements
    assert verify_ticket(ticket.id) is None and number


def test_an_intake_writes_its_ticket_once_with_its_final_state(city, operator):
    """No insert-then-update: on PostgreSQL the ticket's id comes with its number, so the ticket is
    inserted once at the commit. 10 statements in all for a joint dispatch: the 8 of the ticket, its
    assignments, events, notices and checkpoint, plus the 2 of reaching people (#15) — the handlers'
    e-mail/SMS contact points and the deliveries row of the caller's dispatch SMS, written with the
    ticket so it cannot be lost. (SQLite needs the insert early for the id, and one more statement.)"""
    from sqlalchemy import event

    from hotline.extensions import db
    from hotline.tickets.intake import IntakeData, create_ticket
    from tests.conftest import on_postgres

    operator_id = operator.id

    def intake(phone: str):
        return create_ticket(IntakeData(
            channel="phone", kind="complaint", category_code="factor_supply", subject="厂房",
            description="开发区厂房迟迟未验收，缺少流动资金，贷款未获批。", caller_name="孙", caller_phone=phone,
            district_code="kaifaqu"), operator_id=operator_id, operator_name="王丽")

    intake("13900001233")  # the process's reference data and working clock are loaded once
    db.session.remove()
    seen: list[str] = []
    listener = lambda conn, cursor, statement, *rest: seen.append(" ".join(statement.split()[:3]))  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        ticket = intake("13900001234")
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert ticket.status == "dispatched" and len(ticket.assignments) == 2
    if on_postgres():
        assert not any(s.startswith("UPDATE tickets") for s in seen), seen
        assert len(seen) <= 10, "\n".join(seen)
        assert sum(s.startswith(("SELECT contact_points", "INSERT INTO deliveries")) for s in seen) == 2
