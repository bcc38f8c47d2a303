"""Drill-down rows and their exports (CSV, XLSX) — from the same query as the figure.

Small exports are built in the request; a large one runs as a background job that
reports its progress and leaves the file under ``instance/exports`` for download.
"""
from __future__ import annotations

import csv
import io
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import get_locale
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hotline.audit import measures, texts
from hotline.audit.measures import MEASURES, Slice
from hotline.audit.periods import Period
from hotline.extensions import db
from hotline.labels import label
from hotline.tickets import confidential
from hotline.tickets.models import Assignment, Ticket

PAGE_LIMIT = 500
SYNC_LIMIT = 5000
BATCH = 1000

COMMON = texts.COMMON_COLUMNS
ENTITY_COLUMNS = texts.ENTITY_COLUMNS
RANKING_HEADERS = texts.RANKING_COLUMNS


def _options(model):
    opts = [selectinload(Ticket.category), selectinload(Ticket.district)]
    if model is Ticket:
        return opts
    return [selectinload(model.ticket).selectinload(Ticket.category),
            selectinload(model.ticket).selectinload(Ticket.district)] + (
        [selectinload(Assignment.department)] if model is Assignment else [])


def rows(key: str, period: Period, s: Slice, part: str, limit: int | None = None, offset: int = 0) -> list:
    """The entity rows behind a figure, newest ticket first."""
    q = measures.query(key, period, s, part)
    model = q.column_descriptions[0]["entity"]
    q = q.options(*_options(model)).order_by(Ticket.received_at.desc(), model.id.desc())
    if limit is not None:
        q = q.limit(limit).offset(offset)
    return list(db.session.scalars(q))


def count(key: str, period: Period, s: Slice, part: str) -> int:
    """How many rows the figure counts (equals the drill-down list's length)."""
    return db.session.scalar(select(func.count()).select_from(measures.query(key, period, s, part).subquery())) or 0


def headers(key: str) -> list[str]:
    """The column headers of a measure's export, in the current language."""
    return [str(h) for h, _ in COMMON + ENTITY_COLUMNS[MEASURES[key].entity]]


def ranking_headers() -> list[str]:
    """The ranking export's column headers, in the current language."""
    return [str(h) for h in RANKING_HEADERS]


def _fmt(value, tz: ZoneInfo):
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return texts.yes_no(value)
    if value is None:
        return ""
    text = str(getattr(value, "value", value))
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # never a live spreadsheet formula


def _common(ticket, locale: str) -> dict:
    """The ticket's columns, every code shown as its label in ``locale``."""
    return {"number": ticket.number, "received_at": ticket.received_at, "subject": confidential.subject(ticket),
            "kind": label(ticket.kind), "channel": label(ticket.channel),
            "category": ticket.category.name(locale) if ticket.category else "",
            "district": ticket.district.name(locale) if ticket.district else "",
            "status": label(ticket.status)}


def _entity_value(row, column: str, locale: str):
    """One assignment, callback or ticket column, codes shown as labels."""
    if column == "department":
        return row.department.name(locale)
    if column == "role":
        return label(row.role)
    if column == "assignment_status":
        return label(row.status)
    if column == "satisfaction":
        return label(row.satisfaction) if row.satisfaction else None
    if column == "routing_rule":
        return label(row.routing_rule) if row.routing_rule else None
    return getattr(row, column)


def values(row, entity: str, tz: ZoneInfo) -> list:
    """One export line, in the current language (ticket numbers and instants as they are)."""
    locale = str(get_locale() or "zh_CN")
    ticket = row if entity == "ticket" else row.ticket
    common = _common(ticket, locale)
    out = [_fmt(common[c], tz) for _, c in COMMON]
    out.extend(_fmt(_entity_value(row, column, locale), tz) for _, column in ENTITY_COLUMNS[entity])
    return out


def iter_lines(key: str, period: Period, s: Slice, part: str, progress=None) -> Iterator[list]:
    """Every export line, fetched in batches (``progress(done)`` is called after each batch)."""
    tz, entity, offset = ZoneInfo(current_app.config["TIMEZONE"]), MEASURES[key].entity, 0
    while True:
        batch = rows(key, period, s, part, limit=BATCH, offset=offset)
        for row in batch:
            yield values(row, entity, tz)
        offset += len(batch)
        if progress:
            progress(offset)
        if len(batch) < BATCH:
            return
        db.session.expunge_all()


def csv_stream(head: list[str], lines) -> Iterator[str]:
    """CSV text with a byte-order mark so Excel opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow(head)
    yield buffer.getvalue()
    for line in lines:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(line)
        yield buffer.getvalue()


def xlsx_bytes(title: str, head: list[str], lines) -> bytes:
    """An XLSX workbook (openpyxl, write-only for large lists)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("".join(c for c in str(title) if c not in "[]:*?/\\")[:31] or "export")
    ws.append(head)
    for line in lines:
        ws.append(line)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def ranking_lines(rows_) -> list[list]:
    """The ranking as export lines."""
    def pct(f):
        return "" if f.rate is None else f"{100 * f.rate:.1f}%"

    locale = str(get_locale() or "zh_CN")
    return [[r.rank or "", r.department.name(locale), pct(r.figures["response"]), pct(r.figures["resolution"]),
             pct(r.figures["satisfaction"]), "" if r.score is None else f"{r.score:.1f}",
             "" if r.change is None else f"{r.change:+.1f}"] for r in rows_]


def export_dir() -> Path:
    """Where background exports are kept."""
    path = Path(current_app.instance_path) / "exports"
    path.mkdir(parents=True, exist_ok=True)
    return path


def new_export_name(fmt: str) -> str:
    """A fresh, unguessable file name for a background export."""
    return f"{uuid.uuid4().hex}.{fmt}"
