"""The handler's workbench: the department's queues and its ticket page with the actions."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from hotline import citytime
from hotline.db import utcnow
from hotline.escalation import recompute
from hotline.labels import domain_error_text
from hotline.meetings import queries as meeting_queries
from hotline.security import roles_required
from hotline.tickets import attachments, confidential, lifecycle, states
from hotline.tickets.states import DomainError, allowed_assignment_actions
from hotline.workbench import queries
from hotline.workbench.forms import AttachmentForm, ContactForm, ExtensionForm, ReturnForm, SignForm, SubmitForm

bp = Blueprint("workbench", __name__)


@bp.before_request
@roles_required("handler")
def _handlers_only():
    """Every page here is a handler's."""


@bp.route("/")
def queue():
    """One of the department's queues, sorted by due time."""
    name = request.args.get("queue", "to_sign")
    if name not in queries.QUEUES:
        name = "to_sign"
    now = utcnow()
    page = queries.queue_page(current_user.department_id, name, now, request.args.get("after"))
    return render_template("workbench/queue.html", queue=name, page=page, now=now, subject=confidential.subject,
                           counts=queries.queue_counts(current_user.department_id, now),
                           recomputing=recompute.in_progress())


def _forms():
    return {"sign": SignForm(prefix="sign"), "contact": ContactForm(prefix="contact"),
            "extension": ExtensionForm(prefix="ext"), "return": ReturnForm(prefix="ret"),
            "submit": SubmitForm(prefix="sub"), "attachment": AttachmentForm(prefix="att")}


#: A part in these states is over for its department: no clock, no evidence.
ENDED = ("returned", "withdrawn")


def _render(number: str, forms=None, status: int = 200):
    ticket, assignment = queries.department_assignment(number, current_user.department_id)
    now = utcnow()
    forms = forms or _forms()
    if not forms["contact"].at.data:
        forms["contact"].at.data = citytime.form_default(now)
    actions = [str(a) for a in allowed_assignment_actions(assignment.status, "handler", now=now,
                                                          return_due_at=assignment.return_due_at)]
    ended = assignment.status in ENDED
    can = {"add_evidence": not ended, "see_time_left": not ended and assignment.status != "submitted",
           "request_extension": assignment.status in states.EXTENSION_STATES,
           "see_return_closed": "return" not in actions and assignment.status in states.RETURNABLE_STATES}
    return render_template("workbench/ticket.html", ticket=ticket, a=assignment, forms=forms, now=now,
                           actions=actions, can=can,
                           pending=lifecycle.pending_co_handlers(ticket, assignment) if assignment.is_lead else [],
                           shown=confidential.text_filter(ticket),  # a handler never sees the identity
                           recomputing=recompute.in_progress(), meetings=meeting_queries.of_ticket(ticket),
                           **queries.assignment_extras(assignment)), status


@bp.route("/tickets/<number>")
def ticket(number: str):
    """The department's view of a ticket: facts (identity masked when confidential), parts, history."""
    return _render(number)[0]


def _act(number: str, form_key: str, action):
    """Validate one form, run one lifecycle service, and show the result or the refusal."""
    ticket, assignment = queries.department_assignment(number, current_user.department_id)
    forms = _forms()
    form = forms[form_key]
    if form.validate_on_submit():
        try:
            action(assignment, form)
        except DomainError as exc:
            flash(domain_error_text(exc.code, exc.params), "error")
            return _render(number, forms, 409)
        flash(_("Done."), "success")
        return redirect(url_for(".ticket", number=number))
    return _render(number, forms, 400)


@bp.route("/tickets/<number>/sign", methods=["POST"])
def sign(number: str):
    """签收."""
    return _act(number, "sign", lambda a, f: lifecycle.sign_for(a.id, actor=current_user))


@bp.route("/tickets/<number>/contact", methods=["POST"])
def contact(number: str):
    """Record a contact attempt."""
    return _act(number, "contact", lambda a, f: lifecycle.record_contact(
        a.id, at=citytime.typed(f.at.data), method=f.method.data, reached=f.reached.data == "yes",
        summary=f.summary.data, actor=current_user))


@bp.route("/tickets/<number>/extension", methods=["POST"])
def extension(number: str):
    """Request an extension."""
    return _act(number, "extension", lambda a, f: lifecycle.request_extension(
        a.id, days=f.days.data, reason=f.reason.data, actor=current_user))


@bp.route("/tickets/<number>/return", methods=["POST"])
def return_(number: str):
    """Return a misrouted ticket with grounds."""
    return _act(number, "return", lambda a, f: lifecycle.return_assignment(
        a.id, grounds=f.grounds.data, actor=current_user))


@bp.route("/tickets/<number>/submit", methods=["POST"])
def submit(number: str):
    """Submit a co-handler's part or the lead's final reply."""
    return _act(number, "submit", lambda a, f: lifecycle.submit(
        a.id, reply=f.reply.data, solved=bool(f.solved.data), actor=current_user))


def _add_evidence(a, f):
    if a.status in ENDED:  # a department that returned its part, or whose part was withdrawn, is done
        raise DomainError("not_allowed_in_state", state=str(a.status))
    return attachments.add(a.ticket, filename=f.file.data.filename or "", content=f.file.data.read(),
                           assignment_id=a.id, actor_id=current_user.id)


@bp.route("/tickets/<number>/attachments", methods=["POST"])
def upload(number: str):
    """Attach an evidence file."""
    return _act(number, "attachment", _add_evidence)
