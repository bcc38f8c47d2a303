"""The home page: a summary fitted to the user's role."""
from __future__ import annotations

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user, login_required

from hotline.main import services
from hotline.notifications import services as notification_service

bp = Blueprint("main", __name__)


@bp.route("/")
@login_required
def index():
    """Each role's home: counts of the work in front of them."""
    summary = services.home_summary(current_user)
    return render_template("main/index.html", summary=summary)


@bp.route("/notifications")
@login_required
def notifications():
    """The user's newest notifications."""
    return render_template("main/notifications.html", items=notification_service.recent(current_user.id))


@bp.route("/notifications/read", methods=["POST"])
@login_required
def notifications_read():
    """Mark every notification as read."""
    notification_service.mark_all_read(current_user.id)
    return redirect(url_for(".notifications"))


@bp.route("/favicon.ico")
def favicon():
    """Browsers that ask for /favicon.ico get the icon the pages link to (no 404 in the console)."""
    return redirect(url_for("static", filename="favicon.svg"), code=301)
