"""Reference data an admin maintains: districts, departments, categories, policies, routing table."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.db import UTCDateTime, enum_column, utcnow
from hotline.enums import N_, LabelledEnum
from hotline.extensions import db


class DepartmentKind(LabelledEnum):
    """What sort of body a department is."""

    CITY_DEPARTMENT = "city_department", N_("City department")
    COUNTY = "county", N_("County or district")
    DEVELOPMENT_ZONE = "development_zone", N_("Development zone")
    DISCIPLINE_COMMISSION = "discipline_commission", N_("Discipline commission")
    PUBLIC_UTILITY = "public_utility", N_("Public utility")
    HOTLINE_CENTRE = "hotline_centre", N_("Hotline centre")


class District(db.Model):
    """A county-level division (区县) of the city; tickets are filed under one."""

    __tablename__ = "districts"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(60), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    position: Mapped[int] = mapped_column(Integer, default=0)

    def name(self, locale: str) -> str:
        """The district's name in ``locale``."""
        return self.name_en if locale.startswith("en") else self.name_zh


class Department(db.Model):
    """A body that handles tickets (承办单位): a city department, a county, the discipline commission…"""

    __tablename__ = "departments"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DepartmentKind] = mapped_column(enum_column(DepartmentKind, "department_kind"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("districts.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    district: Mapped[District | None] = relationship()

    def name(self, locale: str) -> str:
        """The department's name in ``locale``."""
        return self.name_en if locale.startswith("en") else self.name_zh


class TimeLimitPolicy(db.Model):
    """A named set of time limits (see :class:`hotline.worktime.limits.Policy`), stored as JSON."""

    __tablename__ = "time_limit_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    limits: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class Category(db.Model):
    """A kind of matter (诉求分类) with its default departments and time-limit policy."""

    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(120), unique=True)
    name_en: Mapped[str] = mapped_column(String(200))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[str] = mapped_column(Text, default="")
    is_misconduct: Mapped[bool] = mapped_column(Boolean, default=False)
    # 属地管理: a matter with a place is led by that county's or zone's government (True), or by the
    # category's competent bureau wherever it happens (False: e.g. a tax refund goes to the tax bureau)
    territorial: Mapped[bool] = mapped_column(Boolean, default=True)
    default_kind: Mapped[str] = mapped_column(String(20), default="complaint")
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("time_limit_policies.id"))
    position: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    policy: Mapped[TimeLimitPolicy | None] = relationship()
    department_links: Mapped[list[CategoryDepartment]] = relationship(
        order_by="CategoryDepartment.position", cascade="all, delete-orphan"
    )

    def name(self, locale: str) -> str:
        """The category's name in ``locale``."""
        return self.name_en if locale.startswith("en") else self.name_zh


class CategoryDepartment(db.Model):
    """A default department of a category; position 0 is the default lead."""

    __tablename__ = "category_departments"
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    department: Mapped[Department] = relationship()


class RoutingRule(db.Model):
    """A line of the admin-editable routing table: keywords in the matter → a department."""

    __tablename__ = "routing_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    keywords: Mapped[str] = mapped_column(String(400))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    priority: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    department: Mapped[Department] = relationship()

    def keyword_list(self) -> tuple[str, ...]:
        """The keywords, split on commas (ASCII or Chinese) and whitespace."""
        return self.split_keywords(self.keywords)

    @staticmethod
    def split_keywords(text: str) -> tuple[str, ...]:
        """Split a keyword list on commas (ASCII or Chinese), 、 and whitespace."""
        text = text.replace("，", ",").replace("、", ",")
        return tuple(k.strip() for k in text.replace(" ", ",").split(",") if k.strip())


from hotline.directory import generation  # noqa: E402,F401  (registers the generation hooks with every model)
