"""What the screens, exports and notices say: the one ``label`` filter for every labelled enumeration,
and the texts of codes that are no enumeration (notification kinds, routing reasons, refusals, history
events, queues, measures).

The rule: a code set stored in a column is an enumeration, and its labels live beside it (the
:class:`hotline.enums.LabelledEnum` members carry their msgids); :func:`label` translates them, in
templates (``{{ ticket.status|label }}``), forms (:func:`enum_choices`) and exports alike. Codes that
name a message with parameters, or a page's own sections, keep their texts in the tables below."""
from __future__ import annotations

from collections.abc import Iterable

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from hotline.enums import LABELLED, LabelledEnum


def label(value, enum: str | None = None) -> str:
    """A labelled enumeration member's label in the current language; "—" for none.

    ``enum`` names the enumeration (its class name, e.g. ``'TicketState'``) for a code kept as plain text
    (an event's from/to state, a case's trigger); a code it does not know is shown as it is."""
    if value is None or value == "":
        return "—"
    if enum is not None and not isinstance(value, LabelledEnum):
        try:
            value = LABELLED[enum](value)
        except ValueError:
            return str(value)
    if isinstance(value, LabelledEnum):
        return _(value.msgid)
    if enum is None and isinstance(value, str) and current_app and current_app.testing:
        # a plain code without its enumeration's name would be shown untranslated: make tests say where
        raise TypeError(f"label({value!r}) needs its enumeration's name, e.g. |label('TicketState')")
    return str(value)


def enum_choices(members: Iterable[LabelledEnum]) -> list[tuple[str, object]]:
    """(value, lazily translated label) pairs for a form's select, in the order given."""
    return [(m.value, _l(m.msgid)) for m in members]


NOTIFICATIONS = {
    "calendar_missing": _l("The working calendar for %(year)s is missing: an administrator must enter it."),
    "new_assignment": _l("New assignment: ticket %(ticket)s."),
    "assignment_withdrawn": _l("Ticket %(ticket)s: the lead department returned it; your part is withdrawn."),
    "co_handler_submitted": _l("Ticket %(ticket)s: a co-handler submitted its part."),
    "extension_requested": _l("Ticket %(ticket)s: an extension of %(days)s working days awaits your decision."),
    "extension_decided": _l("Ticket %(ticket)s: your extension request was decided."),
    "ticket_reopened": _l("Ticket %(ticket)s was reopened after an unsatisfied callback."),
    "escalation_sign_warn": _l("Ticket %(ticket)s: three quarters of the time to sign for have passed."),
    "escalation_sign_breach": _l("Ticket %(ticket)s was not signed for in time."),
    "escalation_contact_warn": _l("Ticket %(ticket)s: three quarters of the time to contact the caller have passed."),
    "escalation_contact_breach": _l("Ticket %(ticket)s: the caller was not contacted in time."),
    "escalation_resolve_warn": _l("Ticket %(ticket)s: three quarters of the time to resolve have passed."),
    "escalation_resolve_breach": _l("Ticket %(ticket)s was not resolved in time."),
    "supervision_opened": _l("Ticket %(ticket)s is under supervision at level %(level)s."),
    "escalation_level_breach": _l("Ticket %(ticket)s: supervision not cleared in time; now level %(level)s."),
    "escalation_callback_breach": _l("Ticket %(ticket)s: the callback is late."),
    "supervision_notice": _l("Supervision notice on ticket %(ticket)s (level %(level)s)."),
}


def notification_text(n) -> str:
    """One line describing a notification in the current language."""
    template = NOTIFICATIONS.get(n.kind)
    if template is None:
        return _("Notification: %(kind)s", kind=n.kind)
    try:
        return str(template) % {k: v for k, v in (n.data or {}).items()}
    except (KeyError, ValueError):
        return str(template)


REASONS = {
    "answered_on_spot": _l("The operator answered the inquiry during the call."),
    "report_kind": _l("A report of misconduct goes to the discipline commission."),
    "misconduct_category": _l("The category “%(category)s” concerns an official's own misconduct."),
    "confidential_requested": _l("The caller asked for confidentiality."),
    "confidential_by_rule": _l("Matters for the discipline commission are confidential by rule."),
    "category_default": _l("“%(department)s” handles the category “%(category)s” by default."),
    "respondent_leads": _l("The caller complains about “%(department)s”: it answers for its own conduct and "
                           "leads."),
    "place_leads": _l("The matter lies in %(district)s: “%(department)s” leads (属地管理)."),
    "competent_bureau_leads": _l("The category “%(category)s” is led by its competent bureau wherever it "
                                 "happens: “%(department)s” leads."),
    "rehandle_last_lead": _l("“%(department)s” led the last round of ticket %(ticket)s and answers again."),
    "repeat_resolved_in_chain": _l("Ticket %(linked)s belongs to a repeat chain whose current ticket is "
                                   "%(ticket)s: the repeat is handled there."),
    "keyword_match": _l("The word “%(keyword)s” points to “%(department)s”."),
    "multiple_departments": _l("%(count)s departments are involved; “%(lead)s” leads."),
    "repeat_open_no_new_facts": _l("Repeat of open ticket %(ticket)s with no new facts (complaint no. "
                                   "%(complaint_number)s): merged, supervision level %(supervision_level)s."),
    "repeat_new_facts": _l("Repeat of ticket %(ticket)s with new facts (complaint no. %(complaint_number)s): "
                           "re-handled at supervision level %(supervision_level)s."),
    "repeat_after_close": _l("Repeat of closed ticket %(ticket)s (complaint no. %(complaint_number)s): "
                             "re-handled at supervision level %(supervision_level)s."),
    "repeat_after_unsatisfied_callback": _l("Repeat of ticket %(ticket)s after an unsatisfied callback "
                                            "(complaint no. %(complaint_number)s): re-handled at supervision "
                                            "level %(supervision_level)s."),
    "repeat_superseded_by_discipline": _l("Repeat of ticket %(ticket)s, but a report goes to the discipline "
                                          "commission."),
    "operator_override": _l("%(by)s overrode the routing: %(reason)s"),
}

INTAKE_ERRORS = {
    "no_department": _l("No department could be proposed: please choose the lead department."),
    "only_inquiry_on_spot": _l("Only an inquiry can be answered on the spot."),
    "override_reason_required": _l("Please say why you override the proposed routing."),
    "lead_in_co_handlers": _l("The lead department cannot also be a co-handler."),
    "duplicate_co_handlers": _l("A department is listed twice."),
    "unknown_category": _l("This category does not exist or is no longer in use."),
    "unknown_repeat": _l("The linked earlier ticket was not found."),
    "unknown_department": _l("Unknown or deactivated department: %(departments)s"),
    "repeat_target_merged": _l("The linked ticket was itself merged; link the ticket it was merged into."),
    "no_discipline_department": _l("No discipline commission is configured: ask an administrator."),
    "not_returned": _l("Only a ticket that every department returned can be re-dispatched."),
}


def _named(kind: str, code: str):
    """The department or category with ``code`` (from the process's reference data; a deactivated one
    from the database), or None."""
    from sqlalchemy import select

    from hotline.directory import reference
    from hotline.directory.models import Category, Department
    from hotline.extensions import db

    ref = reference.snapshot()
    found = (ref.departments if kind == "department" else ref.categories).get(code)
    if found is None:
        model = Department if kind == "department" else Category
        found = db.session.scalar(select(model).where(model.code == code))
    return found


def _department_names(params: dict) -> dict:
    """Reason parameters with department and category codes shown as names in the current language."""
    from flask_babel import get_locale

    locale = str(get_locale())
    out = dict(params)
    for key in ("department", "lead"):
        if key in out:
            dept = _named("department", out[key])
            out[key] = dept.name(locale) if dept else out[key]
    if "category" in out:
        category = _named("category", out["category"])
        out["category"] = category.name(locale) if category else out["category"]
    if "district" in out:
        from hotline.directory import reference

        district = reference.snapshot().districts.get(out["district"])
        out["district"] = district.name(locale) if district else out["district"]
    return out


def reason_text(code: str, params: dict) -> str:
    """A routing reason in the current language, with department codes shown as names."""
    template = REASONS.get(code)
    if template is None:
        return code
    try:
        return str(template) % _department_names(params)
    except (KeyError, ValueError):
        return str(template)


def intake_error_text(code: str, params: dict | None = None) -> str:
    """An intake refusal in the current language."""
    template = INTAKE_ERRORS.get(code)
    if template is None:
        return _("The ticket could not be saved (%(code)s).", code=code)
    try:
        return str(template) % (params or {})
    except (KeyError, ValueError):
        return str(template)

MATCHES = {"credit_code": _l("same credit code"), "enterprise": _l("same enterprise"), "phone": _l("same phone")}
QUEUES = {"to_sign": _l("To sign for"), "in_progress": _l("In progress"), "due_soon": _l("Due soon"),
          "overdue": _l("Overdue"), "submitted": _l("Submitted")}
EVENTS = {
    "received": _l("Ticket received"), "dispatch": _l("Dispatched"), "redispatch": _l("Re-dispatched"),
    "answer_on_spot": _l("Answered on the spot"), "merge": _l("Merged into an open ticket"),
    "repeat_merged": _l("A repeat call was merged into this ticket"),
    "supervision_opened": _l("Put under supervision"), "identity_viewed": _l("Identity viewed"),
    "assignment_returned": _l("Returned by a department"),
    "assignment_withdraw": _l("Part withdrawn: the lead returned the ticket"),
    "all_returned": _l("All departments returned it"),
    "redispatch_note": _l("Re-dispatch note"),
    "assignment_sign": _l("Signed for"), "start": _l("Handling started"),
    "assignment_record_contact": _l("Contact attempt recorded"), "assignment_return": _l("Returned by a department"),
    "assignment_submit": _l("Reply submitted"), "resolve": _l("Resolved"), "callback": _l("Callback"),
    "satisfaction_by_link": _l("The caller answered the satisfaction link"),
    "close": _l("Closed"), "reopen": _l("Reopened"), "extension_requested": _l("Extension requested"),
    "extension_decided": _l("Extension decided"), "attachment_added": _l("Evidence attached"),
    "escalation_sign_warn": _l("Warning: three quarters of the sign-for time gone"),
    "escalation_sign_breach": _l("Sign-for limit breached"),
    "escalation_contact_warn": _l("Warning: three quarters of the contact time gone"),
    "escalation_contact_breach": _l("Contact limit breached"),
    "escalation_resolve_warn": _l("Warning: three quarters of the resolution time gone"),
    "escalation_resolve_breach": _l("Resolution limit breached"),
    "escalation_level_breach": _l("Supervision level not cleared in time"),
    "escalation_callback_breach": _l("Callback late"), "supervision_notice": _l("Supervision notice issued"),
    "supervision_interview": _l("Interview recorded (约谈)"),
    "supervision_accountability": _l("Referred for accountability (问责)"),
    "supervision_cleared": _l("Supervision cleared"),
    "api_call": _l("Done through the integration API"),
    "contact_attempt_unreached": _l("Contact attempt: caller not reached"),
    "deadline_recomputed": _l("Deadlines recomputed"),
}


def _lookup(table: dict, value) -> str:
    value = str(getattr(value, "value", value))
    return str(table.get(value, value))


def match_label(match) -> str:
    """How a repeat candidate matched."""
    return _lookup(MATCHES, match)


SUPERVISION_LEVELS = {1: _l("level 1 supervision (一级督办)"), 2: _l("level 2 supervision (二级督办)"),
                      3: _l("level 3 supervision (三级督办)")}


def case_name(case, ticket_number: str | None = None) -> str:
    """A supervision case as people name it: its ticket's number and its level ("261117-00001 · 二级督办")."""
    number = ticket_number or (case.ticket.number if getattr(case, "ticket", None) is not None else "")
    level = str(SUPERVISION_LEVELS.get(case.level, case.level))
    return f"{number} · {level}" if number else level


TO_DO_NOW = {"callbacks_due": _l("Callbacks due today or late"), "returned": _l("Returned tickets to re-dispatch"),
        "mine_today": _l("My tickets of today")}


def todo_label(what: str) -> str:
    """A line of the operator's to-do list."""
    return _lookup(TO_DO_NOW, what)


def respondent_label(ticket) -> str:
    """The body the caller complains about (被反映单位): its directory name in the user's language, the text
    as typed when it is not in the directory, or a dash."""
    if ticket.respondent_department is not None:
        from flask_babel import get_locale

        return ticket.respondent_department.name(str(get_locale()))
    return ticket.respondent_name or "—"


def event_label(action, data: dict | None = None) -> str:
    """A history event's name; with the event's ``data``, what it changed where the history says more."""
    if action == "all_returned" and data and data.get("by") == "lead":
        return _("The lead department returned it: back to the operators for re-dispatch")
    label = _lookup(EVENTS, action)
    if action == "deadline_recomputed" and data:
        return _("%(label)s (%(reason)s): %(changes)s", label=label, reason=recompute_reason(data.get("causes", [])),
                 changes="; ".join(_deadline_change(c) for c in data.get("changes", [])))
    return label


DEADLINE_STEPS = {
    "sign": _l("sign for by"), "contact": _l("contact by"), "return": _l("return allowed until"),
    "resolve": _l("resolve by"), "dispatch": _l("dispatch by"), "callback": _l("call back by"),
}


def recompute_reason(causes) -> str:
    """Why deadlines were recomputed, in the current language (causes as stored by the recomputation)."""
    texts = []
    for cause in causes:
        kind = cause.get("kind")
        if kind == "calendar":
            texts.append(_("the working calendar of %(year)s changed", year=cause.get("year")))
        elif kind == "hours":
            texts.append(_("the working hours changed"))
        elif kind == "policy":
            texts.append(_("time-limit policy %(code)s changed", code=cause.get("code")))
        elif kind == "categories":
            texts.append(_("the time-limit policy of categories %(codes)s changed",
                           codes="、".join(cause.get("codes", []))))
    return "; ".join(texts) or "—"


def _deadline_change(change: dict) -> str:
    """One moved deadline: whose, which step, from when to when (local time)."""
    from datetime import datetime

    from flask_babel import format_datetime

    def when(text):
        return format_datetime(datetime.fromisoformat(text), "yyyy-MM-dd HH:mm") if text else "—"

    if change.get("target") == "case":
        step = _("supervision level %(level)s, clear by", level=change.get("level"))
    else:
        step = _lookup(DEADLINE_STEPS, change.get("step"))
    whose = f"{department_name(change['department'])} " if change.get("department") else ""
    return f"{whose}{step} {when(change.get('old_due'))} → {when(change.get('new_due'))}"


def department_name(code: str) -> str:
    """A department's name for its code."""
    from flask_babel import get_locale

    dept = _named("department", code)
    return dept.name(str(get_locale())) if dept else code

DOMAIN_ERRORS = {
    "not_allowed_in_state": _l("This action is not possible in the ticket's current state."),
    "role_not_allowed": _l("Your role may not do this."),
    "return_window_closed": _l("The return window has closed: your department now owns this matter "
                               "and must handle it (首接负责)."),
    "return_grounds_required": _l("A return must state its grounds."),
    "co_handlers_pending": _l("The final reply must wait for the co-handlers: %(missing)s."),
    "not_your_department": _l("This assignment belongs to another department."),
    "not_found": _l("Not found."),
    "contact_in_future": _l("A contact attempt cannot lie in the future."),
    "contact_before_dispatch": _l("A contact attempt cannot be earlier than the dispatch."),
    "unknown_contact_method": _l("Unknown contact method."),
    "extension_reason_required": _l("Please give the reason for the extension."),
    "extension_pending": _l("An extension request is already waiting for a decision."),
    "extension_already_decided": _l("This extension request has already been decided."),
    "too_many_extensions": _l("The limit of extensions has been reached."),
    "too_many_days": _l("An extension may not exceed the allowed working days."),
    "non_positive_days": _l("An extension needs at least one working day."),
    "reply_required": _l("Please write the reply."),
    "not_awaiting_callback": _l("This ticket is not awaiting a callback."),
    "callback_verdict_required": _l("When the caller was reached, record whether it is solved and how "
                                    "satisfied they are."),
    "attachment_type": _l("This file type is not accepted. Accepted: %(allowed)s."),
    "attachment_empty": _l("The file is empty."),
    "attachment_too_large": _l("The file is too large (at most %(max_mb)s MB)."),
    "attachment_content_mismatch": _l("The file's content does not match its type."),
    "case_not_open": _l("This supervision case is no longer open."),
    "notice_needs_department_and_deadline": _l("A notice needs a department and a deadline."),
    "outcome_required": _l("Please record the outcome."),
    "clear_reason_required": _l("Please give the reasons for clearing the case."),
    "interview_required": _l("A level-3 case results in an interview (约谈): record it before clearing the case."),
}


def domain_error_text(code: str, params: dict | None = None) -> str:
    """A refused action in the current language."""
    params = dict(params or {})
    if isinstance(params.get("missing"), (list, tuple)):
        params["missing"] = "、".join(department_name(c) for c in params["missing"])
    template = DOMAIN_ERRORS.get(code)
    if template is None:
        return _("The action was refused (%(code)s).", code=code)
    try:
        return str(template) % params
    except (KeyError, ValueError):
        return str(template)


def queue_label(queue: str) -> str:
    """A workbench queue's name."""
    return _lookup(QUEUES, queue)


LIMIT_STEPS = {"sign": _l("Sign for by"), "contact": _l("Contact by"), "resolve": _l("Resolve by")}


def limit_now(a, now):
    """The limit of assignment ``a`` that matters now (:func:`hotline.worktime.steps.current_limit`)."""
    from hotline.worktime.steps import current_limit

    return current_limit(str(a.status), signed=a.signed_at is not None, contacted=a.first_contact_at is not None,
                         instants={c: getattr(a, c) for c in ("sign_due_at", "sign_warn_at", "contact_due_at",
                                                               "contact_warn_at", "resolve_due_at",
                                                               "resolve_warn_at")})


def limit_label(step: str) -> str:
    """Which limit: sign for by, contact by, resolve by."""
    return _lookup(LIMIT_STEPS, step)


def time_left(limit, now) -> str:
    """The time left to a limit: working time for sign-for and resolution, clock time for contact."""
    from hotline.directory.reference import working_minutes_left

    if limit.working_time:
        return worktime(working_minutes_left(now, limit.due))
    minutes = (limit.due - now).total_seconds() / 60
    whole = abs(int(round(minutes)))
    text = _("%(hours)d h %(minutes)d min", hours=whole // 60, minutes=whole % 60)
    return _("overdue by %(time)s", time=text) if minutes < 0 else text


def worktime(minutes: float) -> str:
    """Working time as days and hours of the working day (7 h by default); negative means overdue."""
    from hotline.directory.reference import request_clock

    per_day = request_clock().hours.minutes_per_day
    whole = abs(int(round(minutes)))
    days, rest = divmod(whole, int(per_day))
    hours, mins = divmod(rest, 60)
    text = _("%(days)d d %(hours)d h %(minutes)d min", days=days, hours=hours, minutes=mins) if days else \
        _("%(hours)d h %(minutes)d min", hours=hours, minutes=mins)
    return _("overdue by %(time)s", time=text) if minutes < 0 else text


CONSOLE_QUEUES = {
    "warnings": _l("Warnings (three quarters of the time gone)"), "overdue": _l("Overdue"),
    "level1": _l("Level 1 (hotline centre)"),
    "level2": _l("Level 2 (business-environment office)"), "level3": _l("Level 3 (city leadership)"),
    "chains": _l("Repeat chains"), "unsatisfied": _l("Unsatisfied callbacks"),
    "extensions": _l("Extension requests"), "returned": _l("Returned tickets"),
}


def console_queue_label(queue: str) -> str:
    """A supervisors' console queue."""
    return _lookup(CONSOLE_QUEUES, queue)


MEASURE_LABELS = {
    "response": _l("Response rate"), "sign_on_time": _l("Signed for on time"), "on_time": _l("On-time resolution"),
    "resolution": _l("Resolution rate"), "satisfaction": _l("Satisfaction rate"), "return": _l("Return rate"),
    "extension": _l("Extension rate"), "reopen": _l("Reopen rate"), "repeat": _l("Repeat rate"),
    "false_closure": _l("False closures"), "on_the_spot": _l("Answered on the spot"),
}
PARTS = {"base": _l("all counted"), "hit": _l("meeting the measure"), "miss": _l("not meeting it")}


def measure_label(key: str) -> str:
    """A measure's name."""
    return _lookup(MEASURE_LABELS, key)


def part_label(part: str) -> str:
    """Which rows of a figure a drill-down lists."""
    return _lookup(PARTS, part)


def rate(figure) -> str:
    """A rate as a percentage, or "—" when its base is empty (never 0 %)."""
    return "—" if figure.rate is None else f"{100 * figure.rate:.1f}%"


def minutes_as_hours(value) -> str:
    """Working minutes as working hours with one decimal, or "—"."""
    return "—" if value is None else _("%(hours).1f h", hours=value / 60).replace(" ", "\u00a0")  # never wraps

