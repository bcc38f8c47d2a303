"""``manage.py peer_stats [--since ISO]``: what the peer's database holds, as one JSON line.

Tickets (total, by status), follow-ups, and with ``--since`` the tickets escalated from that instant on
(``last_escalation`` ≥ it) and the tickets created from it on.
"""
import json
from datetime import datetime

from django.core.management.base import BaseCommand
from django.db.models import Count

STATUS_NAMES = {1: "open", 2: "reopened", 3: "resolved", 4: "closed", 5: "duplicate"}  # helpdesk's defaults


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--since", type=datetime.fromisoformat, help="an aware ISO instant")

    def handle(self, *args, **options):
        from helpdesk.models import FollowUp, Ticket

        by_status = {STATUS_NAMES.get(r["status"], str(r["status"])): r["n"]
                     for r in Ticket.objects.values("status").annotate(n=Count("id")).order_by("status")}
        out = {"tickets": Ticket.objects.count(), "by_status": by_status, "followups": FollowUp.objects.count()}
        since = options["since"]
        if since is not None:
            out["escalated_since"] = Ticket.objects.filter(last_escalation__gte=since).count()
            out["created_since"] = Ticket.objects.filter(created__gte=since).count()
        self.stdout.write(json.dumps(out, ensure_ascii=False))
