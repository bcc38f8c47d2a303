"""Glue between the intake form and the intake service: choices, values, errors."""
from __future__ import annotations

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from hotline.directory import reference
from hotline.labels import intake_error_text
from hotline.tickets import intake_rules
from hotline.tickets.forms import choices
from hotline.tickets.identity import clean_text
from hotline.tickets.intake import IntakeData, IntakeError


def fill_choices(form, *, lead_blank: str | None = None) -> None:
    """Districts, categories and departments for the selects, in the user's language (from the
    process's reference data: active departments by kind and name, districts by position, active
    categories by position)."""
    locale = str(get_locale())
    ref = reference.snapshot()
    depts = ref.departments.values()
    dept_choices = choices([(d.code, d.name(locale)) for d in depts])
    if hasattr(form, "lead"):
        form.lead.choices = choices([("", lead_blank or _("— choose —"))]) + dept_choices
    if hasattr(form, "co_handlers"):
        form.co_handlers.choices = dept_choices
    if hasattr(form, "respondent"):  # suggestions from the directory, in the user's language
        form.respondent_options = [d.name(locale) for d in depts]
    if hasattr(form, "district"):
        districts = ref.districts.values()
        form.district.choices = choices([("", _("— not given —"))] + [(d.code, d.name(locale)) for d in districts])
    if hasattr(form, "category"):
        cats = ref.categories.values()
        form.category.choices = choices([("", _("— choose —"))] + [(c.code, c.name(locale)) for c in cats])
        form.category_keywords = {c.code: f"{c.name_zh} {c.name_en} {c.keywords}" for c in cats}


def blank_body(form, *, lead_blank: str) -> Markup | None:
    """The body of a blank intake form (choices filled, nothing typed, no errors), rendered once per
    language, reference-data generation and mount point in this process (kept for the current
    generation only) and reused by every operator's GET: it holds nothing of the operator's (the CSRF
    token and the intake key are rendered outside it). None when the reference data has no generation
    token (nothing to know a change by) or templates reload in development: the page then fills the
    choices and renders it each time."""
    token = reference.snapshot().token
    if token is None or current_app.jinja_env.auto_reload:
        return None
    bodies = current_app.extensions.setdefault("hotline.blank_intake_bodies", {})
    key = (str(get_locale()), token, request.script_root)
    body = bodies.get(key)
    if body is None:
        if any(k[1] != token for k in bodies):
            bodies.clear()
        fill_choices(form, lead_blank=lead_blank)
        body = bodies[key] = Markup(render_template("tickets/_intake_body.html", form=form, proposal=None))
    return body


def intake_data(form) -> IntakeData:
    """The validated form (cleaned and normalised by the intake rules) as plain values for the service."""
    return IntakeData.of(form.checked.intake, repeat_of=form.repeat_of.data or None,
                         new_facts=bool(form.new_facts.data), idempotency_key=form.intake_key.data or None,
                         caller_sms_opt_in=bool(form.caller_sms_opt_in.data))


def lenient_intake_data(form) -> IntakeData:
    """What is typed so far, for the live proposal: invalid or missing pieces are left out (a phone
    or credit code the intake rules refuse counts as not given)."""
    typed = form.rule_values()
    checked = intake_rules.check(typed).intake
    text = lambda v: clean_text(v or "", multiline=True)  # noqa: E731
    return IntakeData(
        channel=form.channel.data or "phone", kind=form.kind.data or "complaint",
        subject=text(form.subject.data), description=text(form.description.data),
        category_code=form.category.data or None, caller_phone=checked.caller_phone or None,
        district_code=form.district.data or None, respondent=text(form.respondent.data),
        enterprise_name=text(form.enterprise_name.data), credit_code=checked.credit_code or None,
        urgency=form.urgency.data or "normal", confidential=bool(form.confidential.data),
        answered_on_spot=bool(form.answered_on_spot.data) and form.kind.data == "inquiry",
        answer=text(form.answer.data), lead=form.lead.data or None,
        co_handlers=tuple(c for c in (form.co_handlers.data or ()) if c and c != form.lead.data),
        override_reason=text(form.override_reason.data) or "—", repeat_of=form.repeat_of.data or None,
        new_facts=bool(form.new_facts.data))


def show_intake_error(form, exc: IntakeError) -> None:
    """Attach a service refusal to the form field it concerns (or the first field)."""
    field = getattr(form, exc.field or "", None) or form.lead
    field.errors = list(field.errors) + [intake_error_text(exc.code, exc.params)]
