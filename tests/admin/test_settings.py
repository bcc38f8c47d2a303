"""Admin settings: working hours, the working calendar and time-limit policies change the deadlines."""
from __future__ import annotations

import re
from datetime import date, datetime
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from sqlalchemy import func, select

from hotline.admin.settings_views import bp as settings_bp
from hotline.directory.models import Category, TimeLimitPolicy
from hotline.extensions import db
from hotline.tickets.intake import policy_for
from hotline.worktime.calendar import calendar_warning_years, working_clock
from hotline.worktime.limits import Policy
from hotline.worktime.models import CalendarDay, Setting
from tests.conftest import csrf_from

SHANGHAI = ZoneInfo("Asia/Shanghai")
PAGES = ["/admin/settings/hours", "/admin/settings/calendar?year=2027", "/admin/settings/policies",
         "/admin/settings/policies/new", "/admin/settings/policies/categories"]

GOOD_2027 = """# 2027 official calendar
2027-01-01 off 元旦
2027-02-06 off 春节
2027-02-07 work 春节调休
2027-10-09 work 国庆调休
"""


@pytest.fixture
def app(app):
    """The app with the settings blueprint mounted (until hotline/__init__.py registers it)."""
    if "settings" not in app.blueprints:
        app.register_blueprint(settings_bp, url_prefix="/admin/settings")
    return app


@pytest.fixture
def admin(make_user):
    """An administrator."""
    return make_user("admin", username="admin")


@pytest.fixture
def admin_client(client, admin, login):
    """A client logged in as the administrator, showing the interface in English."""
    login(admin.username)
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/language/en", data={"csrf_token": token, "next": "/"})
    return client


def _post(client, page, url, data, prefix="", **kwargs):
    """POST ``data`` to ``url`` with the CSRF token of ``page`` (named as a form with ``prefix`` names it)."""
    token = csrf_from(client.get(page).get_data(as_text=True))
    return client.post(url, data={**data, f"{prefix}csrf_token": token}, **kwargs)


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


def _in_shanghai(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["handler", "operator", "supervisor"])
@pytest.mark.parametrize("url", PAGES)
def test_non_admins_get_403(client, make_user, login, role, url):
    login(make_user(role).username)
    assert client.get(url).status_code == 403


def test_handler_cannot_change_working_hours(client, make_user, login):
    login(make_user("handler").username)
    response = _post(client, "/", "/admin/settings/hours", {"periods": "00:00-23:59"})
    assert response.status_code == 403
    assert db.session.get(Setting, "working_hours") is None


def test_anonymous_is_sent_to_login(client):
    response = client.get("/admin/settings/calendar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("url", PAGES)
def test_admin_sees_every_page(admin_client, url):
    assert admin_client.get(url).status_code == 200


# --- working hours -----------------------------------------------------------------------------


def test_editing_hours_changes_the_deadline(admin_client):
    start = _local("2026-06-01T17:00")  # a Monday
    assert _in_shanghai(working_clock().add_working_minutes(start, 120)) == "2026-06-02 09:30"

    response = _post(admin_client, "/admin/settings/hours", "/admin/settings/hours",
                     {"periods": "09:00-12:00, 13:00-17:00"})
    assert response.status_code == 302

    assert db.session.get(Setting, "working_hours").value == {"periods": "09:00-12:00,13:00-17:00"}
    assert _in_shanghai(working_clock().add_working_minutes(start, 120)) == "2026-06-02 11:00"
    assert working_clock().hours.minutes_per_day == 420
    assert 'value="09:00-12:00,13:00-17:00"' in admin_client.get("/admin/settings/hours").get_data(as_text=True)


@pytest.mark.parametrize("periods, message", [
    ("08:30-12:00,11:00-18:00", "in time order without overlapping"),
    ("18:00-08:30", "must end after it starts"),
    ("8.30-12,14:30-18:00", "“8.30-12” is not a period"),
    ("25:00-26:00", "“25:00-26:00” is not a period"),
])
def test_bad_working_hours_are_refused_and_kept(admin_client, periods, message):
    response = _post(admin_client, "/admin/settings/hours", "/admin/settings/hours", {"periods": periods})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert f'value="{periods}"' in html
    assert db.session.get(Setting, "working_hours") is None
    assert working_clock().hours.minutes_per_day == 420


# --- working calendar --------------------------------------------------------------------------


def _upload(client, **data):
    return _post(client, "/admin/settings/calendar?year=2027", "/admin/settings/calendar/upload?year=2027",
                 {"upload-year": "2027", **data}, prefix="upload-", content_type="multipart/form-data")


def test_upload_with_bad_lines_changes_nothing_and_names_each_line(admin_client):
    lines = ("2027-01-01 off 元旦\n2027-02-07 work 春节调休\n2027-02-30 off 春节\n\n2027-10-09 holiday 国庆\n"
             "2026-12-31 off 跨年\n2027-01-01 work 重复\n")
    response = _upload(admin_client, **{"upload-lines": lines})
    html = response.get_data(as_text=True)

    assert response.status_code == 400
    errors = re.findall(r"<li>Line (\d+):", html)
    assert errors == ["3", "5", "6", "7"]
    assert "“2027-02-30” is not a date" in html
    assert "“holiday” must be “work” or “off”" in html
    assert "2027-01-01 is already given on line 1" in html
    assert "2027-02-07 work" in html  # the pasted text is kept
    assert db.session.scalar(select(func.count()).select_from(CalendarDay)) == 0
    clock = working_clock()
    assert clock.calendar.is_workday(date(2027, 1, 1)) and not clock.calendar.is_workday(date(2027, 2, 7))


def test_good_upload_sets_the_clock_and_clears_the_warning_once_the_year_is_complete(admin_client, admin):
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)):
        assert calendar_warning_years() == [2027]
    page = admin_client.get("/admin/settings/calendar?year=2027").get_data(as_text=True)
    assert 'data-year="2027"' in page

    response = _upload(admin_client, **{"upload-lines": GOOD_2027})
    assert response.status_code == 302 and response.headers["Location"].endswith("year=2027")
    # entered but not marked complete: a draft; 2027 still follows Monday–Friday and the warning stays
    assert working_clock().calendar.is_workday(date(2027, 1, 1))
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)):
        assert calendar_warning_years() == [2027]
    page = admin_client.get("/admin/settings/calendar?year=2027").get_data(as_text=True)
    assert 'data-year="2027"' in page and 'data-complete="no"' in page

    response = _post(admin_client, "/admin/settings/calendar?year=2027", "/admin/settings/calendar/2027/complete",
                     {"complete": "1"})
    assert response.status_code == 302 and response.headers["Location"].endswith("year=2027")

    clock = working_clock()
    assert not clock.calendar.is_workday(date(2027, 1, 1))  # a Friday, New Year's Day
    assert clock.calendar.is_workday(date(2027, 2, 7))  # a Sunday, make-up working day
    # Two working hours from New Year's Eve 17:00 end on Monday 4 January, not on Friday 1 January.
    assert _in_shanghai(clock.add_working_minutes(_local("2026-12-31T17:00"), 120)) == "2027-01-04 09:30"
    with time_machine.travel(datetime(2026, 11, 28, 10, 0, tzinfo=SHANGHAI)):
        assert calendar_warning_years() == []
    assert {d.entered_by_id for d in db.session.scalars(select(CalendarDay))} == {admin.id}

    page = admin_client.get("/admin/settings/calendar?year=2027").get_data(as_text=True)
    assert 'data-year="2027"' not in page and 'data-complete="yes"' in page
    for day in ("2027-01-01", "2027-02-07", "2027-10-09"):
        assert f'data-day="{day}"' in page


def test_csv_file_upload_with_header_bom_and_quoted_note(admin_client):
    csv_text = 'date,kind,note\r\n2027-01-01,off,元旦\r\n2027-02-07,work,"春节调休, 上班"\r\n'
    csv_bytes = csv_text.encode("utf-8-sig")
    response = _upload(admin_client, **{"upload-file": (BytesIO(csv_bytes), "2027.csv")})
    assert response.status_code == 302
    sunday = db.session.get(CalendarDay, date(2027, 2, 7))
    assert sunday.is_workday and sunday.note == "春节调休, 上班"
    assert not db.session.get(CalendarDay, date(2027, 1, 1)).is_workday


def test_upload_with_replace_drops_the_years_earlier_days(admin_client):
    _upload(admin_client, **{"upload-lines": GOOD_2027})
    response = _upload(admin_client, **{"upload-lines": "2027-01-01 off 元旦", "upload-replace": "y"})
    assert response.status_code == 302
    assert [d.day for d in db.session.scalars(select(CalendarDay))] == [date(2027, 1, 1)]


def test_admin_enters_and_removes_one_day(admin_client, admin):
    response = _post(admin_client, "/admin/settings/calendar?year=2027", "/admin/settings/calendar/day?year=2027",
                     {"day-day": "2027-10-09", "day-kind": "work", "day-note": "国庆调休"}, prefix="day-")
    assert response.status_code == 302
    row = db.session.get(CalendarDay, date(2027, 10, 9))
    assert row.is_workday and row.note == "国庆调休" and row.entered_by_id == admin.id
    assert not working_clock().calendar.is_workday(date(2027, 10, 9))  # a Saturday: 2027 is not complete yet
    _post(admin_client, "/admin/settings/calendar?year=2027", "/admin/settings/calendar/2027/complete",
          {"complete": "1"})
    assert working_clock().calendar.is_workday(date(2027, 10, 9))
    page = admin_client.get("/admin/settings/calendar?year=2027").get_data(as_text=True)
    assert 'data-day="2027-10-09"' in page and "source-admin" in page

    response = _post(admin_client, "/admin/settings/calendar?year=2027",
                     "/admin/settings/calendar/day/2027-10-09/remove", {})
    assert response.status_code == 302
    assert db.session.get(CalendarDay, date(2027, 10, 9)) is None
    assert not working_clock().calendar.is_workday(date(2027, 10, 9))
    missing = _post(admin_client, "/admin/settings/calendar?year=2027",
                    "/admin/settings/calendar/day/2027-10-09/remove", {})
    assert missing.status_code == 404


def test_bundled_year_lists_official_days(admin_client):
    page = admin_client.get("/admin/settings/calendar?year=2026").get_data(as_text=True)
    assert 'data-day="2026-01-01"' in page and "source-official" in page
    assert 'data-year="2026"' not in page
    assert admin_client.get("/admin/settings/calendar?year=1900").status_code == 404


# --- time-limit policies -----------------------------------------------------------------------


def _policy_data(**changes) -> dict[str, str]:
    data = {"code": "fast", "name": "Fast track", "dispatch_days": "0.5", "sign_minutes": "60",
            "contact_normal_minutes": "720", "contact_urgent_minutes": "60", "contact_emergency_minutes": "20",
            "return_window_days": "1", "resolve_days": "3", "joint_resolve_days": "10", "co_answer_days": "7",
            "max_extensions": "2", "max_extension_days": "3", "callback_days": "2", "callback_attempts": "2",
            "supervision_level_days": "2", "warn_percent": "80"}
    return {**data, **changes}


def _field_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'<input[^>]*value="([^"]*)"[^>]*name="{name}"', html)
    assert match, f"no input {name}"
    return match.group(1)


def test_admin_creates_a_policy_with_urgency_limits(admin_client):
    response = _post(admin_client, "/admin/settings/policies/new", "/admin/settings/policies/new", _policy_data())
    assert response.status_code == 302
    row = db.session.scalar(select(TimeLimitPolicy).where(TimeLimitPolicy.code == "fast"))
    policy = Policy.from_dict(row.limits)
    assert policy.resolve.amount == 3 and str(policy.resolve.unit) == "working_days"
    assert policy.contact["urgent"].amount == 60 and str(policy.contact["urgent"].unit) == "natural_minutes"
    assert policy.dispatch.amount == 0.5 and policy.max_extensions == 2 and policy.warn_ratio == 0.8
    assert row.limits["sign"] == {"amount": 60, "unit": "working_minutes"}

    html = admin_client.get(f"/admin/settings/policies/{row.id}").get_data(as_text=True)
    assert _field_value(html, "resolve_days") == "3" and _field_value(html, "warn_percent") == "80"


@pytest.mark.parametrize("changes, field, message", [
    ({"resolve_days": "0"}, "resolve_days", "Enter a number greater than 0."),
    ({"warn_percent": "100"}, "warn_percent", "Enter a percentage above 0 and below 100."),
    ({"max_extensions": "1.5"}, "max_extensions", "Enter a whole number of at least 0."),
    ({"callback_attempts": "0"}, "callback_attempts", "Enter a whole number of at least 1."),
    ({"contact_emergency_minutes": "-30"}, "contact_emergency_minutes", "Enter a number greater than 0."),
])
def test_invalid_policy_value_is_refused_with_input_kept(admin_client, changes, field, message):
    response = _post(admin_client, "/admin/settings/policies/new", "/admin/settings/policies/new",
                     _policy_data(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert _field_value(html, field) == changes[field]
    assert _field_value(html, "sign_minutes") == "60"
    assert db.session.scalar(select(func.count()).select_from(TimeLimitPolicy)) == 0


def test_editing_a_policy_keeps_it_valid_and_refuses_a_taken_code(admin_client):
    for code in ("fast", "slow"):
        _post(admin_client, "/admin/settings/policies/new", "/admin/settings/policies/new", _policy_data(code=code))
    fast = db.session.scalar(select(TimeLimitPolicy).where(TimeLimitPolicy.code == "fast"))
    url = f"/admin/settings/policies/{fast.id}"

    clash = _post(admin_client, url, url, _policy_data(code="slow"))
    assert clash.status_code == 400 and "Another policy already uses this code." in clash.get_data(as_text=True)

    assert _post(admin_client, url, url, _policy_data(resolve_days="4")).status_code == 302
    db.session.expire_all()
    assert Policy.from_dict(db.session.get(TimeLimitPolicy, fast.id).limits).resolve.amount == 4


def test_assigning_a_policy_to_a_category_is_saved(admin_client):
    _post(admin_client, "/admin/settings/policies/new", "/admin/settings/policies/new", _policy_data())
    fast = db.session.scalar(select(TimeLimitPolicy).where(TimeLimitPolicy.code == "fast"))
    permits = Category(code="permits", name_zh="审批服务", name_en="Permits")
    fees = Category(code="fees", name_zh="涉企收费", name_en="Fees")
    db.session.add_all([permits, fees])
    db.session.commit()
    url = "/admin/settings/policies/categories"

    response = _post(admin_client, url, url, {f"category_{permits.id}": str(fast.id), f"category_{fees.id}": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Category, permits.id).policy_id == fast.id
    assert db.session.get(Category, fees.id).policy_id is None
    assert policy_for(db.session.get(Category, permits.id)).resolve.amount == 3
    assert policy_for(db.session.get(Category, fees.id)).resolve.amount == 5

    refused = _post(admin_client, url, url, {f"category_{permits.id}": "999999", f"category_{fees.id}": ""})
    assert refused.status_code == 400
    db.session.expire_all()
    assert db.session.get(Category, permits.id).policy_id == fast.id


@pytest.mark.parametrize("changes, field, message", [
    ({"resolve_days": "100000"}, "resolve_days", "At most 366."),
    ({"sign_minutes": "two hours"}, "sign_minutes", "Not a valid float value."),
    ({"dispatch_days": ""}, "dispatch_days", "Please enter a number."),
])
def test_unusable_policy_numbers_are_refused_by_the_form(admin_client, changes, field, message):
    response = _post(admin_client, "/admin/settings/policies/new", "/admin/settings/policies/new",
                     _policy_data(**changes))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.findall(rf'id="{field}-error">([^<]*)<', html) == [message]
    assert _field_value(html, field) == changes[field]
    assert db.session.scalar(select(func.count()).select_from(TimeLimitPolicy)) == 0


def test_every_mistake_in_a_policy_is_reported_at_once(admin_client):
    response = _post(admin_client, "/admin/settings/policies/new", "/admin/settings/policies/new",
                     _policy_data(code="", resolve_days="0", warn_percent="0"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.findall(r'id="(\w+)-error"', html) == ["code", "resolve_days", "warn_percent"]


def test_an_admin_sets_who_leads_a_category_s_matters(admin_client):
    """属地 or the competent bureau: the choice is saved and the next intake routes by it."""
    from hotline.demo.seed import seed_reference
    from hotline.tickets.intake import IntakeData, create_ticket

    seed_reference()
    refusal = db.session.scalar(select(Category).where(Category.code == "refusal"))
    url = "/admin/settings/policies/categories"
    page = admin_client.get(url).get_data(as_text=True)
    assert f'name="leads_{refusal.id}"' in page
    response = _post(admin_client, url, url, {f"leads_{refusal.id}": "bureau"})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Category, refusal.id).territorial is False
    ticket = create_ticket(IntakeData(channel="phone", kind="complaint", category_code="refusal", subject="拒收",
                                      description="县政务大厅窗口拒收申请材料。", caller_name="测试",
                                      caller_phone="13800000001", district_code="anze"),
                           operator_id=None, operator_name="王丽")
    assert ticket.assignments[0].department.code == "approval"  # the bureau, not 安泽县人民政府


def test_the_form_s_own_messages_follow_the_language_switch(admin_client):
    """WTForms' built-in messages (its catalog is cached per process and language) come in the language
    the user has just chosen, in Chinese and back in English."""
    def refusal() -> list[str]:
        response = _post(admin_client, "/admin/settings/policies/new", "/admin/settings/policies/new",
                         _policy_data(sign_minutes="two hours"))
        assert response.status_code == 400
        return re.findall(r'id="sign_minutes-error">([^<]*)<', response.get_data(as_text=True))

    assert refusal() == ["Not a valid float value."]
    for language, message in (("zh_CN", "不是有效的浮点数。"), ("en", "Not a valid float value.")):
        token = csrf_from(admin_client.get("/").get_data(as_text=True))
        admin_client.post(f"/language/{language}", data={"csrf_token": token, "next": "/"})
        assert refusal() == [message]
