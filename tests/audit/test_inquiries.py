"""Inquiries apart (DOMAIN.md "Measures"): no complaint measure counts an inquiry, dispatched or not.

One November holds ordinary complaints and four inquiries — one answered on the spot, and three
dispatched: one handled, submitted and called back unsatisfied (so reopened, a false closure and a
new round), one handled with an approved extension and called back satisfied (closed), one returned.
Every complaint figure is the same as before the inquiries came in, live and from the rollup, and
their drill-down lists hold no inquiry; the inquiry table counts them.
"""
from __future__ import annotations

import dataclasses
import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import update

from hotline.audit import exports, measures, report, rollups
from hotline.audit.measures import COMPLAINT_KEYS, COMPLAINT_KINDS, INQUIRY_KEYS, MEASURES, Slice
from hotline.audit.models import AuditRollup
from hotline.audit.periods import Period
from hotline.demo.data import DEMO_PASSWORD
from hotline.demo.seed import seed_reference
from hotline.extensions import db
from hotline.tickets import lifecycle
from hotline.tickets.models import Kind, Ticket
from hotline.tickets.states import TicketState
from tests.conftest import csrf_from
from tests.escalation.conftest import local
from tests.factories import make_ticket

NOV = "2026-11"
TZ = "Asia/Shanghai"
AFTER = local(2026, 12, 20, 9, 0)  # November is closed and settled: every limit of its work has passed


def _at(instant, fn, *args, **kw):
    """Do ``fn`` as it would be done at ``instant`` (the wall clock too)."""
    with time_machine.travel(instant, tick=False):
        return fn(*args, now=instant, **kw)


def _handle(t: Ticket, day: int, *, contact_hours: float = 1, submit: bool = True, solved: bool = True):
    """Sign, contact ``contact_hours`` after dispatch, and submit two days later (the lead's reply)."""
    a = t.assignments[0]
    _at(a.dispatched_at + timedelta(minutes=10), lifecycle.sign_for, a.id, actor=None)
    contact = a.dispatched_at + timedelta(hours=contact_hours)
    _at(contact, lifecycle.record_contact, a.id, at=contact, method="phone", reached=True, summary="已联系",
        actor=None)
    if submit:
        _at(local(2026, 11, day + 2, 9, 0), lifecycle.submit, a.id, reply="已办结", solved=solved, actor=None)
    return a


def _callback(t: Ticket, day: int, satisfaction: str):
    _at(local(2026, 11, day + 3, 9, 0), lifecycle.record_callback, t.id, reached=True,
        solved=satisfaction != "unsatisfied", satisfaction=satisfaction, comment="", actor=None)


def _complaints() -> list[Ticket]:
    """Three complaints: handled and satisfied; handled late, unsatisfied (reopened); never contacted."""
    satisfied = make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000001")
    _handle(satisfied, 2)
    _callback(satisfied, 2, "satisfied")
    unsatisfied = make_ticket(local(2026, 11, 2, 9, 0), caller_phone="13800000002")
    _handle(unsatisfied, 2, contact_hours=30)  # the 24-hour contact limit missed
    _callback(unsatisfied, 2, "unsatisfied")
    silent = make_ticket(local(2026, 11, 3, 9, 0), caller_phone="13800000003")
    return [satisfied, unsatisfied, silent]


def _inquiries(supervisor) -> dict[str, Ticket]:
    """Four inquiries: answered on the spot; dispatched and called back unsatisfied; dispatched, extended
    and called back satisfied; dispatched and returned."""
    spot = make_ticket(local(2026, 11, 4, 10, 0), caller_phone="13900000001", kind="inquiry", category_code=None,
                       answered_on_spot=True, answer="已当场解答办理流程")
    unsatisfied = make_ticket(local(2026, 11, 4, 9, 0), caller_phone="13900000002", kind="inquiry")
    _handle(unsatisfied, 4)
    _callback(unsatisfied, 4, "unsatisfied")  # reopened: a new round, a false closure
    closed = make_ticket(local(2026, 11, 5, 9, 0), caller_phone="13900000003", kind="inquiry")
    a = _handle(closed, 5, submit=False)
    ext = _at(local(2026, 11, 6, 9, 0), lifecycle.request_extension, a.id, days=2, reason="等待材料", actor=None)
    _at(local(2026, 11, 6, 10, 0), lifecycle.decide_extension, ext.id, approve=True, note="同意", actor=supervisor)
    _at(local(2026, 11, 7, 9, 0), lifecycle.submit, a.id, reply="已答复", solved=True, actor=None)
    _callback(closed, 5, "satisfied")
    returned = make_ticket(local(2026, 11, 6, 9, 0), caller_phone="13900000004", kind="inquiry")
    _at(local(2026, 11, 6, 10, 0), lifecycle.return_assignment, returned.assignments[0].id,
        grounds="不属于本单位职责", actor=None)
    return {"spot": spot, "unsatisfied": unsatisfied, "closed": closed, "returned": returned}


def _all_figures(period):
    with time_machine.travel(AFTER, tick=False):
        return (measures.compute_many(tuple(MEASURES), period),
                measures.by_department_many(rollups.DEPARTMENT_KEYS, period), report.durations(period).stats,
                {d: v.stats for d, v in report.durations_by_department(period).items()})


@pytest.fixture
def november(app, make_user):
    """The month with the complaints only (their figures), then with the inquiries added."""
    seed_reference()
    period = Period.month(NOV, TZ)
    complaints = _complaints()
    before = _all_figures(period)
    inquiries = _inquiries(make_user("supervisor"))
    return period, complaints, inquiries, before


def _numbers(rows, key) -> set[str]:
    return {(r if MEASURES[key].entity == "ticket" else r.ticket).number for r in rows}


def test_the_inquiries_went_through_what_the_complaint_measures_count(november):
    _, _, q, _ = november
    for t in q.values():
        db.session.refresh(t)
    assert q["spot"].status == TicketState.answered and q["spot"].dispatched_at is None
    assert q["unsatisfied"].status == TicketState.reopened and len(q["unsatisfied"].assignments) == 2
    assert q["unsatisfied"].false_closure
    assert q["closed"].status == TicketState.closed and q["closed"].assignments[0].extension_count == 1
    assert q["returned"].status == TicketState.returned


def test_no_complaint_figure_changes_when_inquiries_come_in(november):
    period, _, _, before = november
    after = _all_figures(period)
    figures_before, figures_after = before[0], after[0]
    assert {k: figures_after[k] for k in COMPLAINT_KEYS} == {k: figures_before[k] for k in COMPLAINT_KEYS}
    assert after[1:] == before[1:]  # per department, and the working times of the city and each department
    f = figures_after
    assert (f["response"].hits, f["response"].base) == (1, 4)  # the reopened complaint's new round counts
    assert (f["return"].hits, f["return"].base) == (0, 4)
    assert (f["extension"].hits, f["extension"].base) == (0, 4)
    assert (f["resolution"].hits, f["resolution"].base) == (1, 2)
    assert (f["satisfaction"].hits, f["satisfaction"].base) == (1, 2)
    assert (f["false_closure"].hits, f["false_closure"].base) == (1, 2)
    assert (f["reopen"].hits, f["reopen"].base) == (1, 3)
    assert (f["repeat"].hits, f["repeat"].base) == (0, 3)
    assert after[2]["sign"]["n"] == 2 and after[2]["submit"]["n"] == 2  # complaint assignments only


def test_counting_inquiries_would_change_every_complaint_base(november, monkeypatch):
    """The check above can fail: with inquiries in their kinds, every complaint measure's base grows."""
    period, _, _, _ = november
    with time_machine.travel(AFTER, tick=False):
        ours = measures.compute_many(COMPLAINT_KEYS, period)
        for key in COMPLAINT_KEYS:
            monkeypatch.setitem(MEASURES, key, dataclasses.replace(MEASURES[key], kinds=(*COMPLAINT_KINDS,
                                                                                           Kind.INQUIRY)))
        mixed = measures.compute_many(COMPLAINT_KEYS, period)
    assert all(mixed[k].base > ours[k].base for k in COMPLAINT_KEYS), (mixed, ours)
    grown = {k for k in COMPLAINT_KEYS if mixed[k].hits > ours[k].hits}
    assert grown == {"response", "sign_on_time", "on_time", "return", "extension", "resolution", "satisfaction",
                     "false_closure", "reopen"}


def test_the_inquiry_table_counts_the_inquiries(november):
    period, _, q, _ = november
    with time_machine.travel(AFTER, tick=False):
        f = measures.compute_many(INQUIRY_KEYS, period)
    assert {k: f[k].base for k in INQUIRY_KEYS} == {k: 4 for k in INQUIRY_KEYS}  # one base: inquiries received
    assert (f["on_the_spot"].hits, f["inquiry_dispatched"].hits, f["inquiry_closed"].hits) == (1, 3, 2)


@pytest.mark.parametrize("part", ["base", "hit", "miss"])
def test_drill_downs_agree_with_the_figures_and_hold_no_inquiry_in_a_complaint_measure(november, part):
    period, complaints, q, _ = november
    complaint_numbers = {t.number for t in complaints}
    with time_machine.travel(AFTER, tick=False):
        figures = measures.compute_many(tuple(MEASURES), period)
        for key in MEASURES:
            f = figures[key]
            rows = exports.rows(key, period, Slice(), part)
            assert len(rows) == exports.count(key, period, Slice(), part) == \
                {"base": f.base, "hit": f.hits, "miss": f.base - f.hits}[part], key
            numbers = _numbers(rows, key)
            if key in COMPLAINT_KEYS:
                assert numbers <= complaint_numbers, key
            else:
                assert numbers <= {t.number for t in q.values()}, key
    expected_hits = {"on_the_spot": {"spot"}, "inquiry_dispatched": {"unsatisfied", "closed", "returned"},
                     "inquiry_closed": {"spot", "closed"}}
    with time_machine.travel(AFTER, tick=False):
        for key, names in expected_hits.items():
            wanted = {"base": set(q), "hit": names, "miss": set(q) - names}[part]
            assert _numbers(exports.rows(key, period, Slice(), part), key) == {q[n].number for n in wanted}


def test_the_rollup_serves_the_same_figures_as_the_live_path(november):
    period, _, _, _ = november
    live = _all_figures(period)
    with time_machine.travel(AFTER, tick=False):
        assert rollups.refresh() == [NOV]
        r = rollups.fresh(period)
        assert r is not None and r.row.definition == rollups.DEFINITION
        assert r.figures(tuple(MEASURES)) == live[0]
        assert r.by_department(rollups.DEPARTMENT_KEYS) == live[1]
        assert r.durations().stats == live[2]
        assert report.city_figures(period, INQUIRY_KEYS) == {k: live[0][k] for k in INQUIRY_KEYS}


def test_a_rollup_of_the_old_definitions_is_not_served_and_is_recomputed(november, client, login):
    """A rollup stored before the upgrade (inquiries inside the complaint measures) is never shown."""
    period, _, _, _ = november
    with time_machine.travel(AFTER, tick=False):
        rollups.refresh()
        live = measures.compute_many(tuple(MEASURES), period)
        data = rollups.fresh(period).row.data
        old = {**data, "figures": {**data["figures"], "response": [3, 7]}}  # the inquiries' rows counted in
        db.session.execute(update(AuditRollup).where(AuditRollup.month == NOV).values(data=old, definition=1))
        db.session.commit()
        assert rollups.fresh(period) is None
        login("supervisor", DEMO_PASSWORD)
        html = client.get(f"/audit/?month={NOV}").get_data(as_text=True)
        assert 'id="precomputed"' not in html and "3 / 7" not in html and "1 / 4" in html
        assert rollups.refresh() == [NOV]
        row = db.session.get(AuditRollup, NOV)
        db.session.refresh(row)
        assert row.definition == rollups.DEFINITION and row.data["figures"]["response"] == [1, 4]
        assert rollups.fresh(period).figures(tuple(MEASURES)) == live


def _inquiry_cells(html: str) -> dict[tuple[str, str], tuple[str, str]]:
    """``{(measure, part): (count, share)}`` of the page's inquiry table."""
    table = html[html.index('id="inquiry-table"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<tr data-measure="(\w+)" data-part="(\w+)"><td>[^<]*</td>\s*'
                      r'<td class="num"><a href="([^"]+)">(\d+)</a></td>\s*<td class="num">([^<]*)</td>', table)
    return {(m, p): (count, share.strip()) for m, p, _href, count, share in rows}


def test_the_dashboard_shows_the_inquiry_table_and_its_note_in_both_languages(november, client, login):
    period, _, q, _ = november
    with time_machine.travel(AFTER, tick=False):
        login("supervisor", DEMO_PASSWORD)
        html = client.get(f"/audit/?month={NOV}").get_data(as_text=True)
        assert _inquiry_cells(html) == {("on_the_spot", "base"): ("4", ""), ("on_the_spot", "hit"): ("1", "25.0%"),
                                        ("inquiry_dispatched", "hit"): ("3", "75.0%"),
                                        ("inquiry_closed", "hit"): ("2", "50.0%")}
        assert "咨询件（单独统计）" in html
        assert "咨询件不计入其中任何一项的基数或计数" in html  # the note, in Chinese
        assert "1 / 4" in html  # the response rate: complaint assignments only
        closed = client.get(f"/audit/drill?measure=inquiry_closed&part=hit&month={NOV}").get_data(as_text=True)
        assert q["spot"].number in closed and q["closed"].number in closed
        assert q["unsatisfied"].number not in closed and q["returned"].number not in closed
        assert "咨询件办结数" in closed
        client.post("/language/en", data={"csrf_token": csrf_from(html), "next": "/audit/"})
        english = client.get(f"/audit/?month={NOV}").get_data(as_text=True)
        assert "Inquiries (reported apart)" in english
        assert "No inquiry is in any of their bases or counts" in english
        assert _inquiry_cells(english) == _inquiry_cells(html)
        # the month rolled up: the page reads the rollup and shows the same table
        rollups.refresh()
        rolled = client.get(f"/audit/?month={NOV}").get_data(as_text=True)
        assert 'id="precomputed"' in rolled and _inquiry_cells(rolled) == _inquiry_cells(html)


def test_the_monthly_report_has_the_inquiry_table(november, client, login):
    with time_machine.travel(AFTER, tick=False):
        login("supervisor", DEMO_PASSWORD)
        html = client.get(f"/audit/ranking/report?month={NOV}").get_data(as_text=True)
        assert _inquiry_cells(html)[("inquiry_dispatched", "hit")] == ("3", "75.0%")
        assert "咨询件（包括已派单的咨询件）均不计入" in html


def test_an_inquiry_export_lists_the_tickets_of_its_row(november, client, login):
    _, _, q, _ = november
    with time_machine.travel(AFTER, tick=False):
        login("supervisor", DEMO_PASSWORD)
        csv_text = client.get(f"/audit/export?measure=inquiry_dispatched&part=hit&month={NOV}&format=csv") \
            .data.decode("utf-8-sig")
    lines = csv_text.strip().splitlines()
    assert len(lines) == 4 and {line.split(",")[0] for line in lines[1:]} == {
        q[n].number for n in ("unsatisfied", "closed", "returned")}


def test_the_upgrade_leaves_no_old_rollup_served(database_url, redis_url, tmp_path, _schema):
    """Upgrading a database that holds rollups of the old definitions: they are kept but never served,
    the job recomputes them; the downgrade deletes the rollups (the older code cannot tell them apart)."""
    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from hotline import ROOT, create_app
    from tests.conftest import _TestConfig
    from tests.test_migrations import _empty_database

    with _empty_database(database_url, tmp_path) as url:
        app = create_app(_TestConfig(url, redis_url))
        directory = str(ROOT / "migrations")
        with app.app_context():
            upgrade(directory=directory, revision="9b3f6d2e8a11")
            with db.engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO audit_rollups (month, computed_at, seconds, version, data) "
                                     "VALUES ('2026-10', :at, 0.1, 3, :data)"),
                             {"at": local(2026, 11, 20, 9, 0), "data": '{"figures": {"response": [3, 7]}}'})
            upgrade(directory=directory)
            row = db.session.get(AuditRollup, "2026-10")
            assert row.definition == 1 and row.version == 3
            assert rollups.fresh(Period.month("2026-10", TZ)) is None
            db.session.remove()
            downgrade(directory=directory, revision="9b3f6d2e8a11")
            with db.engine.connect() as conn:
                assert conn.execute(sa.text("SELECT count(*) FROM audit_rollups")).scalar() == 0
            upgrade(directory=directory)
            db.session.remove()
            db.engine.dispose()
