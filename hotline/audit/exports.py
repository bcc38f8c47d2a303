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
from openpyxl import Workbook
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from hotline.audit import measures
from hotline.audit.measures import MEASURES, Slice
from hotline.audit.periods import Period
from hotline.extensions import db
from hotline.tickets import confidential
from hotline.tickets.models import Assignment, Ticket

PAGE_LIMIT = 500
SYNC_LIMIT = 5000
BATCH = 1000

COMMON = [("工单编号", "number"), ("受理时间", "received_at"), ("诉求标题", "subject"), ("诉求类型", "kind"),
          ("诉求分类", "category"), ("县（市、区）", "district"), ("工单状态", "status")]
ENTITY_COLUMNS = {
    "assignment": [("承办单位", "department"), ("主办/协办", "role"), ("派单时间", "dispatched_at"),
                   ("签收时限", "sign_due_at"), ("签收时间", "signed_at"), ("联系时限", "contact_due_at"),
                   ("首次联系", "first_contact_at"), ("办结时限", "resolve_due_at"), ("提交时间", "submitted_at"),
                   ("派单状态", "assignment_status")],
    "callback": [("回访时间", "at"), ("第几次回访", "attempt"), ("是否联系上", "reached"), ("是否解决", "solved"),
                 ("满意度", "satisfaction")],
    "ticket": [("重办次数", "reopen_count"), ("督办级别", "supervision_level"), ("受理方式", "routing_rule")],
}
RANKING_HEADERS = ["名次", "承办单位", "响应率", "解决率", "满意率", "综合得分", "较上期"]


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
    """Chinese column headers of a measure's export."""
    return [h for h, _ in COMMON + ENTITY_COLUMNS[MEASURES[key].entity]]


def _fmt(value, tz: ZoneInfo):
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    if isinstance(value, bool):
        return "是" if value else "否"
    if value is None:
        return ""
    text = str(getattr(value, "value", value))
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text  # never a live spreadsheet formula


def values(row, entity: str, tz: ZoneInfo) -> list:
    """One export line."""
    ticket = row if entity == "ticket" else row.ticket
    common = {"number": ticket.number, "received_at": ticket.received_at, "subject": confidential.subject(ticket),
              "kind": ticket.kind, "category": ticket.category.name_zh if ticket.category else "",
              "district": ticket.district.name_zh if ticket.district else "", "status": ticket.status}
    out = [_fmt(common[c], tz) for _, c in COMMON]
    for _, column in ENTITY_COLUMNS[entity]:
        if column == "department":
            value = row.department.name_zh
        elif column == "assignment_status":
            value = row.status
        else:
            value = getattr(row, column)
        out.append(_fmt(value, tz))
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
    ws = wb.create_sheet(title[:31])
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

    return [[r.rank or "", r.department.name_zh, pct(r.figures["response"]), pct(r.figures["resolution"]),
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
