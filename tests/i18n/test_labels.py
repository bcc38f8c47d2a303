"""Every labelled enumeration's labels are in the Chinese catalog, and the one ``label`` filter shows them."""
from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po
from flask import render_template_string
from flask_babel import force_locale

import hotline.models  # noqa: F401  (loads every model module, and with them every labelled enumeration)
from hotline.enums import LABELLED
from hotline.escalation.models import Trigger
from hotline.roles import Role
from hotline.tickets.states import AssignmentState, TicketState

CATALOG = Path(__file__).resolve().parents[2] / "hotline/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_every_label_has_a_chinese_translation():
    with open(CATALOG, "rb") as f:
        translated = {m.id for m in read_po(f) if isinstance(m.id, str) and m.string}
    missing = sorted(f"{cls.__name__}.{m.name}: {m.msgid}" for cls in LABELLED.values() for m in cls
                     if m.msgid not in translated)
    assert missing == []
    assert {"TicketState", "AssignmentState", "Role", "Kind", "Channel", "MeetingKind", "Trigger"} <= set(LABELLED)


def test_the_label_filter_names_members_and_stored_codes(app):
    page = ("{{ s|label }}|{{ a|label }}|{{ 'dispatched'|label('AssignmentState') }}|{{ t|label('Trigger') }}|"
            "{{ none|label }}|{{ 'no_such'|label('Trigger') }}")
    with app.test_request_context():
        with force_locale("zh_CN"):
            zh = render_template_string(page, s=TicketState.dispatched, a=Role.supervisor, t="level_breach", none=None)
        with force_locale("en"):
            en = render_template_string(page, s=TicketState.dispatched, a=Role.supervisor, t=Trigger.LEVEL_BREACH.value,
                                        none=None)
    assert en == "Dispatched|Supervisor|To sign for|Previous level not cleared|—|no_such"
    assert zh == "已派单|督办人员|待签收|上一级督办未销号|—|no_such"
    assert AssignmentState.dispatched.msgid == "To sign for"
