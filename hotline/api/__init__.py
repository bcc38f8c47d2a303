"""Integration APIs: Open311 GeoReport v2 (/open311/v2), the JSON API (/api/v1) and the admin
pages for API keys (/admin/api-keys)."""
from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the API blueprints. The two APIs authenticate by key, not by session, so they are
    exempt from CSRF; the admin key pages are ordinary CSRF-protected forms."""
    from hotline.api import meetings_api  # noqa: F401  adds the meetings, decisions and projects routes to api_bp
    from hotline.api.admin_views import bp as keys_bp
    from hotline.api.errors import routing_error_hook
    from hotline.api.open311_views import bp as open311_bp
    from hotline.api.views import bp as api_bp
    from hotline.extensions import csrf

    csrf.exempt(open311_bp)
    csrf.exempt(api_bp)
    app.register_blueprint(open311_bp, url_prefix="/open311/v2")
    app.register_blueprint(api_bp, url_prefix="/api/v1")
    app.register_blueprint(keys_bp, url_prefix="/admin/api-keys")
    app.before_request(routing_error_hook)
