"""Error pages in the user's language."""
from __future__ import annotations

from flask import Flask, render_template
from flask_babel import gettext as _

from hotline.extensions import db


def register_error_handlers(app: Flask) -> None:
    """403, 404, 429 and 500 pages; a 500 also rolls back the session."""

    @app.errorhandler(403)
    def forbidden(error):
        return render_template("errors/error.html", code=403, title=_("Access denied"),
                               message=_("You do not have permission to see this page.")), 403

    @app.errorhandler(404)
    def not_found(error):
        return render_template("errors/error.html", code=404, title=_("Page not found"),
                               message=_("There is no page at this address.")), 404

    @app.errorhandler(413)
    def too_large(error):
        return render_template("errors/error.html", code=413, title=_("Too large"),
                               message=_("The upload is larger than allowed. Nothing was saved.")), 413

    @app.errorhandler(429)
    def too_many(error):
        return render_template("errors/error.html", code=429, title=_("Too many attempts"),
                               message=_("Too many attempts. Please wait a few minutes and try again.")), 429

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_template("errors/error.html", code=500, title=_("Something went wrong"),
                               message=_("The server hit an error. Nothing you entered was saved; "
                                         "please try again or call the duty engineer.")), 500
