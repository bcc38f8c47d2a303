"""Users and their roles."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.db import UTCDateTime, enum_column, utcnow
from hotline.directory.models import Department
from hotline.extensions import db


class UserRole(enum.StrEnum):
    """The four roles of DOMAIN.md."""

    OPERATOR = "operator"  # 话务员
    HANDLER = "handler"  # 承办人员
    SUPERVISOR = "supervisor"  # 督办人员
    ADMIN = "admin"  # 管理员


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
    role: Mapped[UserRole] = mapped_column(enum_column(UserRole, "user_role"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    locale: Mapped[str] = mapped_column(String(10), default="zh_CN")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    department: Mapped[Department | None] = relationship()

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

    def has_role(self, *roles: UserRole | str) -> bool:
        """Whether the user holds one of ``roles``."""
        return self.role in roles
