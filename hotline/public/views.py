"""Public pages, no login: the status page (/status) and the satisfaction link (/satisfaction/<token>)."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import lazy_gettext as _l

from hotline.public import services
from hotline.public.forms import SatisfactionForm, StatusForm

bp = Blueprint("public", __name__)

#: The states as a caller reads them.
PUBLIC_STATES = {
    "received": _l("Received, being assigned"), "returned": _l("Received, being assigned"),
    "dispatched": _l("Being handled"), "in_progress": _l("Being handled"), "reopened": _l("Being handled again"),
    "resolved": _l("Resolved, awaiting your feedback"), "closed": _l("Closed"),
    "merged": _l("Joined to your earlier request on the same matter"), "answered": _l("Answered"),
}

LINK_REFUSALS = {
    "invalid": _l("This link is not valid. Please check that you opened the whole link from the SMS."),
    "expired": _l("This link has expired. You can still tell us what you think when we call you back."),
    "used": _l("This link was already used. Thank you, your answer was recorded."),
    "closed": _l("This ticket no longer awaits your answer. Thank you."),
}


@bp.route("/status", methods=["GET", "POST"])
def status():
    """Look a ticket up by its number and the last four digits of the caller's phone."""
    form = StatusForm(number=request.args.get("n", "")[:40] if request.method == "GET" else None)
    if not form.validate_on_submit():
        return render_template("public/status.html", form=form, states=PUBLIC_STATES), (400 if form.errors else 200)
    result = services.look_up(form.number.data, form.digits.data, address=request.remote_addr or "")
    form.digits.data = ""  # never echo the phone's digits back (nor tell a hit by what is echoed)
    code = {"found": 200, "no_match": 200, "limited": 429}[result.outcome]
    return render_template("public/status.html", form=form, result=result, states=PUBLIC_STATES), code


@bp.route("/satisfaction/<token>", methods=["GET", "POST"])
def satisfaction(token: str):
    """The caller rates the handling of a resolved ticket through the link in the SMS."""
    try:
        ticket = services.open_link(token)
    except services.LinkRefused as exc:
        return render_template("public/satisfaction.html", refused=LINK_REFUSALS[exc.code]), 410
    form = SatisfactionForm()
    if not form.validate_on_submit():
        return render_template("public/satisfaction.html", form=form, number=ticket.number), (
            400 if form.errors else 200)
    try:
        services.answer(token, solved=form.solved.data == "yes", satisfaction=form.satisfaction.data,
                        comment=form.comment.data or "")
    except services.LinkRefused as exc:
        return render_template("public/satisfaction.html", refused=LINK_REFUSALS[exc.code]), 410
    return render_template("public/satisfaction.html", thanks=True, number=ticket.number)
