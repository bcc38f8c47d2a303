"""Admin services for departments (users live in :mod:`hotline.auth.services`)."""
from __future__ import annotations

from sqlalchemy import func, select

from hotline.auth.services import UserError
from hotline.db import transactional
from hotline.directory.models import Department, DepartmentKind, District
from hotline.extensions import db
from hotline.http import MAX_ID


@transactional
def save_department(dept: Department | None, *, code: str, name_zh: str, name_en: str, kind: str,
                    district_id: int | None, active: bool) -> Department:
    """Create (``dept`` None) or update a department; codes and Chinese names are unique."""
    for column, value, field in ((Department.code, code, "code"), (Department.name_zh, name_zh, "name_zh")):
        clash = db.session.scalar(select(Department.id).where(func.lower(column) == value.strip().lower()))
        if clash and (dept is None or clash != dept.id):
            raise UserError("duplicate", field)
    if district_id is not None and (not 0 < district_id <= MAX_ID or db.session.get(District, district_id) is None):
        raise UserError("unknown_district", "district_id")
    dept = dept or Department()
    dept.code, dept.name_zh, dept.name_en = code.strip(), name_zh.strip(), name_en.strip()
    dept.kind = DepartmentKind(kind)
    dept.district_id = district_id
    dept.active = active
    db.session.add(dept)
    return dept
