"""Admin pages for API keys: list, issue (the full key is shown once), revoke."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline.api import keys
from hotline.api.forms import ApiKeyForm, RevokeForm
from hotline.api.models import ApiKey
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.security import roles_required

bp = Blueprint("api_keys", __name__)

ERRORS = {
    "name_taken": lambda: _("Another key already has this name."),
    "department_required": lambda: _("A department system's key needs its department."),
    "invalid_rate_limit": lambda: _("Not a rate limit: write e.g. 600 per minute."),
    "role_not_allowed": lambda: _("This role cannot be given to a key."),
}


@bp.before_request
@roles_required("admin")
def _admins_only():
    """Every page here is for administrators."""


@bp.route("/")
def index():
    """Every key, active first, with its use."""
    rows = db.session.scalars(select(ApiKey).order_by(ApiKey.active.desc(), ApiKey.name)).all()
    return render_template("api/keys.html", keys=rows, revoke_form=RevokeForm())


@bp.route("/new", methods=["GET", "POST"])
def new():
    """Issue a key; the page that answers the POST is the only place its secret ever appears."""
    form = ApiKeyForm()
    departments = db.session.scalars(select(Department).where(Department.active).order_by(Department.name_zh))
    form.department_id.choices = [("", _("— none —"))] + [(d.id, d.name_zh) for d in departments]
    if form.validate_on_submit():
        try:
            key, raw = keys.issue(name=form.name.data.strip(), role=form.role.data,
                                  department_id=form.department_id.data, rate_limit=form.rate_limit.data.strip(),
                                  created_by_id=current_user.id)
        except keys.KeyRefused as exc:
            getattr(form, exc.field).errors.append(ERRORS[exc.code]())
        else:
            return render_template("api/key_created.html", key=key, raw=raw)
    return render_template("api/key_form.html", form=form), (400 if form.errors else 200)


@bp.route("/<int:key_id>/revoke", methods=["POST"])
def revoke(key_id: int):
    """Revoke a key; integrations using it are refused from the next request on."""
    form = RevokeForm()
    if not form.validate_on_submit():
        abort(400)
    key = keys.revoke(key_id)
    if key is None:
        abort(404)
    flash(_("Key “%(name)s” revoked.", name=key.name), "success")
    return redirect(url_for(".index"))
