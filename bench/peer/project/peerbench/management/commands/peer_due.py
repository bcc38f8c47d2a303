"""``manage.py peer_due --count N``: make exactly N tickets due for ``manage.py escalate_tickets``.

django-helpdesk escalates, per queue with ``escalate_days`` set, every open ticket not on hold whose
priority is not already 1 and whose last escalation (or, never escalated, its creation) is older than
that many days (less the dates in ``EscalationExclusion``). This command sets ``escalate_days`` = 1 on
the benchmark's queue, marks every open ticket already there as escalated now (so none of the history
is due), and adds N open tickets (priority 3, never escalated, received ``--days-ago`` days ago, each
with its "Ticket Opened" follow-up; texts copied from the history). ``--count 0`` leaves nothing due
(the command's fixed cost). ``--off`` clears ``escalate_days`` again. Prints one JSON line.
"""
import json
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from peerbench.management.commands.peer_prepare import QUEUE_SLUG


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, default=0, help="tickets to make due")
        parser.add_argument("--days-ago", type=int, default=10, help="their creation, days before now")
        parser.add_argument("--off", action="store_true", help="clear the queue's escalate_days and stop")

    def handle(self, *args, **options):
        from helpdesk.models import FollowUp, Queue, Ticket

        queue = Queue.objects.get(slug=QUEUE_SLUG)
        if options["off"]:
            Queue.objects.filter(id=queue.id).update(escalate_days=None)
            self.stdout.write(json.dumps({"escalate_days": None}))
            return
        now = timezone.now()
        n = options["count"]
        with transaction.atomic():
            Queue.objects.filter(id=queue.id).update(escalate_days=1)
            not_due = Ticket.objects.filter(queue=queue, status__in=Ticket.OPEN_STATUSES).update(last_escalation=now)
            texts = list(Ticket.objects.filter(queue=queue).order_by("?").values_list(
                "title", "description", "submitter_email")[:n]) or [("到期未办结", "到期未办结", "")]
            made = Ticket.objects.bulk_create([
                Ticket(queue=queue, title=texts[k % len(texts)][0], description=texts[k % len(texts)][1],
                       submitter_email=texts[k % len(texts)][2], priority=3, status=Ticket.OPEN_STATUS)
                for k in range(n)])
            at = now - timedelta(days=options["days_ago"])
            FollowUp.objects.bulk_create([
                FollowUp(ticket=t, title="Ticket Opened", date=at, public=True, comment=t.description) for t in made])
            with connection.cursor() as cur:
                cur.execute("UPDATE helpdesk_ticket SET created = %s, modified = %s, last_escalation = NULL "
                            "WHERE id = ANY(%s)", [at, at, [t.id for t in made]])
                cur.execute("ANALYZE helpdesk_ticket")
        self.stdout.write(json.dumps({"due": len(made), "open_not_due": not_due, "escalate_days": 1,
                                      "at": now.isoformat(), "first_id": made[0].id if made else None}))
