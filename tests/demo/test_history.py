"""The demo's past: `hotline seed-demo` loads six months of generated tickets once, marked as demo data,
with verifiable histories and deadlines that agree with their dates, so the audit has something to show."""
from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from hotline.demo import history
from hotline.extensions import db
from hotline.tickets.models import Assignment, Ticket

TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 20, 10, 30, tzinfo=TZ)


@pytest.fixture
def seeded(runner):
    with time_machine.travel(NOW, tick=True):
        started = time.perf_counter()
        result = runner.invoke(args=["seed-demo"])
        elapsed = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    return result.output, elapsed


def _count(*conditions) -> int:
    return db.session.scalar(select(func.count()).select_from(Ticket).where(*conditions))


def test_seed_demo_loads_six_months_of_marked_demo_history_once(seeded, runner):
    output, elapsed = seeded
    assert f"history: {history.TICKETS}" in output
    demo = Ticket.idempotency_key.like(f"{history.KEY_PREFIX}%")
    assert _count(demo) == history.TICKETS
    first, last = db.session.execute(select(func.min(Ticket.received_at), func.max(Ticket.received_at))
                                     .where(demo)).one()
    assert first.astimezone(TZ).date() >= (NOW - timedelta(days=history.DAYS)).date()
    assert last.astimezone(TZ).date() == (NOW - timedelta(days=1)).date()  # up to yesterday, nothing ahead
    record = history.loaded()
    assert record["seed"] == history.SEED and record["end"] == "2026-11-19"
    assert elapsed < 60  # seconds, on a slow shared machine; about 4 s on a quiet one
    with time_machine.travel(NOW + timedelta(hours=1), tick=True):
        again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and _count(demo) == history.TICKETS  # nothing twice
    numbers = db.session.scalar(select(func.count(func.distinct(Ticket.number))))
    assert numbers == _count()  # the demo stories are numbered after the history's tickets of their day


def test_the_history_verifies_and_its_deadlines_agree_with_its_dates(seeded, runner):
    result = runner.invoke(args=["verify-events"])
    assert " 0 broken" in result.output, result.output[-500:]
    rows = db.session.scalars(select(Assignment).join(Ticket).where(
        Ticket.idempotency_key.like(f"{history.KEY_PREFIX}%"))).all()
    assert len(rows) > history.TICKETS // 2
    for a in rows:
        assert a.dispatched_at < a.sign_due_at <= a.resolve_due_at
        assert a.signed_at is None or a.signed_at >= a.dispatched_at
        assert a.submitted_at is None or a.submitted_at < NOW
    closed = db.session.scalars(select(Ticket).where(Ticket.closed_at.isnot(None))).all()
    assert closed and all(t.closed_at >= t.received_at and t.closed_at < NOW for t in closed)
    still_open = _count(Ticket.status.in_(["dispatched", "in_progress", "resolved"]),
                        Ticket.idempotency_key.like(f"{history.KEY_PREFIX}%"))
    assert 0 < still_open < history.TICKETS // 5  # recent ones are open, old ones closed


def test_the_dashboard_of_last_month_has_figures_a_ranking_and_says_it_is_demo_data(seeded, client, login):
    from hotline.demo.data import DEMO_PASSWORD

    with time_machine.travel(NOW + timedelta(minutes=5), tick=True):
        login("supervisor", DEMO_PASSWORD)
        html = client.get("/audit/?month=2026-10").get_data(as_text=True)
    assert html.count('class="figure"') == 10 and "—" not in html.split('class="figure"')[1][:400]
    assert html.count("<tr><td class=\"num\">") >= 10  # ranked departments
    assert 'id="demo-note"' in html and "2026-05-22" in html


def test_no_history_is_loaded_under_tickets_already_there(app):
    from hotline.demo.seed import seed_reference
    from hotline.demo.tickets import seed_tickets

    with time_machine.travel(NOW, tick=True):
        seed_reference()
        seed_tickets()
        before = _count()
        assert history.seed_history() == 0
    assert _count() == before and history.loaded() is None
