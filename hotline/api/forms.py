"""Admin forms for API keys."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from hotline.api.keys import DEFAULT_RATE_LIMIT, valid_rate_limit

ROLE_CHOICES = [SelectChoice("operator", _l("Intake system (operator)")),
                SelectChoice("handler", _l("Department system (handler)")),
                SelectChoice("supervisor", _l("Read-only (supervisor)"))]


def _coerce_optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ApiKeyForm(FlaskForm):
    """Issue a key: which integration, which role, which department, how many requests."""

    name = StringField(_l("Integration"), validators=[
        DataRequired(message=_l("Please name the integration.")),
        Length(max=100, message=_l("At most %(max)d characters."))])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES, default="operator")
    department_id = SelectField(_l("Department (department systems only)"), coerce=_coerce_optional_int,
                                validate_choice=False)
    rate_limit = StringField(_l("Rate limit"), default=DEFAULT_RATE_LIMIT, validators=[
        DataRequired(message=_l("Please give a rate limit, e.g. 600 per minute.")),
        Length(max=40, message=_l("At most %(max)d characters."))])
    submit = SubmitField(_l("Issue the key"))

    def validate_department_id(self, field):
        """A department system's key belongs to one department."""
        if self.role.data == "handler" and not field.data:
            raise ValidationError(_l("A department system's key needs its department."))

    def validate_rate_limit(self, field):
        """A limit the limiter understands: "600 per minute", "10/second; 5000/day"."""
        if field.data and not valid_rate_limit(field.data):
            raise ValidationError(_l("Not a rate limit: write e.g. 600 per minute."))


class RevokeForm(FlaskForm):
    """Revoke a key (a POST with its CSRF token)."""

    submit = SubmitField(_l("Revoke"))
