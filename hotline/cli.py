"""Command line: ``hotline up`` (the whole system), ``create-user``, ``seed-demo``, ``verify-events``,
``history-digest``, ``audit-rollups``; plus Flask's own."""
from __future__ import annotations

import os
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, with_appcontext


def register_cli(app: Flask) -> None:
    """Attach Hotline's commands to ``app.cli``."""
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(up_command)
    app.cli.add_command(verify_events_command)
    app.cli.add_command(history_digest_command)
    app.cli.add_command(audit_rollups_command)


@click.command("create-user")
@click.option("--username", required=True)
@click.option("--name", "display_name", required=True)
@click.option("--role", type=click.Choice(["operator", "handler", "supervisor", "admin"]), required=True)
@click.option("--department", "department_code", help="Department code (handlers only).")
@click.option("--locale", type=click.Choice(["zh_CN", "en"]), default="zh_CN")
@click.password_option()
@with_appcontext
def create_user_command(username, display_name, role, department_code, locale, password):
    """Create a user who can log in."""
    from sqlalchemy import select

    from hotline.auth.services import UserError, create_user
    from hotline.directory.models import Department
    from hotline.extensions import db

    dept_id = None
    if department_code:
        dept_id = db.session.scalar(select(Department.id).where(Department.code == department_code))
        if dept_id is None:
            raise click.BadParameter(f"no department with code {department_code!r}", param_hint="--department")
    try:
        user = create_user(username=username, display_name=display_name, password=password, role=role,
                           department_id=dept_id, locale=locale)
    except UserError as exc:
        raise click.ClickException(exc.code) from None
    click.echo(f"created {user.role} {user.username}")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load the demo city (Linfen); running it again creates no duplicates."""
    from hotline.demo.seed import seed_demo

    counts = seed_demo()
    click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


@click.command("verify-events")
@with_appcontext
def verify_events_command():
    """Verify every ticket's history: its hash chain, its checkpoints (nothing cut off, wiped or
    rewritten) and the signed digests of the checkpoints; name the first broken link of each."""
    from hotline.tickets.history import verify_all

    report = verify_all()
    for number, brk in report.broken:
        click.echo(f"BROKEN ticket {number}: event #{brk.seq} ({brk.reason}) — {_BREAKS[brk.reason](brk)}")
    for problem in report.digest_problems:
        click.echo(f"BROKEN {_DIGEST_PROBLEMS[problem.reason](problem)}")
    click.echo(f"{report.checked} ticket histories checked, {len(report.broken)} broken")
    if report.key_missing:
        click.echo("digests not checked: HOTLINE_HISTORY_KEY is not set")
    else:
        click.echo(f"{report.digests_checked} digests checked, {len(report.digest_problems)} broken")
    if not report.ok:
        raise SystemExit(1)


_BREAKS = {
    "sequence": lambda b: "an event before it is missing or out of order",
    "prev_hash": lambda b: "it does not follow the event before it",
    "hash": lambda b: "its content was changed",
    "truncated": lambda b: f"the history ends at #{b.seq - 1} but its checkpoint vouches for #{b.anchored}: "
                           "events were deleted from its end",
    "wiped": lambda b: f"no events left, but its checkpoints vouch for #{b.anchored}: the history was wiped",
    "empty": lambda b: "the ticket has no history and no checkpoint",
    "rewritten": lambda b: "it differs from its checkpoint: the history was rewritten (hashes recomputed)",
    "unanchored": lambda b: f"no checkpoint vouches for events after #{b.anchored}: written outside the application",
}
_DIGEST_PROBLEMS = {
    "mismatch": lambda p: f"digest of {p.cutoff.isoformat()}: the checkpoints it signed were altered, added or "
                          f"removed ({p.signed_rows} signed, {p.found_rows} found)",
    "chain": lambda p: f"digest of {p.cutoff.isoformat()}: it does not follow the digest before it "
                       "(a digest was removed or altered)",
    "unsigned": lambda p: "checkpoints older than two days that no digest signs: the digest job is not running "
                          "or digests were deleted",  # two days: hotline.tickets.history.UNSIGNED_AFTER
}


@click.command("history-digest")
@with_appcontext
def history_digest_command():
    """Sign the history's checkpoints written since the last digest (rq cron does it daily)."""
    from hotline.tickets.history import SETTLE, HistoryKeyMissing, write_digest

    try:
        digest = write_digest()
    except HistoryKeyMissing as exc:
        raise click.ClickException(str(exc)) from None
    if digest is None:
        click.echo(f"nothing to sign: no checkpoint since the last digest is {SETTLE.seconds // 60} minutes old yet")
    else:
        click.echo(f"signed {digest.rows} checkpoints written before {digest.cutoff.isoformat()}")


@click.command("audit-rollups")
@with_appcontext
def audit_rollups_command():
    """Roll up now every closed, settled month that has no rollup or a stale one (the job does it every 15 min)."""
    from hotline.audit.rollups import refresh

    done = refresh()
    click.echo(f"rolled up: {', '.join(done) if done else 'nothing to do'}")


@click.command("up")
@click.option("--host", default=lambda: os.environ.get("HOTLINE_HOST", "127.0.0.1"), show_default="127.0.0.1")
@click.option("--port", type=int, default=lambda: int(os.environ.get("HOTLINE_PORT", "5000")), show_default="5000")
@click.option("--web-workers", type=int, default=lambda: int(os.environ.get("HOTLINE_WEB_WORKERS", "2")),
              show_default="2")
@click.option("--no-seed", is_flag=True, help="Do not load the demo city on first run.")
@with_appcontext
def up_command(host, port, web_workers, no_seed):
    """Run everything: embedded Redis, migrations, demo data on first run, web, worker, scheduler."""
    from hotline import procs

    app = current_app._get_current_object()

    def prepare():
        app.config["REDIS_URL"] = os.environ["REDIS_URL"]
        with app.app_context():
            _migrate_and_seed(seed=not no_seed)

    raise SystemExit(procs.run(Path(app.instance_path), host, port, web_workers, prepare))


def _migrate_and_seed(seed: bool) -> None:
    """Upgrade the schema; load the demo city when the database has no users yet."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from hotline.auth.models import User
    from hotline.extensions import db

    upgrade()
    if seed and not db.session.scalar(select(func.count()).select_from(User)):
        from hotline.demo.seed import seed_demo

        click.echo("hotline: first run — loading the demo city")
        seed_demo()


def _create_app():
    from hotline import create_app

    return create_app()


main = FlaskGroup(create_app=_create_app, help="Hotline command line (Flask commands included).")
