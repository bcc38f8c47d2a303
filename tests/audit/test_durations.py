"""Average working times: stored when each step happens, aggregated by the database."""
from __future__ import annotations

import importlib.util

import pytest
import sqlalchemy as sa

from hotline import ROOT
from hotline.audit import report
from hotline.audit.measures import Slice
from hotline.audit.periods import Period
from hotline.demo.seed import seed_reference
from hotline.directory.models import Category
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.models import Assignment, Callback
from tests.escalation.conftest import local
from tests.factories import lead_of, make_ticket

# Working hours 08:30–12:00 and 14:30–18:00; 2 Nov 2026 is a Monday.


@pytest.fixture
def month(app):
    seed_reference()
    return Period.month("2026-11", "Asia/Shanghai")


@pytest.fixture
def three(month):
    """Three leads dispatched Monday 09:00, handled at different working distances."""
    a1 = lead_of(make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000001"))
    lifecycle.sign_for(a1.id, actor=None, now=local(2026, 11, 2, 9, 30))  # 30 working minutes
    lifecycle.record_contact(a1.id, at=local(2026, 11, 2, 11, 0), method="phone", reached=True, summary="已联系",
                             actor=None, now=local(2026, 11, 2, 11, 0))  # 120
    lifecycle.submit(a1.id, reply="已办结", solved=True, actor=None, now=local(2026, 11, 3, 9, 0))  # 180+210+30
    a2 = lead_of(make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000002"))
    lifecycle.sign_for(a2.id, actor=None, now=local(2026, 11, 2, 10, 0))  # 60
    lifecycle.record_contact(a2.id, at=local(2026, 11, 2, 15, 0), method="phone", reached=True, summary="已联系",
                             actor=None, now=local(2026, 11, 2, 15, 0))  # 180 + 30 after lunch
    a3 = lead_of(make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000003"))
    lifecycle.sign_for(a3.id, actor=None, now=local(2026, 11, 2, 13, 0))  # lunch does not count: 180
    lifecycle.record_contact(a3.id, at=local(2026, 11, 2, 13, 10), method="phone", reached=False, summary="未接通",
                             actor=None, now=local(2026, 11, 2, 13, 10))  # not reached: not a first contact
    return a1, a2, a3


def test_working_minutes_are_stored_when_each_step_happens(three):
    a1, a2, a3 = (db.session.get(Assignment, a.id) for a in three)
    assert (a1.sign_minutes, a1.contact_minutes, a1.submit_minutes) == (30, 120, 420)
    assert (a2.sign_minutes, a2.contact_minutes, a2.submit_minutes) == (60, 210, None)
    assert (a3.sign_minutes, a3.contact_minutes, a3.submit_minutes) == (180, None, None)


def test_durations_mean_and_nearest_rank_percentiles(three, month):
    stats = report.durations(month).stats
    assert stats["sign"] == {"n": 3, "mean": 90, "p50": 60, "p90": 180}
    assert stats["contact"] == {"n": 2, "mean": 165, "p50": 120, "p90": 210}
    assert stats["submit"] == {"n": 1, "mean": 420, "p50": 420, "p90": 420}


def test_durations_follow_the_slice(three, month):
    other = db.session.scalar(sa.select(Category.id).where(Category.code != "refusal").limit(1))
    assert report.durations(month, Slice(category_id=other)).stats["sign"] == {
        "n": 0, "mean": None, "p50": None, "p90": None}
    dept = db.session.get(Assignment, three[0].id).department_id
    assert report.durations(month, Slice(department_id=dept)).stats["sign"]["n"] == 3
    assert report.durations(Period.month("2026-10", "Asia/Shanghai")).stats["sign"]["n"] == 0


def test_a_callback_keeps_the_department_and_the_reply_it_judged(three):
    a1 = db.session.get(Assignment, three[0].id)
    cb = lifecycle.record_callback(a1.ticket_id, reached=True, solved=False, satisfaction="unsatisfied", comment="",
                                   actor=None, now=local(2026, 11, 4, 9, 0))
    assert (cb.department_id, cb.reply_solved) == (a1.department_id, True)


def _migration():
    path = next((ROOT / "migrations" / "versions").glob("7c1e2a9d5b40_*.py"))
    spec = importlib.util.spec_from_file_location("migration_7c1e2a9d5b40", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migration_backfills_what_the_services_store(three):
    a1 = db.session.get(Assignment, three[0].id)
    lifecycle.record_callback(a1.ticket_id, reached=True, solved=True, satisfaction="satisfied", comment="",
                              actor=None, now=local(2026, 11, 4, 9, 0))
    cols = (Assignment.id, Assignment.sign_minutes, Assignment.contact_minutes, Assignment.submit_minutes)
    stored = set(db.session.execute(sa.select(*cols)).all())
    callbacks = set(db.session.execute(sa.select(Callback.id, Callback.department_id, Callback.reply_solved)).all())
    db.session.execute(sa.update(Assignment).values(sign_minutes=None, contact_minutes=None, submit_minutes=None))
    db.session.execute(sa.update(Callback).values(department_id=None, reply_solved=None))
    migration = _migration()
    conn = db.session.connection()
    conn.execute(migration.CALLBACK_BACKFILL)
    migration._backfill_minutes(conn)
    db.session.commit()
    assert set(db.session.execute(sa.select(*cols)).all()) == stored
    assert set(db.session.execute(sa.select(Callback.id, Callback.department_id, Callback.reply_solved)).all()) \
        == callbacks
