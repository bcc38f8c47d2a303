"""Login form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, Length


class LoginForm(FlaskForm):
    """Username and password; "remember me" is off unless ticked."""

    username = StringField(_l("Username"), validators=[
        DataRequired(message=_l("Please enter your username.")),
        Length(max=64, message=_l("A username has at most %(max)d characters.")),
    ], render_kw={"autofocus": True, "autocomplete": "username"})
    password = PasswordField(_l("Password"), validators=[
        DataRequired(message=_l("Please enter your password.")),
        Length(max=128, message=_l("A password has at most %(max)d characters.")),
    ], render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Remember me on this computer"), default=False)
    submit = SubmitField(_l("Log in"))
