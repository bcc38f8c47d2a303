"""Forms of the handler's ticket page."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from hotline.labels import enum_choices
from hotline.tickets.forms import choices, multi_line
from hotline.tickets.models import ContactMethod


class SignForm(FlaskForm):
    """签收."""

    submit = SubmitField(_l("Sign for"))


class ContactForm(FlaskForm):
    """A contact attempt: when, how, reached or not, what was said."""

    at = DateTimeLocalField(_l("When"), format="%Y-%m-%dT%H:%M",
                            validators=[InputRequired(message=_l("Please give the time of the attempt."))])
    method = SelectField(_l("How"), choices=choices(enum_choices(ContactMethod)))
    reached = RadioField(_l("Reached the caller?"), choices=choices([("yes", _l("Reached")),
                                                                     ("no", _l("Not reached"))]),
                         validators=[InputRequired(message=_l("Please say whether the caller was reached."))])
    summary = TextAreaField(_l("Summary"), filters=[multi_line], validators=[
        DataRequired(message=_l("Please summarise the conversation or the attempt.")),
        Length(max=2000, message=_l("At most %(max)d characters."))], render_kw={"rows": 3})
    submit = SubmitField(_l("Record the attempt"))


class ExtensionForm(FlaskForm):
    """延期申请."""

    days = IntegerField(_l("Working days"), validators=[
        InputRequired(message=_l("Please give the number of working days.")),
        NumberRange(min=1, max=3, message=_l("Between %(min)d and %(max)d working days."))])
    reason = TextAreaField(_l("Reason"), filters=[multi_line], validators=[
        DataRequired(message=_l("Please give the reason for the extension.")),
        Length(max=1000, message=_l("At most %(max)d characters."))], render_kw={"rows": 2})
    submit = SubmitField(_l("Request an extension"))


class ReturnForm(FlaskForm):
    """退单 with grounds."""

    grounds = TextAreaField(_l("Grounds"), filters=[multi_line], validators=[
        DataRequired(message=_l("A return must state its grounds.")),
        Length(max=1000, message=_l("At most %(max)d characters."))], render_kw={"rows": 2})
    submit = SubmitField(_l("Return the ticket"))


class SubmitForm(FlaskForm):
    """The reply: a co-handler's part for the lead, or the lead's final reply."""

    reply = TextAreaField(_l("Reply"), filters=[multi_line], validators=[
        DataRequired(message=_l("Please write the reply.")),
        Length(max=5000, message=_l("At most %(max)d characters."))], render_kw={"rows": 5})
    solved = BooleanField(_l("The matter is solved"))
    submit = SubmitField(_l("Submit"))


class AttachmentForm(FlaskForm):
    """Evidence upload."""

    file = FileField(_l("Evidence file"), validators=[FileRequired(message=_l("Please choose a file."))])
    submit = SubmitField(_l("Upload"))
