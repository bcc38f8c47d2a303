"""Pages: the admins' list of e-mail and SMS deliveries; a user's channels; a department's channels."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from hotline.db import transaction
from hotline.extensions import db
from hotline.notifications import rules, sending, services
from hotline.notifications.forms import EVENT_LABELS, DepartmentChannelsForm, MyChannelsForm
from hotline.security import roles_required

bp = Blueprint("deliveries", __name__)

STATUS_LABELS = {"pending": _l("Waiting to be sent"), "sent": _l("Sent"), "failed": _l("Failed")}
CHANNEL_LABELS = {"email": _l("E-mail"), "sms": _l("SMS")}

ERRORS = {"bad_email": lambda: _("Please enter a valid e-mail address."),
          "bad_mobile": lambda: _("Please enter a mainland mobile number (11 digits starting with 1).")}


@bp.route("/admin/deliveries")
@roles_required("admin")
def index():
    """Every e-mail and SMS sent or being sent: status, tries, last error."""
    status = request.args.get("status")
    rows = services.recent_deliveries(status)
    return render_template("notifications/deliveries.html", rows=rows, counts=services.delivery_counts(),
                           retryable={d.id for d in rows if d.status == "failed"}, mask=rules.mask_address,
                           status_labels=STATUS_LABELS, channel_labels=CHANNEL_LABELS, event_labels=EVENT_LABELS)


@bp.route("/admin/deliveries/<int:delivery_id>/retry", methods=["POST"])
@roles_required("admin")
def retry(delivery_id: int):
    """Send a failed delivery again."""
    if sending.retry_now(delivery_id):
        flash(_("The message will be sent again."), "success")
    else:
        flash(_("Only a failed message can be sent again."), "warning")
    return redirect(url_for(".index", status="failed"))


@bp.route("/notifications/channels", methods=["GET", "POST"])
@login_required
def my_channels():
    """The user's e-mail, mobile number, and which events reach them on which channel."""
    form = MyChannelsForm()
    if request.method == "GET":
        contact = services.contact_of(current_user.id)
        form.email.data, form.mobile.data = (contact.email, contact.mobile) if contact else ("", "")
        form.fill(services.preferences_of(user_id=current_user.id))
    elif form.validate_on_submit():
        try:
            with transaction():
                services.save_preferences(form.choices_by_event(), user_id=current_user.id, email=form.email.data,
                                          mobile=form.mobile.data)
        except services.PreferenceError as exc:
            getattr(form, exc.field).errors = [ERRORS[exc.code]()]
        else:
            flash(_("Your notification channels were saved."), "success")
            return redirect(url_for(".my_channels"))
    return render_template("notifications/channels.html", form=form, department=None), (400 if form.errors else 200)


@bp.route("/admin/departments/<int:department_id>/channels", methods=["GET", "POST"])
@roles_required("admin")
def department_channels(department_id: int):
    """Which events reach a department's handlers on which channel (each handler may choose otherwise)."""
    from hotline.directory.models import Department

    department = db.session.get(Department, department_id) or abort(404)
    form = DepartmentChannelsForm()
    if request.method == "GET":
        form.fill(services.preferences_of(department_id=department_id))
    elif form.validate_on_submit():
        services.save_preferences(form.choices_by_event(), department_id=department_id)
        flash(_("The department's notification channels were saved."), "success")
        return redirect(url_for(".department_channels", department_id=department_id))
    return render_template("notifications/channels.html", form=form, department=department), (
        400 if form.errors else 200)
