"""A large export runs as a background job, shows its progress, and downloads the same rows."""
from __future__ import annotations

import io

from openpyxl import load_workbook
from rq import SimpleWorker

from hotline.audit import exports, measures
from hotline.demo.data import DEMO_PASSWORD
from hotline.queue import get_queue, get_redis
from tests.audit.test_measures import NOV, _mixed_month, _period


def test_large_export_goes_to_the_background(app, client, login, monkeypatch):
    from hotline.demo.seed import seed_reference

    seed_reference()
    _mixed_month()
    monkeypatch.setattr(exports, "SYNC_LIMIT", 1)
    login("supervisor", DEMO_PASSWORD)
    response = client.get(f"/audit/export?measure=sign_on_time&part=base&month={NOV}&format=xlsx")
    assert response.status_code == 302 and "/audit/exports/" in response.headers["Location"]
    status_page = response.headers["Location"]
    name = status_page.rsplit("/", 1)[-1]
    assert client.get(f"/audit/exports/{name}.json").get_json()["status"] == "queued"
    SimpleWorker([get_queue("reports")], connection=get_redis()).work(burst=True)
    status = client.get(f"/audit/exports/{name}.json").get_json()
    base = measures.compute("sign_on_time", _period()).base
    assert status["status"] == "finished" and status["done"] == status["total"] == base
    sheet = load_workbook(io.BytesIO(client.get(status["url"]).data)).active
    assert sheet.max_row == base + 1


def test_someone_elses_export_is_not_found(app, client, login, make_user):
    make_user("supervisor", username="other")
    from tests.conftest import PASSWORD

    login("other", PASSWORD)
    assert client.get("/audit/exports/nope.xlsx.json").status_code == 404
