"""Users and their roles; their login sessions; failed logins and the lockouts they caused."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.db import UTCDateTime, enum_column, utcnow
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.roles import ACCOUNT_ROLES, Role


class User(UserMixin, db.Model):
    """A person who logs in. A handler belongs to exactly one department."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role <> 'handler' OR department_id IS NOT NULL", name="handler_has_department"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(64))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(enum_column(Role, "user_role", ACCOUNT_ROLES))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Raised to end every session at once (password change, deactivation, "log out everywhere");
    #: a session id carries the version it was issued under.
    session_version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")

    department: Mapped[Department | None] = relationship()

    #: The token of the login session this request runs in (set by :mod:`hotline.auth.sessions`;
    #: not a column).
    session_token = None

    def session_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: ``<id>:<version>:<token>``.
        It stops working when the version rises or the session record behind the token ends."""
        if not self.session_token:
            raise RuntimeError("no login session started for this user")
        return f"{self.id}:{self.session_version}:{self.session_token}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        """A deactivated user cannot log in."""
        return self.active

    def set_password(self, password: str) -> None:
        """Store a salted hash of ``password`` (scrypt unless ``PASSWORD_HASH_METHOD`` says otherwise)."""
        from flask import current_app

        self.password_hash = generate_password_hash(
            password, method=current_app.config.get("PASSWORD_HASH_METHOD", "scrypt"))

    def check_password(self, password: str) -> bool:
        """Whether ``password`` matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: Role | str) -> bool:
        """Whether the user holds one of ``roles``."""
        return self.role in roles


class UserSession(db.Model):
    """One login (a browser's session, or a remembered login): listed to admins, ended by logout,
    by an admin, or by raising the user's session version. Only a hash of its token is stored."""

    __tablename__ = "user_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    remember: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    address: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[str | None] = mapped_column(String(32))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    ended_by: Mapped[User | None] = relationship(foreign_keys=[ended_by_id])

    def is_live(self, now: datetime) -> bool:
        """Not ended and not expired at ``now``."""
        return self.ended_at is None and now < self.expires_at


class LoginFailure(db.Model):
    """A failed login attempt: the name typed (lower-cased) and the client's address. Rows older
    than the counting window are purged as new ones arrive."""

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_account_address_at", "account", "address", "at"),
        Index("ix_login_failures_address_at", "address", "at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LoginLockout(db.Model):
    """A lockout: an address (``account`` None), or an account from one address, reached its limit
    of failed logins at ``locked_at`` and is refused until ``until`` unless an admin unlocks it."""

    __tablename__ = "login_lockouts"
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)
    locked_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    until: Mapped[datetime] = mapped_column(UTCDateTime)
    unlocked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    unlocked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    unlocked_by: Mapped[User | None] = relationship()

    def is_active(self, now: datetime) -> bool:
        """Still refusing logins at ``now``."""
        return self.unlocked_at is None and now < self.until
