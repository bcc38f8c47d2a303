"""The test harness itself (tests/conftest.py): a rolled-back test's commits stay inside its own
transaction, the next test starts where the last one started, and the city is there for a test that
asks for it and only then. The tests of this file run in this order, in one process."""
from __future__ import annotations

import os
import threading

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from hotline.auth.models import User
from hotline.directory.models import Department
from hotline.extensions import db

pytestmark = pytest.mark.skipif(os.environ.get("HOTLINE_TEST_TRANSACTIONS") == "0",
                                reason="every test commits (HOTLINE_TEST_TRANSACTIONS=0)")


def _users_seen_from_another_connection(app) -> int:
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM users")).scalar()
    finally:
        engine.dispose()


def _users() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


def test_a_service_commit_is_seen_by_the_test_and_by_no_other_connection(app, make_user):
    make_user("operator", username="isolation-probe")  # create_user commits
    db.session.remove()  # a new session, as the next request gets: it sees the commit
    assert _users() == 1
    assert _users_seen_from_another_connection(app) == 0


def test_the_next_test_starts_on_empty_tables(app):
    assert _users() == 0 and db.session.scalar(select(func.count()).select_from(Department)) == 0


def test_the_city_is_there_for_a_test_that_asks_for_it(city, make_user):
    seeded = _users()
    assert seeded > 0 and _users_seen_from_another_connection(city) == seeded
    make_user("operator", username="isolation-probe")
    assert _users() == seeded + 1 and _users_seen_from_another_connection(city) == seeded


def test_the_city_is_back_as_seeded(city):
    assert db.session.scalar(select(User).where(User.username == "isolation-probe")) is None
    assert _users() == _users_seen_from_another_connection(city) > 0


def test_the_database_used_from_another_thread_is_refused(app):
    errors: list[BaseException] = []

    def use() -> None:
        with app.app_context():
            try:
                _users()
            except RuntimeError as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    thread = threading.Thread(target=use)
    thread.start()
    thread.join(10)
    assert len(errors) == 1 and "committing" in str(errors[0])
