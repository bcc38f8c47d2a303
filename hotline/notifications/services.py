"""Telling people: in-app notifications, and the e-mail and SMS deliveries that go with them.

Callers of this module add notices to their own transaction and commit as usual. An in-app notice
is a row of that transaction. A notice that should also leave the application (by the rules of
:mod:`hotline.notifications.rules`) is remembered in ``session.info``; just before the transaction
commits, :func:`write_deliveries` turns the remembered notices into :class:`Delivery` rows (committed
with the fact they tell of, or rolled back with it), and after the commit their send jobs are
enqueued (:mod:`hotline.notifications.wiring`). Nothing here talks to a mail server or a gateway.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select, update

from hotline import txcache
from hotline.db import utcnow
from hotline.extensions import db
from hotline.notifications import links, messages, rules
from hotline.notifications.models import ChannelPreference, ContactPoint, Delivery, Notification

#: ``session.info`` keys: staff notices and caller notices awaiting their deliveries; the ids of the
#: deliveries this transaction wrote, to enqueue once it has committed.
STAFF_PENDING = txcache.NOTIFY_STAFF_PENDING
CALLER_PENDING = txcache.NOTIFY_CALLER_PENDING
TO_ENQUEUE = txcache.DELIVERIES_TO_ENQUEUE
CONTACTS = txcache.STAFF_CONTACTS


@dataclass(frozen=True)
class Contact:
    """A staff member's e-mail and mobile as read in this transaction."""

    email: str
    mobile: str


@dataclass(frozen=True)
class CallerNotice:
    """A notice for a ticket's caller, as plain values (the tickets package fills it in)."""

    event: str
    ticket_id: int
    number: str
    phone: str
    round: int = 1


def notify_users(user_ids: Iterable[int], *, kind: str, data: dict, ticket_id: int | None = None,
                 rows: list[dict] | None = None) -> None:
    """Add one notification per user to the session (the caller commits); the notice also goes out
    by e-mail or SMS where the users' preferences (or the defaults) say so. With ``rows``, a batch's
    list, the notifications are appended to it as rows for one insert (:func:`hotline.db.insert_rows`)
    instead of objects added to the session."""
    ids = list(user_ids)
    if rows is not None:
        now = utcnow()
        rows.extend({"user_id": uid, "ticket_id": ticket_id, "kind": kind, "data": data, "created_at": now,
                     "read_at": None} for uid in ids)
    else:
        for uid in ids:
            db.session.add(Notification(user_id=uid, kind=kind, data=data, ticket_id=ticket_id))
    if ids and messages.has_template(kind):
        db.session.info.setdefault(STAFF_PENDING, []).append((ids, kind, dict(data), ticket_id))


def notify_caller(event: str, *, ticket_id: int, number: str, phone: str | None, confidential: bool,
                  opted_in: bool, round_: int = 1) -> bool:
    """Tell a ticket's caller of ``event`` (``caller_dispatched``, ``caller_resolved``) by SMS, if the
    rules allow it: a mobile number, and consent for a confidential ticket. The caller commits.
    Returns whether an SMS will be written."""
    if event not in rules.CALLER_EVENTS:
        raise ValueError(f"unknown caller event {event!r}")
    if not rules.caller_may_be_told(phone=phone, confidential=confidential, opted_in=opted_in):
        return False
    db.session.info.setdefault(CALLER_PENDING, []).append(
        CallerNotice(event=event, ticket_id=ticket_id, number=number, phone=rules.normalize_mobile(phone),
                     round=round_))
    return True


def write_deliveries(session) -> list[Delivery]:
    """Before a commit: the deliveries of the notices this transaction added, flushed, their ids
    kept for enqueueing after the commit."""
    staff, callers = session.info.pop(STAFF_PENDING, None), session.info.pop(CALLER_PENDING, None)
    made = (_staff_deliveries(session, staff) if staff else []) + [_caller_delivery(n) for n in callers or ()]
    if made:
        session.add_all(made)
        session.flush()
        session.info.setdefault(TO_ENQUEUE, []).extend(d.id for d in made)
    return made


def _staff_deliveries(session, notices: list) -> list[Delivery]:
    """E-mail and SMS deliveries of staff notices: up to three queries (contacts unless read with the
    handlers, then users and preferences only when somebody has a contact point)."""
    from hotline.auth.models import User
    from hotline.roles import Role

    user_ids = {uid for ids, *_ in notices for uid in ids}
    known: dict[int, Contact | None] = session.info.get(CONTACTS, {})
    if user_ids <= known.keys():  # read with the handlers (handlers_of): no second query
        contacts = {uid: known[uid] for uid in user_ids if known[uid] is not None}
    else:
        contacts = {c.user_id: Contact(c.email, c.mobile) for c in session.execute(
            select(ContactPoint.user_id, ContactPoint.email, ContactPoint.mobile)
            .where(ContactPoint.user_id.in_(user_ids)))}
    if not contacts:  # nobody to reach outside the application
        return []
    users = {u.id: u for u in session.execute(select(User.id, User.role, User.locale, User.department_id)
                                              .where(User.id.in_(list(contacts)), User.active))}
    kinds = {kind for _, kind, _, _ in notices}
    prefs = session.scalars(select(ChannelPreference).where(
        ChannelPreference.event.in_(kinds),
        ChannelPreference.user_id.in_(list(users)) | ChannelPreference.department_id.in_(
            {u.department_id for u in users.values() if u.department_id})))
    by_user, by_department = {}, {}
    for p in prefs:
        (by_user if p.user_id else by_department)[(p.user_id or p.department_id, p.event)] = p.channels
    base, made = current_app.config["PUBLIC_URL"], []
    for ids, kind, data, ticket_id in notices:
        for uid in ids:
            user, contact = users.get(uid), contacts.get(uid)
            if user is None:
                continue
            handler = user.role == Role.handler
            channels = rules.staff_channels(kind, is_handler=handler, user_pref=by_user.get((uid, kind)),
                                            department_pref=by_department.get((user.department_id, kind)))
            for channel in channels:
                address = rules.staff_address(channel, email=contact.email, mobile=contact.mobile)
                if address is None:
                    continue
                link = links.staff_link(base, data.get("ticket", ""), handler=handler)
                message = messages.render(kind, user.locale, {**data, "link": link})
                made.append(Delivery(channel=channel, event=kind, audience="staff", user_id=uid, ticket_id=ticket_id,
                                     address=address, locale=user.locale, subject=message.subject[:200],
                                     body=message.body, next_attempt_at=utcnow()))
    return made


def _caller_delivery(notice: CallerNotice) -> Delivery:
    """The SMS of a caller notice: the status link on dispatch, the satisfaction link on resolution."""
    config = current_app.config
    if notice.event == "caller_resolved":
        token = links.sign_satisfaction(config["SECRET_KEY"], notice.ticket_id, notice.round)
        link = links.satisfaction_link(config["PUBLIC_URL"], token)
    else:
        link = links.status_link(config["PUBLIC_URL"], notice.number)
    message = messages.render(notice.event, "zh_CN", {"ticket": notice.number, "link": link})
    return Delivery(channel="sms", event=notice.event, audience="caller", ticket_id=notice.ticket_id,
                    address=notice.phone, locale="zh_CN", subject=message.subject[:200], body=message.body,
                    next_attempt_at=utcnow())


def handlers_of(department_ids) -> dict[int, list[int]]:
    """Active handlers' ids per department, in one query that also reads their e-mail/SMS contact
    points for this transaction's deliveries (``txcache.STAFF_CONTACTS``)."""
    from hotline.auth.models import User
    from hotline.roles import Role

    out: dict[int, list[int]] = {}
    known = db.session.info.setdefault(CONTACTS, {})
    rows = db.session.execute(
        select(User.department_id, User.id, ContactPoint.email, ContactPoint.mobile)
        .outerjoin(ContactPoint, ContactPoint.user_id == User.id)
        .where(User.department_id.in_(set(department_ids)), User.active, User.role == Role.handler))
    for dept, uid, email, mobile in rows:
        out.setdefault(dept, []).append(uid)
        known[uid] = None if email is None and mobile is None else Contact(email or "", mobile or "")
    return out


def notify_department(department_id: int, *, kind: str, data: dict, ticket_id: int | None = None) -> None:
    """Notify every active handler of a department (the caller commits)."""
    from hotline.auth.models import User
    from hotline.roles import Role

    users = db.session.scalars(select(User.id).where(User.department_id == department_id, User.active,
                                                     User.role == Role.handler)).all()
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


class PreferenceError(ValueError):
    """A contact or preference was refused; ``code`` says why, ``field`` which field."""

    def __init__(self, code: str, field: str) -> None:
        super().__init__(code)
        self.code, self.field = code, field


def contact_of(user_id: int) -> ContactPoint | None:
    """Where the user can be reached outside the application, if they said."""
    return db.session.get(ContactPoint, user_id)


def preferences_of(*, user_id: int | None = None, department_id: int | None = None) -> dict[str, str]:
    """The stored preferences of a user or a department: event → channels (``""``: none)."""
    column, value = (ChannelPreference.user_id, user_id) if user_id else (ChannelPreference.department_id,
                                                                         department_id)
    return {p.event: p.channels for p in db.session.scalars(select(ChannelPreference).where(column == value))}


def save_preferences(choices: dict[str, str | None], *, user_id: int | None = None,
                     department_id: int | None = None, email: str | None = None, mobile: str | None = None) -> None:
    """Store a user's (with their e-mail and mobile) or a department's channel choices; commits.

    ``choices``: event → ``None`` (use the department's or the default), ``""`` (in-app only) or
    channel names joined by commas."""
    if user_id is not None:
        _save_contact(user_id, email or "", mobile or "")
    existing = {p.event: p for p in db.session.scalars(select(ChannelPreference).where(
        (ChannelPreference.user_id == user_id) if user_id else (ChannelPreference.department_id == department_id)))}
    for event, value in choices.items():
        if event not in rules.STAFF_EVENTS:
            raise PreferenceError("unknown_event", event)
        row = existing.get(event)
        if value is None:
            if row is not None:
                db.session.delete(row)
            continue
        value = ",".join(rules.parse_channels(value))
        if row is None:
            db.session.add(ChannelPreference(user_id=user_id, department_id=department_id, event=event, channels=value))
        else:
            row.channels = value
    db.session.commit()


def _save_contact(user_id: int, email: str, mobile: str) -> None:
    email, mobile = email.strip(), mobile.strip()
    if email and not rules.is_email(email):
        raise PreferenceError("bad_email", "email")
    if mobile and not rules.is_mobile(mobile):
        raise PreferenceError("bad_mobile", "mobile")
    contact = db.session.get(ContactPoint, user_id) or ContactPoint(user_id=user_id)
    contact.email, contact.mobile = email, rules.normalize_mobile(mobile) or ""
    db.session.add(contact)


def recent_deliveries(status: str | None = None, limit: int = 200) -> list[Delivery]:
    """The newest deliveries (of one status, if given), for the admins' page."""
    query = select(Delivery).order_by(Delivery.created_at.desc(), Delivery.id.desc()).limit(limit)
    if status in rules.STATUSES:
        query = query.where(Delivery.status == status)
    return list(db.session.scalars(query))


def delivery_counts() -> dict[str, int]:
    """How many deliveries are pending, sent and failed."""
    from sqlalchemy import func

    counts = dict(db.session.execute(select(Delivery.status, func.count()).group_by(Delivery.status)).all())
    return {s: counts.get(s, 0) for s in rules.STATUSES}
