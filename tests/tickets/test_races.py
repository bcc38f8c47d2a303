"""Two handlers acting on one assignment at the same moment: exactly one wins, on SQLite as on PostgreSQL.

SQLite has no row locks; ``SELECT … FOR UPDATE`` takes its write lock instead (hotline.db), so the
second writer waits for the first to commit, reads what it committed, and is refused by the state
machine with a clear domain error. The window between reading and writing is widened on purpose
(each service pauses after taking its lock) so the race happens every time, not by luck.
"""
from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select

from hotline.auth.models import User
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.events import verify_ticket
from hotline.tickets.history import check_ticket
from hotline.tickets.intake import IntakeData, create_ticket
from hotline.tickets.models import Assignment, Event, Ticket
from hotline.tickets.states import DomainError

pytestmark = [pytest.mark.committing, pytest.mark.slow]  # racing threads, each on its own connection

PAUSE = 0.3


@pytest.fixture
def assignment(city, make_user):
    """A freshly dispatched assignment and two handlers of its department."""
    ticket = create_ticket(IntakeData(channel="phone", kind="complaint", category_code="refusal",
                                      subject="窗口拒收申请", description="窗口拒收申请材料，也不说明理由。",
                                      caller_name="测试", caller_phone="13800001111"),
                           operator_id=None, operator_name="王丽")
    a = ticket.assignments[0]
    first = make_user("handler", department=a.department)
    second = make_user("handler", department=a.department)
    return a.id, ticket.id, (first.id, second.id)


@pytest.fixture
def slow_services(monkeypatch):
    """Each lifecycle service pauses between reading the assignment and writing it."""
    check = lifecycle._check_handler

    def slow(a, actor):
        check(a, actor)
        time.sleep(PAUSE)

    monkeypatch.setattr(lifecycle, "_check_handler", slow)


def _race(app, action, actor_ids) -> list:
    """Run ``action(actor)`` in one thread per actor, started together; each outcome: "ok", a
    DomainError's code, or the unexpected exception itself."""
    outcomes = _threads(app, action, actor_ids)
    db.session.expire_all()
    return outcomes


def _threads(app, action, actor_ids) -> list:
    start = threading.Barrier(len(actor_ids))
    outcomes = []

    def run(user_id: int) -> None:
        with app.app_context():
            try:
                actor = db.session.get(User, user_id)
                start.wait(5)
                action(actor)
                outcomes.append("ok")
            except DomainError as exc:
                outcomes.append(exc.code)
            except Exception as exc:  # noqa: BLE001  asserted below: a race must not end in a database error
                outcomes.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(uid,)) for uid in actor_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return outcomes


def _events(ticket_id: int, action: str) -> int:
    return db.session.scalar(select(func.count()).select_from(Event).where(
        Event.ticket_id == ticket_id, Event.action == action))


def test_two_handlers_sign_at_once_one_wins_one_is_refused(app, assignment, slow_services):
    assignment_id, ticket_id, actors = assignment
    outcomes = _race(app, lambda actor: lifecycle.sign_for(assignment_id, actor=actor), actors)
    assert sorted(outcomes) == ["not_allowed_in_state", "ok"]
    assert _events(ticket_id, "assignment_sign") == 1
    assert _events(ticket_id, "start") == 1  # the ticket started once too
    a = db.session.get(Assignment, assignment_id)
    assert a.status == "signed" and a.signed_by_id in actors
    assert verify_ticket(ticket_id) is None and check_ticket(ticket_id) is None


def test_two_handlers_return_at_once_one_wins_one_is_refused(app, assignment, slow_services):
    assignment_id, ticket_id, actors = assignment
    outcomes = _race(app, lambda actor: lifecycle.return_assignment(
        assignment_id, grounds="不属于本部门职责范围", actor=actor), actors)
    assert sorted(outcomes) == ["not_allowed_in_state", "ok"]
    assert _events(ticket_id, "assignment_return") == 1
    assert _events(ticket_id, "all_returned") == 1
    assert db.session.get(Ticket, ticket_id).status == "returned"
    assert check_ticket(ticket_id) is None


def test_a_sign_and_a_return_at_once_leave_one_consistent_outcome(app, assignment, slow_services):
    assignment_id, ticket_id, (signer, returner) = assignment

    def act(actor):
        if actor.id == signer:
            lifecycle.sign_for(assignment_id, actor=actor)
        else:
            lifecycle.return_assignment(assignment_id, grounds="不属于本部门职责范围", actor=actor)

    outcomes = _race(app, act, (signer, returner))
    assert all(o == "ok" or isinstance(o, str) for o in outcomes), outcomes
    a = db.session.get(Assignment, assignment_id)
    # Either order is allowed by the rules (a signed part may still be returned in its window),
    # but both steps, if both ran, ran one after the other on what the other committed.
    actions = db.session.scalars(select(Event.action).where(Event.ticket_id == ticket_id,
                                                            Event.assignment_id == assignment_id)
                                 .order_by(Event.seq)).all()
    assert actions in (["assignment_sign", "assignment_return"], ["assignment_return"])
    assert a.status == "returned"
    assert check_ticket(ticket_id) is None


def test_readers_are_not_blocked_by_a_writer_holding_the_lock(app, assignment, monkeypatch):
    """WAL on SQLite, MVCC on PostgreSQL: a page that only reads runs to its end while a handler's
    action holds the lock. The signer waits, holding it, until the reader has finished (or 10 s):
    no clock comparison, so a loaded machine cannot fail it, and a blocked reader cannot pass it."""
    assignment_id, ticket_id, actors = assignment
    holding, read_done = threading.Event(), threading.Event()
    seen: dict = {}
    check = lifecycle._check_handler

    def check_then_hold(a, actor):
        check(a, actor)
        holding.set()
        seen["reader finished while the lock was held"] = read_done.wait(10)

    monkeypatch.setattr(lifecycle, "_check_handler", check_then_hold)
    signing = threading.Thread(target=_threads, args=(app, lambda actor: lifecycle.sign_for(
        assignment_id, actor=actor), actors[:1]))
    signing.start()
    assert holding.wait(30), "the signer never reached its write"
    with app.app_context():
        assert db.session.scalar(select(Ticket.number).where(Ticket.id == ticket_id))
        db.session.remove()
    read_done.set()
    signing.join(30)
    assert seen == {"reader finished while the lock was held": True}
    db.session.expire_all()
    assert db.session.get(Assignment, assignment_id).status == "signed"
