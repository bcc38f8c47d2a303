"""The audit: dashboard, drill-down, ranking report, a department's own view, exports."""
from __future__ import annotations

from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from hotline.audit import exports, report, texts
from hotline.audit.measures import INQUIRY_KEYS, MEASURES, Figure, Slice
from hotline.audit.periods import Period
from hotline.db import utcnow
from hotline.http import id_arg
from hotline.labels import measure_label
from hotline.roles import Role
from hotline.security import roles_required

bp = Blueprint("audit", __name__)
RATE_KEYS = ("response", "sign_on_time", "on_time", "resolution", "satisfaction")
OTHER_KEYS = ("return", "extension", "reopen", "repeat", "false_closure")
# The inquiry table (咨询, reported apart): its rows, each drilling down to the tickets it counts.
INQUIRY_ROWS = (
    (_l("Inquiries received"), "on_the_spot", "base"),
    (_l("Answered on the spot"), "on_the_spot", "hit"),
    (_l("Dispatched to a department"), "inquiry_dispatched", "hit"),
    (_l("Closed (on the spot or after dispatch)"), "inquiry_closed", "hit"),
)
INQUIRY_MEASURE_LABELS = {"inquiry_dispatched": _l("Inquiries dispatched"), "inquiry_closed": _l("Inquiries closed")}


def _label(key: str) -> str:
    """A measure's name (the inquiry measures' names are kept here until hotline.labels has them)."""
    return str(INQUIRY_MEASURE_LABELS[key]) if key in INQUIRY_MEASURE_LABELS else measure_label(key)


def inquiry_table(figures: dict[str, Figure]) -> list[dict]:
    """The inquiry table's rows: label, the measure and part to drill into, the count, and its share of
    the inquiries received (None on the first row)."""
    rows = []
    for label, key, part in INQUIRY_ROWS:
        f = figures[key]
        rows.append({"label": label, "measure": key, "part": part, "count": f.base if part == "base" else f.hits,
                     "share": None if part == "base" else f})
    return rows


def _period() -> Period:
    tz = current_app.config["TIMEZONE"]
    label = request.args.get("month")
    try:
        return Period.month(label, tz) if label else Period.containing(utcnow(), tz)
    except (ValueError, TypeError):
        abort(400)


def _enum_arg(name: str, enum_cls) -> str | None:
    value = request.args.get(name) or None
    if value is not None and value not in {m.value for m in enum_cls}:
        abort(400)
    return value


def _slice() -> Slice:
    from hotline.tickets.models import Channel, Kind
    from hotline.tickets.routing import Rule

    return Slice(department_id=id_arg("department"), district_id=id_arg("district"),
                 category_id=id_arg("category"), kind=_enum_arg("kind", Kind),
                 channel=_enum_arg("channel", Channel), rule=_enum_arg("rule", Rule))


def _slice_args(s: Slice) -> dict:
    return {k: v for k, v in (("department", s.department_id), ("district", s.district_id),
                              ("category", s.category_id), ("kind", s.kind), ("channel", s.channel),
                              ("rule", s.rule)) if v}


@bp.route("/")
@roles_required("supervisor", "admin")
def dashboard():
    """The month's rates with drill-downs, volume, top categories and counties, and the ranking."""
    tz, period, s = current_app.config["TIMEZONE"], _period(), _slice()
    data = report.dashboard_data(period, s, (*RATE_KEYS, *OTHER_KEYS, *INQUIRY_KEYS), tz)
    locale = str(get_locale())
    return render_template(
        "audit/dashboard.html", period=period, previous=period.previous(tz), figures=data["figures"], slice=s,
        slice_args=_slice_args(s), rate_keys=RATE_KEYS, other_keys=OTHER_KEYS,
        inquiries=inquiry_table(data["figures"]), durations=data["durations"],
        ranking=report.ranking(period, period.previous(tz)),
        volume=report.until_today(data["volume"], utcnow(), tz),
        top_categories=report.named(data["top_categories"], locale),
        top_districts=report.named(data["top_districts"], locale), weights=report.weights(),
        computed_at=data["computed_at"], demo=report.demo_history())


@bp.route("/drill")
@roles_required("supervisor", "admin", "handler")
def drill():
    """Exactly the rows a figure counts (base, hits or misses), from the figure's own query."""
    key, part = request.args.get("measure"), request.args.get("part", "base")
    if key not in MEASURES or part not in ("base", "hit", "miss"):
        abort(404)
    period, s = _period(), _own_slice(_slice())
    rows = exports.rows(key, period, s, part, limit=exports.PAGE_LIMIT)
    total = exports.count(key, period, s, part)
    return render_template("audit/drill.html", measure=MEASURES[key], label=_label(key), part=part, period=period,
                           definition=texts.measure_definition(key), rows=rows, total=total, args={**request.args})


def _own_slice(s: Slice) -> Slice:
    """A handler sees only their own department's rows."""
    if current_user.role == "handler":
        return Slice(**{**s.__dict__, "department_id": current_user.department_id})
    return s


@bp.route("/department")
@roles_required("handler", "supervisor", "admin")
def department():
    """A department's own measures beside the city's."""
    period = _period()
    own = current_user.role == Role.handler  # a handler sees its own department; the others choose one
    dept_id = current_user.department_id if own else id_arg("department")
    if not dept_id:
        abort(404)
    keys = (*RATE_KEYS, "return", "extension")
    data = report.department_data(period, dept_id, keys)
    from hotline.directory.models import Department
    from hotline.extensions import db

    return render_template("audit/department.html", period=period, own=data["own"], city=data["city"], keys=keys,
                           dept=db.session.get(Department, dept_id), durations=data["durations"],
                           city_durations=data["city_durations"], computed_at=data["computed_at"],
                           can={"choose_department": not own})


@bp.route("/ranking/report")
@roles_required("supervisor", "admin")
def ranking_report():
    """The print-ready monthly ranking (排名通报) for city leaders."""
    tz, period = current_app.config["TIMEZONE"], _period()
    city = report.city_figures(period, (*RATE_KEYS, *INQUIRY_KEYS))
    return render_template("audit/ranking_report.html", period=period,
                           ranking=report.ranking(period, period.previous(tz)),
                           city=city, inquiries=inquiry_table(city), slice_args={}, weights=report.weights(),
                           generated=utcnow())


MIMETYPES = {"csv": "text/csv; charset=utf-8",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.route("/export")
@roles_required("supervisor", "admin", "handler")
def export():
    """Export a drill-down list; a large one becomes a background job with a progress page."""
    key, part, fmt = request.args.get("measure"), request.args.get("part", "base"), request.args.get("format")
    if key not in MEASURES or part not in ("base", "hit", "miss") or fmt not in MIMETYPES:
        abort(404)
    period, s = _period(), _own_slice(_slice())
    filename = f"{period.label}-{key}-{part}.{fmt}"
    if exports.count(key, period, s, part) > exports.SYNC_LIMIT:
        from hotline.audit.jobs import build_export
        from hotline.queue import enqueue

        name = exports.new_export_name(fmt)
        queued = enqueue(build_export, key, period.label, _slice_args_plain(s), part, fmt, name,
                         str(get_locale() or "zh_CN"), queue="reports", job_id=name.replace(".", "-"))
        if queued is None:
            abort(503)
        queued.meta["owner"] = current_user.id
        queued.meta["filename"] = filename
        queued.save_meta()
        return redirect(url_for(".export_status", name=name))
    head, lines = exports.headers(key), exports.iter_lines(key, period, s, part)
    disposition = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
    if fmt == "csv":
        return Response(stream_with_context(exports.csv_stream(head, lines)), mimetype=MIMETYPES[fmt],
                        headers=disposition)
    return Response(exports.xlsx_bytes(_label(key), head, lines), mimetype=MIMETYPES[fmt], headers=disposition)


def _slice_args_plain(s: Slice) -> dict:
    return {k: v for k, v in s.__dict__.items() if v is not None}


@bp.route("/ranking/export")
@roles_required("supervisor", "admin")
def ranking_export():
    """The ranking as CSV or XLSX."""
    fmt, tz, period = request.args.get("format"), current_app.config["TIMEZONE"], _period()
    if fmt not in MIMETYPES:
        abort(404)
    lines = exports.ranking_lines(report.ranking(period, period.previous(tz)))
    filename = f"{period.label}-ranking.{fmt}"
    disposition = {"Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}"}
    if fmt == "csv":
        return Response("".join(exports.csv_stream(exports.ranking_headers(), lines)), mimetype=MIMETYPES[fmt],
                        headers=disposition)
    workbook = exports.xlsx_bytes(_("Department ranking"), exports.ranking_headers(), lines)
    return Response(workbook, mimetype=MIMETYPES[fmt],
                    headers=disposition)


def _export_job(name: str):
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from hotline.queue import get_redis

    try:
        job = Job.fetch(name.replace(".", "-"), connection=get_redis())
    except NoSuchJobError:
        abort(404)
    if job.meta.get("owner") != current_user.id:
        abort(404)
    return job


@bp.route("/exports/<name>")
@roles_required("supervisor", "admin", "handler")
def export_status(name: str):
    """Progress of a background export, and its download link when done."""
    job = _export_job(name)
    return render_template("audit/export_status.html", name=name, job=job, status=job.get_status().value,
                           meta=job.meta)


@bp.route("/exports/<name>.json")
@roles_required("supervisor", "admin", "handler")
def export_status_json(name: str):
    """The same progress as JSON, for the page to poll."""
    job = _export_job(name)
    return jsonify(status=job.get_status().value, done=job.meta.get("done", 0), total=job.meta.get("total"),
                   url=url_for(".export_file", name=name) if job.is_finished else None)


@bp.route("/exports/<name>/file")
@roles_required("supervisor", "admin", "handler")
def export_file(name: str):
    """Download a finished background export."""
    job = _export_job(name)
    path = exports.export_dir() / name
    if not job.is_finished or not path.exists():
        abort(404)
    fmt = name.rsplit(".", 1)[-1]
    return send_file(path, mimetype=MIMETYPES[fmt], as_attachment=True,
                     download_name=job.meta.get("filename", name))


@bp.route("/weights", methods=["POST"])
@roles_required("admin")
def set_weights():
    """Change the ranking weights (percentages of response, resolution, satisfaction summing to 100)."""
    try:
        values = {k: float(request.form.get(k, "")) / 100 for k in report.SCORED}
        report.set_weights(values)
    except ValueError:
        flash(_("Weights must be three non-negative percentages that add up to 100."), "error")
    else:
        flash(_("Ranking weights saved."), "success")
    return redirect(url_for(".dashboard", month=request.form.get("month") or None))
