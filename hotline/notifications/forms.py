"""Forms: a user's contact points and channel choices, a department's channel choices."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from hotline.notifications import rules

#: The choices of one event's select ("" is the inherited default, stored as no row).
CHOICES = [SelectChoice("inherit", _l("Default")), SelectChoice("none", _l("In-app only")),
           SelectChoice("email", _l("In-app and e-mail")), SelectChoice("sms", _l("In-app and SMS")),
           SelectChoice("email,sms", _l("In-app, e-mail and SMS"))]


#: The events a preference routes, as the preferences page names them.
EVENT_LABELS = {
    "new_assignment": _l("A new assignment for my department"),
    "escalation_sign_warn": _l("Sign-for limit: three quarters passed"),
    "escalation_sign_breach": _l("Sign-for limit breached"),
    "escalation_contact_warn": _l("Contact limit: three quarters passed"),
    "escalation_contact_breach": _l("Contact limit breached"),
    "escalation_resolve_warn": _l("Resolution limit: three quarters passed"),
    "escalation_resolve_breach": _l("Resolution limit breached"),
    "ticket_reopened": _l("A ticket reopened after an unsatisfied callback"),
    "supervision_opened": _l("A ticket put under supervision"),
    "caller_dispatched": _l("Caller: ticket accepted (status link)"),
    "caller_resolved": _l("Caller: ticket resolved (satisfaction link)"),
}


def _event_fields(cls):
    for event in rules.STAFF_EVENTS:  # the caller's events are not a staff preference
        setattr(cls, f"pref_{event}", SelectField(EVENT_LABELS[event], choices=CHOICES, default="inherit"))
    return cls


@_event_fields
class DepartmentChannelsForm(FlaskForm):
    """Which channels a department's handlers use for each event (unless they chose themselves)."""

    def choices_by_event(self) -> dict[str, str | None]:
        """The form's choices as the service takes them."""
        out = {}
        for event in rules.STAFF_EVENTS:
            value = getattr(self, f"pref_{event}").data
            out[event] = None if value == "inherit" else ("" if value == "none" else value)
        return out

    def fill(self, stored: dict[str, str]) -> None:
        """Show the stored preferences."""
        for event in rules.STAFF_EVENTS:
            if event in stored:
                getattr(self, f"pref_{event}").data = stored[event] or "none"

    def event_fields(self):
        """(event, field) pairs in order."""
        return [(event, getattr(self, f"pref_{event}")) for event in rules.STAFF_EVENTS]


class MyChannelsForm(DepartmentChannelsForm):
    """A user's own e-mail, mobile number and channel choices."""

    email = StringField(_l("E-mail"), validators=[Length(max=254)])
    mobile = StringField(_l("Mobile number (for SMS)"), validators=[Length(max=20)])
