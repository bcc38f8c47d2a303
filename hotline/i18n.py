"""Locale and timezone selection for Flask-Babel: zh_CN first, English by link or per user."""
from __future__ import annotations

from flask import current_app, session
from flask_login import current_user

from hotline import citytime


def supported(locale: str | None) -> str | None:
    """``locale`` if the app offers it, else None."""
    return locale if locale in current_app.config["LANGUAGES"] else None


def select_locale() -> str:
    """The session's choice (set by the language link), else the user's, else zh_CN."""
    chosen = supported(session.get("lang"))
    if chosen:
        return chosen
    if current_user and current_user.is_authenticated:
        return supported(current_user.locale) or current_app.config["BABEL_DEFAULT_LOCALE"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    """Everyone sees Asia/Shanghai (configurable): the hotline works on the city's clock."""
    return current_app.config["TIMEZONE"]


local = citytime.local  # an aware instant shown in the hotline's timezone
