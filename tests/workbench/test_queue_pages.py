"""A handler's queues: keyset pages walk every assignment once, in due order, across statuses."""
from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.demo.seed import seed_reference
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.models import Assignment
from hotline.workbench import queries
from tests.escalation.conftest import local
from tests.factories import make_ticket


def _walk(department_id, queue, now):
    seen, cursor = [], None
    for _ in range(50):
        page = queries.queue_page(department_id, queue, now, cursor)
        seen += [a.id for a in page.rows]
        cursor = page.next_cursor
        if cursor is None:
            return seen
    raise AssertionError("the cursor never ended")


@pytest.fixture
def mixed(app, monkeypatch):
    """Eleven leads of one department, signed or contacted in turn, dispatched an hour apart."""
    seed_reference()
    monkeypatch.setattr(queries, "PAGE_SIZE", 3)
    leads = []
    for i in range(11):
        at = local(2026, 11, 2, 9, 0) + timedelta(hours=i)
        t = make_ticket(at, caller_phone=f"138000000{i:02d}")
        a = next(x for x in t.assignments if x.role == "lead")
        lifecycle.sign_for(a.id, actor=None, now=at + timedelta(minutes=5))
        if i % 2:
            lifecycle.record_contact(a.id, at=at + timedelta(minutes=10), method="phone", reached=True,
                                     summary="已联系", actor=None, now=at + timedelta(minutes=10))
        leads.append(a.id)
    return leads


def _expected(ids, department_id):
    rows = [db.session.get(Assignment, i) for i in ids]
    return [a.id for a in sorted((a for a in rows if a.department_id == department_id),
                                 key=lambda a: (a.resolve_due_at, a.id))]


def test_in_progress_pages_merge_signed_and_contacted_in_due_order(mixed):
    dept = db.session.get(Assignment, mixed[0]).department_id
    statuses = {db.session.get(Assignment, i).status for i in mixed}
    assert statuses == {"signed", "contacted"}
    walked = _walk(dept, "in_progress", local(2026, 11, 2, 20, 0))
    assert walked == _expected(mixed, dept)


def test_overdue_pages_walk_every_open_status_once(mixed):
    dept = db.session.get(Assignment, mixed[0]).department_id
    later = local(2026, 12, 20, 9, 0)  # every limit has passed
    walked = _walk(dept, "overdue", later)
    assert walked == _expected(mixed, dept) and len(set(walked)) == len(walked)
