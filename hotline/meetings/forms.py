"""Forms of the meetings and projects pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from hotline.meetings.rules import MAX_DECISION_DAYS
from hotline.tickets.forms import multi_line, single_line

_REQUIRED = _l("This field is required.")
_LONG = _l("At most %(max)d characters.")


def _required(max_len: int) -> list:
    """Validators of a field that must be filled in, with at most ``max_len`` characters."""
    return [DataRequired(_REQUIRED), Length(max=max_len, message=_LONG)]


def _at_most(max_len: int) -> list:
    """Validators of a field that may be left empty, with at most ``max_len`` characters."""
    return [Length(max=max_len, message=_LONG)]


def _coerce_optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class MeetingForm(FlaskForm):
    """Schedule a meeting."""

    kind = SelectField(_l("Kind"))
    title = StringField(_l("Title"), filters=[single_line], validators=_required(200))
    convener_id = SelectField(_l("Convener"), coerce=_coerce_optional_int, validators=[InputRequired(_REQUIRED)])
    held_at = DateTimeLocalField(_l("Time"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_REQUIRED)])
    place = StringField(_l("Place"), filters=[single_line], validators=_at_most(200))
    department_ids = SelectMultipleField(_l("Departments at the table"), coerce=int)
    enterprises = StringField(_l("Enterprises at the table"), filters=[single_line],
                              validators=_at_most(500))
    attendees = TextAreaField(_l("People attending"), filters=[multi_line], validators=_at_most(2000))


class AgendaForm(FlaskForm):
    """Put a ticket on the agenda by its number."""

    number = StringField(_l("Ticket number"), filters=[single_line], validators=_required(20))
    note = StringField(_l("Agenda note"), filters=[single_line], validators=_at_most(500))


class RaiseForm(FlaskForm):
    """A matter raised at the table: it becomes a ticket through the normal intake."""

    enterprise_name = StringField(_l("Enterprise"), filters=[single_line], validators=_required(200))
    caller_name = StringField(_l("Who raised it"), filters=[single_line], validators=_at_most(64))
    category = SelectField(_l("Category"))
    district = SelectField(_l("County or district"), validate_choice=False)
    subject = StringField(_l("Subject"), filters=[single_line], validators=_required(200))
    description = TextAreaField(_l("Description"), filters=[multi_line], validators=_required(4000))


class HoldForm(FlaskForm):
    """The meeting was held: its minutes."""

    minutes = TextAreaField(_l("Minutes"), filters=[multi_line], validators=_required(20000))


class ReasonForm(FlaskForm):
    """A reason (cancelling a meeting or a decision)."""

    reason = StringField(_l("Reason given"), filters=[single_line], validators=_required(500))


class OutcomeForm(FlaskForm):
    """Settle a matter at the table or carry it over."""

    action = SelectField(_l("Outcome at the table"), choices=[SelectChoice("settle", _l("Settled at the table")),
                                                 SelectChoice("carry_over", _l("Carried over to a later meeting"))])
    note = StringField(_l("Agenda note"), filters=[single_line], validators=_at_most(500))


class DecisionForm(FlaskForm):
    """A decision: the responsible department, the deadline in working days, what is to be done and what done means."""

    department_id = SelectField(_l("Responsible department"), coerce=_coerce_optional_int,
                                validators=[InputRequired(_REQUIRED)])
    text = TextAreaField(_l("What is to be done"), filters=[multi_line], validators=_required(2000))
    done_means = StringField(_l("What counts as done"), filters=[single_line], validators=_required(500))
    working_days = IntegerField(_l("Deadline (working days)"), default=5, validators=[
        InputRequired(_REQUIRED),
        NumberRange(min=1, max=MAX_DECISION_DAYS, message=_l("Between %(min)s and %(max)s."))])


class DoneForm(FlaskForm):
    """Mark a decision done, with evidence."""

    evidence = TextAreaField(_l("Evidence"), filters=[multi_line], validators=_required(4000))


class ProjectForm(FlaskForm):
    """A key project with its milestones' target dates."""

    name = StringField(_l("Project"), filters=[single_line], validators=_required(200))
    enterprise_name = StringField(_l("Enterprise"), filters=[single_line], validators=_required(200))
    credit_code = StringField(_l("Unified social credit code"), filters=[single_line],
                              validators=[Optional(), Length(max=18, message=_LONG)])
    commissioner_id = SelectField(_l("Service commissioner"), coerce=_coerce_optional_int, validate_choice=False)
    signed_on = DateField(_l("Signed"), validators=[InputRequired(_REQUIRED)])
    approvals = DateField(_l("Approvals"), validators=[InputRequired(_REQUIRED)])
    land = DateField(_l("Land"), validators=[InputRequired(_REQUIRED)])
    construction = DateField(_l("Construction"), validators=[InputRequired(_REQUIRED)])
    production = DateField(_l("Production"), validators=[InputRequired(_REQUIRED)])


class LinkForm(FlaskForm):
    """Link a ticket to the milestone it blocks."""

    number = StringField(_l("Ticket number"), filters=[single_line], validators=_required(20))
    milestone_id = SelectField(_l("Milestone it blocks"), coerce=_coerce_optional_int, validate_choice=False)


class VisitForm(FlaskForm):
    """An on-site visit."""

    visited_at = DateTimeLocalField(_l("Visited at"), format="%Y-%m-%dT%H:%M", validators=[InputRequired(_REQUIRED)])
    place = StringField(_l("Place"), filters=[single_line], validators=_at_most(200))
    summary = TextAreaField(_l("What was done on site"), filters=[multi_line], validators=_required(4000))


class NoteForm(FlaskForm):
    """A commissioner's note, on the project or on one of its tickets."""

    text = TextAreaField(_l("Commissioner's note"), filters=[multi_line], validators=_required(4000))
    number = StringField(_l("On ticket (optional)"), filters=[single_line], validators=_at_most(20))


class ReachedForm(FlaskForm):
    """The day a milestone was reached."""

    reached_on = DateField(_l("Reached on"), validators=[InputRequired(_REQUIRED)])
