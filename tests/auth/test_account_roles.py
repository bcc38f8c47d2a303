"""An account holds one of the account roles, stored as its value, and loads back as the one Role enumeration."""
from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, StatementError

from hotline.auth.models import User
from hotline.extensions import db
from hotline.roles import Role


def test_a_role_is_stored_as_its_value_and_read_back_as_the_enumeration(make_user):
    user = make_user("leader", username="lead-zone")
    db.session.expire_all()
    again = db.session.scalar(select(User).where(User.id == user.id))
    assert again.role is Role.leader and again.role.is_account_role
    assert db.session.execute(text("SELECT role FROM users WHERE id = :id"), {"id": user.id}).scalar() == "leader"


def test_no_account_holds_the_system_role(make_user):
    user = make_user("operator", username="robot")
    user.role = Role.system
    with pytest.raises((StatementError, IntegrityError, LookupError)):
        db.session.flush()
    db.session.rollback()
    with pytest.raises(IntegrityError):  # the CHECK constraint refuses it below the ORM too
        db.session.execute(text("UPDATE users SET role = 'system' WHERE username = 'robot'"))
        db.session.flush()
    db.session.rollback()
