"""The side-by-side benchmark against a peer, django-helpdesk 2.6.1 (setup_peer, run_peer; project/)."""
