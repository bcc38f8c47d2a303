"""Authentication and user management services (they own their transactions)."""
from __future__ import annotations

from sqlalchemy import func, select

from hotline.auth.models import User, UserRole
from hotline.db import utcnow
from hotline.extensions import db


class UserError(ValueError):
    """A user could not be created or changed; ``field`` names the form field at fault."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


def authenticate(username: str, password: str) -> User | None:
    """The active user with these credentials, or None. Records the login time."""
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if user is None or not user.check_password(password) or not user.active:
        return None
    user.last_login_at = utcnow()
    db.session.commit()
    return user


def create_user(*, username: str, display_name: str, password: str, role: str,
                department_id: int | None = None, locale: str = "zh_CN") -> User:
    """Create a user; a handler needs a department, other roles have none."""
    username = username.strip()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise UserError("username_taken", "username")
    user = User(username=username, display_name=display_name.strip(), role=UserRole(role), locale=locale)
    _set_department(user, department_id)
    user.set_password(password)
    db.session.add(user)
    db.session.commit()
    return user


def update_user(user: User, *, display_name: str, role: str, department_id: int | None,
                locale: str, active: bool, password: str | None = None) -> User:
    """Change a user's details; a blank password keeps the current one."""
    user.display_name = display_name.strip()
    user.role = UserRole(role)
    user.locale = locale
    user.active = active
    _set_department(user, department_id)
    if password:
        user.set_password(password)
    db.session.commit()
    return user


def _set_department(user: User, department_id: int | None) -> None:
    if user.role == UserRole.HANDLER and not department_id:
        raise UserError("handler_needs_department", "department_id")
    user.department_id = department_id if user.role == UserRole.HANDLER else None
