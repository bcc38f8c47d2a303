"""Hotline: the ticketing system of a city's business-environment complaint hotline."""
from __future__ import annotations

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: object | str | None = None) -> Flask:
    """Build the application. ``config`` is a config object, a config name, or None (environment).

    Only wiring happens here: extensions, blueprints, CLI. No I/O besides reading the config.
    """
    import config as config_module

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        instance_path=str(config_module.instance_path()),
    )
    if config is None or isinstance(config, str):
        config = config_module.load(config)
    app.config.from_object(config)
    if isinstance(config, dict):
        app.config.update(config)

    _trust_proxies(app)
    from hotline import http

    http.init_app(app)  # the bounded ``int`` converter must be in place before any route is added

    from hotline import models  # noqa: F401  the tables, for Flask-Migrate and create_all
    from hotline.db import render_item
    from hotline.extensions import babel, csrf, db, limiter, login_manager, migrate
    from hotline.hooks import install_session_hooks
    from hotline.i18n import select_locale, select_timezone

    install_session_hooks(app)  # every SQLAlchemy listener, in order (hotline/hooks.py; README: Architecture)
    db.init_app(app)
    from hotline.escalation.wiring import install as install_escalation

    install_escalation(app)  # the supervision cases on the ticket page
    from hotline.meetings.wiring import install as install_meetings

    install_meetings(app)  # open decisions block resolving; meetings on the ticket page; commissioners told
    migrate.init_app(app, db, directory=str(ROOT / "migrations"), render_as_batch=True,
                    compare_type=True, render_item=render_item)
    csrf.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)

    from hotline import security, templating
    from hotline.admin.settings_views import bp as settings_bp
    from hotline.admin.views import bp as admin_bp
    from hotline.audit.views import bp as audit_bp
    from hotline.auth.views import bp as auth_bp
    from hotline.errors import register_error_handlers
    from hotline.escalation.views import bp as supervision_bp
    from hotline.health.views import bp as health_bp
    from hotline.main.views import bp as main_bp
    from hotline.meetings.project_views import bp as projects_bp
    from hotline.meetings.views import bp as meetings_bp
    from hotline.tickets.views import bp as tickets_bp
    from hotline.workbench.views import bp as workbench_bp

    app.register_blueprint(health_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(settings_bp, url_prefix="/admin/settings")
    app.register_blueprint(tickets_bp, url_prefix="/tickets")
    app.register_blueprint(workbench_bp, url_prefix="/work")
    app.register_blueprint(supervision_bp, url_prefix="/supervision")
    app.register_blueprint(audit_bp, url_prefix="/audit")
    app.register_blueprint(meetings_bp, url_prefix="/meetings")
    app.register_blueprint(projects_bp, url_prefix="/projects")
    from hotline.notifications.views import bp as deliveries_bp
    from hotline.public.views import bp as public_bp

    app.register_blueprint(deliveries_bp)
    app.register_blueprint(public_bp)
    register_error_handlers(app)

    from hotline.api import init_app as init_api

    init_api(app)
    security.init_app(app)
    from hotline.auth import sessions

    sessions.init_app(app)
    templating.init_app(app)

    from hotline.cli import register_cli

    register_cli(app)
    return app


def _trust_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, take the client's address and scheme from the
    ``X-Forwarded-For`` / ``X-Forwarded-Proto`` values those proxies appended (werkzeug's ProxyFix);
    with none, trust no header. Login limits and the session list rely on this address."""
    count = int(app.config.get("TRUSTED_PROXY_COUNT", 0) or 0)
    if count > 0:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=count, x_proto=count)
