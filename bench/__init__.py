"""Benchmarks for Hotline: a deterministic bulk data generator and timing scripts.

Every script is a module run with ``python -m bench.<name> --help``; each prints one JSON
line per measurement on stdout (progress goes to stderr). ``bench.run_all`` runs the suite
and writes ``docs/BENCHMARKS.md``.
"""
