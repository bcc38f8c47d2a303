"""Admin settings for working time: working hours, the working calendar, time-limit policies.

Plain functions taking plain values; each one that writes owns its transaction. The rules
themselves stay in :mod:`hotline.worktime.clock` and :mod:`hotline.worktime.limits`.

A change that alters the rules of time — the working hours, the days of a known year (bundled,
or marked complete), a year's complete mark, a policy in use or a category's policy — records a
deadline recomputation in the same transaction and enqueues it after the commit
(:mod:`hotline.escalation.recompute`). Days entered for a year not yet marked complete are a
draft: they change nothing until the year is marked complete.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import chinese_calendar
from flask import current_app
from sqlalchemy import delete, func, select

from hotline.auth.models import User
from hotline.db import transactional, utcnow
from hotline.directory.models import Category, TimeLimitPolicy
from hotline.escalation import recompute
from hotline.extensions import db
from hotline.worktime.calendar import WORKING_HOURS_KEY, work_calendar, year_is_known
from hotline.worktime.clock import WorkingHours, default_official_years
from hotline.worktime.limits import Policy
from hotline.worktime.models import CalendarDay, CalendarYear, Setting

NOTE_MAX = 120  # length of CalendarDay.note
_TIME = r"(?:[01]\d|2[0-3]):[0-5]\d"
_PERIOD = re.compile(rf"^\s*{_TIME}\s*-\s*{_TIME}\s*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_CODE = re.compile(r"^[a-z0-9_-]{1,40}$")
_SEPARATOR = re.compile(r"\s*[,\t，]\s*|\s+")  # comma (ASCII or full-width), tab, or spaces
_KINDS = {"work": True, "off": False}
_HEADER = {"date", "日期"}


class SettingsError(ValueError):
    """A setting is refused; ``code`` says why, ``field`` which form field, ``params`` the details."""

    def __init__(self, code: str, field: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code, self.field, self.params = code, field, params


class CalendarLineError(ValueError):
    """One bad line of a calendar upload: its 1-based ``line``, a ``code`` and ``params``."""

    def __init__(self, line: int, code: str, **params: Any) -> None:
        super().__init__(f"line {line}: {code}")
        self.line, self.code, self.params = line, code, params


class CalendarUploadRefused(ValueError):
    """A calendar upload with bad lines; nothing was saved. ``errors`` lists every bad line.

    ``code`` and ``line`` repeat the first error (``line`` is 0 for the upload as a whole).
    """

    def __init__(self, errors: list[CalendarLineError]) -> None:
        super().__init__("; ".join(str(e) for e in errors))
        self.errors = errors
        self.code, self.line = errors[0].code, errors[0].line


class PolicyRefused(ValueError):
    """Policy values that :meth:`Policy.from_dict` refuses; ``errors`` maps form field → code."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(sorted(errors)))
        self.errors = errors


# --- working hours (工作时间) ---------------------------------------------------------------------


def parse_working_hours(text: str) -> WorkingHours:
    """Parse ``"08:30-12:00,14:30-18:00"`` in the app's time zone.

    Raises :class:`SettingsError` with code ``empty``, ``bad_period`` (``period`` names the
    chunk that is not ``HH:MM-HH:MM``) or ``period_order`` (inverted, overlapping, unordered).
    """
    text = (text or "").strip()
    if not text:
        raise SettingsError("empty", "periods")
    for chunk in text.split(","):
        if not _PERIOD.match(chunk):
            raise SettingsError("bad_period", "periods", period=chunk.strip())
    try:
        return WorkingHours.parse(text, current_app.config["TIMEZONE"])
    except ValueError:
        raise SettingsError("period_order", "periods") from None


def _commit(cause: dict[str, Any] | None, user_id: int | None) -> None:
    """Commit the change; when it altered the rules of time, with a recomputation enqueued after."""
    run = recompute.request(cause, user_id) if cause else None
    db.session.commit()
    if run is not None:
        recompute.start(run.id)


def save_working_hours(text: str, user_id: int | None = None) -> WorkingHours:
    """Store the working hours in Setting ``working_hours`` as ``{"periods": "08:30-12:00,…"}``.

    New hours move the open deadlines (a recomputation is enqueued).
    """
    hours = parse_working_hours(text)
    row = db.session.get(Setting, WORKING_HOURS_KEY)
    before = WorkingHours.parse(row.value["periods"]).format() if row is not None else WorkingHours().format()
    value = {"periods": hours.format()}
    if row is None:
        db.session.add(Setting(key=WORKING_HOURS_KEY, value=value))
    else:
        row.value = value
    _commit({"kind": "hours"} if hours.format() != before else None, user_id)
    return hours


# --- the working calendar (工作日历) --------------------------------------------------------------


@dataclass(frozen=True)
class CalendarEntry:
    """A day that differs from Monday–Friday, or that an admin entered.

    ``source`` is ``"admin"`` or ``"official"`` (bundled data); ``note`` is the admin's note or
    the official holiday's English name.
    """

    day: date
    is_workday: bool
    source: str
    note: str
    entered_by: str | None = None
    entered_at: datetime | None = None


@dataclass(frozen=True)
class YearCalendar:
    """The effective calendar of a year, as the clock sees it, month by month.

    ``complete`` is the admin's mark (with who set or cleared it, and when); a year neither
    ``bundled`` nor complete has no official data: its admin days are a draft.
    """

    year: int
    bundled: bool
    has_official_data: bool
    admin_days: int
    months: list[tuple[int, list[CalendarEntry]]]
    complete: bool = False
    marked_by: str | None = None
    marked_at: datetime | None = None

    @property
    def entries_count(self) -> int:
        """How many days are listed in all months."""
        return sum(len(entries) for _month, entries in self.months)


@dataclass(frozen=True)
class CalendarLine:
    """A parsed line of an upload."""

    line: int
    day: date
    is_workday: bool
    note: str


def year_calendar(year: int) -> YearCalendar:
    """The effective calendar of ``year``: official data with admin days applied over it."""
    calendar = work_calendar()
    rows = db.session.execute(
        select(CalendarDay, User.display_name).outerjoin(User, User.id == CalendarDay.entered_by_id)
        .where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))).all()
    admin = {row.day: (row, name) for row, name in rows}
    months: dict[int, list[CalendarEntry]] = {m: [] for m in range(1, 13)}
    for day in _days_of(year):
        if day in admin:
            row, name = admin[day]
            entry = CalendarEntry(day, row.is_workday, "admin", row.note, name, row.entered_at)
        elif calendar.is_workday(day) != (day.weekday() < 5):
            name = chinese_calendar.holidays.get(day) or chinese_calendar.workdays.get(day) or ""
            entry = CalendarEntry(day, calendar.is_workday(day), "official", name)
        else:
            continue
        months[day.month].append(entry)
    mark = db.session.execute(select(CalendarYear, User.display_name).outerjoin(
        User, User.id == CalendarYear.changed_by_id).where(CalendarYear.year == year)).first()
    return YearCalendar(year, year in default_official_years(), calendar.has_official_data(year),
                        len(admin), list(months.items()), complete=bool(mark and mark[0].complete),
                        marked_by=mark[1] if mark else None, marked_at=mark[0].changed_at if mark else None)


def _days_of(year: int) -> Iterator[date]:
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


def _year_days(year: int) -> dict[date, bool]:
    """The admin-entered days of ``year``: day → working day."""
    return dict(db.session.execute(select(CalendarDay.day, CalendarDay.is_workday).where(
        CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31)))).all())


def _calendar_cause(year: int, before: dict[date, bool]) -> dict[str, Any] | None:
    """The recomputation a change of ``year``'s days calls for: only in a known year, only if a day changed."""
    db.session.flush()
    if not year_is_known(year) or _year_days(year) == before:
        return None
    return {"kind": "calendar", "year": year}


def set_calendar_day(day: date, is_workday: bool, note: str, user_id: int | None) -> CalendarDay:
    """Enter or change one day (working day or day off) and record who entered it."""
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise SettingsError("note_too_long", "note", max=NOTE_MAX)
    before = _year_days(day.year)
    row = db.session.get(CalendarDay, day) or CalendarDay(day=day)
    _fill(row, is_workday, note, user_id)
    db.session.add(row)
    _commit(_calendar_cause(day.year, before), user_id)
    return row


def remove_calendar_day(day: date, user_id: int | None = None) -> None:
    """Remove an admin-entered day; the official data (or Monday–Friday) applies again."""
    row = db.session.get(CalendarDay, day)
    if row is None:
        raise SettingsError("no_such_day", day=day)
    before = _year_days(day.year)
    db.session.delete(row)
    _commit(_calendar_cause(day.year, before), user_id)


def set_year_complete(year: int, complete: bool, user_id: int | None) -> bool:
    """Mark a year's entered calendar complete (its days then apply) or incomplete again (Monday–Friday).

    Either way the rules of time change and the open deadlines are recomputed. Years the
    bundled official data covers need no mark (``bundled_year``). Returns whether it changed.
    """
    if year in default_official_years():
        raise SettingsError("bundled_year", year=year)
    row = db.session.get(CalendarYear, year)
    if row is not None and row.complete == complete or row is None and not complete:
        return False
    row = row or CalendarYear(year=year)
    row.complete, row.changed_by_id, row.changed_at = complete, user_id, utcnow()
    db.session.add(row)
    _commit({"kind": "calendar", "year": year}, user_id)
    return True


def _fill(row: CalendarDay, is_workday: bool, note: str, user_id: int | None) -> None:
    row.is_workday, row.note, row.entered_by_id = is_workday, note, user_id
    row.entered_at = utcnow()


def upload_calendar(year: int, *, text: str | None = None, csv_bytes: bytes | None = None,
                    user_id: int | None, replace: bool = False) -> int:
    """Enter a year's holidays and make-up working days (调休) from lines or a CSV file.

    All or nothing: any bad line raises :class:`CalendarUploadRefused` and nothing changes.
    With ``replace`` the year's earlier admin days are removed first. Returns the day count.
    """
    lines = parse_calendar_csv(csv_bytes, year) if csv_bytes is not None else parse_calendar_text(text or "", year)
    before = _year_days(year)
    if replace:
        db.session.execute(delete(CalendarDay).where(CalendarDay.day.between(date(year, 1, 1), date(year, 12, 31))))
    existing = {row.day: row for row in db.session.scalars(
        select(CalendarDay).where(CalendarDay.day.in_([entry.day for entry in lines])))}
    for entry in lines:
        row = existing.get(entry.day) or CalendarDay(day=entry.day)
        _fill(row, entry.is_workday, entry.note, user_id)
        db.session.add(row)
    _commit(_calendar_cause(year, before), user_id)  # one transaction: every day of the upload, or none
    return len(lines)


def parse_calendar_text(text: str, year: int) -> list[CalendarLine]:
    """Parse lines ``2027-01-01 off 元旦`` (spaces, tabs or commas between the columns)."""
    rows = ((n, _SEPARATOR.split(raw.strip(), maxsplit=2)) for n, raw in enumerate(text.splitlines(), 1))
    return _parse_rows(rows, year)


def parse_calendar_csv(data: bytes, year: int) -> list[CalendarLine]:
    """Parse a CSV file with the columns date, ``work``/``off``, note (UTF-8 or GB18030)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")  # what Excel on a Chinese Windows saves
        except UnicodeDecodeError:
            raise CalendarUploadRefused([CalendarLineError(0, "encoding")]) from None
    try:
        rows = [(n, [cell.strip() for cell in cells]) for n, cells in enumerate(csv.reader(io.StringIO(text)), 1)]
    except csv.Error:
        raise CalendarUploadRefused([CalendarLineError(0, "not_csv")]) from None
    return _parse_rows(((n, _drop_trailing_blanks(cells)) for n, cells in rows), year)


def _drop_trailing_blanks(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells = cells[:-1]
    return cells


def _parse_rows(rows: Iterable[tuple[int, list[str]]], year: int) -> list[CalendarLine]:
    """Check every row; raise :class:`CalendarUploadRefused` naming each bad line."""
    parsed: list[CalendarLine] = []
    errors: list[CalendarLineError] = []
    seen: dict[date, int] = {}
    first = True
    for number, cells in rows:
        if not cells or not cells[0] or cells[0].startswith("#"):
            continue
        if first and cells[0].lower() in _HEADER:
            first = False
            continue
        first = False
        try:
            entry = _parse_row(number, cells, year)
        except CalendarLineError as exc:
            errors.append(exc)
            continue
        if entry.day in seen:
            errors.append(CalendarLineError(number, "duplicate", day=entry.day, first=seen[entry.day]))
            continue
        seen[entry.day] = number
        parsed.append(entry)
    if not errors and not parsed:
        errors.append(CalendarLineError(0, "empty"))
    if errors:
        raise CalendarUploadRefused(errors)
    return parsed


def _parse_row(number: int, cells: list[str], year: int) -> CalendarLine:
    if len(cells) not in (2, 3):
        raise CalendarLineError(number, "columns", text=",".join(cells))
    raw_day, raw_kind, note = cells[0], cells[1].lower(), (cells[2] if len(cells) == 3 else "").strip()
    try:
        if not _DATE.match(raw_day):
            raise ValueError(raw_day)
        day = date.fromisoformat(raw_day)
    except ValueError:
        raise CalendarLineError(number, "bad_date", text=raw_day) from None
    if day.year != year:
        raise CalendarLineError(number, "wrong_year", text=raw_day, year=year)
    if raw_kind not in _KINDS:
        raise CalendarLineError(number, "bad_kind", text=cells[1])
    if len(note) > NOTE_MAX:
        raise CalendarLineError(number, "note_too_long", max=NOTE_MAX)
    return CalendarLine(number, day, _KINDS[raw_kind], note)


# --- time-limit policies (办理时限) ---------------------------------------------------------------


@dataclass(frozen=True)
class PolicyField:
    """A form field of a policy: where its value sits in ``Policy.to_dict()`` and what it is.

    ``kind`` is ``limit`` (the amount of a :class:`Limit`, in the default's unit), ``count``
    (an integer of at least ``minimum``, as :class:`Policy` requires) or ``percent``
    (``warn_ratio`` × 100).
    """

    name: str
    path: tuple[str, ...]
    kind: str = "limit"
    minimum: int = 0


POLICY_FIELDS = (
    PolicyField("dispatch_days", ("dispatch",)),
    PolicyField("sign_minutes", ("sign",)),
    PolicyField("contact_normal_minutes", ("contact", "normal")),
    PolicyField("contact_urgent_minutes", ("contact", "urgent")),
    PolicyField("contact_emergency_minutes", ("contact", "emergency")),
    PolicyField("return_window_days", ("return_window",)),
    PolicyField("resolve_days", ("resolve",)),
    PolicyField("joint_resolve_days", ("joint_resolve",)),
    PolicyField("co_answer_days", ("co_answer",)),
    PolicyField("max_extensions", ("max_extensions",), "count"),
    PolicyField("max_extension_days", ("max_extension_days",), "count", 1),
    PolicyField("callback_days", ("callback",)),
    PolicyField("callback_attempts", ("callback_attempts",), "count", 1),
    PolicyField("supervision_level_days", ("supervision_level",)),
    PolicyField("warn_percent", ("warn_ratio",), "percent"),
)


def _get(data: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _set(data: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _number(value: float | int) -> float | int:
    """``3.0`` → ``3`` so integers stay integers in JSON and in the form."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def policy_values(limits: Mapping[str, Any] | None) -> dict[str, float | int]:
    """The form's values for stored ``limits`` (missing keys take the defaults).

    Raises :class:`SettingsError` ``stored_invalid`` if the stored JSON is not a valid policy,
    ``unit_mismatch`` if a limit is stored in another unit than the form edits.
    """
    try:
        stored = Policy.from_dict(limits or {}).to_dict()
    except (ValueError, TypeError):
        raise SettingsError("stored_invalid") from None
    defaults = Policy().to_dict()
    values: dict[str, float | int] = {}
    for f in POLICY_FIELDS:
        value = _get(stored, f.path)
        if f.kind == "limit":
            if value["unit"] != _get(defaults, f.path)["unit"]:
                raise SettingsError("unit_mismatch", f.name, unit=value["unit"])
            value = value["amount"]
        elif f.kind == "percent":
            value = round(value * 100, 6)
        values[f.name] = _number(value)
    return values


def limits_from_values(values: Mapping[str, float | int | None]) -> dict[str, Any]:
    """``Policy.to_dict()`` of the form's values, each validated through :meth:`Policy.from_dict`.

    Raises :class:`PolicyRefused` naming every refused field.
    """
    defaults = Policy().to_dict()
    candidate = Policy().to_dict()
    errors: dict[str, str] = {}
    for f in POLICY_FIELDS:
        raw = values.get(f.name)
        if raw is None:
            errors[f.name] = "missing"
            continue
        raw = _number(raw)
        if f.kind == "limit":
            value: Any = {"amount": raw, "unit": _get(defaults, f.path)["unit"]}
        elif f.kind == "percent":
            value = _number(round(raw / 100, 8))
        else:
            value = raw
        alone = Policy().to_dict()
        _set(alone, f.path, value)
        try:
            Policy.from_dict(alone)
        except ValueError:
            errors[f.name] = f.kind
        _set(candidate, f.path, value)
    if errors:
        raise PolicyRefused(errors)
    try:
        return Policy.from_dict(candidate).to_dict()
    except ValueError:
        raise PolicyRefused({"__all__": "policy"}) from None


def policies() -> list[tuple[TimeLimitPolicy, int]]:
    """Every policy by code, with how many categories use it."""
    used = func.count(Category.id)
    return [(p, n) for p, n in db.session.execute(
        select(TimeLimitPolicy, used).outerjoin(Category, Category.policy_id == TimeLimitPolicy.id)
        .group_by(TimeLimitPolicy.id).order_by(TimeLimitPolicy.code))]


@transactional
def save_policy(policy_id: int | None, *, code: str, name: str,
                values: Mapping[str, float | int | None], user_id: int | None = None) -> TimeLimitPolicy:
    """Create (``policy_id`` None) or update a policy; codes are unique, limits validated.

    New limits for a policy that categories use move their open deadlines (a recomputation).
    """
    code, name = (code or "").strip(), (name or "").strip()
    policy = db.session.get(TimeLimitPolicy, policy_id) if policy_id else TimeLimitPolicy()
    if policy is None:
        raise SettingsError("no_such_policy")
    if not _CODE.match(code):
        raise SettingsError("bad_code", "code")
    if not name:
        raise SettingsError("name_required", "name")
    clash = db.session.scalar(select(TimeLimitPolicy.id).where(TimeLimitPolicy.code == code))
    if clash and clash != policy.id:
        raise SettingsError("duplicate_code", "code")
    limits = limits_from_values(values)
    moved = policy.id is not None and not _same_limits(policy.limits, limits) and \
        db.session.scalar(select(Category.id).where(Category.policy_id == policy.id).limit(1)) is not None
    policy.limits = limits
    policy.code, policy.name = code, name
    db.session.add(policy)
    _commit({"kind": "policy", "policy_id": policy.id, "code": code} if moved else None, user_id)
    return policy


def _same_limits(stored: Mapping[str, Any] | None, limits: Mapping[str, Any]) -> bool:
    """Whether ``limits`` are the rules already stored (unreadable stored limits never are)."""
    try:
        return Policy.from_dict(stored or {}) == Policy.from_dict(limits)
    except (ValueError, TypeError):
        return False


def categories() -> list[Category]:
    """Every category in the hotline's order, active first."""
    return list(db.session.scalars(
        select(Category).order_by(Category.active.desc(), Category.position, Category.id)))


def assign_policies(assignments: Mapping[int, int | None], user_id: int | None = None,
                    territorial: Mapping[int, bool] | None = None) -> int:
    """Set each category's policy (None: the built-in defaults) and, when given, whether the place
    leads its matters (``territorial``; False: its competent bureau, wherever they happen); returns
    how many categories changed.

    The open deadlines of the categories whose policy changed are recomputed; who leads applies to
    the routing of new tickets only.
    """
    known = set(db.session.scalars(select(TimeLimitPolicy.id)))
    unknown = {p for p in assignments.values() if p is not None} - known
    if unknown:
        raise SettingsError("no_such_policy")
    changed = []
    rows = db.session.scalars(select(Category).where(Category.id.in_(list(assignments))).order_by(Category.id)).all()
    leads_changed = 0
    for category in rows:
        if category.policy_id != assignments[category.id]:
            category.policy_id = assignments[category.id]
            changed.append(category)
        if territorial is not None and category.id in territorial and \
                category.territorial != territorial[category.id]:
            category.territorial = territorial[category.id]
            leads_changed += category not in changed
    cause = {"kind": "categories", "category_ids": [c.id for c in changed],
             "codes": [c.code for c in changed]} if changed else None
    _commit(cause, user_id)
    return len(changed) + leads_changed
