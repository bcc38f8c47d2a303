"""Key authentication for the API views, with the key's own rate limit applied after it."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import current_app, g, request

from hotline.api import keys
from hotline.api.errors import ApiError
from hotline.extensions import limiter

#: Open311's public reads, per client address (the spec needs no key to read).
public_limit = limiter.shared_limit(lambda: current_app.config.get("OPEN311_RATE_LIMIT", "300 per minute"),
                                    scope="open311-read")


def bearer_token() -> str | None:
    """The key from ``Authorization: Bearer <prefix>.<secret>``."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def form_api_key() -> str | None:
    """The key from Open311's form field ``api_key``."""
    return request.form.get("api_key")


def key_required(*roles: str, source: Callable[[], str | None], missing_status: int):
    """Serve the view only for an active key of one of ``roles``, within that key's rate limit.

    A missing, unknown or revoked key gets ``missing_status`` (401 for /api/v1, 403 for Open311
    as its spec says); a valid key of another role gets 403.
    """

    def decorator(view):
        limited = keys.per_key_limit(view)

        @wraps(view)
        def wrapped(*args, **kwargs):
            key = keys.authenticate(source())
            if key is None:
                raise ApiError(missing_status, "invalid_api_key", "A valid API key is required: missing, "
                                                                  "unknown or revoked key.")
            if key.role not in roles:
                raise ApiError(403, "role_not_allowed", f"A key for the role {key.role} may not do this.")
            g.api_key = key
            return limited(*args, **kwargs)

        return wrapped

    return decorator
