"""Listing the directory for pages that choose from it (every department or district, inactive too)."""
from __future__ import annotations

from sqlalchemy import select

from hotline.directory.models import Department, District
from hotline.extensions import db


def departments() -> list[Department]:
    """Every department, active first, by kind and name."""
    return list(db.session.scalars(
        select(Department).order_by(Department.active.desc(), Department.kind, Department.name_zh)))


def districts() -> list[District]:
    """Every district in the city's order."""
    return list(db.session.scalars(select(District).order_by(District.position, District.id)))
