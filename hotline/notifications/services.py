"""Writing and reading in-app notifications."""
from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select, update

from hotline.db import utcnow
from hotline.extensions import db
from hotline.notifications.models import Notification


def notify_users(user_ids: Iterable[int], *, kind: str, data: dict, ticket_id: int | None = None) -> None:
    """Add one notification per user to the session (the caller commits)."""
    for uid in user_ids:
        db.session.add(Notification(user_id=uid, kind=kind, data=data, ticket_id=ticket_id))


def handlers_of(department_ids) -> dict[int, list[int]]:
    """Active handlers' ids per department, in one query."""
    from hotline.auth.models import User, UserRole

    out: dict[int, list[int]] = {}
    rows = db.session.execute(select(User.department_id, User.id).where(
        User.department_id.in_(set(department_ids)), User.active, User.role == UserRole.HANDLER))
    for dept, uid in rows:
        out.setdefault(dept, []).append(uid)
    return out


def notify_department(department_id: int, *, kind: str, data: dict, ticket_id: int | None = None) -> None:
    """Notify every active handler of a department (the caller commits)."""
    from hotline.auth.models import User, UserRole

    users = db.session.scalars(select(User.id).where(User.department_id == department_id, User.active,
                                                     User.role == UserRole.HANDLER)).all()
    notify_users(users, kind=kind, data=data, ticket_id=ticket_id)


def recent(user_id: int, limit: int = 50) -> list[Notification]:
    """The user's newest notifications."""
    return list(db.session.scalars(
        select(Notification).where(Notification.user_id == user_id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)
    ))


def mark_all_read(user_id: int) -> None:
    """Mark every unread notification of the user as read."""
    db.session.execute(
        update(Notification).where(Notification.user_id == user_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
