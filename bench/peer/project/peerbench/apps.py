"""The benchmark's own management commands for the peer (no models)."""
from django.apps import AppConfig


class PeerbenchConfig(AppConfig):
    name = "peerbench"
    verbose_name = "Hotline benchmark helpers"
