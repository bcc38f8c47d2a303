"""Authentication and user management services (they own their transactions)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, select
from werkzeug.security import check_password_hash, generate_password_hash

from hotline.auth import sessions, throttle
from hotline.auth.models import LoginFailure, LoginLockout, User
from hotline.db import transactional, utcnow
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.http import MAX_ID
from hotline.roles import Role

#: One hash per hashing method, checked when the username is unknown so that the answer takes as
#: long as for a known user with a wrong password (no telling which usernames exist).
_DUMMY_HASHES: dict[str, str] = {}


class UserError(ValueError):
    """A user could not be created or changed; ``field`` names the form field at fault."""

    def __init__(self, code: str, field: str | None = None) -> None:
        super().__init__(code)
        self.code = code
        self.field = field


@dataclass(frozen=True)
class LoginOutcome:
    """The result of a login attempt: the user (with a fresh session) on success; otherwise, when
    the attempt was not even checked, until when it must wait and whether that is a lock."""

    user: User | None = None
    wait_until: datetime | None = None
    locked: str | None = None


def login_limits() -> throttle.Limits:
    """The throttle's limits from the configuration."""
    c = current_app.config
    return throttle.limits_from(c["LOGIN_RATE_LIMIT_ACCOUNT_ADDRESS"], c["LOGIN_RATE_LIMIT_ADDRESS"],
                                c["LOGIN_DELAY_AFTER_FAILURES"], c["LOGIN_DELAY_MAX_SECONDS"])


def account_key(username: str) -> str:
    """The name a failure is counted under: as typed, trimmed and lower-cased."""
    return username.strip().lower()[:64]


def _verify(user: User | None, password: str) -> bool:
    """Check ``password`` against the user's hash, or against a dummy hash of the same method."""
    if user is not None:
        return user.check_password(password)
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt")
    if method not in _DUMMY_HASHES:
        _DUMMY_HASHES[method] = generate_password_hash("no-such-user-anywhere", method=method)
    check_password_hash(_DUMMY_HASHES[method], password)
    return False


def _failure_times(account: str, address: str, since: datetime) -> tuple[list[datetime], list[datetime]]:
    rows = db.session.execute(select(LoginFailure.account, LoginFailure.at)
                              .where(LoginFailure.address == address, LoginFailure.at > since)).all()
    return [at for acc, at in rows if acc == account], [at for _, at in rows]


def authenticate(username: str, password: str, *, address: str, user_agent: str = "", remember: bool = False,
                 now: datetime | None = None) -> LoginOutcome:
    """Check a login attempt from ``address`` against the throttle, then the credentials.

    Success records the login time and opens a session (:func:`sessions.start`). A failure is
    counted for the (account, address) pair and the address; the failure that reaches a limit
    records a :class:`LoginLockout`. An attempt refused by a delay or a lock checks no password.
    """
    now = now or utcnow()
    limits, account = login_limits(), account_key(username)
    address = (address or "")[:64]
    pair_times, address_times = _failure_times(account, address, now - limits.window)
    decision = throttle.decide(pair_times, address_times, now, limits)
    if not decision.allowed:
        return LoginOutcome(wait_until=decision.wait_until, locked=decision.locked)
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.strip().lower()))
    if _verify(user, password) and user.active:
        user.last_login_at = now
        db.session.execute(delete(LoginFailure).where(LoginFailure.account == account,
                                                      LoginFailure.address == address))
        sessions.start(user, remember=remember, address=address, user_agent=user_agent, now=now)
        db.session.commit()
        return LoginOutcome(user=user)
    _record_failure(account, address, pair_times, address_times, now, limits)
    db.session.commit()
    return LoginOutcome()


def _record_failure(account: str, address: str, pair_times: list[datetime], address_times: list[datetime],
                    now: datetime, limits: throttle.Limits) -> None:
    """Count a failure, purge those that left the window, and record a lockout when one begins."""
    db.session.execute(delete(LoginFailure).where(LoginFailure.at <= now - limits.window))
    db.session.add(LoginFailure(account=account, address=address, at=now))
    after = throttle.decide([*pair_times, now], [*address_times, now], now, limits)
    if after.locked:
        count = len(address_times) + 1 if after.locked == "address" else len(pair_times) + 1
        db.session.add(LoginLockout(account=account if after.locked == "pair" else None, address=address,
                                    failures=count, locked_at=now, until=after.wait_until))


def lockouts(limit: int = 200) -> list[LoginLockout]:
    """The most recent lockouts, newest first."""
    return list(db.session.scalars(select(LoginLockout).order_by(LoginLockout.locked_at.desc(),
                                                                 LoginLockout.id.desc()).limit(limit)))


def unlock(lockout_id: int, *, actor_id: int, now: datetime | None = None) -> LoginLockout | None:
    """End a lockout early: forget the failures it counted and record who unlocked it."""
    now = now or utcnow()
    lockout = db.session.get(LoginLockout, lockout_id)
    if lockout is None:
        return None
    if lockout.is_active(now):
        failures = delete(LoginFailure).where(LoginFailure.address == lockout.address)
        if lockout.account is not None:
            failures = failures.where(LoginFailure.account == lockout.account)
        db.session.execute(failures)
        lockout.unlocked_at, lockout.unlocked_by_id = now, actor_id
    db.session.commit()
    return lockout


def log_out(user: User, session_id: int | None, *, now: datetime | None = None) -> None:
    """End the session this request runs in, on the server (its cookie stops working)."""
    if session_id is not None:
        sessions.end_sessions(user.id, "logout", actor_id=user.id, now=now or utcnow(), only_id=session_id)
        db.session.commit()


def log_out_everywhere(user: User, *, actor_id: int | None, reason: str = "logout_everywhere",
                       now: datetime | None = None) -> int:
    """End every session of ``user`` (and every remember cookie); how many were live."""
    ended = sessions.end_everywhere(user, reason, actor_id=actor_id, now=now or utcnow())
    db.session.commit()
    return ended


def revoke_session(user: User, session_id: int, *, actor_id: int, now: datetime | None = None) -> bool:
    """An admin ends one of ``user``'s sessions; False if it was not live."""
    ended = sessions.end_sessions(user.id, "revoked", actor_id=actor_id, now=now or utcnow(), only_id=session_id)
    db.session.commit()
    return ended > 0


@transactional
def create_user(*, username: str, display_name: str, password: str, role: str,
                department_id: int | None = None, locale: str = "zh_CN") -> User:
    """Create a user; a handler needs a department, other roles have none."""
    username = username.strip()
    if db.session.scalar(select(User.id).where(func.lower(User.username) == username.lower())):
        raise UserError("username_taken", "username")
    user = User(username=username, display_name=display_name.strip(), role=Role(role), locale=locale)
    _set_department(user, department_id)
    user.set_password(password)
    db.session.add(user)
    return user


@transactional
def update_user(user: User, *, display_name: str, role: str, department_id: int | None,
                locale: str, active: bool, password: str | None = None, actor_id: int | None = None) -> User:
    """Change a user's details; a blank password keeps the current one. A new password or a
    deactivation ends every session of the user (remembered logins included)."""
    deactivated = user.active and not active
    user.display_name = display_name.strip()
    user.role = Role(role)
    user.locale = locale
    user.active = active
    _set_department(user, department_id)
    if password:
        user.set_password(password)
    if password or deactivated:
        sessions.end_everywhere(user, "password_changed" if password else "deactivated", actor_id=actor_id,
                                now=utcnow())
    return user


def _set_department(user: User, department_id: int | None) -> None:
    if user.role != Role.handler:
        user.department_id = None
        return
    if not department_id:
        raise UserError("handler_needs_department", "department_id")
    with db.session.no_autoflush:  # the user's new role must not be flushed before its department is set
        known = 0 < department_id <= MAX_ID and db.session.get(Department, department_id) is not None
    if not known:
        raise UserError("unknown_department", "department_id")
    user.department_id = department_id
