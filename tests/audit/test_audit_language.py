"""The audit as its reader sees it: definitions written for people and translated, chart labels in the
user's language, the volume line stopping at today, and exports whose every code is a translated label."""
from __future__ import annotations

import csv
import io
import json
import re

import pytest
import time_machine
from openpyxl import load_workbook

from hotline.audit.measures import MEASURES
from hotline.demo.data import DEMO_PASSWORD
from tests.audit.test_measures import NOV, _mixed_month
from tests.escalation.conftest import local
from tests.factories import make_ticket

RAW_CODES = {"complaint", "report", "inquiry", "phone", "12345", "walk_in", "dispatched", "in_progress", "signed",
             "contacted", "lead", "co",
             "on_receipt", "joint", "True", "False"}


@pytest.fixture
def month_data(app):
    from hotline.demo.seed import seed_reference

    seed_reference()
    _mixed_month()


def _as(client, login, username: str, lang: str):
    if client.get("/login").status_code == 200:
        login(username, DEMO_PASSWORD)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").get_data(as_text=True))
    client.post(f"/language/{lang}", data={"csrf_token": token.group(1) if token else ""})


def _definition(html: str) -> str:
    return re.search(r'<p class="hint" id="definition">([^<]*)</p>', html).group(1)


@pytest.mark.parametrize("key", list(MEASURES))
def test_every_drill_down_defines_its_measure_in_the_readers_language(month_data, client, login, key):
    _as(client, login, "supervisor", "zh_CN")
    zh = _definition(client.get(f"/audit/drill?measure={key}&month={NOV}").get_data(as_text=True))
    assert zh and not re.search(r"[A-Za-z]{3,}", zh), zh  # Chinese prose, no English words
    assert MEASURES[key].doc not in zh
    _as(client, login, "supervisor", "en")
    en = _definition(client.get(f"/audit/drill?measure={key}&month={NOV}").get_data(as_text=True))
    assert en.startswith("Of ") and not re.search(r"[\u4e00-\u9fff]", en), en


def _rows_of_xlsx(data: bytes) -> list[tuple]:
    return list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))


def test_exports_carry_labels_in_the_users_language_not_codes(month_data, client, login):
    _as(client, login, "supervisor", "zh_CN")
    rows = _rows_of_xlsx(client.get(f"/audit/export?measure=sign_on_time&month={NOV}&format=xlsx").data)
    head, first = rows[0], dict(zip(rows[0], rows[1], strict=True))
    assert head[:4] == ("工单编号", "受理时间", "诉求标题", "诉求类型")
    assert first["受理渠道"] == "电话" and first["诉求类型"] == "投诉"
    assert first["主办/协办"] == "主办" and first["派单状态"] == "已签收"
    assert first["县（市、区）"] in ("", None) or re.search(r"[\u4e00-\u9fff]", first["县（市、区）"])
    assert not RAW_CODES & {str(v) for r in rows[1:] for v in r}
    _as(client, login, "supervisor", "en")
    text = client.get(f"/audit/export?measure=sign_on_time&month={NOV}&format=csv").data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    first = dict(zip(lines[0], lines[1], strict=True))
    assert lines[0][:4] == ["Ticket number", "Received at", "Subject", "Kind of matter"]
    assert first["Channel"] == "Phone" and first["Kind of matter"] == "Complaint"
    assert first["Lead or co-handler"] == "Lead" and first["State of the part"] == "Signed for"
    assert first["Category"] in ("Refusing to accept applications", "Factor supply: land, water, power, gas, finance",
                                 "Unpaid government debts to enterprises") or not re.search(r"[\u4e00-\u9fff]",
                                                                                             first["Category"])
    assert not re.search(r"[\u4e00-\u9fff]", first["Handling department"])
    assert not RAW_CODES & {v for line in lines[1:] for v in line}


def test_the_ranking_export_speaks_the_users_language(month_data, client, login):
    _as(client, login, "supervisor", "en")
    rows = _rows_of_xlsx(client.get(f"/audit/ranking/export?month={NOV}&format=xlsx").data)
    assert rows[0][:2] == ("Rank", "Handling department") and len(rows) >= 2
    assert not re.search(r"[\u4e00-\u9fff]", rows[1][1])
    _as(client, login, "supervisor", "zh_CN")
    rows = _rows_of_xlsx(client.get(f"/audit/ranking/export?month={NOV}&format=xlsx").data)
    assert rows[0][:2] == ("排名", "承办单位") and re.search(r"[\u4e00-\u9fff]", rows[1][1])


def test_a_background_export_is_written_in_the_requesters_language(month_data, app):
    from hotline.audit import exports
    from hotline.audit.jobs import build_export

    name = exports.new_export_name("csv")
    build_export(key="sign_on_time", month=NOV, slice_args={}, part="base", fmt="csv", name=name, locale="en")
    text = (exports.export_dir() / name).read_text(encoding="utf-8-sig")
    assert text.startswith("Ticket number,Received at") and ",Complaint," in text


def _canvas(html: str, chart_id: str) -> list:
    tag = re.search(rf'<canvas id="{chart_id}"[^>]*>', html).group(0)
    return json.loads(re.search(r"data-labels='([^']*)'", tag).group(1))


def test_chart_labels_are_in_the_users_language_and_the_volume_stops_today(month_data, client, login):
    with time_machine.travel(local(2026, 11, 20, 15, 0), tick=False):
        _as(client, login, "supervisor", "en")
        html = client.get(f"/audit/?month={NOV}").get_data(as_text=True)
        categories, districts, days = (_canvas(html, c) for c in ("chart-categories", "chart-districts",
                                                                  "chart-volume"))
        assert categories and not any(re.search(r"[\u4e00-\u9fff]", c) for c in categories), categories
        assert days[0] == "2026-11-01" and days[-1] == "2026-11-20"  # not the ten days still to come
        _as(client, login, "supervisor", "zh_CN")
        html = client.get(f"/audit/?month={NOV}").get_data(as_text=True)
        assert all(re.search(r"[\u4e00-\u9fff]", c) for c in _canvas(html, "chart-categories"))


def test_a_closed_month_plots_every_day(month_data, client, login):
    with time_machine.travel(local(2026, 12, 3, 10, 0), tick=False):
        _as(client, login, "supervisor", "zh_CN")
        days = _canvas(client.get(f"/audit/?month={NOV}").get_data(as_text=True), "chart-volume")
        assert len(days) == 30 and days[-1] == "2026-11-30"


def test_working_hours_never_break_between_number_and_unit(month_data, client, login):
    make_ticket(local(2026, 11, 10, 9, 0), caller_phone="13800000077")
    _as(client, login, "supervisor", "en")
    html = client.get(f"/audit/?month={NOV}").get_data(as_text=True)
    assert re.search(r"\d\.\d\u00a0h<", html) or re.search(r"\d\.\d&nbsp;h<", html)
