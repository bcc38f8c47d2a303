"""Meeting pages: the list, scheduling, a meeting with its agenda and decisions, printable minutes,
the departments' decisions, agenda candidates and the measures."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline import citytime
from hotline.audit.periods import Period
from hotline.db import transaction, utcnow
from hotline.directory.models import Category
from hotline.directory.queries import departments, districts
from hotline.extensions import db
from hotline.labels import domain_error_text, enum_choices
from hotline.meetings import exports, forms, measures, queries, rules, services
from hotline.meetings.models import AgendaItem, Decision
from hotline.meetings.rules import MeetingKind, MeetingRefused
from hotline.security import roles_required
from hotline.tickets import confidential
from hotline.tickets.forms import choices
from hotline.tickets.intake import IntakeData, IntakeError

bp = Blueprint("meetings", __name__)
VIEWERS = ("supervisor", "leader", "admin", "operator")
SCHEDULERS = ("supervisor", "leader")


@bp.context_processor
def _shown():
    return {"subject_shown": confidential.subject}


def _refused(exc) -> None:
    """Show a service's refusal (the service's unit of work rolled its writes back)."""
    flash(domain_error_text(exc.code, getattr(exc, "params", {})), "error")


@bp.route("/")
@roles_required(*VIEWERS)
def index():
    """Meetings, the latest first."""
    return render_template("meetings/index.html", meetings=queries.meetings(),
                           can={"schedule": services.may_schedule(current_user)})


def _meeting_form() -> forms.MeetingForm:
    form = forms.MeetingForm()
    locale = str(get_locale())
    form.kind.choices = choices(enum_choices(MeetingKind))
    form.convener_id.choices = choices([(u.id, u.display_name) for u in queries.leaders()])
    form.department_ids.choices = choices([(d.id, d.name(locale)) for d in departments() if d.active])
    if request.method == "GET" and current_user.role == "leader":
        form.convener_id.data = current_user.id
    return form


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*SCHEDULERS)
def new():
    """Schedule a meeting."""
    form = _meeting_form()
    if form.validate_on_submit():
        try:
            with transaction():
                meeting = services.schedule(
                    kind=form.kind.data, title=form.title.data, convener_id=form.convener_id.data,
                    held_at=citytime.typed(form.held_at.data), place=form.place.data or "",
                    attendees=form.attendees.data or "", enterprises=form.enterprises.data or "",
                    department_ids=form.department_ids.data or [], actor=current_user)
        except MeetingRefused as exc:
            _refused(exc)
        else:
            flash(_("Meeting scheduled."), "success")
            return redirect(url_for(".detail", meeting_id=meeting.id))
    return render_template("meetings/new.html", form=form), (400 if form.errors else 200)


def _page_forms():
    """The meeting page's forms, their choices filled (departments, categories, districts)."""
    locale = str(get_locale())
    decision = forms.DecisionForm(prefix="decision")
    decision.department_id.choices = choices([("", _("— choose —"))] + [(d.id, d.name(locale)) for d in departments()
                                                                       if d.active])
    raise_form = forms.RaiseForm(prefix="raise")
    raise_form.category.choices = choices([(c.code, c.name(locale)) for c in db.session.scalars(
        select(Category).where(Category.active).order_by(Category.position))])
    raise_form.district.choices = choices([("", "—")] + [(d.code, d.name(locale)) for d in districts()])
    return {"agenda": forms.AgendaForm(prefix="agenda"), "raise": raise_form, "hold": forms.HoldForm(prefix="hold"),
            "cancel": forms.ReasonForm(prefix="cancel"), "outcome": forms.OutcomeForm(prefix="outcome"),
            "decision": decision, "cancel_decision": forms.ReasonForm(prefix="cd")}


@bp.route("/<int:meeting_id>")
@roles_required(*VIEWERS)
def detail(meeting_id: int, page_forms=None, status: int = 200):
    """A meeting: its facts, agenda (confidential tickets without the caller's identity), decisions, forms."""
    meeting = queries.meeting(meeting_id)
    if meeting is None:
        abort(404)
    actor = services.actor_of(current_user, meeting)
    actions = [str(a) for a in rules.allowed_meeting_actions(meeting.status, actor)]
    can = {"add_item": "add_item" in actions, "hold": "hold" in actions, "cancel": "cancel" in actions,
           "decide": "decide" in actions, "settle": meeting.status == "held" and "decide" in actions,
           **_ticket_links()}
    # which agenda items still await an outcome, and which decisions may be withdrawn, by this user
    settle = {i.id for i in meeting.items if can["settle"] and i.outcome == rules.ItemOutcome.pending}
    withdraw = {d.id for i in meeting.items for d in i.decisions if can["decide"]
                and rules.DecisionAction.cancel in rules.allowed_decision_actions(d.status, actor)}
    return render_template("meetings/detail.html", meeting=meeting, forms=page_forms or _page_forms(), can=can,
                           settle=settle, withdraw=withdraw, now=utcnow()), status


def _ticket_links() -> dict:
    """Whether the user may open the ticket pages the meeting pages link to (a leader may not)."""
    return {"see_tickets": current_user.role in ("supervisor", "admin", "operator")}


def _act(meeting_id: int, key: str, call):
    """Validate one form of the meeting page, call one service, and show the result or the refusal."""
    page_forms = _page_forms()
    form = page_forms[key]
    if not form.validate_on_submit():
        return detail(meeting_id, page_forms, 400)
    try:
        with transaction():
            call(form)
    except (MeetingRefused, IntakeError) as exc:
        _refused(exc)
        return detail(meeting_id, page_forms, 409)
    flash(_("Recorded."), "success")
    return redirect(url_for(".detail", meeting_id=meeting_id))


@bp.route("/<int:meeting_id>/agenda", methods=["POST"])
@roles_required(*SCHEDULERS)
def add_item(meeting_id: int):
    """Put a ticket on the agenda."""
    return _act(meeting_id, "agenda", lambda f: services.add_ticket(meeting_id, f.number.data, note=f.note.data or "",
                                                                     actor=current_user))


@bp.route("/<int:meeting_id>/raise", methods=["POST"])
@roles_required(*SCHEDULERS)
def raise_matter(meeting_id: int):
    """A matter raised at the table becomes a ticket (normal intake) on the agenda."""
    return _act(meeting_id, "raise", lambda f: services.raise_on_spot(meeting_id, IntakeData(
        channel="walk_in", kind="complaint", subject=f.subject.data, description=f.description.data,
        category_code=f.category.data, caller_name=f.caller_name.data or "", enterprise_name=f.enterprise_name.data,
        district_code=f.district.data or None), actor=current_user))


@bp.route("/<int:meeting_id>/hold", methods=["POST"])
@roles_required(*SCHEDULERS)
def hold(meeting_id: int):
    """Record that the meeting was held, with its minutes."""
    return _act(meeting_id, "hold", lambda f: services.hold(meeting_id, minutes=f.minutes.data, actor=current_user))


@bp.route("/<int:meeting_id>/cancel", methods=["POST"])
@roles_required(*SCHEDULERS)
def cancel(meeting_id: int):
    """Call the meeting off."""
    return _act(meeting_id, "cancel", lambda f: services.cancel(meeting_id, reason=f.reason.data, actor=current_user))


def _item_meeting(item_id: int) -> int:
    item = db.session.get(AgendaItem, item_id)
    if item is None:
        abort(404)
    return item.meeting_id


@bp.route("/items/<int:item_id>/outcome", methods=["POST"])
@roles_required(*SCHEDULERS)
def outcome(item_id: int):
    """Settle a matter at the table, or carry it over."""
    return _act(_item_meeting(item_id), "outcome", lambda f: services.record_outcome(
        item_id, f.action.data, note=f.note.data or "", actor=current_user))


@bp.route("/items/<int:item_id>/decisions", methods=["POST"])
@roles_required(*SCHEDULERS)
def decide(item_id: int):
    """Take a decision on a matter."""
    return _act(_item_meeting(item_id), "decision", lambda f: services.decide(
        item_id, department_id=f.department_id.data, text=f.text.data, done_means=f.done_means.data,
        working_days=f.working_days.data, actor=current_user))


def _decision_or_404(decision_id: int) -> Decision:
    decision = db.session.get(Decision, decision_id)
    if decision is None:
        abort(404)
    return decision


@bp.route("/decisions/<int:decision_id>/cancel", methods=["POST"])
@roles_required(*SCHEDULERS)
def cancel_decision(decision_id: int):
    """Withdraw a decision, with a reason."""
    decision = _decision_or_404(decision_id)
    return _act(decision.meeting_id, "cancel_decision", lambda f: services.cancel_decision(
        decision_id, reason=f.reason.data, actor=current_user))


@bp.route("/decisions")
@roles_required("handler", "supervisor", "leader", "admin")
def decisions():
    """A handler: the decisions assigned to their department; others: every open decision."""
    mine = current_user.role == "handler"
    rows = queries.decisions_of_department(current_user.department_id) if mine else queries.open_decisions()
    done = {d.id for d in rows if mine and rules.DecisionAction.complete in
            rules.allowed_decision_actions(d.status, rules.Actor.handler)}  # its own department's open decisions
    return render_template("meetings/decisions.html", rows=rows, form=forms.DoneForm(), now=utcnow(), done=done)


@bp.route("/decisions/<int:decision_id>/done", methods=["POST"])
@roles_required("handler")
def done(decision_id: int):
    """The department marks its decision done, with evidence."""
    decision = _decision_or_404(decision_id)
    if decision.department_id != current_user.department_id:
        abort(404)
    form = forms.DoneForm()
    if not form.validate_on_submit():
        flash(_("Please describe the evidence that the decision is done."), "error")
        return redirect(url_for(".decisions"))
    try:
        with transaction():
            services.complete(decision_id, evidence=form.evidence.data, actor=current_user)
    except MeetingRefused as exc:
        _refused(exc)
    else:
        flash(_("Decision marked done."), "success")
    return redirect(url_for(".decisions"))


@bp.route("/candidates")
@roles_required("supervisor", "leader", "admin")
def candidates():
    """Stuck tickets the console suggests for a meeting's agenda."""
    return render_template("meetings/candidates.html", rows=queries.candidates(utcnow()),
                           upcoming=[m for m in queries.meetings(50) if m.status != "cancelled"], can=_ticket_links())


@bp.route("/<int:meeting_id>/minutes")
@roles_required(*VIEWERS)
def minutes(meeting_id: int):
    """The printable minutes (a print stylesheet), in Chinese by default."""
    meeting = queries.meeting(meeting_id)
    if meeting is None:
        abort(404)
    return render_template("meetings/minutes.html", meeting=meeting)


@bp.route("/<int:meeting_id>/minutes.xlsx")
@roles_required(*VIEWERS)
def minutes_xlsx(meeting_id: int):
    """The minutes as a spreadsheet."""
    meeting = queries.meeting(meeting_id)
    if meeting is None:
        abort(404)
    return send_file(exports.minutes_workbook(meeting), as_attachment=True, download_name=f"meeting-{meeting.id}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


def _period():
    """The month of ``?month=YYYY-MM`` (None: all time); a malformed month is a 400."""
    label = request.args.get("month", "").strip()
    if not label:
        return None
    try:
        return Period.month(label, current_app.config["TIMEZONE"])
    except ValueError:
        abort(400)


@bp.route("/measures")
@roles_required("supervisor", "leader", "admin")
def measures_page():
    """Meetings by kind and convener, matters settled at the table, decisions done on time."""
    period = _period()
    return render_template("meetings/measures.html", report=measures.report(period=period), period=period)


@bp.route("/measures/<key>")
@roles_required("supervisor", "leader", "admin")
def drill(key: str):
    """The tickets behind one figure."""
    if key not in measures.DRILLS:
        abort(404)
    period = _period()
    return render_template("meetings/drill.html", key=key, title=measures.DRILLS[key], period=period,
                           tickets=measures.drill(key, period=period), can=_ticket_links())
