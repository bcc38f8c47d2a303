"""Database look-ups that feed the pure rules: reference facts, repeat candidates, enterprises."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, selectinload

from hotline import txcache
from hotline.directory.models import Category, CategoryDepartment, Department, DepartmentKind, RoutingRule
from hotline.extensions import db
from hotline.tickets import repeats
from hotline.tickets.models import Assignment, AssignmentRole, Callback, MatterChain, Satisfaction, Ticket
from hotline.tickets.routing import CategoryFacts, KeywordRule, RepeatLink

CANDIDATE_SCAN_LIMIT = 200


def category_by_code(code: str | None) -> Category | None:
    """An active category by code, with its departments and policy (loaded once per session)."""
    if not code:
        return None
    cache = db.session.info.setdefault(txcache.CATEGORIES_BY_CODE, {})
    if code not in cache:
        cache[code] = db.session.scalar(select(Category).where(Category.code == code, Category.active).options(
            selectinload(Category.department_links).joinedload(CategoryDepartment.department),
            joinedload(Category.policy)))
    return cache[code]


def category_facts(category: Category | None) -> CategoryFacts | None:
    """The routing module's view of a category: its active default departments, lead first."""
    if category is None:
        return None
    codes = tuple(link.department.code for link in category.department_links if link.department.active)
    return CategoryFacts(code=category.code, is_misconduct=category.is_misconduct, departments=codes)


def keyword_rules() -> list[KeywordRule]:
    """The active routing table."""
    rows = db.session.execute(
        select(RoutingRule.keywords, RoutingRule.priority, Department.code).join(RoutingRule.department)
        .where(RoutingRule.active, Department.active).order_by(RoutingRule.priority.desc(), RoutingRule.id))
    return [KeywordRule(keywords=RoutingRule.split_keywords(k), department=code, priority=prio)
            for k, prio, code in rows]


def discipline_department_code() -> str | None:
    """The discipline commission (纪委监委) that reports are referred to."""
    return db.session.scalar(select(Department.code).where(
        Department.kind == DepartmentKind.DISCIPLINE_COMMISSION, Department.active).order_by(Department.id))


def departments_by_code(codes) -> dict[str, Department]:
    """Active departments for ``codes``."""
    if not codes:
        return {}
    rows = db.session.scalars(select(Department).where(Department.code.in_(list(codes)), Department.active))
    return {d.code: d for d in rows}


def repeat_candidates(new: repeats.NewMatter, *, now: datetime, window_days: int,
                      exclude_id: int | None = None, limit: int = 5) -> list[repeats.Candidate]:
    """Earlier tickets of the same enterprise or caller in the window, ranked by the matter's text."""
    conditions = []
    if new.credit_code:
        conditions.append(Ticket.credit_code == new.credit_code)
    if new.enterprise_norm:
        conditions.append(Ticket.enterprise_norm == new.enterprise_norm)
    if new.phone:
        conditions.append(Ticket.caller_phone == new.phone)
    if not conditions:
        return []
    query = (select(Ticket.id, Ticket.number, Ticket.received_at, Ticket.status, Ticket.credit_code,
                    Ticket.enterprise_norm, Ticket.caller_phone, Category.code, Ticket.subject,
                    Ticket.description, Ticket.chain_id)
             .outerjoin(Category, Ticket.category_id == Category.id)
             .where(or_(*conditions), Ticket.received_at >= repeats.window_start(now, window_days))
             .order_by(Ticket.received_at.desc()).limit(CANDIDATE_SCAN_LIMIT))
    if exclude_id:
        query = query.where(Ticket.id != exclude_id)
    past = [repeats.PastTicket(id=r[0], number=r[1], received_at=r[2], status=str(r[3]), credit_code=r[4],
                               enterprise_norm=r[5], phone=r[6], category_code=r[7], text=f"{r[8]}\n{r[9]}",
                               chain_id=r[10])
            for r in db.session.execute(query)]
    return _redacted(repeats.rank_candidates(new, past, now=now, window_days=window_days, limit=limit))


def _redacted(candidates: list[repeats.Candidate]) -> list[repeats.Candidate]:
    """The candidates as the intake panel shows them: a confidential ticket's text with its caller's
    identity redacted (scores were computed on the text as written)."""
    from dataclasses import replace

    from hotline.tickets import confidential

    ids = [c.ticket.id for c in candidates]
    secret = {t.id: t for t in db.session.scalars(select(Ticket).where(Ticket.id.in_(ids), Ticket.confidential))} \
        if ids else {}
    return [replace(c, ticket=replace(c.ticket, text=confidential.text_filter(secret[c.ticket.id])(c.ticket.text)))
            if c.ticket.id in secret else c for c in candidates]


def repeat_link(number: str, new_facts: bool) -> RepeatLink | None:
    """The routing module's view of a confirmed repeat of ticket ``number``.

    The link is resolved within the ticket's chain (:func:`repeats.chain_target`): a repeat
    belongs to the chain's open ticket, and a merged ticket stands for its chain's latest one.
    """
    linked = db.session.execute(select(Ticket.id, Ticket.number, Ticket.status, Ticket.received_at,
                                       Ticket.merged_into_id, Ticket.chain_id)
                                .where(Ticket.number == number)).one_or_none()
    if linked is None:
        return None
    chain_id = linked.chain_id
    if chain_id is None and linked.merged_into_id:  # merged before chains were recorded on both sides
        chain_id = db.session.scalar(select(Ticket.chain_id).where(Ticket.id == linked.merged_into_id))
    members = _chain_members(chain_id) if chain_id else []
    if not members and linked.merged_into_id:
        members = [_member(db.session.execute(select(
            Ticket.number, Ticket.status, Ticket.received_at, Ticket.merged_into_id)
            .where(Ticket.id == linked.merged_into_id)).one())]
    me = repeats.ChainMember(number=linked.number, status=str(linked.status), received_at=linked.received_at,
                             merged=linked.merged_into_id is not None)
    target, how = repeats.chain_target(me, members)
    ticket = db.session.scalar(select(Ticket).where(Ticket.number == target.number))
    chain = db.session.get(MatterChain, ticket.chain_id) if ticket.chain_id else None
    last = db.session.scalar(select(Callback).where(Callback.ticket_id == ticket.id, Callback.reached)
                             .order_by(Callback.at.desc()).limit(1))
    unsatisfied = bool(last and (last.satisfaction == Satisfaction.UNSATISFIED or last.solved is False))
    return RepeatLink(ticket_number=ticket.number, ticket_status=str(ticket.status),
                      chain_id=chain.id if chain else None, chain_repeat_count=chain.repeat_count if chain else 1,
                      chain_supervision_level=chain.supervision_level if chain else ticket.supervision_level,
                      new_facts=new_facts, last_callback_unsatisfied=unsatisfied,
                      last_lead=last_lead(chain.id if chain else None, ticket.id),
                      linked_number=linked.number, resolution=how)


def _member(row) -> repeats.ChainMember:
    return repeats.ChainMember(number=row[0], status=str(row[1]), received_at=row[2], merged=row[3] is not None)


def _chain_members(chain_id: int) -> list[repeats.ChainMember]:
    rows = db.session.execute(select(Ticket.number, Ticket.status, Ticket.received_at, Ticket.merged_into_id)
                              .where(Ticket.chain_id == chain_id))
    return [_member(r) for r in rows]


def last_lead(chain_id: int | None, ticket_id: int) -> str | None:
    """The lead department of the last round dispatched in a chain (or of one ticket without a chain)."""
    scope = Ticket.chain_id == chain_id if chain_id is not None else Ticket.id == ticket_id
    return db.session.scalar(
        select(Department.code).join(Assignment, Assignment.department_id == Department.id)
        .join(Ticket, Assignment.ticket_id == Ticket.id)
        .where(scope, Assignment.role == AssignmentRole.LEAD)
        .order_by(Assignment.dispatched_at.desc(), Assignment.id.desc()).limit(1))


def enterprises(query: str, limit: int = 10) -> list[tuple[str, str | None]]:
    """Enterprise names and credit codes from earlier tickets matching ``query`` (``%`` and ``_``
    match themselves, not any text).

    A confidential ticket's enterprise is never offered: the list is shown to an operator typing
    another call, and showing it would be an unrecorded view of a reporter's identity (保密)."""
    q = query.strip().upper()
    if len(q) < 2:
        return []
    rows = db.session.execute(
        select(Ticket.enterprise_name, Ticket.credit_code, func.max(Ticket.received_at).label("last"))
        .where(Ticket.enterprise_name != "", Ticket.confidential.is_(False),
               or_(Ticket.credit_code.startswith(q, autoescape=True),
                   Ticket.enterprise_name.contains(query.strip(), autoescape=True)))
        .group_by(Ticket.enterprise_name, Ticket.credit_code).order_by(func.max(Ticket.received_at).desc())
        .limit(limit))
    return [(r[0], r[1]) for r in rows]
