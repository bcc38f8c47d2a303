"""Closed months' precomputed figures: equal to the live ones, and never served stale after a late event."""
from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from hotline.audit import measures, report, rollups
from hotline.audit.models import AuditChange, AuditRollup
from hotline.audit.periods import Period
from hotline.demo.data import DEMO_PASSWORD
from hotline.demo.seed import seed_reference
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.models import Ticket
from tests.escalation.conftest import local
from tests.factories import make_ticket

OCT = "2026-10"


def _at(instant, fn, *args, **kw):
    """Do ``fn`` as it would be done at ``instant`` (the wall clock too)."""
    with time_machine.travel(instant, tick=False):
        return fn(*args, now=instant, **kw)


def _work(t: Ticket, day: int, *, submit: bool = True, callback: str | None = "satisfied"):
    for a in t.assignments:
        _at(local(2026, 10, day, 9, 30), lifecycle.sign_for, a.id, actor=None)
        at = local(2026, 10, day, 10, 0)
        _at(at, lifecycle.record_contact, a.id, at=at, method="phone", reached=True, summary="已联系", actor=None)
    if not submit:
        return
    for a in sorted(t.assignments, key=lambda a: a.role != "co"):  # co-handlers first, then the lead
        _at(local(2026, 10, day + 1, 9, 0), lifecycle.submit, a.id, reply="已办结", solved=True, actor=None)
    if callback:
        _at(local(2026, 10, day + 2, 9, 0), lifecycle.record_callback, t.id, reached=True,
            solved=callback != "unsatisfied", satisfaction=callback, comment="", actor=None)


@pytest.fixture
def october(app):
    """A closed October: handled, called back, one ticket still waiting for its callback."""
    seed_reference()
    tickets = []
    for i, category in enumerate(("refusal", "factor_supply", "unpaid_debts", "refusal")):
        t = make_ticket(local(2026, 10, 12 + i, 9, 0), caller_phone=f"1380000000{i}", category_code=category)
        _work(t, 12 + i, callback="satisfied" if i != 2 else None)
        tickets.append(t)
    return Period.month(OCT, "Asia/Shanghai"), tickets


def _live(period):
    keys = tuple(measures.MEASURES)
    return (measures.compute_many(keys, period), measures.by_department_many(rollups.DEPARTMENT_KEYS, period),
            report.durations(period).stats, report.volume_by_day(period, "Asia/Shanghai"))


def _rolled(period):
    r = rollups.fresh(period)
    assert r is not None
    return (r.figures(tuple(measures.MEASURES)), r.by_department(rollups.DEPARTMENT_KEYS), r.durations().stats,
            r.volume())


def test_a_settled_month_is_rolled_up_with_exactly_the_live_figures(october):
    period, _ = october
    with time_machine.travel(local(2026, 11, 20, 9, 0), tick=False):
        assert rollups.refresh() == [OCT]
        assert _rolled(period) == _live(period)
        assert rollups.refresh() == []  # nothing changed: nothing to do
    assert db.session.scalar(select(func.count()).select_from(AuditChange)) == 0


def test_a_late_event_makes_the_month_stale_until_the_job_recomputes_it(october, client, login):
    period, tickets = october
    with time_machine.travel(local(2026, 11, 20, 9, 0), tick=False):
        login("supervisor", DEMO_PASSWORD)
        rollups.refresh()
        assert 'id="precomputed"' in client.get(f"/audit/?month={OCT}").get_data(as_text=True)
        before = measures.compute("satisfaction", period)
    # 23 Nov: the caller of an October ticket is finally reached, and is not satisfied
    late = local(2026, 11, 23, 9, 0)
    _at(late, lifecycle.record_callback, tickets[2].id, reached=True, solved=False, satisfaction="unsatisfied",
        comment="", actor=None)
    with time_machine.travel(late + timedelta(minutes=1), tick=False):
        login("supervisor", DEMO_PASSWORD)
        assert rollups.fresh(period) is None  # the rollup is not served any more …
        html = client.get(f"/audit/?month={OCT}").get_data(as_text=True)
        assert 'id="precomputed"' not in html  # … the page is computed live
        assert measures.compute("reopen", period).hits == 1  # and shows the reopen
        assert measures.compute("satisfaction", period) == before  # (the callback itself is November's)
        assert rollups.refresh() == [OCT]
        assert _rolled(period) == _live(period)
        assert 'id="precomputed"' in client.get(f"/audit/?month={OCT}").get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AuditChange)) == 0


def test_a_change_committed_while_the_job_runs_keeps_the_month_stale(october, monkeypatch):
    period, tickets = october
    original = rollups.compute

    def compute_then_a_late_event(p, now):
        data = original(p, now)
        late = local(2026, 11, 21, 10, 0)  # committed after the job read the change log
        _at(late, lifecycle.record_callback, tickets[2].id, reached=True, solved=True, satisfaction="satisfied",
            comment="", actor=None)
        return data

    monkeypatch.setattr(rollups, "compute", compute_then_a_late_event)
    with time_machine.travel(local(2026, 11, 21, 9, 0), tick=False):
        assert rollups.refresh() == [OCT]
    with time_machine.travel(local(2026, 11, 21, 11, 0), tick=False):
        assert rollups.fresh(period) is None
        monkeypatch.setattr(rollups, "compute", original)
        assert rollups.refresh() == [OCT]
        assert _rolled(period) == _live(period)


def test_a_month_is_not_rolled_up_while_a_limit_is_still_running(app):
    seed_reference()
    make_ticket(local(2026, 10, 30, 17, 0), caller_phone="13800000001")  # Friday evening: limits run into November
    period = Period.month(OCT, "Asia/Shanghai")
    with time_machine.travel(local(2026, 11, 2, 9, 0), tick=False):
        assert not rollups.settled(period, local(2026, 11, 2, 9, 0))
        assert rollups.refresh() == []
        assert rollups.fresh(period) is None
    with time_machine.travel(local(2026, 11, 20, 9, 0), tick=False):
        assert rollups.refresh() == [OCT]
        assert rollups.fresh(period).figures(("response",))["response"] == measures.compute("response", period)


def test_work_on_the_current_month_logs_no_change(app):
    seed_reference()
    now = local(2026, 11, 16, 9, 0)
    t = make_ticket(now, caller_phone="13800000001")
    _at(now + timedelta(minutes=5), lifecycle.sign_for, t.assignments[0].id, actor=None)
    assert db.session.scalar(select(func.count()).select_from(AuditChange)) == 0


def test_the_department_view_and_the_ranking_read_the_rollup(october, client, login, make_user):
    period, tickets = october
    dept = tickets[0].assignments[0].department
    with time_machine.travel(local(2026, 11, 20, 9, 0), tick=False):
        live_ranking = [(r.department.id, r.score) for r in report.ranking(period, period.previous("Asia/Shanghai"))]
        rollups.refresh()
        assert db.session.get(AuditRollup, OCT) is not None
        assert [(r.department.id, r.score) for r in report.ranking(period, period.previous("Asia/Shanghai"))] \
            == live_ranking
        login("supervisor", DEMO_PASSWORD)
        html = client.get(f"/audit/department?month={OCT}&department={dept.id}").get_data(as_text=True)
        assert 'id="precomputed"' in html
        data = report.department_data(period, dept.id, ("response", "sign_on_time"))
        own = measures.compute_many(("response", "sign_on_time"), period,
                                    measures.Slice(department_id=dept.id))
        assert data["own"] == own and data["computed_at"] is not None


def test_every_process_that_builds_the_app_logs_late_changes(database_url, redis_url):
    """A worker that never imports the audit still logs late changes: the hook is registered by create_app."""
    import subprocess
    import sys

    code = ("import sys; from hotline import create_app; create_app(); "
            "from sqlalchemy import event; from sqlalchemy.orm import Session; "
            "m = sys.modules.get('hotline.audit.rollups'); "
            "print(bool(m) and event.contains(Session, 'before_flush', m.log_late_changes))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**__import__("os").environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url})
    assert out.stdout.strip().splitlines()[-1] == "True", out.stderr


def test_overlapping_runs_never_leave_an_older_rollup_served(october, monkeypatch):
    """Run 1 computes October; a late event; run 2 handles it and saves; run 1 must not save over it."""
    period, tickets = october
    original = rollups.compute
    state = {"inner": False}

    def slow_compute(p, now):
        data = original(p, now)
        if not state["inner"]:
            state["inner"] = True
            _at(local(2026, 11, 21, 10, 0), lifecycle.record_callback, tickets[2].id, reached=True, solved=False,
                satisfaction="unsatisfied", comment="", actor=None)
            with time_machine.travel(local(2026, 11, 21, 10, 5), tick=False):
                assert rollups.refresh() == [OCT]  # the second run handles the late event
        return data

    monkeypatch.setattr(rollups, "compute", slow_compute)
    with time_machine.travel(local(2026, 11, 21, 9, 0), tick=False):
        assert rollups.refresh() == []  # the first run lost the race: it saves nothing
    monkeypatch.setattr(rollups, "compute", original)
    with time_machine.travel(local(2026, 11, 21, 11, 0), tick=False):
        assert _rolled(period) == _live(period)
        assert measures.compute("reopen", period).hits == 1


def test_a_change_in_the_last_hour_of_the_month_is_logged(app):
    """A transaction flushed before midnight may commit after it, when the month is already closed."""
    seed_reference()
    t = make_ticket(local(2026, 10, 31, 22, 30), caller_phone="13800000001")
    _at(local(2026, 10, 31, 23, 30), lifecycle.sign_for, t.assignments[0].id, actor=None)
    assert db.session.scalar(select(func.count()).select_from(AuditChange)) >= 1
