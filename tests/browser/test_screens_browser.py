"""The main screens as their users see them at 1366×768, in Chinese and in English, on the demo city with
its past: the audit's definitions, chart labels, volume line and units; a navigation on one line; a
screenshot of intake, workbench, supervision case, dashboard and drill-down in test-artifacts/; and an
axe-core accessibility pass with no serious or critical violation."""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from hotline.demo.seed import seed_demo
from hotline.extensions import db
from hotline.tickets.models import Ticket
from tests.browser.conftest import VIEWPORT, log_in
from tests.conftest import ARTIFACTS, snap, type_on_arrival

pytestmark = pytest.mark.browser
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def demo(app):
    seed_demo()
    return app


def _session(browser, live_server, username: str, lang: str):
    """A 1366×768 page logged in as ``username`` in ``lang``, collecting console errors."""
    context = browser.new_context(locale="en-US" if lang == "en" else "zh-CN", viewport=VIEWPORT, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    page.errors = []
    page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    log_in(page, live_server, username)
    current = page.get_attribute("html", "lang")
    if (lang == "en") != (current == "en"):
        # The switch is a form POST answered by a redirect to the same address: wait for that page to load
        # (a predicate run on the document mid-navigation can find no document element at all).
        with page.expect_navigation(wait_until="load"):
            page.click(".userbox button[lang]")
        expect(page.locator("html")).to_have_attribute("lang", "en" if lang == "en" else "zh-CN")
    return context, page


def _snap_views(page, name: str) -> None:
    """The whole page (snap) and what a 1366×768 screen shows of it, under test-artifacts/."""
    snap(page, name)
    page.screenshot(path=str(ARTIFACTS / f"{name}-1366x768.png"))


def _in_viewport(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + min(box["height"], 40) <= VIEWPORT["height"]


def _nav_on_one_line(page) -> bool:
    tops = page.eval_on_selector_all(".mainnav a", "els => els.map(e => Math.round(e.getBoundingClientRect().top))")
    return len(set(tops)) == 1


def _chart(page, canvas_id: str) -> dict:
    return page.evaluate("""id => { const c = Chart.getChart(document.getElementById(id));
        const axis = c.options.indexAxis === 'y' ? c.scales.y : c.scales.x;
        return {labels: c.data.labels, ticks: axis.ticks.map(t => t.label)}; }""", canvas_id)


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_dashboard_and_drill_down_as_the_supervisor_sees_them(demo, live_server, browser, lang):
    context, page = _session(browser, live_server, "supervisor", lang)
    assert _nav_on_one_line(page)
    page.goto(f"{live_server}/audit/")
    page.wait_for_function("Array.from(document.querySelectorAll('canvas')).every(c => Chart.getChart(c))")
    for chart_id in ("chart-categories", "chart-districts"):
        chart = _chart(page, chart_id)
        assert len(chart["labels"]) >= 5 and chart["ticks"] == chart["labels"]  # every bar labelled
        assert all(bool(CJK.search(label)) == (lang == "zh_CN") for label in chart["labels"]), chart["labels"]
    today = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%m-%d")
    assert _chart(page, "chart-volume")["labels"][-1] == today  # nothing plotted after today
    cells = page.locator("#durations td.num", has_text=re.compile(r"\d\.\d"))
    assert cells.count() >= 3
    for i in range(cells.count()):  # "1.0 小时" / "1.0 h" on one line
        lines = cells.nth(i).evaluate("e => { const r = document.createRange(); r.selectNodeContents(e); "
                                      "return new Set(Array.from(r.getClientRects())"
                                      ".map(b => Math.round(b.top))).size; }")
        assert lines == 1, cells.nth(i).inner_text()
    assert page.locator("#demo-note").is_visible()
    _snap_views(page, f"screen-dashboard-{lang}")
    page.click(".figure >> nth=0")
    page.wait_for_url("**/audit/drill?**")
    definition = page.locator("#definition").inner_text()
    assert _in_viewport(page, "#definition")
    if lang == "zh_CN":
        assert CJK.search(definition) and not re.search(r"[A-Za-z]{3,}", definition), definition
    else:
        assert definition.startswith("Of ") and not CJK.search(definition), definition
    assert page.locator("table.drill tbody tr").count() > 0
    _snap_views(page, f"screen-drill-down-{lang}")
    page.goto(f"{live_server}/supervision/?queue=level1")
    page.locator("a[href*='/supervision/cases/']").first.click()
    page.wait_for_url("**/supervision/cases/**")
    heading = page.locator("h1").inner_text()
    assert re.search(r"\d{6}-\d{5} · ", heading), heading
    assert ("一级督办" in heading or "二级督办" in heading or "三级督办" in heading) if lang == "zh_CN" \
        else "supervision" in heading
    _snap_views(page, f"screen-supervision-case-{lang}")
    assert page.errors == []
    context.close()


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_intake_and_workbench_screens(demo, live_server, browser, lang):
    context, page = _session(browser, live_server, "operator", lang)
    assert _nav_on_one_line(page)
    earlier = db.session.scalars(select(Ticket).where(Ticket.idempotency_key.like("demo:%"),
                                                      Ticket.kind == "complaint", Ticket.status == "closed",
                                                      Ticket.category_id.isnot(None))).first()
    page.goto(f"{live_server}/tickets/new")
    type_on_arrival(page, earlier.caller_phone)
    page.fill("#caller_name", earlier.caller_name)
    page.select_option("#category", earlier.category.code)
    page.fill("#subject", "又来反映：" + earlier.subject)
    page.click("#description")
    page.keyboard.type("上次反映的问题至今没有解决，还是同样的情况。")
    page.locator(f"#intake-preview input[name=repeat_of][value='{earlier.number}']").wait_for()
    assert _in_viewport(page, "#intake-preview") and _in_viewport(page, "#description")
    _snap_views(page, f"screen-intake-{lang}")
    assert page.errors == []
    context.close()
    context, page = _session(browser, live_server, "handler", lang)
    assert _nav_on_one_line(page)
    page.goto(f"{live_server}/work/")
    assert page.locator("table tbody tr").count() > 0
    _snap_views(page, f"screen-workbench-{lang}")
    assert page.errors == []
    context.close()


@pytest.mark.parametrize("username", ["admin", "supervisor", "operator", "handler"])
def test_the_english_navigation_stays_on_one_line_at_1366(demo, live_server, browser, username):
    context, page = _session(browser, live_server, username, "en")
    assert _nav_on_one_line(page), page.eval_on_selector_all(".mainnav a", "els => els.map(e => e.innerText)")
    context.close()


MAIN_PAGES = {"operator": ["/", "/tickets/new", "/tickets/callbacks", "/tickets/search", "/tickets/mine"],
              "handler": ["/", "/work/", "/work/?queue=in_progress", "/audit/department"],
              "supervisor": ["/supervision/", "/audit/", "/audit/drill?measure=response", "/supervision/extensions"]}


def _axe(page) -> list[str]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    assert result["testEngine"]["name"] == "axe-core"
    return [f"{v['id']} ({v['impact']}): {v['help']} — " + "; ".join(n["target"][0] for n in v["nodes"][:5])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_main_pages_have_no_serious_accessibility_violation(demo, live_server, browser, lang):
    found = []
    page = browser.new_page(viewport=VIEWPORT, bypass_csp=True)
    page.goto(f"{live_server}/login")
    found += [f"/login: {v}" for v in _axe(page)]
    page.close()
    for username, paths in MAIN_PAGES.items():
        context, page = _session(browser, live_server, username, lang)
        for path in paths:
            page.goto(f"{live_server}{path}")
            found += [f"{username} {path}: {v}" for v in _axe(page)]
        if username == "handler":
            page.goto(f"{live_server}/work/?queue=in_progress")
            page.locator("table a[href*='/work/tickets/']").first.click()
            page.wait_for_url("**/work/tickets/**")
            found += [f"workbench ticket: {v}" for v in _axe(page)]
        if username == "supervisor":
            page.goto(f"{live_server}/supervision/?queue=level1")
            page.locator("a[href*='/supervision/cases/']").first.click()
            page.wait_for_url("**/supervision/cases/**")
            found += [f"case: {v}" for v in _axe(page)]
            page.goto(f"{live_server}/supervision/?queue=level1")
            page.locator("table a[href^='/tickets/2']").first.click()
            page.wait_for_url(re.compile(r".*/tickets/\d{6}-\d{5}$"))
            found += [f"ticket: {v}" for v in _axe(page)]
        context.close()
    assert not found, "\n".join(found)
