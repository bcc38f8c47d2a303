"""Forms for the working-time settings: hours, calendar days and uploads, time-limit policies."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import (
    BooleanField,
    DateField,
    FloatField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Regexp, ValidationError

from hotline.admin.settings_services import NOTE_MAX
from hotline.tickets.forms import multi_line, single_line

FIRST_YEAR, LAST_YEAR = 2000, 2100
KIND_CHOICES = [SelectChoice("off", _l("Day off (holiday)")), SelectChoice("work", _l("Working day (make-up day)"))]


def coerce_optional_int(value):
    """``""`` → None, else an int (for selects with a blank choice)."""
    return int(value) if value not in (None, "", "None") else None


class WorkingHoursForm(FlaskForm):
    """The daily working periods as text; checked by the service with ``WorkingHours.parse``."""

    periods = StringField(_l("Working periods"), filters=[single_line], validators=[
        InputRequired(message=_l("Please enter the working periods.")),
        Length(max=200, message=_l("At most %(max)d characters."))])
    submit = SubmitField(_l("Save"))


class CalendarDayForm(FlaskForm):
    """Enter or change one day of the working calendar."""

    day = DateField(_l("Date"), validators=[InputRequired(message=_l("Please enter a date."))])
    kind = SelectField(_l("This day is"), choices=KIND_CHOICES)
    note = StringField(_l("Calendar note"), filters=[single_line], validators=[
        Length(max=NOTE_MAX, message=_l("At most %(max)d characters."))])
    submit = SubmitField(_l("Save day"))

    def validate_day(self, field):
        """Only years the clock can sensibly hold."""
        if field.data and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
            raise ValidationError(_l("Please enter a date between %(first)d and %(last)d.",
                                     first=FIRST_YEAR, last=LAST_YEAR))


class CalendarUploadForm(FlaskForm):
    """A whole year's holidays and make-up working days: pasted lines or a CSV file."""

    year = IntegerField(_l("Year"), validators=[
        InputRequired(message=_l("Please enter the year.")),
        NumberRange(min=FIRST_YEAR, max=LAST_YEAR, message=_l("Please enter a year between %(min)d and %(max)d."))])
    lines = TextAreaField(_l("Days, one per line"), filters=[multi_line], validators=[
        Length(max=40000, message=_l("At most %(max)d characters."))])
    file = FileField(_l("Or a CSV file (date, work or off, note)"), validators=[
        FileAllowed(["csv"], _l("Please choose a .csv file."))])
    replace = BooleanField(_l("Replace the days an administrator entered earlier for this year"))
    submit = SubmitField(_l("Check and save"))

    def validate_lines(self, field):
        """Exactly one source: pasted lines or a file."""
        if not field.data and not self.file.data:
            raise ValidationError(_l("Please paste the days or choose a CSV file."))
        if field.data and self.file.data:
            raise ValidationError(_l("Please paste the days or choose a file, not both."))


MAX_DAYS, MAX_MINUTES, MAX_COUNT = 366, 60 * 24 * 31, 20  # sanity caps; Policy itself checks the minimums


def _at_most(maximum):
    """Refuse a number above ``maximum`` (a value that did not parse is already reported)."""

    def check(form, field):
        if field.data is not None and field.data > maximum:
            raise ValidationError(_l("At most %(max)s.", max=maximum))

    return check


def _number(label, maximum):
    """A number input; ``Policy.from_dict`` decides what is valid, the cap keeps the clock finite."""
    return FloatField(label, render_kw={"inputmode": "decimal", "autocomplete": "off"}, validators=[
        InputRequired(message=_l("Please enter a number.")), _at_most(maximum)])


class PolicyForm(FlaskForm):
    """A time-limit policy: one number per limit, in the units shown; checked with ``Policy.from_dict``."""

    code = StringField(_l("Code"), filters=[single_line], validators=[
        InputRequired(message=_l("Please enter a code.")), Length(max=40, message=_l("At most %(max)d characters.")),
        Regexp(r"^[a-z0-9_-]+$", message=_l("Use lowercase letters, digits, '_' or '-' only."))])
    name = StringField(_l("Name"), filters=[single_line], validators=[
        InputRequired(message=_l("Please enter a name.")), Length(max=120, message=_l("At most %(max)d characters."))])
    dispatch_days = _number(_l("Operator dispatches within (working days)"), MAX_DAYS)
    sign_minutes = _number(_l("Department signs for within (working minutes)"), MAX_MINUTES)
    contact_normal_minutes = _number(_l("First contact, normal (minutes, natural time)"), MAX_MINUTES)
    contact_urgent_minutes = _number(_l("First contact, urgent (minutes, natural time)"), MAX_MINUTES)
    contact_emergency_minutes = _number(_l("First contact, emergency (minutes, natural time)"), MAX_MINUTES)
    return_window_days = _number(_l("Return a misrouted ticket within (working days)"), MAX_DAYS)
    resolve_days = _number(_l("Resolve within (working days)"), MAX_DAYS)
    joint_resolve_days = _number(_l("Joint handling: lead resolves within (working days)"), MAX_DAYS)
    co_answer_days = _number(_l("Joint handling: co-handlers answer within (working days)"), MAX_DAYS)
    max_extensions = _number(_l("Extensions allowed (times)"), MAX_COUNT)
    max_extension_days = _number(_l("Longest extension (working days)"), MAX_DAYS)
    callback_days = _number(_l("Callback within (working days)"), MAX_DAYS)
    callback_attempts = _number(_l("Callback attempts"), MAX_COUNT)
    supervision_level_days = _number(_l("Each supervision level (working days)"), MAX_DAYS)
    warn_percent = _number(_l("Warn when this share of a limit has passed (%)"), 100)
    submit = SubmitField(_l("Save"))

    GROUPS = (
        (_l("Dispatch and sign-for"), ("dispatch_days", "sign_minutes", "return_window_days")),
        (_l("First contact with the caller, by urgency"),
         ("contact_normal_minutes", "contact_urgent_minutes", "contact_emergency_minutes")),
        (_l("Resolution"), ("resolve_days", "joint_resolve_days", "co_answer_days")),
        (_l("Extensions"), ("max_extensions", "max_extension_days")),
        (_l("Callback and supervision"), ("callback_days", "callback_attempts", "supervision_level_days")),
        (_l("Warnings"), ("warn_percent",)),
    )


class CategoryPoliciesForm(FlaskForm):
    """One policy select per category; the fields are added by :func:`category_policies_form`."""

    submit = SubmitField(_l("Save assignments"))


def category_field_name(category_id: int) -> str:
    """The name of a category's select in :class:`CategoryPoliciesForm`."""
    return f"category_{category_id}"


def leads_field_name(category_id: int) -> str:
    """The name of a category's "who leads" select in :class:`CategoryPoliciesForm`."""
    return f"leads_{category_id}"


#: Who leads a matter of a category that has a place (属地管理, or the competent bureau everywhere).
WHO_LEADS = [SelectChoice("place", _l("The place: its county, district or zone government")),
             SelectChoice("bureau", _l("Its competent bureau, wherever the matter happens"))]


def category_policies_form(categories, policy_choices: list[SelectChoice], locale: str) -> CategoryPoliciesForm:
    """A :class:`CategoryPoliciesForm` with a select per category, preset to its policy."""

    class Form(CategoryPoliciesForm):
        pass

    for category in categories:
        setattr(Form, category_field_name(category.id), SelectField(
            category.name(locale), choices=policy_choices, coerce=coerce_optional_int, default=category.policy_id))
        setattr(Form, leads_field_name(category.id), SelectField(
            _l("Who leads"), choices=WHO_LEADS, default="place" if category.territorial else "bureau"))
    return Form()
