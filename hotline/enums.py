"""Enumerations that carry their own labels (a pure module: no Flask, no database).

A labelled enumeration declares each member's stored value and its label side by side::

    class TicketState(LabelledEnum):
        received = "received", N_("Received")

The label is the English msgid; :func:`N_` only marks it for extraction (it is one of Babel's
default keywords). It is translated where it is shown, by the one ``label`` filter
(:func:`hotline.labels.label`): ``{{ ticket.status|label }}``, or ``{{ code|label('TicketState') }}``
for a code stored as plain text (an event's from/to state)."""
from __future__ import annotations

from enum import StrEnum

__all__ = ["LABELLED", "LabelledEnum", "N_"]

#: Every labelled enumeration by its class name, for the ``label`` filter's plain-text form.
LABELLED: dict[str, type[LabelledEnum]] = {}


def N_(message: str) -> str:  # noqa: N802 (the conventional name Babel extracts)
    """Mark ``message`` as a msgid to be translated where it is shown; returns it unchanged."""
    return message


class LabelledEnum(StrEnum):
    """A string enumeration whose members are declared ``name = "value", N_("Label")``."""

    msgid: str

    def __new__(cls, value: str, msgid: str):
        member = str.__new__(cls, value)
        member._value_ = value
        member.msgid = msgid
        return member

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__name__ in LABELLED:
            raise TypeError(f"two labelled enumerations are named {cls.__name__}")
        LABELLED[cls.__name__] = cls
