#!/usr/bin/env python
"""The peer's manage.py (run it with bench/out/peer-venv/bin/python and PEER_DATABASE_URL set)."""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peerdesk.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
