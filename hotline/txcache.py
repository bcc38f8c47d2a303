"""Per-transaction caches: every ``session.info`` key Hotline uses, named here, and when they end.

A cache below lives for one transaction of one session. :func:`clear` drops them all after every
commit and every rollback (installed by :func:`hotline.hooks.install_session_hooks`), so nothing
one transaction remembered leaks into the next. Modules use these names, never a string of their own.

======================  =========================================================  ==========================
key                     holds                                                      also dropped
======================  =========================================================  ==========================
REFERENCE_SNAPSHOT      the reference data this transaction reads                  when a flush or bulk write
                        (:func:`hotline.directory.reference.snapshot`)             changes reference rows
CATEGORIES_BY_CODE      categories loaded with their departments and policy
                        (:func:`hotline.tickets.lookup.category_by_code`)
EVENT_HEADS             each ticket's history head this transaction extended
                        (:func:`hotline.tickets.events.record`; checkpointed
                        before the commit)
EVENT_HEADS_PRIMED      heads read ahead for a batch (``events.prime_heads``)
SUPERVISION_PENDING     supervision requests added, in order                       taken by escalation's
                        (:mod:`hotline.tickets.supervision`)                       before-commit hook
LATE_MONTH_LOGGED       the earliest closed month this transaction logged as
                        changed (:mod:`hotline.audit.rollups`)
NOTIFY_STAFF_PENDING    staff notices added, whose e-mail/SMS deliveries are       taken by the notifications'
                        still to be written (:mod:`hotline.notifications.services`) before-commit hook
NOTIFY_CALLER_PENDING   messages to callers added, deliveries still to be written  taken by the same hook
DELIVERIES_TO_ENQUEUE   ids of the deliveries this transaction wrote, to enqueue   taken by the notifications'
                        once it has committed                                      after-commit hook
STAFF_CONTACTS          handlers' e-mail/SMS contact points read with the
                        handlers (:func:`hotline.notifications.services.
                        handlers_of`), so the deliveries need not read them again
======================  =========================================================  ==========================

``UNIT_OF_WORK_DEPTH`` is not a cache: it counts the open :func:`hotline.db.transaction` blocks and
returns to 0 by itself, so :func:`clear` leaves it alone.
"""
from __future__ import annotations

REFERENCE_SNAPSHOT = "reference_snapshot"
CATEGORIES_BY_CODE = "categories_by_code"
EVENT_HEADS = "event_chain_heads"
EVENT_HEADS_PRIMED = "event_chain_heads_primed"
SUPERVISION_PENDING = "supervision_requests_pending"
LATE_MONTH_LOGGED = "audit_change_marked"
NOTIFY_STAFF_PENDING = "notifications_staff_pending"
NOTIFY_CALLER_PENDING = "notifications_caller_pending"
DELIVERIES_TO_ENQUEUE = "notifications_to_enqueue"
STAFF_CONTACTS = "notifications_staff_contacts"

#: Every per-transaction cache, dropped together after a commit or a rollback.
CACHES = (REFERENCE_SNAPSHOT, CATEGORIES_BY_CODE, EVENT_HEADS, EVENT_HEADS_PRIMED, SUPERVISION_PENDING,
          LATE_MONTH_LOGGED, NOTIFY_STAFF_PENDING, NOTIFY_CALLER_PENDING, DELIVERIES_TO_ENQUEUE,
          STAFF_CONTACTS)

UNIT_OF_WORK_DEPTH = "unit_of_work_depth"


def forget(session, key: str) -> None:
    """Drop one cache of ``session``'s transaction now (it is rebuilt on next use)."""
    session.info.pop(key, None)


def clear(session) -> None:
    """Drop every per-transaction cache (a session hook: after each commit and each rollback)."""
    for key in CACHES:
        session.info.pop(key, None)
