"""The intake form (受理登记) and its validation: everything typed survives an error."""
from __future__ import annotations

from functools import lru_cache

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import Choice, SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import Select

from hotline.tickets.identity import (
    InvalidCreditCode,
    InvalidPhone,
    clean_text,
    normalize_phone,
    validate_credit_code,
)

CHANNELS = [("phone", _l("Phone")), ("12345", _l("Transferred from 12345")), ("web", _l("Web form")),
            ("email", _l("Email")), ("walk_in", _l("Walk-in")), ("api", _l("API / Open311"))]
KINDS = [("complaint", _l("Complaint")), ("report", _l("Report of misconduct")), ("inquiry", _l("Inquiry")),
         ("help", _l("Help request")), ("suggestion", _l("Suggestion"))]
URGENCIES = [("normal", _l("Normal")), ("urgent", _l("Urgent")), ("emergency", _l("Emergency"))]

CREDIT_CODE_ERRORS = {
    "length": _l("A unified social credit code has 18 characters."),
    "alphabet": _l("The code may contain only digits and the letters A–H, J–N, P, Q, R, T, U, W, X, Y."),
    "check": _l("The check character (the 18th) does not match: please read the code again."),
}
PHONE_ERRORS = {
    "empty": _l("Please enter a phone number."),
    "length": _l("This number has the wrong number of digits."),
    "prefix": _l("A mobile number starts with 13–19."),
    "area_code": _l("Please give the area code, e.g. 0357-2096666."),
}


def choices(pairs) -> list[SelectChoice]:
    """SelectField choices from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


@lru_cache(maxsize=4096)
def _option_html(value: str, label: str, selected: bool):
    return Select.render_option(Choice(value=value, label=label, selected=selected, render_kw={}))


class OptionCachingSelect(Select):
    """WTForms' select, with each plain ``<option>`` rendered once per process.

    The department, category and district selects have a hundred-odd options; rendering
    them was the larger part of showing the intake form. The HTML is WTForms' own (the
    cache calls :meth:`Select.render_option`); options with attributes or non-``str``
    labels (lazy translations, markup) are rendered every time.
    """

    @classmethod
    def render_option(cls, choice, **kwargs):
        if kwargs or choice.render_kw or type(choice.value) is not str or type(choice.label) is not str:
            return super().render_option(choice, **kwargs)
        return _option_html(choice.value, choice.label, bool(choice.selected))


def single_line(value):
    """Strip control characters and surrounding whitespace from a one-line field."""
    return clean_text(value, multiline=False) if isinstance(value, str) else value


def multi_line(value):
    """Strip control characters but keep line breaks."""
    return clean_text(value, multiline=True) if isinstance(value, str) else value


class IntakeForm(FlaskForm):
    """One call: who, which enterprise, what matter, and how it is routed."""

    intake_key = HiddenField()
    channel = SelectField(_l("Channel"), choices=choices(CHANNELS), default="phone")
    caller_phone = StringField(_l("Caller's phone"), filters=[single_line],
                               validators=[Length(max=40, message=_l("At most %(max)d characters."))],
                               render_kw={"autofocus": True, "inputmode": "tel", "autocomplete": "off"})
    caller_name = StringField(_l("Caller's name"), filters=[single_line],
                              validators=[Length(max=64, message=_l("At most %(max)d characters."))])
    credit_code = StringField(_l("Unified social credit code"), filters=[single_line],
                              validators=[Length(max=30, message=_l("At most %(max)d characters."))],
                              render_kw={"autocomplete": "off", "spellcheck": "false"})
    enterprise_name = StringField(_l("Enterprise"), filters=[single_line],
                                  validators=[Length(max=200, message=_l("At most %(max)d characters."))],
                                  render_kw={"autocomplete": "off", "list": "enterprise-options"})
    district = SelectField(_l("County or district"), validate_choice=False, widget=OptionCachingSelect())
    respondent = StringField(_l("Body complained about (被反映单位)"), filters=[single_line],
                             validators=[Length(max=120, message=_l("At most %(max)d characters."))],
                             render_kw={"autocomplete": "off", "list": "respondent-options"})
    kind = SelectField(_l("Kind"), choices=choices(KINDS), default="complaint")
    category = SelectField(_l("Category"), validate_choice=False, widget=OptionCachingSelect())
    urgency = SelectField(_l("Urgency"), choices=choices(URGENCIES), default="normal")
    subject = StringField(_l("Subject"), filters=[single_line], validators=[
        DataRequired(message=_l("Please give the matter a short subject.")),
        Length(max=80, message=_l("At most %(max)d characters."))])
    description = TextAreaField(_l("What happened"), filters=[multi_line], validators=[
        DataRequired(message=_l("Please write down what the caller said.")),
        Length(min=10, max=5000, message=_l("Between %(min)d and %(max)d characters."))],
        render_kw={"rows": 6})
    confidential = BooleanField(_l("The caller asks for confidentiality"))
    caller_sms_opt_in = BooleanField(
        _l("Confidential matter: the caller still wants SMS (ticket number, status and rating links)"))
    answered_on_spot = BooleanField(_l("Inquiry answered during the call (close on the spot)"))
    answer = TextAreaField(_l("Answer given"), filters=[multi_line], validators=[
        Length(max=3000, message=_l("At most %(max)d characters."))], render_kw={"rows": 3})
    repeat_of = StringField()  # rendered as the repeat candidates' radio buttons
    new_facts = BooleanField(_l("The caller brings new facts"))
    lead = SelectField(_l("Lead department (override)"), validate_choice=False, widget=OptionCachingSelect())
    co_handlers = SelectMultipleField(_l("Co-handling departments (override)"), validate_choice=False,
                                      widget=OptionCachingSelect(multiple=True))
    override_reason = StringField(_l("Reason for the override"), filters=[single_line], validators=[
        Length(max=200, message=_l("At most %(max)d characters."))])
    submit = SubmitField(_l("Save and dispatch"))

    def validate_caller_phone(self, field):
        """Normalise the number; a report may be anonymous, other kinds need a number to call back."""
        if not field.data:
            if self.kind.data in ("complaint", "help") or (
                    self.kind.data == "inquiry" and not self.answered_on_spot.data):
                raise ValidationError(_l("Please enter a phone number so the caller can be called back."))
            return
        try:
            field.data = normalize_phone(field.data)
        except InvalidPhone as exc:
            raise ValidationError(PHONE_ERRORS.get(exc.code, _l("This is not a valid phone number."))) from None

    def validate_credit_code(self, field):
        """GB 32100-2015: 18 characters with a valid check character."""
        if not field.data:
            field.data = None
            return
        try:
            field.data = validate_credit_code(field.data)
        except InvalidCreditCode as exc:
            raise ValidationError(CREDIT_CODE_ERRORS[exc.code]) from None

    def validate_caller_name(self, field):
        """A complaint needs the caller's name; a report may be anonymous."""
        if not field.data and self.kind.data in ("complaint", "help"):
            raise ValidationError(_l("Please enter the caller's name (a report may be anonymous)."))

    def validate_answered_on_spot(self, field):
        """Only an inquiry is answered on the spot."""
        if field.data and self.kind.data != "inquiry":
            raise ValidationError(_l("Only an inquiry can be answered on the spot."))

    def validate_answer(self, field):
        """An inquiry answered on the spot records the answer given."""
        if self.answered_on_spot.data and not field.data:
            raise ValidationError(_l("Please write down the answer you gave."))

    def validate_category(self, field):
        """Complaints and reports need a category."""
        if not field.data and self.kind.data in ("complaint", "report"):
            raise ValidationError(_l("Please choose a category."))

    def validate_override_reason(self, field):
        """Overriding the proposed departments needs a reason."""
        if self.lead.data and not field.data:
            raise ValidationError(_l("Please say why you override the proposed routing."))

    def validate_co_handlers(self, field):
        """The lead is not also a co-handler."""
        if self.lead.data and self.lead.data in (field.data or []):
            raise ValidationError(_l("The lead department cannot also be a co-handler."))
        if field.data and not self.lead.data:
            raise ValidationError(_l("Choose the lead department as well."))


class RedispatchForm(FlaskForm):
    """Send a returned ticket to other departments."""

    lead = SelectField(_l("Lead department"), validate_choice=False,
                       validators=[DataRequired(message=_l("Please choose the lead department."))])
    co_handlers = SelectMultipleField(_l("Co-handling departments"), validate_choice=False)
    reason = StringField(_l("Note"), filters=[single_line], validators=[
        DataRequired(message=_l("Please note why these departments are responsible.")),
        Length(max=200, message=_l("At most %(max)d characters."))])
    submit = SubmitField(_l("Re-dispatch"))

    def validate_co_handlers(self, field):
        """The lead is not also a co-handler."""
        if self.lead.data in (field.data or []):
            raise ValidationError(_l("The lead department cannot also be a co-handler."))


class SearchForm(FlaskForm):
    """Search by number, phone, enterprise, credit code or text."""

    class Meta:
        csrf = False

    q = StringField(_l("Number, phone, enterprise, credit code or words"), filters=[single_line],
                    validators=[Optional(), Length(max=100, message=_l("At most %(max)d characters."))])


class CallbackForm(FlaskForm):
    """回访: reached or not; if reached, solved or not and how satisfied."""

    reached = RadioField(_l("Reached the caller?"),
                         choices=choices([("yes", _l("Reached")), ("no", _l("Not reached"))]),
                         validators=[InputRequired(message=_l("Please say whether the caller was reached."))])
    solved = RadioField(_l("Is the matter solved?"), choices=choices([("yes", _l("Solved")), ("no", _l("Not solved"))]),
                        validate_choice=False)
    satisfaction = RadioField(_l("Satisfaction"), validate_choice=False, choices=choices([
        ("satisfied", _l("Satisfied")), ("basically_satisfied", _l("Basically satisfied")),
        ("unsatisfied", _l("Unsatisfied"))]))
    comment = TextAreaField(_l("Comment"), filters=[multi_line], validators=[
        Length(max=2000, message=_l("At most %(max)d characters."))], render_kw={"rows": 3})
    submit = SubmitField(_l("Record the callback"))

    def validate_solved(self, field):
        """A reached caller says whether the matter is solved."""
        if self.reached.data == "yes" and field.data not in ("yes", "no"):
            raise ValidationError(_l("Please record whether the matter is solved."))

    def validate_satisfaction(self, field):
        """A reached caller gives a verdict."""
        if self.reached.data == "yes" and field.data not in ("satisfied", "basically_satisfied", "unsatisfied"):
            raise ValidationError(_l("Please record the caller's satisfaction."))
