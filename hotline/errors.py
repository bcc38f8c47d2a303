"""Error pages in the user's language, and the faults that deserve a page of their own.

Besides the HTTP errors, three kinds of failure get a clear page instead of a bare 500:
a database that cannot write (disk full, read-only file, lost connection: 503), evidence that
could not be stored on disk (507), and a value out of range — a date or number whose conversion
overflowed (also when SQLAlchemy wraps the overflow while binding a parameter), or one the
database refused as data, such as an id beyond PostgreSQL's 32-bit INTEGER (400). Each rolls the
session back first.
"""
from __future__ import annotations

import errno

from flask import Flask, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError, OperationalError, SQLAlchemyError, StatementError
from werkzeug.exceptions import BadRequest

from hotline.extensions import db

#: Fragments of the drivers' messages when the database cannot write (SQLite, PostgreSQL).
_DISK_FULL = ("disk is full", "no space left", "could not extend file")
_READ_ONLY = ("readonly database", "read-only", "read only")


class StorageError(OSError):
    """A file could not be written (disk full, read-only or missing directory); nothing was kept."""


def page(code: int, title: str, message: str):
    """The error page with its status."""
    return render_template("errors/error.html", code=code, title=title, message=message), code


def rollback() -> None:
    """Roll the session back; a connection that is itself broken must not hide the first error."""
    try:
        db.session.rollback()
    except SQLAlchemyError:
        db.session.remove()


def database_fault_message(exc: OperationalError) -> str:
    """What the user is told when the database refuses a write or a connection."""
    text = str(exc.orig or exc).lower()
    if any(f in text for f in _DISK_FULL):
        return _("The database's disk is full, so nothing can be saved or logged in right now. "
                 "Nothing you entered was saved; please call the duty engineer.")
    if any(f in text for f in _READ_ONLY):
        return _("The database is read-only right now, so nothing can be saved or logged in. "
                 "Nothing you entered was saved; please call the duty engineer.")
    return _("The database is not answering right now. Nothing you entered was saved; please try "
             "again in a minute or call the duty engineer.")


def storage_fault_message(exc: OSError) -> str:
    """What the user is told when a file could not be written."""
    if exc.errno == errno.ENOSPC:
        return _("The server's disk is full, so the file was not saved. Nothing was kept; "
                 "please call the duty engineer.")
    return _("The file could not be written on the server, so it was not saved. Nothing was kept; "
             "please call the duty engineer.")


def register_error_handlers(app: Flask) -> None:
    """400, 403, 404, 413, 429 and 500 pages; database, storage and overflow faults; each
    server-side fault also rolls back the session."""

    @app.errorhandler(CSRFError)
    def form_expired(error):
        return page(400, _("The form has expired"),
                    _("The form was open too long or was sent from another page. Please reload it and try again."))

    @app.errorhandler(400)
    def bad_request(error):
        custom = error.description if error.description != BadRequest.description else None
        return page(400, _("The request was not accepted"),
                    custom or _("The request carried a value the system cannot accept (for example a date "
                                "outside the years 2000–2100 or a malformed number). Please check it."))

    @app.errorhandler(403)
    def forbidden(error):
        return page(403, _("Access denied"), _("You do not have permission to see this page."))

    @app.errorhandler(404)
    def not_found(error):
        return page(404, _("Page not found"), _("There is no page at this address."))

    @app.errorhandler(413)
    def too_large(error):
        return page(413, _("Too large"), _("The upload is larger than allowed. Nothing was saved."))

    @app.errorhandler(429)
    def too_many(error):
        return page(429, _("Too many attempts"), _("Too many attempts. Please wait a few minutes and try again."))

    @app.errorhandler(OperationalError)
    def database_fault(error):
        rollback()
        app.logger.error("database fault: %s", error)
        return page(503, _("The database cannot save right now"), database_fault_message(error))

    @app.errorhandler(StorageError)
    def storage_fault(error):
        rollback()
        app.logger.error("storage fault: %s", error)
        return page(507, _("The file was not saved"), storage_fault_message(error))

    @app.errorhandler(DataError)
    def data_fault(error):
        """The database refused a value (PostgreSQL: an id beyond its 32-bit INTEGER, text it
        cannot hold): the request's input, not the server, is at fault."""
        rollback()
        app.logger.warning("value refused by the database: %s", error.orig)
        return page(400, _("The request was not accepted"),
                    _("A date or number is outside the range the system handles (years 2000–2100). "
                      "Nothing was saved; please check it."))

    @app.errorhandler(StatementError)
    def statement_fault(error):
        if not isinstance(error.orig, OverflowError):  # a real bug: the 500 page, with its traceback logged
            raise error
        return overflow(error.orig)

    @app.errorhandler(OverflowError)
    def overflow(error):
        rollback()
        return page(400, _("The request was not accepted"),
                    _("A date or number is outside the range the system handles (years 2000–2100). "
                      "Nothing was saved; please check it."))

    @app.errorhandler(500)
    def server_error(error):
        rollback()
        return page(500, _("Something went wrong"),
                    _("The server hit an error. Nothing you entered was saved; "
                      "please try again or call the duty engineer."))
