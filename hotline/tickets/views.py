"""Operator pages: intake with live routing and repeat candidates, ticket detail, lists, search."""
from __future__ import annotations

import uuid

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline.db import utcnow
from hotline.extensions import db
from hotline.http import id_arg
from hotline.labels import domain_error_text
from hotline.security import roles_required
from hotline.tickets import attachments, confidential, lifecycle, lookup, queries
from hotline.tickets import intake as intake_service
from hotline.tickets.forms import CallbackForm, IntakeForm, RedispatchForm, SearchForm
from hotline.tickets.intake_form import blank_body, fill_choices, intake_data, lenient_intake_data, show_intake_error
from hotline.tickets.models import Attachment
from hotline.tickets.states import AssignmentState, DomainError

bp = Blueprint("tickets", __name__)
STAFF = ("operator", "supervisor", "admin")


@bp.route("/new", methods=["GET", "POST"])
@roles_required("operator")
def intake():
    """Enter a call; on save the ticket is routed and dispatched at once."""
    form = IntakeForm()  # no select validates its choice: they are filled only to show the form
    lead_blank = _("— as proposed —")
    if request.method == "GET":
        form.intake_key.data = uuid.uuid4().hex
        body = blank_body(form, lead_blank=lead_blank)  # the same for every operator, rendered once
        if body is None:
            fill_choices(form, lead_blank=lead_blank)
        return render_template("tickets/intake.html", form=form, proposal=None, body=body)
    if form.validate_on_submit():
        try:
            ticket = intake_service.create_ticket(intake_data(form), operator_id=current_user.id,
                                                  operator_name=current_user.display_name)
        except intake_service.IntakeError as exc:
            show_intake_error(form, exc)
        else:
            flash(_("Ticket %(number)s saved.", number=ticket.number), "success")
            return redirect(url_for(".detail", number=ticket.number))
    fill_choices(form, lead_blank=lead_blank)
    proposal = intake_service.propose(lenient_intake_data(form), now=utcnow(), operator_name=current_user.display_name)
    return render_template("tickets/intake.html", form=form, proposal=proposal), (400 if form.errors else 200)


@bp.route("/new/preview", methods=["POST"])
@roles_required("operator")
def intake_preview():
    """The live panel: proposed routing and repeat candidates for what is typed so far (saves nothing)."""
    form = IntakeForm()
    fill_choices(form, lead_blank=_("— as proposed —"))
    proposal = intake_service.propose(lenient_intake_data(form), now=utcnow(), operator_name=current_user.display_name)
    return render_template("tickets/_preview.html", form=form, proposal=proposal)


@bp.route("/enterprises")
@roles_required("operator")
def enterprises():
    """Enterprises from earlier tickets whose name or credit code matches ``q`` (JSON)."""
    rows = lookup.enterprises(request.args.get("q", "")[:100])
    return jsonify([{"name": name, "credit_code": code} for name, code in rows])


@bp.route("/<number>", methods=["GET", "POST"])
@roles_required(*STAFF)
def detail(number: str):
    """A ticket with its routing, assignments, chain and history; POST reveals a masked identity
    (operators and supervisors only, each reveal recorded); until then its text is redacted too."""
    ticket = queries.ticket_or_404(number)
    may_reveal = confidential.may_see_identity(current_user)
    revealed = not ticket.confidential
    if request.method == "POST" and not revealed:
        if not may_reveal:
            abort(403)
        intake_service.record_identity_view(ticket, current_user.id)
        revealed = True
    return render_template("tickets/detail.html", ticket=ticket, view=queries.detail_view(ticket),
                           revealed=revealed, may_reveal=may_reveal,
                           shown=confidential.text_filter(ticket, revealed=revealed))


@bp.route("/mine")
@roles_required("operator")
def mine():
    """The operator's recent tickets."""
    page = queries.recent_by_operator(current_user.id, before=id_arg("before"))
    return render_template("tickets/list.html", title=_("My recent tickets"), page=page, form=None,
                           shown_for=confidential.text_filter)


@bp.route("/returned")
@roles_required("operator", "supervisor")
def returned():
    """Tickets every department returned, awaiting re-dispatch, with the grounds given."""
    return render_template("tickets/returned.html", rows=queries.returned_tickets(),
                           shown_for=confidential.text_filter)


@bp.route("/<number>/redispatch", methods=["GET", "POST"])
@roles_required("operator")
def redispatch(number: str):
    """Send a returned ticket to the departments the operator chooses."""
    ticket = queries.ticket_or_404(number)
    form = RedispatchForm()
    fill_choices(form)
    if form.validate_on_submit():
        try:
            intake_service.redispatch(ticket, form.lead.data, tuple(form.co_handlers.data or ()),
                                note=form.reason.data, actor_id=current_user.id)
        except intake_service.IntakeError as exc:
            show_intake_error(form, exc)
        else:
            flash(_("Ticket %(number)s re-dispatched.", number=ticket.number), "success")
            return redirect(url_for(".detail", number=ticket.number))
    returned_parts = [a for a in ticket.assignments if a.status == AssignmentState.returned]
    return render_template("tickets/redispatch.html", ticket=ticket, form=form, view=queries.detail_view(ticket),
                           returned_parts=returned_parts, shown=confidential.text_filter(ticket)), \
        (400 if form.errors else 200)


@bp.route("/search")
@roles_required(*STAFF)
def search():
    """Search by number, phone, enterprise, credit code or words of the matter."""
    form = SearchForm(request.args)
    page = None
    if form.q.data and form.validate():
        page = queries.search(form.q.data, before=id_arg("before"))
    return render_template("tickets/list.html", title=_("Search tickets"), page=page, form=form,
                           shown_for=confidential.text_filter)


@bp.route("/callbacks")
@roles_required("operator")
def callbacks():
    """Resolved tickets awaiting a callback, ordered by callback due time."""
    return render_template("tickets/callbacks.html", rows=queries.awaiting_callback(),
                           by_link=queries.answered_by_link(), shown_for=confidential.text_filter)


@bp.route("/<number>/callback", methods=["GET", "POST"])
@roles_required("operator")
def callback(number: str):
    """Record a callback attempt (回访) and its verdict."""
    ticket = queries.ticket_or_404(number)
    form = CallbackForm()
    status = 200
    if form.validate_on_submit():
        reached = form.reached.data == "yes"
        try:
            lifecycle.record_callback(ticket.id, reached=reached, solved=(form.solved.data == "yes") if reached
                                      else None, satisfaction=form.satisfaction.data if reached else None,
                                      comment=form.comment.data or "", actor=current_user)
        except DomainError as exc:
            flash(domain_error_text(exc.code, exc.params), "error")
            status = 409
        else:
            flash(_("Callback recorded."), "success")
            return redirect(url_for(".detail", number=number))
    elif form.errors:
        status = 400
    if ticket.confidential:
        # The page shows the caller's name and number to call back: every showing is recorded,
        # a refused or invalid POST's too. (A refused callback wrote nothing: the view commits alone.)
        intake_service.record_identity_view(ticket, current_user.id)
    return render_template("tickets/callback.html", ticket=ticket, form=form, view=queries.detail_view(ticket),
                           replies=queries.final_replies(ticket), attempts=lifecycle.callback_attempts(ticket)), status


@bp.route("/attachments/<int:attachment_id>")
@roles_required("operator", "supervisor", "admin", "handler")
def attachment(attachment_id: int):
    """Download evidence; a handler only for a ticket their department has a part in."""
    item = db.session.get(Attachment, attachment_id)
    if item is None:
        abort(404)
    if current_user.role == "handler" and not queries.department_has_part(item.ticket_id, current_user.department_id):
        abort(404)
    return send_file(attachments.path_of(item), mimetype=item.content_type, as_attachment=True,
                     download_name=item.filename)
