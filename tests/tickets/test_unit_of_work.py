"""Lifecycle services are units of work: a refused action leaves nothing behind, even when the
caller's session commits afterwards (a view that shows a page, say), so no view rolls back by hand."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from hotline.db import utcnow
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import ContactAttempt, Event
from hotline.tickets.states import DomainError


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_refused_contact_attempt_is_not_saved_by_a_later_commit(city):
    ticket = create_ticket(IntakeData(
        channel="phone", kind="complaint", category_code="refusal", subject="申请被窗口拒收",
        description="窗口以材料不全为由拒收申请，没有一次性告知需要补充什么。", caller_name="赵建国",
        caller_phone="13812345678"), operator_id=None, operator_name="测试")
    assignment_id = ticket.assignments[0].id
    events_before = _count(Event)
    # not yet signed for: an unreached attempt is refused after the attempt row was added
    with pytest.raises(DomainError) as refused:
        lifecycle.record_contact(assignment_id, at=utcnow(), method="phone", reached=False, summary="无人接听",
                                 actor=None)
    assert refused.value.code == "not_allowed_in_state"
    db.session.commit()  # whatever the caller commits next
    assert _count(ContactAttempt) == 0 and _count(Event) == events_before
