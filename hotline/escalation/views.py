"""The supervisors' pages (督办): extension requests to decide."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from hotline.escalation.forms import ExtensionDecisionForm
from hotline.extensions import db
from hotline.labels import domain_error_text
from hotline.security import roles_required
from hotline.tickets import lifecycle
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
