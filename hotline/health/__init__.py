"""Liveness (``/healthz``) and readiness (``/readyz``) for process managers and load balancers."""
