"""API keys for integrations (12345 platform, web forms, departments' own systems)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import UTCDateTime, enum_column, utcnow
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.roles import ACCOUNT_ROLES, Role


class ApiKey(db.Model):
    """A key bound to a role and, for a department's system, a department. Only its hash is stored."""

    __tablename__ = "api_keys"
    __table_args__ = (
        CheckConstraint("role <> 'handler' OR department_id IS NOT NULL", name="department_key_has_department"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    prefix: Mapped[str] = mapped_column(String(12), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, "api_key_role", ACCOUNT_ROLES))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    rate_limit: Mapped[str] = mapped_column(String(40), default="600 per minute")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    use_count: Mapped[int] = mapped_column(Integer, default=0)

    department: Mapped[Department | None] = relationship()
