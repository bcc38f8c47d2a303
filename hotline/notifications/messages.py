"""Message templates per event, in Chinese and English — pure.

A message is rendered once, when the delivery is written (the facts of that moment), in the
recipient's language: a staff member's own, a caller's Chinese. Parameters are plain values
(``ticket``: the ticket number; ``link``: an absolute URL; ``step``: the limit's name); no message
to anyone carries a caller's name, phone number or enterprise.
"""
from __future__ import annotations

from dataclasses import dataclass

SIGNATURE = {"zh_CN": "【临汾营商环境专线】", "en": "[Linfen Business Environment Hotline] "}

#: event → locale → (subject, body), with ``%(name)s`` fields filled in from the notice's data.
TEMPLATES: dict[str, dict[str, tuple[str, str]]] = {
    "new_assignment": {
        "zh_CN": ("新派单 %(ticket)s", "工单 %(ticket)s 已派至贵部门，请在 2 个工作小时内签收：%(link)s"),
        "en": ("New assignment %(ticket)s",
               "Ticket %(ticket)s was dispatched to your department; "
               "please sign for it within 2 working hours: %(link)s"),
    },
    "escalation_sign_warn": {
        "zh_CN": ("签收即将超时 %(ticket)s", "工单 %(ticket)s 的签收时限已过 75%%，请尽快签收：%(link)s"),
        "en": ("Sign-for limit nearly reached %(ticket)s",
               "75%% of the sign-for limit of ticket %(ticket)s has passed; please sign for it: %(link)s"),
    },
    "escalation_sign_breach": {
        "zh_CN": ("签收已超时 %(ticket)s", "工单 %(ticket)s 已超过签收时限，请立即签收：%(link)s"),
        "en": ("Sign-for limit breached %(ticket)s",
               "Ticket %(ticket)s is past its sign-for limit; sign for it now: %(link)s"),
    },
    "escalation_contact_warn": {
        "zh_CN": ("联系来电人即将超时 %(ticket)s", "工单 %(ticket)s 联系来电人的时限已过 75%%，请尽快联系：%(link)s"),
        "en": ("Contact limit nearly reached %(ticket)s",
               "75%% of the limit to contact the caller of ticket %(ticket)s has passed: %(link)s"),
    },
    "escalation_contact_breach": {
        "zh_CN": ("联系来电人已超时 %(ticket)s", "工单 %(ticket)s 已超过联系来电人的时限：%(link)s"),
        "en": ("Contact limit breached %(ticket)s",
               "Ticket %(ticket)s is past its limit to contact the caller: %(link)s"),
    },
    "escalation_resolve_warn": {
        "zh_CN": ("办结即将超时 %(ticket)s", "工单 %(ticket)s 的办结时限已过 75%%：%(link)s"),
        "en": ("Resolution limit nearly reached %(ticket)s",
               "75%% of the resolution limit of ticket %(ticket)s has passed: %(link)s"),
    },
    "escalation_resolve_breach": {
        "zh_CN": ("办结已超时 %(ticket)s", "工单 %(ticket)s 已超过办结时限，已纳入督办：%(link)s"),
        "en": ("Resolution limit breached %(ticket)s",
               "Ticket %(ticket)s is past its resolution limit and under supervision: %(link)s"),
    },
    "ticket_reopened": {
        "zh_CN": ("工单重办 %(ticket)s", "来电人对工单 %(ticket)s 的办理结果不满意，已退回贵部门重办：%(link)s"),
        "en": ("Ticket reopened %(ticket)s",
               "The caller was not satisfied with ticket %(ticket)s; it is back with your department: %(link)s"),
    },
    "supervision_opened": {
        "zh_CN": ("工单纳入督办 %(ticket)s", "工单 %(ticket)s 已纳入督办：%(link)s"),
        "en": ("Ticket under supervision %(ticket)s", "Ticket %(ticket)s is now under supervision: %(link)s"),
    },
    "caller_dispatched": {
        "zh_CN": ("诉求已受理 %(ticket)s",
                  "您的诉求已受理并转交承办单位，工单号 %(ticket)s。凭工单号和来电号码后四位查询进度：%(link)s"),
        "en": ("Your request %(ticket)s was accepted",
               "Your request was accepted and passed to the responsible department, ticket %(ticket)s. "
               "Follow it with the ticket number and the last four digits of your phone: %(link)s"),
    },
    "caller_resolved": {
        "zh_CN": ("诉求已办结 %(ticket)s",
                  "您的工单 %(ticket)s 已办结，我们将回访。也可点此评价办理结果：%(link)s"),
        "en": ("Your request %(ticket)s was resolved",
               "Your ticket %(ticket)s was resolved; we will call you back. "
               "You can also rate the result here: %(link)s"),
    },
}


@dataclass(frozen=True)
class Message:
    """A rendered message: a subject (e-mail) and a body (e-mail and SMS)."""

    subject: str
    body: str


def has_template(event: str) -> bool:
    """Whether ``event`` can be sent outside the application."""
    return event in TEMPLATES


def render(event: str, locale: str | None, params: dict) -> Message:
    """The message for ``event`` in ``locale`` (Chinese unless English is asked for)."""
    lang = "en" if (locale or "").startswith("en") else "zh_CN"
    subject, body = TEMPLATES[event][lang]
    values = {k: ("" if v is None else str(v)) for k, v in params.items()}
    return Message(subject=SIGNATURE[lang] + subject % values, body=SIGNATURE[lang] + body % values)
