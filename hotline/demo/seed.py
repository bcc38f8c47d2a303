"""Load the demo city (Linfen) idempotently: every record is keyed by its natural key."""
from __future__ import annotations

from sqlalchemy import select

from hotline.auth.models import User
from hotline.demo import data
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
from hotline.roles import Role
from hotline.worktime.limits import Policy

STANDARD_POLICY = "standard"


def _upsert(model, key: str, value, **fields):
    """The row of ``model`` whose ``key`` equals ``value``, created or updated with ``fields``."""
    row = db.session.scalar(select(model).where(getattr(model, key) == value))
    if row is None:
        row = model(**{key: value})
        db.session.add(row)
    for name, field_value in fields.items():
        setattr(row, name, field_value)
    return row


def seed_districts() -> dict[str, District]:
    """Linfen's 18 county-level divisions."""
    return {d.code: _upsert(District, "code", d.code, name_zh=d.name_zh, name_en=d.name_en, position=i)
            for i, d in enumerate(data.DISTRICTS)}


def seed_departments(districts: dict[str, District]) -> dict[str, Department]:
    """The city's departments, counties, the discipline commission and the hotline centre."""
    db.session.flush()
    return {d.code: _upsert(Department, "code", d.code, name_zh=d.name_zh, name_en=d.name_en,
                            kind=DepartmentKind(d.kind),
                            district_id=districts[d.district_code].id if d.district_code else None)
            for d in data.DEPARTMENTS}


def seed_categories(departments: dict[str, Department]) -> dict[str, Category]:
    """The default categories with their departments (lead first) and the standard policy."""
    policy = _upsert(TimeLimitPolicy, "code", STANDARD_POLICY, name="标准时限 Standard limits")
    if not policy.limits:
        policy.limits = Policy().to_dict()
    db.session.flush()
    categories = {}
    for position, c in enumerate(data.CATEGORIES):
        cat = _upsert(Category, "code", c.code, name_zh=c.name_zh, name_en=c.name_en,
                      description_zh=c.description_zh, keywords=" ".join(c.keywords),
                      is_misconduct=c.is_misconduct, default_kind=c.default_kind, position=position)
        if cat.policy_id is None:
            cat.policy = policy
        if not cat.department_links:
            cat.department_links = [CategoryDepartment(department_id=departments[code].id, position=i)
                                    for i, code in enumerate(c.departments)]
        categories[c.code] = cat
    return categories


def seed_routing_rules(departments: dict[str, Department]) -> None:
    """The keyword routing table."""
    for r in data.ROUTING_RULES:
        _upsert(RoutingRule, "code", r.code, keywords=",".join(r.keywords),
                department_id=departments[r.department_code].id, priority=r.priority)


def seed_users(departments: dict[str, Department]) -> None:
    """One demo login per role (README lists them); existing users keep their passwords."""
    for u in data.DEMO_USERS:
        user = db.session.scalar(select(User).where(User.username == u.username))
        if user is not None:
            continue
        user = User(username=u.username, display_name=u.display_name, role=Role(u.role),
                    locale="en" if u.locale.startswith("en") else "zh_CN",
                    department_id=departments[u.department_code].id if u.department_code else None)
        user.set_password(data.DEMO_PASSWORD)
        db.session.add(user)


def seed_reference() -> dict[str, int]:
    """Districts, departments, categories, routing table and demo users (no tickets)."""
    districts = seed_districts()
    departments = seed_departments(districts)
    db.session.flush()
    categories = seed_categories(departments)
    seed_routing_rules(departments)
    seed_users(departments)
    db.session.commit()
    return {"districts": len(districts), "departments": len(departments), "categories": len(categories),
            "routing_rules": len(data.ROUTING_RULES), "users": len(data.DEMO_USERS)}


def seed_demo() -> dict[str, int]:
    """Load the reference data, the demo's past (once) and the demo tickets; returns row counts."""
    counts = seed_reference()
    from hotline.demo.history import seed_history

    counts["history"] = seed_history()
    from hotline.demo.tickets import seed_tickets

    counts["tickets"] = seed_tickets()
    from hotline.demo.meetings import seed_meetings

    counts["meetings"] = seed_meetings()
    return counts
