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

from hotline.labels import enum_choices
from hotline.tickets import intake_rules
from hotline.tickets.identity import clean_text
from hotline.tickets.models import Channel, Kind
from hotline.worktime.limits import Urgency

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


def _limit(field: str, **render_kw) -> dict:
    """The HTML attributes of a rule-checked field: its ``maxlength`` from the intake rules."""
    return {"maxlength": intake_rules.MAX_LENGTH[field], **render_kw}


#: What the operator reads for a problem of the intake rules, by (field, code), then by code.
INTAKE_PROBLEMS = {
    ("subject", "required"): _l("Please give the matter a short subject."),
    ("description", "required"): _l("Please write down what the caller said."),
    ("caller_phone", "required"): _l("Please enter a phone number so the caller can be called back."),
    ("caller_name", "required"): _l("Please enter the caller's name (a report may be anonymous)."),
    ("category", "required"): _l("Please choose a category."),
    ("answer", "required"): _l("Please write down the answer you gave."),
    ("lead", "required"): _l("Choose the lead department as well."),
    ("override_reason", "required"): _l("Please say why you override the proposed routing."),
    ("district", "unknown"): _l("This county or district is not in the directory."),
    "inquiry_only": _l("Only an inquiry can be answered on the spot."),
    "lead_included": _l("The lead department cannot also be a co-handler."),
    "choice": _l("Please choose one of the listed values."),
}


def intake_problem_text(problem: intake_rules.Problem):
    """A problem of the intake rules as the form shows it, in the operator's language."""
    field, code = problem
    if (field, code) in INTAKE_PROBLEMS:
        return INTAKE_PROBLEMS[field, code]
    if code.startswith("phone_"):
        return PHONE_ERRORS.get(code.removeprefix("phone_"), _l("This is not a valid phone number."))
    if code.startswith("credit_code_"):
        return CREDIT_CODE_ERRORS[code.removeprefix("credit_code_")]
    if field == "description" and code in ("too_short", "too_long"):
        return _l("Between %(min)d and %(max)d characters.", min=intake_rules.DESCRIPTION_MIN,
                  max=intake_rules.MAX_LENGTH["description"])
    if code == "too_long":
        return _l("At most %(max)d characters.", max=intake_rules.MAX_LENGTH[field])
    return INTAKE_PROBLEMS[code]


class IntakeForm(FlaskForm):
    """One call: who, which enterprise, what matter, and how it is routed.

    The fields carry no rules of their own: :meth:`validate` runs :func:`intake_rules.check`
    (the rules the JSON API and Open311 apply too) and shows each problem on its field.
    """

    intake_key = HiddenField()
    channel = SelectField(_l("Channel"), choices=choices(enum_choices(Channel)), default="phone")
    caller_phone = StringField(_l("Caller's phone"), filters=[single_line],
                               render_kw=_limit("caller_phone", autofocus=True, inputmode="tel", autocomplete="off"))
    caller_name = StringField(_l("Caller's name"), filters=[single_line], render_kw=_limit("caller_name"))
    credit_code = StringField(_l("Unified social credit code"), filters=[single_line],
                              render_kw=_limit("credit_code", autocomplete="off", spellcheck="false"))
    enterprise_name = StringField(_l("Enterprise"), filters=[single_line],
                                  render_kw=_limit("enterprise_name", autocomplete="off", list="enterprise-options"))
    district = SelectField(_l("County or district"), validate_choice=False, widget=OptionCachingSelect())
    respondent = StringField(_l("Body complained about (被反映单位)"), filters=[single_line],
                             render_kw=_limit("respondent", autocomplete="off", list="respondent-options"))
    kind = SelectField(_l("Kind"), choices=choices(enum_choices(Kind)), default="complaint")
    category = SelectField(_l("Category"), validate_choice=False, widget=OptionCachingSelect())
    urgency = SelectField(_l("Urgency"), choices=choices(enum_choices(Urgency)), default="normal")
    subject = StringField(_l("Subject"), filters=[single_line], render_kw=_limit("subject", required=True))
    description = TextAreaField(_l("What happened"), filters=[multi_line], render_kw=_limit(
        "description", required=True, minlength=intake_rules.DESCRIPTION_MIN, rows=6))
    confidential = BooleanField(_l("The caller asks for confidentiality"))
    caller_sms_opt_in = BooleanField(
        _l("Confidential matter: the caller still wants SMS (ticket number, status and rating links)"))
    answered_on_spot = BooleanField(_l("Inquiry answered during the call (close on the spot)"))
    answer = TextAreaField(_l("Answer given"), filters=[multi_line], render_kw=_limit("answer", rows=3))
    repeat_of = StringField()  # rendered as the repeat candidates' radio buttons
    new_facts = BooleanField(_l("The caller brings new facts"))
    lead = SelectField(_l("Lead department (override)"), validate_choice=False, widget=OptionCachingSelect())
    co_handlers = SelectMultipleField(_l("Co-handling departments (override)"), validate_choice=False,
                                      widget=OptionCachingSelect(multiple=True))
    override_reason = StringField(_l("Reason for the override"), filters=[single_line],
                                  render_kw=_limit("override_reason"))
    submit = SubmitField(_l("Save and dispatch"))

    #: The call as the intake rules cleaned and normalised it (set by :meth:`validate`).
    checked: intake_rules.Checked | None = None

    def rule_values(self) -> intake_rules.Intake:
        """What was typed, as plain values for the intake rules."""
        return intake_rules.Intake(
            kind=self.kind.data or "", channel=self.channel.data or "", subject=self.subject.data or "",
            description=self.description.data or "", category=self.category.data or "",
            caller_name=self.caller_name.data or "", caller_phone=self.caller_phone.data or "",
            enterprise_name=self.enterprise_name.data or "", credit_code=self.credit_code.data or "",
            district=self.district.data or "", respondent=self.respondent.data or "",
            urgency=self.urgency.data or "", confidential=bool(self.confidential.data),
            answered_on_spot=bool(self.answered_on_spot.data), answer=self.answer.data or "",
            lead=self.lead.data or "", co_handlers=tuple(self.co_handlers.data or ()),
            override_reason=self.override_reason.data or "")

    def validate(self, extra_validators=None) -> bool:
        """The form's own checks (CSRF, known choices), then the intake rules, each problem on its field.

        The counties and districts are those of the process's reference data."""
        from hotline.directory import reference

        valid = super().validate(extra_validators)
        self.checked = intake_rules.check(self.rule_values(), districts=reference.snapshot().districts.keys())
        for problem in self.checked.problems:
            field = self[problem.field]
            if not field.errors:
                field.errors = [*field.errors, intake_problem_text(problem)]
        if self.checked.ok:
            self.caller_phone.data = self.checked.intake.caller_phone
            self.credit_code.data = self.checked.intake.credit_code or None
        return valid and self.checked.ok


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
