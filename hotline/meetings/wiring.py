"""How the meetings package plugs into the app without the tickets package knowing (called from the factory)."""
from __future__ import annotations

from hotline.meetings import labels, queries, services
from hotline.tickets.guards import register_finish_check
from hotline.tickets.queries import register_detail_extra


def install(app) -> None:
    """Three things, each visible here:

    - the tickets lifecycle asks :func:`hotline.meetings.services.open_decisions_refusal` before a
      ticket is resolved or closed (a ticket with an open decision is neither);
    - the ticket page lists the meetings the ticket was on and their decisions;
    - the ticket history, notices and refusals name this package's events (:func:`labels.install`),
      and the templates get this package's text helpers (its enumerations' labels go through ``label``);
    The ``before_flush`` session hook that tells project commissioners of new tickets, warnings and
    escalations on their enterprise's tickets (:func:`hotline.meetings.projects.notify_commissioners`)
    is installed with every other listener by :func:`hotline.hooks.install_session_hooks`.
    """
    register_finish_check(app, "open_decisions", services.open_decisions_refusal)
    register_detail_extra(app, "meetings", queries.of_ticket)
    labels.install()
    app.jinja_env.globals.update(candidate_reason_label=labels.reason_label, meeting_name=labels.meeting_name)
