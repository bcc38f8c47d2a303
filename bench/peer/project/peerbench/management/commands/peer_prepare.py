"""``manage.py peer_prepare --users K``: the site, the benchmark's queue and its staff accounts.

Idempotent: the ``Site`` (id 1) is named ``127.0.0.1``; the queue ``bench`` (title 营商环境热线) is
created once, with no escalation configured (``escalate_days`` empty; ``peer_due`` sets it for the
escalation phase); an administrator ``peer-admin`` (superuser) and K staff accounts
``peer-staff-01`` … (``is_staff``: what django-helpdesk's staff pages and its API's ``IsAdminUser``
ask for) are created once, with the password given. Prints one JSON line.
"""
import json

from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management.base import BaseCommand

QUEUE_SLUG = "bench"


class Command(BaseCommand):
    help = __doc__.splitlines()[0]

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=8, help="staff accounts peer-staff-01 … (default 8)")
        parser.add_argument("--password", required=True)

    def handle(self, *args, **options):
        from helpdesk.models import Queue

        Site.objects.update_or_create(id=1, defaults={"domain": "127.0.0.1", "name": "peer"})
        queue, made_queue = Queue.objects.get_or_create(
            slug=QUEUE_SLUG, defaults={"title": "营商环境热线", "allow_public_submission": False,
                                       "escalate_days": None})
        User = get_user_model()
        made = []
        names = ["peer-admin"] + [f"peer-staff-{k:02d}" for k in range(1, options["users"] + 1)]
        for name in names:
            if User.objects.filter(username=name).exists():
                continue
            if name == "peer-admin":
                User.objects.create_superuser(name, f"{name}@example.com", options["password"])
            else:
                User.objects.create_user(name, f"{name}@example.com", options["password"], is_staff=True)
            made.append(name)
        self.stdout.write(json.dumps({"queue_id": queue.id, "queue_slug": queue.slug, "queue_created": made_queue,
                                      "users_created": made, "staff_users": User.objects.filter(is_staff=True).count()}))
