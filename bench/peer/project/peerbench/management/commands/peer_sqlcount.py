"""``manage.py peer_sqlcount --requests K --escalate S``: SQL statements per request, counted in-process.

A separate, instrumented pass (the timed run through gunicorn carries no instrumentation): every
statement the database connection executes is counted by ``connection.execute_wrapper`` while
Django's test client, logged in as ``peer-staff-01`` (session, ``force_login``), makes K times each of
``GET /tickets/submit/`` (the staff "create ticket" form), ``POST /tickets/submit/`` (a ticket; 302)
and ``POST /api/tickets/`` (JSON; 201). The client skips the CSRF check, which runs no SQL. Then
``peer_due --count S`` makes S tickets due and ``escalate_tickets`` runs in this process, counted
whole and per escalated ticket; ``escalate_days`` is cleared afterwards. Prints one JSON line.
"""
import io
import json
import statistics
import time

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.utils import timezone

from peerbench.management.commands.peer_prepare import QUEUE_SLUG


class Counter:
    """Counts the statements executed (``execute`` and each ``executemany`` call count once)."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


def _summary(values: list[int]) -> dict:
    return {"mean": round(statistics.mean(values), 1), "min": min(values), "max": max(values), "n": len(values)}


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--requests", type=int, default=20, help="requests of each kind")
        parser.add_argument("--escalate", type=int, default=200, help="due tickets escalated in-process")

    def handle(self, *args, **options):
        from helpdesk.models import Queue

        queue = Queue.objects.get(slug=QUEUE_SLUG)
        client = Client()
        client.force_login(get_user_model().objects.get(username="peer-staff-01"))
        counter = Counter()
        counts: dict[str, list[int]] = {"form_get": [], "form_post": [], "api_post": []}
        for k in range(options["requests"]):
            form = {"queue": str(queue.id), "title": f"统计语句 {k}", "body": "企业反映审批超时限办理，请核实处理。",
                    "priority": "3", "submitter_email": f"caller-{k}@example.com", "due_date": "",
                    "assigned_to": ""}
            for kind, call, ok in (
                ("form_get", lambda: client.get("/tickets/submit/"), 200),
                ("form_post", lambda: client.post("/tickets/submit/", form), 302),
                ("api_post", lambda: client.post("/api/tickets/", {
                    "queue": queue.id, "title": f"接口统计语句 {k}", "description": "企业反映审批超时限办理。",
                    "submitter_email": f"api-{k}@example.com", "priority": 3}, content_type="application/json"), 201),
            ):
                counter.n = 0
                with connection.execute_wrapper(counter):
                    resp = call()
                if resp.status_code != ok:
                    raise CommandError(f"{kind}: answered {resp.status_code}, not {ok}: {resp.content[:300]!r}")
                counts[kind].append(counter.n)
        out = {kind: _summary(v) for kind, v in counts.items() if v}
        if options["escalate"]:
            out["escalate"] = self._escalate(options["escalate"], counter)
        self.stdout.write(json.dumps(out))

    def _escalate(self, n: int, counter: Counter) -> dict:
        from helpdesk.models import Ticket

        call_command("peer_due", count=n, stdout=io.StringIO())
        since = timezone.now()
        counter.n = 0
        t = time.perf_counter()
        try:
            with connection.execute_wrapper(counter):
                call_command("escalate_tickets", stdout=io.StringIO())
        finally:
            seconds = time.perf_counter() - t
            call_command("peer_due", off=True, stdout=io.StringIO())
        escalated = Ticket.objects.filter(last_escalation__gte=since).count()
        return {"due": n, "escalated": escalated, "statements": counter.n,
                "per_ticket": round(counter.n / escalated, 1) if escalated else None,
                "in_process_s": round(seconds, 3)}
