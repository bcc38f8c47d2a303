"""The supervisors' dashboard renders in a real browser with the demo city, charts drawn."""
from __future__ import annotations

import pytest

from hotline.demo.seed import seed_demo
from tests.browser.conftest import log_in
from tests.conftest import snap

pytestmark = pytest.mark.browser


def test_dashboard_with_demo_data(app, live_server, page):
    seed_demo()
    log_in(page, live_server, "supervisor")
    page.goto(f"{live_server}/audit/")
    page.wait_for_function("document.querySelectorAll('canvas').length === 3 && "
                           "Array.from(document.querySelectorAll('canvas'))"
                           ".every(c => c.width > 0 && Chart.getChart(c))")
    figures = page.locator(".figure")
    assert figures.count() == 10  # on the spot moved into the inquiry table
    assert "%" in figures.first.inner_text()
    assert page.locator("table.ranking tbody tr").count() > 3
    snap(page, "dashboard")
    page.click(".figure >> nth=0")
    page.wait_for_url("**/audit/drill?**")
    assert page.locator("table.drill tbody tr").count() > 0
    snap(page, "dashboard-drill")
    page.goto(f"{live_server}/audit/ranking/report")
    page.emulate_media(media="print")
    snap(page, "ranking-report-print")
