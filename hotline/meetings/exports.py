"""A meeting's minutes as an XLSX workbook (openpyxl), in Chinese headings; confidential tickets
appear without the caller's identity."""
from __future__ import annotations

from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from hotline import citytime
from hotline.labels import label
from hotline.tickets import confidential

HEAD = ("序号", "工单编号", "事项", "企业", "会议结论", "决定事项", "责任单位", "完成标准", "办结时限", "状态")


def _local(instant) -> str:
    return citytime.local(instant).strftime("%Y-%m-%d %H:%M") if instant else ""


def minutes_workbook(meeting) -> BytesIO:
    """The minutes: the meeting's facts, then one row per decision (or per matter without one)."""
    book = Workbook()
    sheet = book.active
    sheet.title = "会议纪要"
    sheet.append([f"{label(meeting.kind)}：{meeting.title}"])
    sheet["A1"].font = Font(bold=True, size=14)
    sheet.append(["召集人", meeting.convener.display_name, "时间", _local(meeting.held_at), "地点", meeting.place])
    sheet.append(["参会单位", "、".join(d.name_zh for d in meeting.departments)])
    sheet.append(["参会企业", meeting.enterprises])
    sheet.append(["参会人员", meeting.attendees])
    sheet.append(["纪要", meeting.minutes])
    sheet.append([])
    sheet.append(list(HEAD))
    for cell in sheet[sheet.max_row]:
        cell.font = Font(bold=True)
    for n, item in enumerate(meeting.items, 1):
        ticket = item.ticket
        enterprise = ticket.enterprise_name if not ticket.confidential else "匿名"
        base = [n, ticket.number, confidential.subject(ticket), enterprise, label(item.outcome)]
        if not item.decisions:
            sheet.append(base + ["", "", "", "", ""])
        for d in item.decisions:
            sheet.append(base + [d.text, d.department.name_zh, d.done_means, _local(d.due_at),
                                 label(d.status)])
    for column, width in zip("ABCDEFGHIJ", (6, 16, 36, 24, 14, 40, 22, 30, 18, 10)):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=8):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    out = BytesIO()
    book.save(out)
    out.seek(0)
    return out
