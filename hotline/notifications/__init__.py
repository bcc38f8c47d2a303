"""Telling people: in-app notices, and the channels that leave the application (e-mail, SMS).

``rules`` (who hears what, on which channel; backoff) and ``messages`` (templates) are pure;
``channels`` is the registry of senders; ``services`` writes notices and their deliveries in the
caller's transaction; ``sending`` and ``jobs`` send them afterwards; ``wiring`` installs the session
hooks; ``links`` signs the caller's satisfaction link.
"""
