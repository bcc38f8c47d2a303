"""Admin pages: users and departments."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from hotline.admin import services
from hotline.admin.forms import DepartmentForm, UserForm, choices
from hotline.auth import services as auth_services
from hotline.auth import sessions
from hotline.auth.models import User
from hotline.db import utcnow
from hotline.directory import queries as directory
from hotline.directory.models import Department
from hotline.extensions import db
from hotline.security import roles_required

bp = Blueprint("admin", __name__)

ERRORS = {
    "username_taken": lambda: _("This username is already taken."),
    "handler_needs_department": lambda: _("A handler must belong to a department."),
    "duplicate": lambda: _("Another department already uses this."),
    "unknown_department": lambda: _("Please choose a department from the list."),
    "unknown_district": lambda: _("Please choose a district from the list."),
}


@bp.before_request
@roles_required("admin")
def _admins_only():
    """Every page here is for administrators."""


def _department_choices(form_field, *, blank: str) -> None:
    locale = str(get_locale())
    form_field.choices = choices([("", blank)] + [(d.id, d.name(locale)) for d in directory.departments() if d.active])


def _new_user_has_password(form: UserForm, user: User | None) -> bool:
    """A new user needs a password; an existing one keeps theirs when it is left blank."""
    if user is None and not form.password.data:
        form.password.errors.append(_("Please set a password for the new user."))
        return False
    return True


@bp.route("/users")
def users():
    """All users."""
    rows = db.session.scalars(select(User).order_by(User.active.desc(), User.role, User.username)).all()
    return render_template("admin/users.html", users=rows, live=sessions.live_counts(utcnow()))


@bp.route("/users/new", methods=["GET", "POST"])
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user_form(user_id: int | None = None):
    """Create or edit a user (including deactivation)."""
    user = db.session.get(User, user_id) if user_id else None
    if user_id and user is None:
        abort(404)
    form = UserForm(obj=user)
    _department_choices(form.department_id, blank=_("— none —"))
    if user is not None:
        form.username.render_kw = {"readonly": True}
    if form.validate_on_submit() and _new_user_has_password(form, user):
        try:
            if user is None:
                auth_services.create_user(username=form.username.data, display_name=form.display_name.data,
                                          password=form.password.data, role=form.role.data,
                                          department_id=form.department_id.data, locale=form.locale.data)
            else:
                auth_services.update_user(user, display_name=form.display_name.data, role=form.role.data,
                                          department_id=form.department_id.data, locale=form.locale.data,
                                          active=form.active.data, password=form.password.data or None,
                                          actor_id=current_user.id)
        except auth_services.UserError as exc:
            getattr(form, exc.field).errors.append(ERRORS[exc.code]())
        else:
            flash(_("User saved."), "success")
            return redirect(url_for(".users"))
    return render_template("admin/user_form.html", form=form, user=user), (400 if form.errors else 200)


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>/sessions")
def user_sessions(user_id: int):
    """A user's live sessions (created, last seen, address) and the recently ended ones."""
    user = _user_or_404(user_id)
    now = utcnow()
    return render_template("admin/user_sessions.html", user=user, live=sessions.live_sessions(user.id, now),
                           ended=sessions.recent_ended(user.id), reasons=sessions.END_REASONS,
                           current_id=sessions.current_session_id())


@bp.route("/users/<int:user_id>/sessions/<int:session_id>/revoke", methods=["POST"])
def revoke_session(user_id: int, session_id: int):
    """End one session of a user."""
    user = _user_or_404(user_id)
    if auth_services.revoke_session(user, session_id, actor_id=current_user.id):
        flash(_("The session was ended."), "success")
    else:
        flash(_("That session had already ended."), "info")
    return redirect(url_for(".user_sessions", user_id=user.id))


@bp.route("/users/<int:user_id>/sessions/revoke-all", methods=["POST"])
def revoke_all_sessions(user_id: int):
    """End every session of a user, remembered logins included."""
    user = _user_or_404(user_id)
    ended = auth_services.log_out_everywhere(user, actor_id=current_user.id, reason="revoked_all")
    flash(_("%(count)d sessions of %(name)s were ended.", count=ended, name=user.display_name), "success")
    return redirect(url_for(".user_sessions", user_id=user.id))


@bp.route("/logins")
def login_lockouts():
    """Lockouts caused by failed logins, newest first, with those still in force."""
    now = utcnow()
    rows = [(lockout, lockout.is_active(now)) for lockout in auth_services.lockouts()]
    return render_template("admin/login_lockouts.html", rows=rows)


@bp.route("/logins/<int:lockout_id>/unlock", methods=["POST"])
def unlock_login(lockout_id: int):
    """End a lockout before its time."""
    if auth_services.unlock(lockout_id, actor_id=current_user.id) is None:
        abort(404)
    flash(_("Unlocked."), "success")
    return redirect(url_for(".login_lockouts"))


@bp.route("/departments")
def departments():
    """All departments."""
    return render_template("admin/departments.html", departments=directory.departments())


@bp.route("/departments/new", methods=["GET", "POST"])
@bp.route("/departments/<int:dept_id>", methods=["GET", "POST"])
def department_form(dept_id: int | None = None):
    """Create or edit a department (including deactivation)."""
    dept = db.session.get(Department, dept_id) if dept_id else None
    if dept_id and dept is None:
        abort(404)
    form = DepartmentForm(obj=dept)
    form.district_id.choices = choices([("", _("— city-wide —"))] + [(d.id, d.name(str(get_locale())))
                                                                     for d in directory.districts()])
    if form.validate_on_submit():
        try:
            services.save_department(dept, code=form.code.data, name_zh=form.name_zh.data,
                                     name_en=form.name_en.data, kind=form.kind.data,
                                     district_id=form.district_id.data, active=form.active.data)
        except auth_services.UserError as exc:
            getattr(form, exc.field).errors.append(ERRORS[exc.code]())
        else:
            flash(_("Department saved."), "success")
            return redirect(url_for(".departments"))
    return render_template("admin/department_form.html", form=form, dept=dept), (400 if form.errors else 200)


@bp.route("/jobs")
def jobs():
    """Background jobs that failed after their retries, per queue, with the error."""
    from hotline.admin.failed_jobs import QUEUE_LABELS, failed_jobs

    return render_template("admin/jobs.html", queues=failed_jobs(),
                           queue_labels={k: str(v) for k, v in QUEUE_LABELS.items()})


@bp.route("/jobs/<queue>/<job_id>/requeue", methods=["POST"])
def requeue_job(queue: str, job_id: str):
    """Put a failed job back on its queue (jobs re-check state, so this is safe)."""
    from hotline.admin.failed_jobs import requeue

    if requeue(queue, job_id):
        flash(_("Job requeued."), "success")
    else:
        flash(_("That job is no longer in the failed list."), "error")
    return redirect(url_for(".jobs"))
