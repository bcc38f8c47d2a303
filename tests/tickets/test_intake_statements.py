"""What an intake costs once the process's reference data is warm: few SQL statements, the ticket
written once with its final state, and its history still valid."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event, select

from hotline.auth.models import User
from hotline.extensions import db
from hotline.tickets.events import verify_ticket
from hotline.tickets.intake import IntakeData, create_ticket
from tests.conftest import on_postgres
from tests.factories import VALID_CODE, make_ticket

NOW = datetime(2026, 6, 2, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Linfen


def _intake(operator, **overrides):
    """The jewellery maker's refusal, taken by ``operator`` at ``NOW``."""
    fields = dict(enterprise_name="临汾市华晟珠宝有限公司", credit_code=VALID_CODE)
    return make_ticket(now=NOW, operator=operator, **{**fields, **overrides})


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
    inserted once at the commit. 8 statements in all for a joint dispatch: the number (whose statement
    also returns the ticket's id and the reference generation's token), the handlers (with their
    e-mail/SMS contact points), the ticket, its assignments, events, notices and history checkpoint,
    and the deliveries row of the caller's dispatch SMS, written with the ticket so it cannot be lost.
    (SQLite needs the insert early for the id, and one more statement.)"""
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
        assert len(seen) <= 8, "\n".join(seen)
        assert not any(s.startswith("SELECT settings") for s in seen), seen
        assert sum(s.startswith("INSERT INTO deliveries") for s in seen) == 1, seen
    assert not any(s.startswith("SELECT contact_points") for s in seen), seen
