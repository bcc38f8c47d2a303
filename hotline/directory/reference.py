"""Reference data kept per process: categories, departments, districts, policies, the routing
table, the discipline commission, the working calendar and hours.

Every intake needs all of it, and it changes only when an admin edits it. A process keeps one
:class:`Snapshot` and, once per transaction, reads the generation token
(:mod:`hotline.directory.generation`, one indexed ``settings`` row); when the token differs
from the snapshot's — an edit committed by any process — the snapshot is loaded again. So an
admin's change is seen by the next transaction of every process, as when each intake read the
tables itself. Without a token (a database whose reference rows were never written through
the ORM) nothing is cached, unless the caller may write one (``bootstrap``).

Snapshots hold plain immutable values, never ORM objects, and are shared by the requests of a
process.
"""
from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import current_app, g, has_app_context
from sqlalchemy import select

from hotline.directory.facts import CategoryFacts, KeywordRule
from hotline.directory.generation import SNAPSHOT_INFO_KEY, create_token, read_token
from hotline.directory.models import (
    Category,
    CategoryDepartment,
    Department,
    DepartmentKind,
    District,
    RoutingRule,
    TimeLimitPolicy,
)
from hotline.extensions import db
from hotline.worktime.clock import WorkingClock
from hotline.worktime.limits import Policy

_STORE = "hotline.reference"


@dataclass(frozen=True)
class DepartmentRef:
    """An active department."""

    id: int
    code: str
    name_zh: str
    name_en: str
    kind: DepartmentKind
    district_id: int | None = None

    def name(self, locale: str) -> str:
        """The department's name in ``locale``."""
        return self.name_en if locale.startswith("en") else self.name_zh


@dataclass(frozen=True)
class DistrictRef:
    """A district."""

    id: int
    code: str
    name_zh: str
    name_en: str

    def name(self, locale: str) -> str:
        """The district's name in ``locale``."""
        return self.name_en if locale.startswith("en") else self.name_zh


@dataclass(frozen=True)
class CategoryRef:
    """An active category with its active default departments (lead first) and its policy's limits."""

    id: int
    code: str
    name_zh: str
    name_en: str
    keywords: str | None
    is_misconduct: bool
    departments: tuple[str, ...]
    has_policy: bool
    policy_limits: Mapping[str, Any] | None = field(default=None, compare=False)
    territorial: bool = True

    def name(self, locale: str) -> str:
        """The category's name in ``locale``."""
        return self.name_en if locale.startswith("en") else self.name_zh

    @property
    def facts(self) -> CategoryFacts:
        """The routing module's view of the category."""
        return CategoryFacts(code=self.code, is_misconduct=self.is_misconduct, departments=self.departments,
                             territorial=self.territorial)


@dataclass
class Snapshot:
    """The reference data as of generation ``token`` (None: not cached)."""

    token: str | None
    categories: dict[str, CategoryRef]  # active, in the intake form's order
    departments: dict[str, DepartmentRef]  # active, in the intake form's order
    districts: dict[str, DistrictRef]  # in the intake form's order
    keyword_rules: tuple[KeywordRule, ...]
    discipline_department: str | None
    clock: WorkingClock
    _policies: dict[str, Policy] = field(default_factory=dict)
    _codes: dict[str, dict[int, str]] = field(default_factory=dict)

    def place(self, district_code: str | None) -> DepartmentRef | None:
        """The government or zone committee of a county, district or development zone (属地), if active."""
        district = self.districts.get(district_code) if district_code else None
        if district is None:
            return None
        return next((d for d in self.departments.values() if d.district_id == district.id
                     and d.kind in (DepartmentKind.COUNTY, DepartmentKind.DEVELOPMENT_ZONE)), None)

    def respondent(self, typed: str | None) -> DepartmentRef | None:
        """The active department a typed respondent (被反映单位) names: its code, Chinese or English name."""
        key = (typed or "").strip()
        if not key:
            return None
        if key in self.departments:
            return self.departments[key]
        folded = key.casefold()
        return next((d for d in self.departments.values()
                     if d.name_zh == key or d.name_en.casefold() == folded), None)

    def code_of(self, kind: str, ref_id: int | None) -> str | None:
        """The code of the active ``"departments"``, ``"categories"`` or ``"districts"`` entry with
        the id ``ref_id``; None when there is none (an inactive one is not in the snapshot)."""
        codes = self._codes.get(kind)
        if codes is None:
            codes = self._codes[kind] = {ref.id: ref.code for ref in getattr(self, kind).values()}
        return codes.get(ref_id)

    def policy(self, category: CategoryRef | None) -> Policy:
        """The category's time-limit policy, or the defaults (as ``services.policy_for``)."""
        if category is None or not category.has_policy:
            return Policy()
        policy = self._policies.get(category.code)
        if policy is None:
            policy = self._policies[category.code] = Policy.from_dict(category.policy_limits)
        return policy


#: ``snapshot(token=…)`` default: the transaction has not read the token yet.
UNREAD = object()


def snapshot(*, bootstrap: bool = False, token: str | None | object = UNREAD) -> Snapshot:
    """The reference data for the current transaction (one token query, then cached).

    ``bootstrap``: the caller writes anyway, so a missing token may be created in its
    transaction (it commits with it; from then on every process can cache).
    ``token``: the token as this transaction already read it in another statement
    (:func:`hotline.directory.generation.token_subquery`), so it is not queried again.
    """
    session = db.session()
    snap = session.info.get(SNAPSHOT_INFO_KEY)
    if snap is not None:
        return snap
    if token is UNREAD:
        token = read_token(session)
    store = current_app.extensions.setdefault(_STORE, {})
    cached = store.get("snapshot")
    if token is not None and cached is not None and cached.token == token:
        snap = cached
    else:
        if token is None and bootstrap:
            token = create_token(session)
        snap = _load(token)
        if token is not None:
            store["snapshot"] = snap
    session.info[SNAPSHOT_INFO_KEY] = snap
    return snap


def _load(token: str | None) -> Snapshot:
    from hotline.worktime.calendar import working_clock

    session = db.session
    links: dict[int, list[str]] = {}
    for category_id, code in session.execute(
            select(CategoryDepartment.category_id, Department.code)
            .join(Department, CategoryDepartment.department_id == Department.id)
            .where(Department.active).order_by(CategoryDepartment.category_id, CategoryDepartment.position)):
        links.setdefault(category_id, []).append(code)
    categories = {}
    for row in session.execute(
            select(Category.id, Category.code, Category.name_zh, Category.name_en, Category.keywords,
                   Category.is_misconduct, TimeLimitPolicy.id, TimeLimitPolicy.limits, Category.territorial)
            .outerjoin(TimeLimitPolicy, Category.policy_id == TimeLimitPolicy.id)
            .where(Category.active).order_by(Category.position)):
        categories[row[1]] = CategoryRef(
            id=row[0], code=row[1], name_zh=row[2], name_en=row[3], keywords=row[4],
            is_misconduct=bool(row[5]), departments=tuple(links.get(row[0], ())), has_policy=row[6] is not None,
            policy_limits=copy.deepcopy(row[7]), territorial=row[8] is not False)
    departments = {
        r.code: DepartmentRef(id=r.id, code=r.code, name_zh=r.name_zh, name_en=r.name_en, kind=r.kind,
                              district_id=r.district_id)
        for r in session.execute(select(Department.id, Department.code, Department.name_zh, Department.name_en,
                                        Department.kind, Department.district_id).where(Department.active)
                                 .order_by(Department.kind, Department.name_zh))}
    districts = {
        r.code: DistrictRef(id=r.id, code=r.code, name_zh=r.name_zh, name_en=r.name_en)
        for r in session.execute(select(District.id, District.code, District.name_zh, District.name_en)
                                 .order_by(District.position, District.id))}
    rules = tuple(
        KeywordRule(keywords=RoutingRule.split_keywords(k), department=code, priority=prio)
        for k, prio, code in session.execute(
            select(RoutingRule.keywords, RoutingRule.priority, Department.code).join(RoutingRule.department)
            .where(RoutingRule.active, Department.active).order_by(RoutingRule.priority.desc(), RoutingRule.id)))
    discipline = min((d for d in departments.values() if d.kind == DepartmentKind.DISCIPLINE_COMMISSION),
                     key=lambda d: d.id, default=None)
    return Snapshot(token=token, categories=categories, departments=departments, districts=districts,
                    keyword_rules=rules, discipline_department=discipline.code if discipline else None,
                    clock=working_clock())


def request_clock() -> WorkingClock:
    """The working clock, once per request or job: the process's copy while the reference
    data's generation is unchanged."""
    if "working_clock" not in g:
        g.working_clock = snapshot().clock
    return g.working_clock


def working_minutes_left(now, due) -> float:
    """Working minutes from ``now`` to ``due`` (negative once past; 0 without a due instant)."""
    return request_clock().working_minutes_between(now, due) if due else 0.0


def forget_clock(session) -> None:
    """A commit may have changed the calendar or working hours: rebuild the request's clock next time
    (an ``after_commit`` hook, installed by :func:`hotline.hooks.install_session_hooks`)."""
    if has_app_context():
        g.pop("working_clock", None)
