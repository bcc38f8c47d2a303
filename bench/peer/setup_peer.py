"""Set up the peer, django-helpdesk 2.6.1 on PostgreSQL: ``python -m bench.peer.setup_peer --database-url URL``.

The peer is the open-source ticket tracker Hotline's write path is compared with (issue #18):
django-helpdesk 2.6.1 in the minimal Django project of ``bench/peer/project/`` (its settings say
what was configured and why). This script, run with Hotline's own interpreter:

1. makes a throwaway virtualenv (``--venv``, default ``bench/out/peer-venv``, never committed) with
   the pinned packages of ``bench/peer/requirements.txt`` (django-helpdesk 2.6.1, Django 5.2 LTS,
   djangorestframework, gunicorn, psycopg — the latter two at Hotline's own versions); it is reused
   while the requirements file is unchanged;
2. creates the database of ``--database-url`` when missing (through the server's ``postgres``
   database); with ``--reset`` drops and recreates it first — refused when it holds Hotline's
   ``tickets`` table, so a Hotline benchmark database is never dropped by mistake;
3. ``manage.py migrate`` (django-helpdesk's migrations also load its e-mail templates);
4. ``manage.py peer_prepare``: the site, the queue ``bench``, an administrator and ``--users`` staff
   accounts (password ``bench-peer-password``);
5. with ``--tickets N``, tops the history up to N tickets: ``manage.py peer_load`` bulk-creates them
   with their follow-ups from text made by Hotline's own benchmark corpus
   (:func:`bench.intake_service.calls`: the same subjects, descriptions, callers and enterprises as
   Hotline's histories), 88 % closed, 4 % resolved, 8 % open, received over the past 365 days.

Prints one JSON line: package versions, migrate and load seconds, what the database holds.
The peer's commands can be run by hand the same way:
``PEER_DATABASE_URL=URL bench/out/peer-venv/bin/python bench/peer/project/manage.py COMMAND``.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import ROOT, emit, log, redact

PEER_DIR = ROOT / "bench" / "peer"
PROJECT = PEER_DIR / "project"
REQUIREMENTS = PEER_DIR / "requirements.txt"
DEFAULT_VENV = ROOT / "bench" / "out" / "peer-venv"
PASSWORD = "bench-peer-password"
PEER = "django-helpdesk 2.6.1"
PRIORITY = {"emergency": 1, "urgent": 2, "normal": 3}  # Hotline's urgency → helpdesk's priority (1 critical)
HISTORY_STATUS = ((4, 88), (3, 4), (1, 8))  # closed, resolved, open (percent)


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path) -> dict:
    """The peer's virtualenv with the pinned requirements; returns the versions installed."""
    wanted = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()
    marker = venv / ".hotline-peer-requirements"
    if not (marker.exists() and marker.read_text().strip() == wanted and venv_python(venv).exists()):
        log(f"creating the peer's virtualenv in {venv} (pip install -r {REQUIREMENTS.relative_to(ROOT)})")
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        subprocess.run([str(venv_python(venv)), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "-r", str(REQUIREMENTS)], check=True)
        marker.write_text(wanted + "\n")
    freeze = subprocess.run([str(venv_python(venv)), "-m", "pip", "freeze", "--disable-pip-version-check"],
                            capture_output=True, text=True, check=True).stdout.split()
    keep = ("django-helpdesk", "django", "djangorestframework", "gunicorn", "psycopg")
    return {name: version for name, _, version in (p.partition("==") for p in freeze) if name.lower() in keep}


def peer_env(database_url: str, **extra: str) -> dict:
    return dict(os.environ, PEER_DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="peerdesk.settings",
                PYTHONDONTWRITEBYTECODE="1", **extra)


def manage(venv: Path, database_url: str, *args: str, timeout: float | None = None) -> dict | None:
    """``manage.py ARGS`` in the peer's virtualenv; its last JSON line, if it printed one."""
    proc = subprocess.run([str(venv_python(venv)), str(PROJECT / "manage.py"), *args], cwd=PROJECT,
                          env=peer_env(database_url), capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise SystemExit(f"manage.py {' '.join(args)} exited with {proc.returncode}")
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else None


def _pg_connect(url: str, dbname: str | None = None):
    import psycopg
    from sqlalchemy.engine import make_url

    from bench.common import sqlalchemy_url

    u = make_url(sqlalchemy_url(url))
    return psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                           dbname=dbname or u.database, autocommit=True)


def ensure_database(url: str, reset: bool) -> bool:
    """Create the peer's database when missing (drop it first with ``reset``); True if it was (re)created."""
    from psycopg import sql
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    with _pg_connect(url, "postgres") as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None
        if exists and reset:
            with _pg_connect(url) as db:
                if db.execute("SELECT to_regclass('public.tickets')").fetchone()[0] is not None:
                    raise SystemExit(f"database {name!r} holds Hotline's tickets table: not dropped (use another "
                                     "database for the peer)")
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
            exists = False
        if not exists:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return not exists


def peer_ticket(call: dict) -> dict:
    """A Hotline intake call (:func:`bench.intake_service.calls`) as django-helpdesk's ticket fields.

    django-helpdesk has no caller, enterprise or category fields: they go into the description, as
    an operator would type them."""
    phone = "".join(ch for ch in (call["caller_phone"] or "") if ch.isdigit()) or "0"
    lines = [call["description"], "", f"来电人：{call['caller_name']}  电话：{call['caller_phone'] or '—'}",
             f"企业：{call['enterprise_name']}  统一社会信用代码：{call['credit_code'] or '—'}"]
    return {"title": call["subject"][:200], "description": "\n".join(lines),
            "submitter_email": f"c{phone}@example.com", "priority": PRIORITY[call["urgency"]]}


def history_file(n: int, seed: int, path: Path) -> None:
    """``n`` history tickets as JSON lines for ``manage.py peer_load``."""
    from bench.intake_service import calls

    rng = random.Random(seed)
    statuses, weights = zip(*HISTORY_STATUS)
    with path.open("w", encoding="utf-8") as f:
        made = 0
        while made < n:
            k = min(2000, n - made)
            _cls, planned = calls(k, rng, f"peer-history-{seed}-{made}")
            for fields, _repeat in planned:
                row = peer_ticket(fields)
                row["status"] = rng.choices(statuses, weights)[0]
                row["age_s"] = rng.randrange(3600, 365 * 86400)
                f.write(json.dumps(row, ensure_ascii=False) + "\n")
            made += k


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m bench.peer.setup_peer", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", required=True, help="postgresql://… for the peer (not Hotline's database)")
    parser.add_argument("--venv", type=Path, default=DEFAULT_VENV)
    parser.add_argument("--tickets", type=int, default=0, help="top the history up to this many tickets")
    parser.add_argument("--users", type=int, default=8, help="staff accounts peer-staff-01 …")
    parser.add_argument("--reset", action="store_true", help="drop and recreate the peer's database first")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        parser.error("the peer runs on PostgreSQL: --database-url postgresql://…")
    start = time.perf_counter()
    versions = ensure_venv(args.venv)
    venv_s = time.perf_counter() - start
    created = ensure_database(args.database_url, args.reset)
    t = time.perf_counter()
    subprocess.run([str(venv_python(args.venv)), str(PROJECT / "manage.py"), "migrate", "--noinput", "-v", "0"],
                   cwd=PROJECT, env=peer_env(args.database_url), check=True)
    migrate_s = time.perf_counter() - t
    prepared = manage(args.venv, args.database_url, "peer_prepare", "--users", str(args.users),
                      "--password", PASSWORD)
    before = manage(args.venv, args.database_url, "peer_stats")
    load = None
    missing = max(0, args.tickets - before["tickets"])
    if missing:
        with tempfile.TemporaryDirectory(prefix="peer-history-") as tmp:
            path = Path(tmp) / "history.jsonl"
            t = time.perf_counter()
            history_file(missing, args.seed, path)
            text_s = time.perf_counter() - t
            log(f"loading {missing:,} history tickets into the peer")
            load = manage(args.venv, args.database_url, "peer_load", "--from", str(path))
            load["text_s"] = round(text_s, 2)
    after = manage(args.venv, args.database_url, "peer_stats")
    record = {"bench": "peer_setup", "peer": PEER, "database": "postgresql", "url": redact(args.database_url),
              "versions": versions, "python": subprocess.run(
                  [str(venv_python(args.venv)), "-c", "import platform; print(platform.python_version())"],
                  capture_output=True, text=True).stdout.strip(),
              "database_created": created, "venv_s": round(venv_s, 1), "migrate_s": round(migrate_s, 1),
              "prepared": prepared, "load": load, "history_tickets": after["tickets"], "by_status": after["by_status"],
              "followups": after["followups"], "elapsed_s": round(time.perf_counter() - start, 1)}
    log(f"peer ready: {PEER} ({', '.join(f'{k} {v}' for k, v in versions.items())}), {after['tickets']:,} tickets")
    emit(record)
    return record


if __name__ == "__main__":
    main()
