"""Supervisors' forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, ValidationError

from hotline.http import year_in_range
from hotline.tickets.forms import multi_line, single_line


class ExtensionDecisionForm(FlaskForm):
    """Approve or refuse an extension; a refusal needs a note."""

    note = StringField(_l("Note"), filters=[single_line], validators=[
        Length(max=500, message=_l("At most %(max)d characters."))])
    approve = SubmitField(_l("Approve"))
    refuse = SubmitField(_l("Refuse"))

    def validate_note(self, field):
        """Say why when refusing."""
        if self.refuse.data and not field.data:
            raise ValidationError(_l("Please say why the extension is refused."))

    def validate(self, extra_validators=None) -> bool:
        """Exactly one of the two buttons: a post with neither (or both) decides nothing."""
        valid = super().validate(extra_validators)
        if bool(self.approve.data) == bool(self.refuse.data):
            self.form_errors.append(_l("Please choose to approve or refuse the extension."))
            return False
        return valid


class NoticeForm(FlaskForm):
    """督办通知: to a department, with a deadline."""

    department_id = SelectField(_l("Department"), coerce=lambda v: int(v) if v not in (None, "", "None") else None,
                                validate_choice=False,
                                validators=[InputRequired(message=_l("Please choose the department."))])
    due_date = DateField(_l("Deadline"), validators=[InputRequired(message=_l("Please give the deadline."))])
    outcome = TextAreaField(_l("Notice"), filters=[multi_line], validators=[
        DataRequired(message=_l("Please write the notice.")),
        Length(max=2000, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 3})
    submit = SubmitField(_l("Issue the notice"))


class InterviewForm(FlaskForm):
    """约谈: who, when, outcome."""

    participants = StringField(_l("Who was interviewed"), filters=[single_line], validators=[
        DataRequired(message=_l("Please name who was interviewed.")),
        Length(max=500, message=_l("At most %(max)d characters."))])
    held_at = DateTimeLocalField(_l("When"), format="%Y-%m-%dT%H:%M",
                                 validators=[InputRequired(message=_l("Please give the time of the interview."))])
    outcome = TextAreaField(_l("Outcome"), filters=[multi_line], validators=[
        DataRequired(message=_l("Please record the outcome.")),
        Length(max=2000, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 3})
    submit = SubmitField(_l("Record the interview"))

    def validate_held_at(self, field):
        """A time the hotline can mean: the typed text stays in the form with a clear message."""
        if not year_in_range(field.data):
            raise ValidationError(_l("Please give a date between the years 2000 and 2100."))


class AccountabilityForm(FlaskForm):
    """问责: a referral for accountability."""

    participants = StringField(_l("Persons or body concerned"), filters=[single_line], validators=[
        DataRequired(message=_l("Please name who is concerned.")),
        Length(max=500, message=_l("At most %(max)d characters."))])
    outcome = TextAreaField(_l("Referral"), filters=[multi_line], validators=[
        DataRequired(message=_l("Please describe the referral.")),
        Length(max=2000, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 3})
    submit = SubmitField(_l("Record the referral"))


class ClearForm(FlaskForm):
    """Clear a case with reasons."""

    reason = TextAreaField(_l("Reasons"), filters=[multi_line], validators=[
        DataRequired(message=_l("Please give the reasons for clearing the case.")),
        Length(max=2000, message=_l("At most %(max)d characters."))], render_kw={"rows": 2})
    submit = SubmitField(_l("Clear the case"))
