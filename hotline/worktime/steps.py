"""Which limit of an assignment matters now (pure: plain values and an explicit ``now``).

A department's part has three clocks from dispatch: sign for (签收), first contact (响应) and resolve
(办结). The queue shows the one the department must act on next: sign-for until signed, contact until
the caller was reached, then resolution. A breached limit stays the one that matters until its step is
done, so a to-sign ticket late by four hours shows that, not a resolution deadline two weeks away.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

LIVE = ("dispatched", "signed", "contacted")


@dataclass(frozen=True)
class CurrentLimit:
    """The limit that matters now: which (sign, contact, resolve), its due and warning instants, and
    whether the time runs on the working clock (sign, resolve) or around the clock (contact)."""

    step: str
    due: datetime
    warn: datetime | None
    working_time: bool

    def state(self, now: datetime) -> str:
        """``breached``, ``warning`` (75 % gone) or ``running``."""
        if now >= self.due:
            return "breached"
        return "warning" if self.warn is not None and now >= self.warn else "running"


def current_limit(status: str, *, signed: bool, contacted: bool, instants: dict[str, datetime | None]
                  ) -> CurrentLimit | None:
    """The limit that matters now for a live part (None for a finished one). ``instants`` holds the
    assignment's ``sign_due_at``, ``sign_warn_at``, ``contact_due_at``, ``contact_warn_at``,
    ``resolve_due_at`` and ``resolve_warn_at``."""
    if status not in LIVE:
        return None
    if not signed and instants.get("sign_due_at"):
        return CurrentLimit("sign", instants["sign_due_at"], instants.get("sign_warn_at"), True)
    if not contacted and instants.get("contact_due_at"):
        return CurrentLimit("contact", instants["contact_due_at"], instants.get("contact_warn_at"), False)
    return CurrentLimit("resolve", instants["resolve_due_at"], instants.get("resolve_warn_at"), True)


def breached_steps(status: str, *, signed: bool, contacted: bool, instants: dict[str, datetime | None],
                   now: datetime) -> tuple[str, ...]:
    """Every limit of a live part that has passed without its step (the overdue count counts them all)."""
    if status not in LIVE:
        return ()
    out = []
    if not signed and instants.get("sign_due_at") and now >= instants["sign_due_at"]:
        out.append("sign")
    if not contacted and instants.get("contact_due_at") and now >= instants["contact_due_at"]:
        out.append("contact")
    if instants.get("resolve_due_at") and now >= instants["resolve_due_at"]:
        out.append("resolve")
    return tuple(out)
