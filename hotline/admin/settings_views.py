"""Admin settings pages: working hours, the working calendar, time-limit policies (mounted at /admin/settings)."""
from __future__ import annotations

from datetime import date

import chinese_calendar
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale, ngettext
from flask_babel import gettext as _
from flask_login import current_user

from hotline import citytime
from hotline.admin import settings_services as services
from hotline.admin.forms import choices
from hotline.admin.settings_forms import (
    FIRST_YEAR,
    LAST_YEAR,
    CalendarDayForm,
    CalendarUploadForm,
    PolicyForm,
    WorkingHoursForm,
    category_field_name,
    category_policies_form,
    leads_field_name,
)
from hotline.db import utcnow
from hotline.directory.models import TimeLimitPolicy
from hotline.escalation import recompute
from hotline.extensions import db
from hotline.labels import recompute_reason
from hotline.security import roles_required
from hotline.worktime.calendar import calendar_warning_years, working_hours

bp = Blueprint("settings", __name__)

ERRORS = {
    "empty": lambda p: _("Please enter the working periods."),
    "bad_period": lambda p: _("“%(period)s” is not a period like 08:30-12:00 (24-hour clock, start-end).",
                              period=p["period"]),
    "period_order": lambda p: _("Each period must end after it starts, and the periods must be in time order "
                                "without overlapping."),
    "note_too_long": lambda p: _("At most %(max)d characters.", max=p["max"]),
    "bad_code": lambda p: _("Use lowercase letters, digits, '_' or '-' only."),
    "name_required": lambda p: _("Please enter a name."),
    "duplicate_code": lambda p: _("Another policy already uses this code."),
    "bundled_year": lambda p: _("The official calendar of %(year)d is bundled with the system: it needs no mark.",
                                year=p["year"]),
}

LINE_ERRORS = {
    "columns": lambda p: _("Line %(line)d: expected three columns: date, “work” or “off”, note.", **p),
    "bad_date": lambda p: _("Line %(line)d: “%(text)s” is not a date like 2027-01-01.", **p),
    "wrong_year": lambda p: _("Line %(line)d: %(text)s is not in %(year)d.", **p),
    "bad_kind": lambda p: _("Line %(line)d: “%(text)s” must be “work” or “off”.", **p),
    "note_too_long": lambda p: _("Line %(line)d: the note has more than %(max)d characters.", **p),
    "duplicate": lambda p: _("Line %(line)d: %(day)s is already given on line %(first)d.", **p),
    "empty": lambda p: _("No days found. Enter one day per line, for example: 2027-01-01 off New Year's Day"),
    "encoding": lambda p: _("The file is not text in UTF-8 or GB18030."),
    "not_csv": lambda p: _("The file is not a readable CSV file."),
}

POLICY_ERRORS = {
    "missing": lambda f: _("Please enter a number."),
    "limit": lambda f: _("Enter a number greater than 0."),
    "count": lambda f: _("Enter a whole number of at least %(min)d.", min=f.minimum),
    "percent": lambda f: _("Enter a percentage above 0 and below 100."),
}


@bp.before_request
@roles_required("admin")
def _admins_only():
    """Every page here is for administrators."""


@bp.context_processor
def _recomputations():
    """Every settings page shows the recomputations of deadlines still running and the latest finished."""
    return {"recompute_runs": recompute.recent_runs(), "recompute_reason": recompute_reason}


@bp.route("/")
def index():
    """The settings start at the working calendar."""
    return redirect(url_for(".calendar"))


# --- working hours -----------------------------------------------------------------------------


@bp.route("/hours", methods=["GET", "POST"])
def hours():
    """Edit the daily working periods (default 08:30–12:00, 14:30–18:00)."""
    current = working_hours()
    form = WorkingHoursForm()
    if request.method == "GET":
        form.periods.data = current.format()
    if form.validate_on_submit():
        try:
            services.save_working_hours(form.periods.data, user_id=current_user.id)
        except services.SettingsError as exc:
            form.periods.errors.append(ERRORS[exc.code](exc.params))
        else:
            flash(_("Working hours saved."), "success")
            return redirect(url_for(".hours"))
    return render_template("admin/settings/hours.html", form=form, current=current), (400 if form.errors else 200)


# --- working calendar --------------------------------------------------------------------------


def _year_arg() -> int:
    """The ``year`` query argument, else the current local year; 404 outside the supported range."""
    year = request.args.get("year", type=int)
    if year is None:
        year = citytime.today(utcnow()).year
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    return year


def _holiday_name(english: str) -> str:
    """An official holiday's name in the current language."""
    if str(get_locale()).startswith("zh"):
        try:
            return chinese_calendar.Holiday(english).chinese
        except ValueError:
            return english
    return english


def _calendar_page(year: int, day_form: CalendarDayForm, upload_form: CalendarUploadForm,
                   line_errors: list[str] | None = None, status: int = 200):
    """Render a year's calendar with the two forms (fresh, or with a refused submission)."""
    cal = services.year_calendar(year)
    missing = sorted(set(calendar_warning_years()) | ({year} if not cal.has_official_data else set()))
    return render_template(
        "admin/settings/calendar.html", cal=cal, day_form=day_form, upload_form=upload_form,
        line_errors=line_errors or [], missing_years=missing, holiday_name=_holiday_name,
        month_name=lambda m: format_date(date(year, m, 1), "LLLL"),
        day_label=lambda d: f"{d.isoformat()} {format_date(d, 'EEE')}",
        first_year=FIRST_YEAR, last_year=LAST_YEAR), status


@bp.route("/calendar")
def calendar():
    """The effective working calendar of a year, with forms to enter days."""
    year = _year_arg()
    return _calendar_page(year, CalendarDayForm(prefix="day"), CalendarUploadForm(prefix="upload", year=year))


@bp.route("/calendar/day", methods=["POST"])
def calendar_day():
    """Enter or change one day."""
    form = CalendarDayForm(prefix="day")
    if form.validate_on_submit():
        try:
            services.set_calendar_day(form.day.data, form.kind.data == "work", form.note.data, current_user.id)
        except services.SettingsError as exc:
            form.note.errors.append(ERRORS[exc.code](exc.params))
        else:
            flash(_("%(day)s saved.", day=form.day.data.isoformat()), "success")
            return redirect(url_for(".calendar", year=form.day.data.year))
    year = form.day.data.year if form.day.data and not form.day.errors else _year_arg()
    upload = CalendarUploadForm(prefix="upload", formdata=None, year=year)
    return _calendar_page(year, form, upload, status=400)


@bp.route("/calendar/day/<day>/remove", methods=["POST"])
def calendar_day_remove(day: str):
    """Remove an admin-entered day; the official data or Monday–Friday applies again."""
    try:
        when = date.fromisoformat(day)
        services.remove_calendar_day(when, user_id=current_user.id)
    except ValueError:  # a malformed date, or services.SettingsError: no such admin day
        abort(404)
    flash(_("%(day)s removed.", day=when.isoformat()), "success")
    return redirect(url_for(".calendar", year=when.year))


@bp.route("/calendar/<int:year>/complete", methods=["POST"])
def calendar_complete(year: int):
    """Mark a year's calendar complete (its entered days apply) or incomplete again (Monday–Friday)."""
    if not FIRST_YEAR <= year <= LAST_YEAR:
        abort(404)
    complete = request.form.get("complete") == "1"
    try:
        changed = services.set_year_complete(year, complete, current_user.id)
    except services.SettingsError as exc:
        flash(ERRORS[exc.code](exc.params), "error")
    else:
        if changed and complete:
            flash(_("%(year)d is marked complete: its days now apply to every deadline. Open deadlines are being "
                    "recomputed.", year=year), "success")
        elif changed:
            flash(_("%(year)d is no longer marked complete: deadlines in %(year)d fall back to Monday–Friday. Open "
                    "deadlines are being recomputed.", year=year), "success")
    return redirect(url_for(".calendar", year=year))


@bp.route("/calendar/upload", methods=["POST"])
def calendar_upload():
    """Enter a whole year's holidays and make-up working days; all lines or none."""
    form = CalendarUploadForm(prefix="upload")
    line_errors: list[str] = []
    if form.validate_on_submit():
        year, upload = form.year.data, form.file.data
        try:
            count = services.upload_calendar(
                year, text=None if upload else form.lines.data, csv_bytes=upload.read() if upload else None,
                user_id=current_user.id, replace=form.replace.data)
        except services.CalendarUploadRefused as exc:
            line_errors = [LINE_ERRORS[e.code]({"line": e.line, **e.params}) for e in exc.errors]
        else:
            flash(ngettext("%(num)d day saved for %(year)d.", "%(num)d days saved for %(year)d.", count,
                           year=year), "success")
            return redirect(url_for(".calendar", year=year))
    year = form.year.data if not form.year.errors and form.year.data else _year_arg()
    return _calendar_page(year, CalendarDayForm(prefix="day", formdata=None), form, line_errors, status=400)


# --- time-limit policies -----------------------------------------------------------------------


@bp.route("/policies")
def policies():
    """Every time-limit policy and how many categories use it."""
    return render_template("admin/settings/policies.html", policies=services.policies())


def _policy_values_for_form(policy: TimeLimitPolicy | None) -> dict:
    """The form's values for ``policy`` (defaults for a new one); a warning if unreadable."""
    try:
        return services.policy_values(policy.limits if policy else None)
    except services.SettingsError as exc:
        if exc.code == "unit_mismatch":
            flash(_("Some limits of this policy are stored in other units than this form uses; the defaults "
                    "are shown. Saving replaces the stored limits."), "warning")
        else:
            flash(_("The stored limits of this policy could not be read; the defaults are shown. "
                    "Saving replaces the stored limits."), "warning")
        return services.policy_values(None)


def _show_policy_errors(form: PolicyForm, exc: services.PolicyRefused) -> None:
    """Put each limit the policy refuses under its field (unless the field already has an error)."""
    fields = {f.name: f for f in services.POLICY_FIELDS}
    for name, code in exc.errors.items():
        if name not in fields:
            flash(_("These limits do not make a valid policy."), "error")
        elif not form[name].errors:
            form[name].errors.append(POLICY_ERRORS[code](fields[name]))


def _check_limits_too(form: PolicyForm) -> None:
    """When the form is refused for another reason, still report every limit the policy refuses."""
    values = {f.name: None if form[f.name].errors else form[f.name].data for f in services.POLICY_FIELDS}
    try:
        services.limits_from_values(values)
    except services.PolicyRefused as exc:
        _show_policy_errors(form, exc)


@bp.route("/policies/new", methods=["GET", "POST"])
@bp.route("/policies/<int:policy_id>", methods=["GET", "POST"])
def policy_form(policy_id: int | None = None):
    """Create or edit a time-limit policy."""
    policy = db.session.get(TimeLimitPolicy, policy_id) if policy_id else None
    if policy_id and policy is None:
        abort(404)
    if request.method == "GET":
        data = _policy_values_for_form(policy)
        form = PolicyForm(data={**data, "code": policy.code if policy else "", "name": policy.name if policy else ""})
    else:
        form = PolicyForm()
    if form.validate_on_submit():
        values = {f.name: form[f.name].data for f in services.POLICY_FIELDS}
        try:
            services.save_policy(policy.id if policy else None, code=form.code.data, name=form.name.data,
                                 values=values, user_id=current_user.id)
        except services.PolicyRefused as exc:
            _show_policy_errors(form, exc)
        except services.SettingsError as exc:
            form[exc.field].errors.append(ERRORS[exc.code](exc.params))
        else:
            flash(_("Policy saved."), "success")
            return redirect(url_for(".policies"))
    elif form.is_submitted():
        _check_limits_too(form)
    status = 400 if request.method == "POST" else 200
    return render_template("admin/settings/policy_form.html", form=form, policy=policy), status


@bp.route("/policies/categories", methods=["GET", "POST"])
def category_policies():
    """Choose each category's time-limit policy."""
    categories = services.categories()
    policy_choices = choices([("", _("— built-in defaults —"))] +
                             [(p.id, f"{p.name} ({p.code})") for p, _count in services.policies()])
    form = category_policies_form(categories, policy_choices, str(get_locale()))
    if form.validate_on_submit():
        changed = services.assign_policies({c.id: form[category_field_name(c.id)].data for c in categories},
                                           user_id=current_user.id,
                                           territorial={c.id: form[leads_field_name(c.id)].data == "place"
                                                        for c in categories})
        flash(ngettext("%(num)d category changed.", "%(num)d categories changed.", changed), "success")
        return redirect(url_for(".category_policies"))
    rows = [(c, form[category_field_name(c.id)], form[leads_field_name(c.id)]) for c in categories]
    status = 400 if request.method == "POST" else 200
    return render_template("admin/settings/category_policies.html", form=form, rows=rows), status
