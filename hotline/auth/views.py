"""Login, logout and the language switch."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from hotline.auth.forms import LoginForm
from hotline.auth.services import authenticate
from hotline.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _account_key() -> str:
    """Rate-limit key for the account being tried (case-insensitive)."""
    return "login-account:" + (request.form.get("username") or "").strip().lower()[:64]


def _failed(response) -> bool:
    """Only failed attempts count against the limits (a success redirects)."""
    return response.status_code != 302


def _safe_next(target: str | None) -> str:
    """A same-site path to go back to after login, never another host."""
    if target and target.startswith("/") and not target.startswith("//") and not urlsplit(target).netloc:
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_ADDRESS"], methods=["POST"], deduct_when=_failed)
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_failed)
def login():
    """Show the login form; on valid credentials start a session."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.username.data, form.password.data)
        if user is None:
            flash(_("Wrong username or password, or the account is deactivated."), "error")
        else:
            session.clear()
            login_user(user, remember=bool(form.remember.data))
            session["lang"] = user.locale
            return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form), (200 if request.method == "GET" else 400)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """End the session."""
    logout_user()
    session.clear()
    flash(_("You have logged out."), "info")
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
