"""The public forms: the status lookup and the satisfaction answer (both CSRF-protected)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Regexp


class StatusForm(FlaskForm):
    """Ticket number and the last four digits of the caller's phone."""

    number = StringField(_l("Ticket number"), validators=[
        DataRequired(message=_l("Please enter the ticket number from your SMS.")),
        Length(max=40, message=_l("At most %(max)d characters."))],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"})
    digits = StringField(_l("Last four digits of your phone number"), validators=[
        DataRequired(message=_l("Please enter the last four digits of the phone you called from.")),
        Regexp(r"^\s*\d{4}\s*$", message=_l("Please enter exactly four digits."))],
        render_kw={"inputmode": "numeric", "autocomplete": "off", "maxlength": 4, "pattern": "[0-9]{4}"})


class SatisfactionForm(FlaskForm):
    """Was the matter solved, and how satisfied is the caller."""

    solved = RadioField(_l("Was your matter solved?"),
                        choices=[SelectChoice("yes", _l("Solved")), SelectChoice("no", _l("Not solved"))],
                        validators=[InputRequired(message=_l("Please say whether it was solved."))])
    satisfaction = RadioField(_l("How satisfied are you with the handling?"), choices=[
        SelectChoice("satisfied", _l("Satisfied")), SelectChoice("basically_satisfied", _l("Basically satisfied")),
        SelectChoice("unsatisfied", _l("Unsatisfied"))], validators=[InputRequired(message=_l("Please choose one."))])
    comment = TextAreaField(_l("Anything you want to add (optional)"), validators=[
        Length(max=1000, message=_l("At most %(max)d characters."))], render_kw={"rows": 3})
