"""The per-process reference cache (hotline.directory.reference): an admin's change made in another
process (or app) reaches the very next intake everywhere. (What a warm intake costs in statements:
tests/tickets/test_intake_statements.py.)"""
from __future__ import annotations

import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hotline.directory.generation import GENERATION_KEY, read_token
from hotline.directory.models import Category, Department, RoutingRule, TimeLimitPolicy
from hotline.directory.reference import request_clock
from hotline.extensions import db
from hotline.tickets.intake import IntakeError
from hotline.worktime.calendar import working_clock
from hotline.worktime.limits import Policy, assignment_deadlines, ticket_dispatch_due
from tests.conftest import _TestConfig
from tests.factories import VALID_CODE, make_ticket

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Linfen


def _intake(operator, **overrides):
    """The jewellery maker's refusal, taken by ``operator`` at ``NOW``."""
    fields = dict(enterprise_name="临汾市华晟珠宝有限公司", credit_code=VALID_CODE)
    return make_ticket(now=NOW, operator=operator, **{**fields, **overrides})


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
