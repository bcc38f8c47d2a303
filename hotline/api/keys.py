"""API keys (接口密钥): issue, authenticate, revoke; and the per-key rate limit.

A key reads ``<prefix>.<secret>``. The prefix names the key (it is shown in the admin pages,
used as the rate-limit bucket and scopes idempotency keys); only the SHA-256 of the secret is
stored, so the full key is shown once, when it is issued.
"""
from __future__ import annotations

import hashlib
import secrets
import string
from datetime import datetime

from flask import g
from limits import parse_many
from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from hotline.api.models import ApiKey
from hotline.db import commit_keeping, utcnow
from hotline.directory.models import Department
from hotline.extensions import db, limiter
from hotline.roles import Role

PREFIX_LENGTH = 10
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
#: Roles a key may carry: intake systems (operator), departments' systems (handler), read-only oversight.
KEY_ROLES = (Role.operator, Role.handler, Role.supervisor)
DEFAULT_RATE_LIMIT = "600 per minute"


class KeyRefused(ValueError):
    """Issuing a key was refused; ``code`` says why, ``field`` which form field to mark."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code, self.field = code, field


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret: hex SHA-256."""
    return hashlib.sha256(secret.encode()).hexdigest()


def valid_rate_limit(text: str) -> bool:
    """Whether ``text`` is a rate-limit string the limiter understands (e.g. ``600 per minute``)."""
    try:
        return bool(parse_many(text))
    except ValueError:
        return False


def issue(*, name: str, role: str, department_id: int | None, rate_limit: str,
          created_by_id: int | None, now: datetime | None = None) -> tuple[ApiKey, str]:
    """Create a key; returns it and the full ``<prefix>.<secret>`` (shown once, never stored)."""
    if role not in KEY_ROLES:
        raise KeyRefused("role_not_allowed", "role")
    if role == Role.handler and department_id is None:
        raise KeyRefused("department_required", "department_id")
    if role != Role.handler:
        department_id = None
    if not valid_rate_limit(rate_limit):
        raise KeyRefused("invalid_rate_limit", "rate_limit")
    if db.session.scalar(select(ApiKey.id).where(ApiKey.name == name)) is not None:
        raise KeyRefused("name_taken", "name")
    prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _ in range(PREFIX_LENGTH))
    secret = secrets.token_urlsafe(32)
    key = ApiKey(name=name, prefix=prefix, key_hash=hash_secret(secret), role=Role(role),
                 department_id=department_id, rate_limit=rate_limit, active=True,
                 created_by_id=created_by_id, created_at=now or utcnow())
    db.session.add(key)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise KeyRefused("name_taken", "name") from None
    return key, f"{prefix}.{secret}"


def revoke(key_id: int, *, now: datetime | None = None) -> ApiKey | None:
    """Revoke a key for good; it stops working at once. Revoking twice changes nothing."""
    key = db.session.get(ApiKey, key_id)
    if key is None:
        return None
    if key.active:
        key.active, key.revoked_at = False, now or utcnow()
        db.session.commit()
    return key


def split(raw: str | None) -> tuple[str, str] | None:
    """``<prefix>.<secret>`` → (prefix, secret), or None when it cannot be a key."""
    prefix, dot, secret = (raw or "").strip().partition(".")
    if not dot or len(prefix) != PREFIX_LENGTH or not set(prefix) <= set(_PREFIX_ALPHABET):
        return None
    if not secret or len(secret) > 200:
        return None
    return prefix, secret


def authenticate(raw: str | None, *, now: datetime | None = None) -> ApiKey | None:
    """The active key ``raw`` stands for (its use counted and committed at once), or None.

    A department key whose department was deactivated no longer works. One statement: the use is
    counted by an ``UPDATE … RETURNING`` that matches the prefix, the secret's hash and the key's and
    its department's state, so a wrong secret counts nothing. (The database compares SHA-256 digests,
    not the secret: how long the comparison takes tells nothing of the secret.)
    """
    parts = split(raw)
    if parts is None:
        return None
    prefix, secret = parts
    department_active = select(Department.id).where(Department.id == ApiKey.department_id,
                                                     Department.active.is_(True)).exists()
    key = db.session.scalar(
        update(ApiKey)
        .where(ApiKey.prefix == prefix, ApiKey.key_hash == hash_secret(secret), ApiKey.active.is_(True),
               ApiKey.revoked_at.is_(None), or_(ApiKey.department_id.is_(None), department_active))
        .values(use_count=ApiKey.use_count + 1, last_used_at=now or utcnow())
        .returning(ApiKey).execution_options(populate_existing=True))
    commit_keeping(key)  # the key just read stays loaded for the request
    return key


def current_key() -> ApiKey:
    """The key of the request being served (set by the views' authentication)."""
    return g.api_key


def _bucket() -> str:
    return f"api-key:{g.api_key.prefix}"


def _limit() -> str:
    return g.api_key.rate_limit or DEFAULT_RATE_LIMIT


#: One budget per key, shared by every API view it calls (Open311 POST and /api/v1 alike).
per_key_limit = limiter.shared_limit(_limit, scope="api-key", key_func=_bucket)
