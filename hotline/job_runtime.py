"""Running job functions inside the application.

A worker builds the app once (:class:`hotline.worker.HotlineWorker`); each job runs
in an app context and ends with ``db.session.remove()`` so no connection crosses a fork.
"""
from __future__ import annotations

from functools import wraps

from flask import current_app, has_app_context

_app = None


def set_app(app) -> None:
    """Record the worker's application (built once, before forking)."""
    global _app
    _app = app


def _get_app():
    global _app
    if _app is None:
        from hotline import create_app

        _app = create_app()
    return _app


def job(fn):
    """Decorate a job function: run it in an app context and release the session afterwards."""

    @wraps(fn)
    def run(*args, **kwargs):
        from hotline.extensions import db

        if has_app_context():
            app = current_app._get_current_object()
            try:
                return fn(*args, **kwargs)
            finally:
                if not app.testing:
                    db.session.remove()
        with _get_app().app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    return run
