"""Admin forms: users and departments."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField, SubmitField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp

from hotline.directory.models import DepartmentKind
from hotline.labels import enum_choices
from hotline.roles import ACCOUNT_ROLES

ROLE_CHOICES = [SelectChoice(value, text) for value, text in enum_choices(ACCOUNT_ROLES)]
LOCALE_CHOICES = [SelectChoice("zh_CN", "中文"), SelectChoice("en", "English")]
KIND_CHOICES = [SelectChoice(value, text) for value, text in enum_choices(DepartmentKind)]


def choices(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


def _coerce_optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class UserForm(FlaskForm):
    """Create or edit a user. The password is required only when creating."""

    username = StringField(_l("Username"), validators=[
        DataRequired(message=_l("Please enter a username.")),
        Length(max=64, message=_l("At most %(max)d characters.")),
        Regexp(r"^[A-Za-z0-9_.-]+$", message=_l("Use letters, digits, '.', '_' or '-' only.")),
    ])
    display_name = StringField(_l("Name"), validators=[
        DataRequired(message=_l("Please enter the person's name.")),
        Length(max=64, message=_l("At most %(max)d characters.")),
    ])
    role = SelectField(_l("Role"), choices=ROLE_CHOICES)
    department_id = SelectField(_l("Department (handlers only)"), coerce=_coerce_optional_int, validate_choice=False)
    locale = SelectField(_l("Language"), choices=LOCALE_CHOICES)
    password = PasswordField(_l("Password"), validators=[
        Optional(), Length(min=10, max=128, message=_l("A password has %(min)d to %(max)d characters.")),
    ])
    active = BooleanField(_l("Active (can log in)"), default=True)
    submit = SubmitField(_l("Save"))


class DepartmentForm(FlaskForm):
    """Create or edit a department."""

    code = StringField(_l("Code"), validators=[
        DataRequired(message=_l("Please enter a code.")),
        Length(max=40, message=_l("At most %(max)d characters.")),
        Regexp(r"^[a-z0-9_-]+$", message=_l("Use lowercase letters, digits, '_' or '-' only.")),
    ])
    name_zh = StringField(_l("Name (Chinese)"), validators=[
        DataRequired(message=_l("Please enter the Chinese name.")),
        Length(max=120, message=_l("At most %(max)d characters."))])
    name_en = StringField(_l("Name (English)"), validators=[
        DataRequired(message=_l("Please enter the English name.")),
        Length(max=200, message=_l("At most %(max)d characters."))])
    kind = SelectField(_l("Kind"), choices=KIND_CHOICES)
    district_id = SelectField(_l("District"), coerce=_coerce_optional_int, validate_choice=False)
    active = BooleanField(_l("Active"), default=True)
    submit = SubmitField(_l("Save"))
