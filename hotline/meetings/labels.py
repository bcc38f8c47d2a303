"""Texts of the meetings package that are no enumeration: events, notices, refusals, agenda reasons (its
kinds and states carry their labels on their enumerations, :mod:`hotline.meetings.rules`)."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hotline.labels import label

REASONS = {"joint_past_half": _l("joint ticket past half its limit"),
           "supervision_level": _l("supervision level 2–3"), "two_returns": _l("returned twice")}

EVENTS = {
    "meeting_agenda_added": _l("Put on a meeting's agenda"), "meeting_held": _l("Meeting held"),
    "meeting_cancelled": _l("Meeting cancelled"), "meeting_item_settled": _l("Settled at the meeting"),
    "meeting_item_carried_over": _l("Carried over to a later meeting"),
    "meeting_decision": _l("Meeting decision taken"), "meeting_decision_done": _l("Meeting decision done"),
    "meeting_decision_cancelled": _l("Meeting decision cancelled"),
    "escalation_decision_warn": _l("Warning: three quarters of a meeting decision's time gone"),
    "escalation_decision_breach": _l("Meeting decision deadline breached"),
    "project_linked": _l("Linked to a project milestone"), "commissioner_note": _l("Commissioner's note"),
}

NOTIFICATIONS = {
    "meeting_scheduled": _l("You convene the meeting “%(meeting)s”."),
    "decision_assigned": _l("Ticket %(ticket)s: the meeting “%(meeting)s” decided something your department must do."),
    "decision_done": _l("Ticket %(ticket)s: a decision of the meeting “%(meeting)s” is done."),
    "escalation_decision_warn": _l("Ticket %(ticket)s: three quarters of a meeting decision's time have passed."),
    "escalation_decision_breach": _l("Ticket %(ticket)s: a meeting decision was not done in time."),
    "project_ticket_event": _l("Project %(project)s: news on ticket %(ticket)s."),
}

ERRORS = {
    "open_decisions": _l("%(count)s decision(s) of a coordination meeting on this ticket are still open: it cannot "
                         "be resolved or closed until the responsible departments have done them."),
    "meeting_not_held": _l("Only a meeting that was held settles matters."),
    "evidence_required": _l("Please describe the evidence that the decision is done."),
    "reason_required": _l("Please give the reason."),
    "minutes_required": _l("Please record the minutes."),
    "title_required": _l("Please give the meeting a title."),
    "convener_must_be_leader": _l("The convener must be a leader."),
    "ticket_not_found": _l("No ticket %(number)s."),
    "ticket_not_for_agenda": _l("Ticket %(number)s was merged or answered on the spot: it cannot go on an agenda."),
    "already_on_agenda": _l("Ticket %(number)s is already on this meeting's agenda."),
    "unknown_department": _l("Unknown or deactivated department."),
    "decision_text_required": _l("A decision says what is to be done and what counts as done."),
    "decision_days_range": _l("A decision's limit is 1 to %(max)s working days."),
    "project_name_required": _l("A project needs a name and an enterprise."),
    "commissioner_role_required": _l("The commissioner must hold the commissioner role."),
    "project_exists": _l("A project of that name exists."),
    "milestone_target_required": _l("Every milestone needs a target date."),
    "summary_required": _l("Please summarise the visit."),
    "note_required": _l("Please write the note."),
}

DEADLINE_STEPS = {"decision": _l("meeting decision due by")}


def _lookup(table: dict, value) -> str:
    value = str(getattr(value, "value", value))
    return str(table.get(value, value))


def reason_label(reason) -> str:
    """Why a ticket is suggested for an agenda."""
    return _lookup(REASONS, reason)


def install() -> None:
    """Add this package's events, notices, refusals and deadline steps to the app's text tables
    (:mod:`hotline.labels`), so the ticket history, the notices and refusals name them (from the factory)."""
    from hotline import labels

    labels.EVENTS.update(EVENTS)
    labels.NOTIFICATIONS.update(NOTIFICATIONS)
    labels.DOMAIN_ERRORS.update(ERRORS)
    labels.DEADLINE_STEPS.update(DEADLINE_STEPS)


def meeting_name(meeting) -> str:
    """A meeting as people name it: its kind and title."""
    return _("%(kind)s: %(title)s", kind=label(meeting.kind), title=meeting.title)
