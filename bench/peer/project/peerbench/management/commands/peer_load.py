"""``manage.py peer_load --from FILE``: bulk-load a ticket history into the benchmark's queue.

FILE holds one JSON object a line (written by bench/peer/setup_peer.py from Hotline's own
benchmark corpus, so both systems hold the same kind of text): ``title``, ``description``,
``submitter_email``, ``priority`` (1–5), ``status`` (1 open, 3 resolved, 4 closed) and ``age_s``
(how long ago it was received). Each ticket gets the follow-up its staff form writes
("Ticket Opened", the description as comment), and a resolved or closed one a second follow-up
with its new status, as django-helpdesk's update view writes them. ``bulk_create`` in batches;
the received instants (``created``, ``modified``, the follow-ups' ``date``) are then set by one
``UPDATE … FROM unnest(…)`` per batch, since ``auto_now_add``/``auto_now`` overwrite them on insert.
Ends with ``ANALYZE``. Prints one JSON line.
"""
import json
import time
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from peerbench.management.commands.peer_prepare import QUEUE_SLUG

BATCH = 2000


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--from", dest="source", required=True, help="JSON lines, one ticket each")

    def handle(self, *args, **options):
        from helpdesk.models import Queue

        queue = Queue.objects.get(slug=QUEUE_SLUG)
        start = time.perf_counter()
        now = timezone.now()
        tickets = followups = 0
        batch: list[dict] = []
        with open(options["source"], encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    batch.append(json.loads(line))
                if len(batch) >= BATCH:
                    t, fu = _load(queue, batch, now)
                    tickets, followups, batch = tickets + t, followups + fu, []
        if batch:
            t, fu = _load(queue, batch, now)
            tickets, followups = tickets + t, followups + fu
        load_s = time.perf_counter() - start
        with connection.cursor() as cur:
            cur.execute("ANALYZE helpdesk_ticket")
            cur.execute("ANALYZE helpdesk_followup")
        self.stdout.write(json.dumps({"tickets": tickets, "followups": followups, "load_s": round(load_s, 2),
                                      "elapsed_s": round(time.perf_counter() - start, 2)}))


def _load(queue, rows: list[dict], now) -> tuple[int, int]:
    """One batch: tickets, their follow-ups, then their received instants."""
    from helpdesk.models import FollowUp, Ticket

    with transaction.atomic():
        made = Ticket.objects.bulk_create([
            Ticket(queue=queue, title=r["title"][:200], description=r["description"],
                   submitter_email=r["submitter_email"], priority=r["priority"], status=r["status"],
                   resolution="已办结，已答复来电人。" if r["status"] != Ticket.OPEN_STATUS else None)
            for r in rows])
        created = [now - timedelta(seconds=r["age_s"]) for r in rows]
        ups = []
        for ticket, r, at in zip(made, rows, created):
            ups.append(FollowUp(ticket=ticket, title="Ticket Opened", date=at, public=True, comment=r["description"]))
            if r["status"] != Ticket.OPEN_STATUS:
                ups.append(FollowUp(ticket=ticket, title="已办结", date=at + timedelta(days=3), public=True,
                                    comment="已办结，已答复来电人。", new_status=r["status"]))
        FollowUp.objects.bulk_create(ups)
        ids = [t.id for t in made]
        with connection.cursor() as cur:
            cur.execute(
                "UPDATE helpdesk_ticket AS t SET created = v.at, modified = v.at "
                "FROM unnest(%s::bigint[], %s::timestamptz[]) AS v(id, at) WHERE t.id = v.id",
                [ids, created])
    return len(made), len(ups)
