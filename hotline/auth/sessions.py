"""Login sessions kept on the server, so that logging out, a password change, a deactivation or an
admin's revocation really ends them.

Each login creates a :class:`UserSession` row holding a hash of a random token. Flask-Login keeps
``<user id>:<session version>:<token>`` (:meth:`User.session_id`) in the signed session cookie and,
for "remember me", in the remember cookie. On every request the user loader accepts that id only
while the user is active, the user's ``session_version`` is still the one in the id, and the row
is neither ended nor expired. So a cookie replayed after logout, or a remember cookie after a
password change, is refused. Remembered sessions last ``REMEMBER_COOKIE_DURATION`` (at most 14
days) from login, others ``PERMANENT_SESSION_LIFETIME`` (a shift, 8 hours by default) — on the
server, whatever the cookie says.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import Flask, current_app, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from hotline.auth.models import User, UserSession
from hotline.db import utcnow
from hotline.extensions import db, login_manager
from hotline.http import MAX_ID

#: How stale ``last_seen_at`` may get before a request writes it again (one write a minute at most).
TOUCH_EVERY = timedelta(seconds=60)
#: The longest a remembered login may last, whatever the configuration says.
REMEMBER_MAX = timedelta(days=14)

END_REASONS = {
    "logout": _l("Logged out"),
    "logout_everywhere": _l("Logged out everywhere"),
    "password_changed": _l("Password changed"),
    "deactivated": _l("Account deactivated"),
    "revoked": _l("Revoked by an administrator"),
    "revoked_all": _l("All sessions revoked by an administrator"),
}


def token_hash(token: str) -> str:
    """The stored form of a session token."""
    return hashlib.sha256(token.encode()).hexdigest()


def remember_duration() -> timedelta:
    """How long a remembered login lasts: ``REMEMBER_COOKIE_DURATION``, at most 14 days."""
    configured = current_app.config.get("REMEMBER_COOKIE_DURATION", REMEMBER_MAX)
    if not isinstance(configured, timedelta):
        configured = timedelta(seconds=int(configured))
    return min(configured, REMEMBER_MAX)


def start(user: User, *, remember: bool, address: str, user_agent: str, now: datetime) -> UserSession:
    """Open a session row for ``user`` in the caller's transaction and give ``user`` its token."""
    token = secrets.token_urlsafe(32)
    lifetime = remember_duration() if remember else current_app.permanent_session_lifetime
    record = UserSession(user_id=user.id, token_hash=token_hash(token), remember=remember, created_at=now,
                         last_seen_at=now, expires_at=now + lifetime, address=address[:64],
                         user_agent=user_agent[:200])
    db.session.add(record)
    user.session_token = token
    return record


def parse_session_id(value: str) -> tuple[int, int, str] | None:
    """``<id>:<version>:<token>`` → its parts; None for anything else (such as an id from before
    sessions were kept on the server)."""
    parts = (value or "").split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit() or not parts[2]:
        return None
    user_id, version = int(parts[0]), int(parts[1])
    if not 0 < user_id <= MAX_ID or version > MAX_ID:
        return None
    return user_id, version, parts[2]


def load_user(session_id: str) -> User | None:
    """Flask-Login's user loader: the user of a live session of the current version, or None."""
    parsed = parse_session_id(session_id)
    if parsed is None:
        return None
    user_id, version, token = parsed
    row = db.session.execute(  # the user and the session row in one statement
        select(User, UserSession).join(UserSession, UserSession.user_id == User.id)
        .where(User.id == user_id, UserSession.token_hash == token_hash(token))).first()
    if row is None:
        return None
    user, record = row
    now = utcnow()
    if not user.active or user.session_version != version or not record.is_live(now):
        return None
    user.session_token = token
    g.login_session_id = record.id
    _touch(record, now)
    return user


def _touch(record: UserSession, now: datetime) -> None:
    """Note the request and its address on the session row (at most once a minute). A database
    that cannot write does not stop the user from reading."""
    if now - record.last_seen_at < TOUCH_EVERY:
        return
    record.last_seen_at = now
    record.address = (request.remote_addr or "")[:64]
    try:
        db.session.commit()
    except OperationalError:
        db.session.rollback()


def current_session_id() -> int | None:
    """The id of the session row this request runs in, if any."""
    return g.get("login_session_id") if current_user.is_authenticated else None


def end_sessions(user_id: int, reason: str, *, actor_id: int | None, now: datetime,
                 only_id: int | None = None) -> int:
    """End the user's live sessions (or just ``only_id``) in the caller's transaction; how many."""
    stmt = (update(UserSession)
            .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None), UserSession.expires_at > now)
            .values(ended_at=now, end_reason=reason, ended_by_id=actor_id))
    if only_id is not None:
        stmt = stmt.where(UserSession.id == only_id)
    return db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0


def end_everywhere(user: User, reason: str, *, actor_id: int | None, now: datetime) -> int:
    """Raise the user's session version (so every session id and remember cookie issued so far
    stops working) and end every live session row, in the caller's transaction."""
    user.session_version = (user.session_version or 1) + 1
    return end_sessions(user.id, reason, actor_id=actor_id, now=now)


def live_sessions(user_id: int, now: datetime) -> list[UserSession]:
    """The user's live sessions, most recently seen first."""
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_(None),
                                  UserSession.expires_at > now)
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())))


def live_counts(now: datetime) -> dict[int, int]:
    """How many live sessions each user has (users without any are absent)."""
    rows = db.session.execute(select(UserSession.user_id, func.count()).where(
        UserSession.ended_at.is_(None), UserSession.expires_at > now).group_by(UserSession.user_id))
    return {user_id: count for user_id, count in rows}


def recent_ended(user_id: int, limit: int = 20) -> list[UserSession]:
    """The user's most recently ended sessions, for the admin's history."""
    return list(db.session.scalars(
        select(UserSession).where(UserSession.user_id == user_id, UserSession.ended_at.is_not(None))
        .order_by(UserSession.ended_at.desc(), UserSession.id.desc()).limit(limit)))


def _load_at_start() -> None:
    """Resolve the logged-in user first thing, so the session check (and its once-a-minute write)
    happens before a view touches the database."""
    if request.endpoint != "static":
        _ = current_user.is_authenticated


def init_app(app: Flask) -> None:
    """Make Flask-Login store session ids (not bare user ids) and check them on every request."""
    login_manager.id_attribute = "session_id"
    login_manager.user_loader(load_user)
    app.config.setdefault("REMEMBER_COOKIE_DURATION", REMEMBER_MAX)
    app.before_request(_load_at_start)
