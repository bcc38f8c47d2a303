"""The supervisors' pages (督办): extension requests to decide."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline import citytime
from hotline.db import utcnow
from hotline.escalation import ladder, queries, services
from hotline.escalation.forms import AccountabilityForm, ClearForm, ExtensionDecisionForm, InterviewForm, NoticeForm
from hotline.extensions import db
from hotline.http import id_arg
from hotline.labels import domain_error_text
from hotline.security import roles_required
from hotline.tickets import lifecycle
from hotline.tickets.forms import choices
from hotline.tickets.models import Assignment, Extension, ExtensionStatus
from hotline.tickets.states import DomainError

bp = Blueprint("supervision", __name__)


@bp.route("/extensions")
@roles_required("supervisor")
def extensions():
    """Pending extension requests, oldest first."""
    rows = db.session.scalars(select(Extension).where(Extension.status == ExtensionStatus.PENDING)
                              .order_by(Extension.requested_at)).all()
    assignments = {a.id: a for a in db.session.scalars(
        select(Assignment).where(Assignment.id.in_([e.assignment_id for e in rows]))
        .options(selectinload(Assignment.ticket), selectinload(Assignment.department)))}
    return render_template("supervision/extensions.html", rows=rows, assignments=assignments,
                           form=ExtensionDecisionForm())


@bp.route("/extensions/<int:extension_id>", methods=["POST"])
@roles_required("supervisor")
def decide_extension(extension_id: int):
    """Approve or refuse one extension request."""
    if db.session.get(Extension, extension_id) is None:
        abort(404)
    form = ExtensionDecisionForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for message in errors:
                flash(message, "error")
        return redirect(url_for(".extensions"))
    try:
        lifecycle.decide_extension(extension_id, approve=form.approve.data, note=form.note.data or "",
                                   actor=current_user)
    except DomainError as exc:
        flash(domain_error_text(exc.code, exc.params), "error")
    else:
        flash(_("Extension approved.") if form.approve.data else _("Extension refused."), "success")
    return redirect(url_for(".extensions"))


QUEUES = ("warnings", "overdue", "level1", "level2", "level3", "chains", "unsatisfied", "extensions", "returned")


def _filters() -> queries.Filters:
    return queries.Filters(department_id=id_arg("department"), district_id=id_arg("district"),
                           category_id=id_arg("category"))


@bp.route("/")
@roles_required("supervisor", "admin")
def console():
    """Warnings, breaches by level, repeat chains, unsatisfied callbacks, extensions, returns — with counts."""
    f, now = _filters(), utcnow()
    queue = request.args.get("queue", "level1")
    if queue not in QUEUES:
        queue = "level1"
    from hotline.directory.models import Category
    from hotline.directory.queries import departments, districts

    cats = db.session.scalars(select(Category).order_by(Category.position)).all()
    from hotline.meetings.queries import candidates

    return render_template("supervision/console.html", queue=queue, counts=queries.console(f, now),
                           rows=queries.rows(queue, f, now), now=now, filters=f, departments=departments(),
                           districts=districts(), categories=cats, meeting_candidates=candidates(now, limit=5))


def _case_forms(ticket=None):
    """The case page's forms; on a fresh page the notice is addressed to the ticket's lead department."""
    notice = NoticeForm(prefix="notice")
    from flask_babel import get_locale

    from hotline.directory.queries import departments

    locale = str(get_locale())
    notice.department_id.choices = choices([("", _("— choose —"))] +
                                           [(d.id, d.name(locale)) for d in departments() if d.active])
    if ticket is not None and notice.department_id.data is None:
        leads = [a for a in ticket.assignments if a.role == "lead"]
        lead = max(leads, key=lambda a: (a.round, a.id), default=None)
        notice.department_id.data = lead.department_id if lead else None
    return {"notice": notice, "interview": InterviewForm(prefix="interview"),
            "accountability": AccountabilityForm(prefix="acc"), "clear": ClearForm(prefix="clear")}


@bp.route("/cases/<int:case_id>", methods=["GET"])
@roles_required("supervisor", "admin")
def case(case_id: int, forms=None, status: int = 200):
    """A supervision case: its ticket, level, deadline, actions, and the forms to act."""
    detail = queries.case_detail(case_id)
    if detail is None:
        abort(404)
    sup_case, ticket, actions, others = detail
    return render_template("supervision/case.html", case=sup_case, ticket=ticket, actions=actions, others=others,
                           forms=forms or _case_forms(ticket),
                           interview_required=ladder.interview_required(sup_case.level)
                           and not any(a.kind == "interview" for a in actions)), status


@bp.route("/cases/<int:case_id>/<action>", methods=["POST"])
@roles_required("supervisor")
def case_action(case_id: int, action: str):
    """Issue a notice, record an interview or a referral, or clear the case."""
    if action not in ("notice", "interview", "accountability", "clear"):
        abort(404)
    forms = _case_forms()
    form = forms[action]
    if not form.validate_on_submit():
        return case(case_id, forms, 400)
    now = utcnow()
    try:
        if action == "notice":
            services.record_action(case_id, "notice", actor_id=current_user.id, now=now,
                                   department_id=form.department_id.data, outcome=form.outcome.data,
                                   due_at=citytime.typed(form.due_date.data, end_of_day=True))
        elif action == "interview":
            services.record_action(case_id, "interview", actor_id=current_user.id, now=now,
                                   participants=form.participants.data, outcome=form.outcome.data,
                                   held_at=citytime.typed(form.held_at.data))
        elif action == "accountability":
            services.record_action(case_id, "accountability", actor_id=current_user.id, now=now,
                                   participants=form.participants.data, outcome=form.outcome.data)
        else:
            services.clear_case(case_id, reason=form.reason.data, actor_id=current_user.id, now=now)
    except DomainError as exc:
        flash(domain_error_text(exc.code, exc.params), "error")
        return case(case_id, forms, 409)
    flash(_("Recorded."), "success")
    return redirect(url_for(".case", case_id=case_id))
