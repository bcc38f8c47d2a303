"""Playing a demo ticket's story through the lifecycle services after its intake."""
from __future__ import annotations

from datetime import datetime, timedelta

from hotline.demo import data
from hotline.tickets import lifecycle
from hotline.tickets.models import Ticket


def _returned(ticket: Ticket, t: data.DemoTicket, at: datetime, now: datetime) -> None:
    """The department returns the misrouted ticket within its window."""
    for a in ticket.assignments:
        lifecycle.return_assignment(a.id, grounds="该事项属燃气供应，不属于本单位职责，请改派市住房和城乡建设局。",
                                    actor_id=None, now=min(now, at + timedelta(hours=2)))


# Stories whose state intake itself produces: new, answered, merged.
PLAYERS = {"returned": _returned}


def play(ticket: Ticket, t: data.DemoTicket, at: datetime, now: datetime) -> None:
    """Run the story's steps (if it has any beyond intake)."""
    player = PLAYERS.get(t.story)
    if player is not None:
        player(ticket, t, at, now)
