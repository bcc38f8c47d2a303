"""What the audit says to its readers: each measure's definition in plain words, and the labels of
the export columns and the codes in them — all in the user's language (zh_CN first, English).

The developer's definition of a measure stays with its query (``Measure.doc`` in
:mod:`hotline.audit.measures`); the definition here is the same rule written for the supervisor or the
city leader who reads the figure.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

DEFINITIONS = {
    "response": _l(
        "Of the parts of complaints, reports, help requests and suggestions dispatched to departments this "
        "month, the share whose department first contacted the caller within the contact limit. A part that is "
        "not contacted yet and still within its limit is not counted yet; returned and withdrawn parts are "
        "left out. Inquiries are reported apart."),
    "sign_on_time": _l(
        "Of the parts dispatched to departments this month, the share the department signed for within the "
        "sign-for limit. A part not signed yet and still within its limit is not counted yet; returned and "
        "withdrawn parts are left out. Inquiries are reported apart."),
    "on_time": _l(
        "Of the parts whose resolution deadline (moved by approved extensions) fell this month and has "
        "passed, or that were already submitted, the share submitted by that deadline. Returned and withdrawn "
        "parts are left out; a reopened ticket's new round counts again. Inquiries are reported apart."),
    "return": _l(
        "Of the parts dispatched to departments this month, the share a department returned as not its "
        "matter. Inquiries are reported apart."),
    "extension": _l(
        "Of the parts dispatched to departments this month, the share with at least one approved extension. "
        "Inquiries are reported apart."),
    "resolution": _l(
        "Of this month's callbacks that reached the caller, the share where the caller says the matter is "
        "solved. Inquiries are reported apart."),
    "satisfaction": _l(
        "Of this month's callbacks that reached the caller, the share where the caller is satisfied or "
        "basically satisfied. Inquiries are reported apart."),
    "false_closure": _l(
        "Of this month's callbacks that reached the caller, those where the department had reported the "
        "matter solved but the caller says it is not."),
    "reopen": _l(
        "Of the dispatched tickets received by the end of this month and still active in it (merged ones "
        "left out), the share reopened at least once, after an unsatisfied callback or a repeat call."),
    "repeat": _l(
        "Of the tickets received this month, the share the operator linked to an earlier matter of the same "
        "enterprise or caller (merged into it or re-handled under supervision)."),
    "on_the_spot": _l(
        "Of the inquiries received this month, the share the operator answered during the call, without "
        "dispatching them."),
    "inquiry_dispatched": _l(
        "Of the inquiries received this month, the share dispatched to a department because they could not "
        "be answered during the call."),
    "inquiry_closed": _l(
        "Of the inquiries received this month, the share closed now: answered during the call, or dispatched "
        "and closed after the callback."),
}


def measure_definition(key: str) -> str:
    """A measure's definition as its reader needs it, in the current language."""
    return str(DEFINITIONS.get(key, ""))


# Export columns: (label, field). The ticket number is the key people and systems look tickets up by.
COMMON_COLUMNS = [(_l("Ticket number"), "number"), (_l("Received at"), "received_at"), (_l("Subject"), "subject"),
                  (_l("Kind of matter"), "kind"), (_l("Channel"), "channel"), (_l("Category"), "category"),
                  (_l("County or district"), "district"),
                  (_l("Ticket state"), "status")]
ENTITY_COLUMNS = {
    "assignment": [(_l("Handling department"), "department"), (_l("Lead or co-handler"), "role"),
                   (_l("Dispatched at"), "dispatched_at"), (_l("Sign for by"), "sign_due_at"),
                   (_l("Signed for at"), "signed_at"), (_l("Contact by"), "contact_due_at"),
                   (_l("First contact"), "first_contact_at"), (_l("Resolve by"), "resolve_due_at"),
                   (_l("Submitted at"), "submitted_at"), (_l("State of the part"), "assignment_status")],
    "callback": [(_l("Callback at"), "at"), (_l("Attempt"), "attempt"), (_l("Caller reached"), "reached"),
                 (_l("Caller says solved"), "solved"), (_l("Satisfaction"), "satisfaction")],
    "ticket": [(_l("Times reopened"), "reopen_count"), (_l("Supervision level"), "supervision_level"),
               (_l("Routing rule"), "routing_rule")],
}
RANKING_COLUMNS = [_l("Rank"), _l("Handling department"), _l("Response rate"), _l("Resolution rate"),
                   _l("Satisfaction rate"), _l("Score"), _l("Change")]


def yes_no(value: bool) -> str:
    """Yes or no in the current language."""
    return _("Yes") if value else _("No")

