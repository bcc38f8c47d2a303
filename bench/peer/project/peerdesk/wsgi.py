"""WSGI entry of the peer: ``gunicorn --chdir bench/peer/project peerdesk.wsgi:application``."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
application = get_wsgi_application()
