"""Login, logout (here or everywhere), one's own sessions, and the language switch."""
from __future__ import annotations

import math
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from hotline.auth import services, sessions
from hotline.auth.forms import LoginForm
from hotline.db import utcnow
from hotline.extensions import db

bp = Blueprint("auth", __name__)


def _safe_next(target: str | None) -> str:
    """A same-site path to go back to after login, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


def _wait_message(outcome: services.LoginOutcome, seconds: int) -> str:
    if outcome.locked == "address":
        return _("Too many failed logins from this computer. Please try again in %(minutes)d minutes, "
                 "or ask an administrator to unlock it.", minutes=max(1, math.ceil(seconds / 60)))
    if outcome.locked:
        return _("Too many failed attempts for this account from this computer. Please try again in "
                 "%(minutes)d minutes, or ask an administrator to unlock it.", minutes=max(1, math.ceil(seconds / 60)))
    return _("Please wait %(seconds)d seconds before trying again.", seconds=seconds)


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on valid credentials start a session (kept on the server)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        remember = bool(form.remember.data)
        outcome = services.authenticate(form.username.data, form.password.data, address=request.remote_addr or "",
                                        user_agent=request.user_agent.string or "", remember=remember)
        if outcome.user is not None:
            session.clear()
            login_user(outcome.user, remember=remember, duration=sessions.remember_duration())
            session["lang"] = outcome.user.locale
            return redirect(_safe_next(request.args.get("next")))
        if outcome.wait_until is not None:
            seconds = max(1, math.ceil((outcome.wait_until - utcnow()).total_seconds()))
            flash(_wait_message(outcome, seconds), "error")
            return render_template("auth/login.html", form=form), 429, {"Retry-After": str(seconds)}
        flash(_("Wrong username or password, or the account is deactivated."), "error")
    return render_template("auth/login.html", form=form), (200 if request.method == "GET" else 400)


def _end_browser_session() -> None:
    """Forget the login in this browser: the session cookie's contents and the remember cookie."""
    logout_user()
    session.clear()
    session["_remember"] = "clear"  # Flask-Login deletes the remember cookie on the way out


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End this session, on the server too: a copy of its cookie no longer works."""
    services.log_out(current_user, sessions.current_session_id())
    _end_browser_session()
    flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/sessions")
@login_required
def my_sessions():
    """The user's own live sessions, with "log out everywhere"."""
    return render_template("auth/sessions.html", rows=sessions.live_sessions(current_user.id, utcnow()),
                           current_id=sessions.current_session_id())


@bp.route("/logout/everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    """End every session of the user, remembered logins on other computers included."""
    ended = services.log_out_everywhere(current_user, actor_id=current_user.id)
    _end_browser_session()
    flash(_("You have logged out everywhere (%(count)d sessions ended).", count=ended), "info")
    return redirect(url_for("auth.login"))


@bp.route("/language/<code>", methods=["POST"])
def set_language(code: str):
    """Switch the interface language; a logged-in user keeps the choice."""
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            current_user.locale = code
            db.session.commit()
    return redirect(_safe_next(request.form.get("next")))
