"""Run the benchmark suite and write ``docs/BENCHMARKS.md``: ``python -m bench.run_all --pg-url URL``.

Sections (``--sections``, all by default), each step its own process with the command shown in
the report, in this order:

* ``lookup`` — for each database (SQLite file, and PostgreSQL when ``--pg-url`` is given) and
  each history size (``--sizes``): ``bench.generate --reset`` and ``bench.repeat_lookup``; on the
  largest history of each database ``bench.intake_service``.
* ``sweep`` — histories with every dispatched ticket held open (``bench.generate --open-share 1.0``
  over ``--sweep-start`` .. the default end) at ``--sweep-sizes`` (PostgreSQL) and
  ``--sweep-sqlite-sizes`` (SQLite), each measured with ``bench.sweep --take-all --explain``
  (the query, the enqueue to Redis, the rq worker's peak memory, the steady state).
* ``dashboard`` — realistic histories at ``--dashboard-sizes`` with ``bench.dashboard --explain``
  (on PostgreSQL when ``--pg-url`` is given, else SQLite).
* ``queue`` — ``bench.queue_page --explain`` on the history of ``--queue-size`` (loaded for the
  dashboard when it is one of its sizes).
* ``intake_http`` — last, as the intake code may still be changing: ``bench.intake_http`` through
  gunicorn on SQLite (a realistic history of ``--http-sqlite-size``) and on PostgreSQL (the realistic
  history loaded last, or ``--http-pg-size``); the report records the git commit measured.

One optional section, run only when named in ``--sections`` and only with ``--pg-url``:

* ``peer`` — after the others: the same write path on django-helpdesk 2.6.1 (``bench/peer/``), in its
  own database (``--peer-pg-url``, default: the ``--pg-url`` server's database ``<name>_peer``, dropped
  and recreated): ``bench.peer.setup_peer --reset`` with ``--peer-history`` tickets, then
  ``bench.peer.run_peer`` (its staff form, its API, ``manage.py escalate_tickets``) with as many
  gunicorn workers and clients as ``intake_http`` uses (``--peer-workers``, ``--peer-clients``). The
  report's "Peer" table sets Hotline's figures of the same invocation beside the peer's — the web
  form against ``intake_http`` on PostgreSQL, escalation against the due steps the rq worker applied
  in ``sweep`` — and their ratio; a Hotline column stays empty when its section did not run with it.

The JSON lines are appended to ``bench/out/results.jsonl``. The report takes every section from
the latest run that measured it (so ``--sections sweep`` refreshes the sweep and keeps the other
figures, each with its run, date and commit), and draws ``docs/bench_repeat_lookup.png``,
``docs/bench_sweep.png`` and ``docs/bench_dashboard.png``.

The section of the report between ``<!-- BEGIN NOTES -->`` and ``<!-- END NOTES -->`` is
written by people and kept when the report is regenerated.

``--smoke`` runs every benchmark at a tiny size on SQLite and an embedded Redis, writes its
report and results to a temporary directory (``docs/`` is not touched) and exits non-zero if any
step failed: ``bench/smoke.sh`` calls it for CI.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from bench.common import ROOT, compact_sql, log, machine, redact

NOTES_BEGIN = "<!-- BEGIN NOTES -->"
NOTES_END = "<!-- END NOTES -->"
AIM_P95_MS = 10.0  # repeat lookup p95 at 1M tickets
AIM_SWEEP_S = 5.0  # sweep (query + enqueue) at 1M open assignments on PostgreSQL
AIM_DASHBOARD_S = 1.0  # the month dashboard at 10M tickets
AIM_QUEUE_P95_MS = 50.0  # a handler's queue page at 1M tickets on PostgreSQL
SECTIONS = ("lookup", "sweep", "dashboard", "queue", "intake_http")
OPTIONAL_SECTIONS = ("peer",)  # only when named in --sections
ALL_SECTIONS = SECTIONS + OPTIONAL_SECTIONS
PEER = "django-helpdesk 2.6.1"


def run_step(args: list[str], timeout: float | None) -> tuple[dict | None, str, float, str | None]:
    """Run ``python -m bench.X args``; returns (its JSON record, the command, seconds, error)."""
    cmd = [sys.executable, "-m", *args]
    shown = "python -m " + " ".join(shlex.quote(a) for a in args)
    log(f"$ {shown}")
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, shown, time.perf_counter() - start, f"stopped after {timeout:.0f} s"
    elapsed = time.perf_counter() - start
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        errs = [line for line in proc.stderr.strip().splitlines() if "Error" in line or "error" in line]
        return (json.loads(lines[-1]) if lines else None), shown, elapsed, \
            f"exit status {proc.returncode}: {(errs or ['?'])[-1].strip()[:300]}"
    if not lines:
        return None, shown, elapsed, "no JSON line on stdout"
    return json.loads(lines[-1]), shown, elapsed, None


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", help="PostgreSQL database to load and measure (it is reset!)")
    parser.add_argument("--sqlite-dir", default="/tmp", help="where the SQLite files go")
    parser.add_argument("--sections", default=",".join(SECTIONS), help=f"comma-separated, of {', '.join(SECTIONS)} "
                        f"(default: all of them) and the optional {', '.join(OPTIONAL_SECTIONS)}")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="lookup: history sizes, comma-separated")
    parser.add_argument("--sqlite-sizes", help="lookup: sizes for SQLite (default: --sizes)")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--intake-tickets", type=int, default=2000)
    parser.add_argument("--sweep-sizes", default="10000,100000,1000000", help="sweep: tickets held open, PostgreSQL")
    parser.add_argument("--sweep-sqlite-sizes", default="10000,100000", help="sweep: tickets held open, SQLite")
    parser.add_argument("--sweep-start", default="2026-10-01", help="sweep: first day of the open history")
    parser.add_argument("--sweep-worker-batches", type=int, default=2)
    parser.add_argument("--dashboard-sizes", default="100000,1000000", help="dashboard: history sizes")
    parser.add_argument("--queue-size", type=int, default=1_000_000, help="queue page: history size")
    parser.add_argument("--queue-requests", type=int, default=60)
    parser.add_argument("--http-duration", type=float, default=30.0)
    parser.add_argument("--http-warmup", type=float, default=3.0)
    parser.add_argument("--http-workers", type=int, help="gunicorn workers (default: cores)")
    parser.add_argument("--http-operators", type=int, help="simulated operators (default: 2 × workers)")
    parser.add_argument("--http-sqlite-size", type=int, default=100_000, help="intake_http: SQLite history size")
    parser.add_argument("--http-pg-size", type=int, help="intake_http: PostgreSQL history size (default: the "
                        "realistic history loaded last in this run, else 100,000)")
    parser.add_argument("--peer-pg-url", help="peer: its own PostgreSQL database, dropped and recreated (default: "
                        "the --pg-url server's database <name>_peer)")
    parser.add_argument("--peer-history", type=int, default=20_000, help="peer: tickets of history")
    parser.add_argument("--peer-workers", type=int, help="peer: gunicorn workers (default: as intake_http)")
    parser.add_argument("--peer-clients", type=int, help="peer: concurrent clients (default: intake_http's operators)")
    parser.add_argument("--peer-duration", type=float,
                        help="peer: measured seconds per phase (default: --http-duration)")
    parser.add_argument("--peer-warmup", type=float, help="peer: warm-up seconds per phase (default: --http-warmup)")
    parser.add_argument("--peer-escalate", type=int, default=2000, help="peer: tickets made due for escalate_tickets")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load-timeout", type=float, default=1800, help="give up a load after this many seconds")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="measure one database only")
    parser.add_argument("--assume-loaded", action="store_true", help="do not reload a realistic history the "
                        "database already holds (dashboard, queue, intake_http: same size, give or take 1 %%)")
    parser.add_argument("--strict", action="store_true", help="exit with status 1 if any step failed")
    parser.add_argument("--smoke", action="store_true", help="every benchmark at a tiny size on SQLite + embedded "
                        "Redis, report in a temporary directory, --strict (for CI; well under a minute)")
    parser.add_argument("--keep", action="store_true", help="with --smoke: keep its temporary directory")
    parser.add_argument("--report", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    parser.add_argument("--plot", default=str(ROOT / "docs" / "bench_repeat_lookup.png"))
    parser.add_argument("--sweep-plot", default=str(ROOT / "docs" / "bench_sweep.png"))
    parser.add_argument("--dashboard-plot", default=str(ROOT / "docs" / "bench_dashboard.png"))
    parser.add_argument("--results", default=str(ROOT / "bench" / "out" / "results.jsonl"))
    parser.add_argument("--from-results", metavar="JSONL",
                        help="do not measure: rewrite the report from a results file (latest run of each section)")
    args = parser.parse_args(argv)

    if args.from_results:
        write_report(load_results(Path(args.from_results)), args)
        return
    smoke_dir = None
    if args.smoke:
        smoke_dir = Path(tempfile.mkdtemp(prefix="hotline-bench-smoke-"))
        args.pg_url = None
        args.sqlite_dir = str(smoke_dir)
        args.sizes, args.sqlite_sizes, args.queries, args.intake_tickets = "400", None, 20, 20
        args.sweep_sqlite_sizes, args.sweep_worker_batches = "400", 1
        args.dashboard_sizes, args.queue_size, args.queue_requests = "400", 400, 3
        args.http_duration, args.http_warmup, args.http_workers = 3.0, 1.0, 1
        args.http_operators, args.http_sqlite_size = 2, 400
        args.load_timeout, args.strict = 120, True
        args.report, args.results = str(smoke_dir / "BENCHMARKS.md"), str(smoke_dir / "results.jsonl")
        args.plot, args.sweep_plot = str(smoke_dir / "lookup.png"), str(smoke_dir / "sweep.png")
        args.dashboard_plot = str(smoke_dir / "dashboard.png")
    sections = [s.strip() for s in args.sections.split(",") if s.strip()]
    unknown = set(sections) - set(ALL_SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}")
    if "peer" in sections and (not args.pg_url or args.only == "sqlite"):
        parser.error("the peer section runs on PostgreSQL only: give --pg-url (and not --only sqlite)")
    errors: list[str] = ["interrupted"]
    try:
        errors = measure(args, sections)
        write_report(load_results(Path(args.results)), args)
    finally:
        if smoke_dir is not None:
            if args.keep or errors_left(smoke_dir):
                log(f"smoke run kept in {smoke_dir}")
            else:
                shutil.rmtree(smoke_dir, ignore_errors=True)
    if errors and args.strict:
        log(f"{len(errors)} step(s) failed: " + "; ".join(errors))
        raise SystemExit(1)
    if args.smoke:
        log("smoke run: every benchmark ran")


def errors_left(smoke_dir: Path) -> bool:
    try:
        rows = [json.loads(line) for line in (smoke_dir / "results.jsonl").read_text().splitlines() if line.strip()]
    except OSError:
        return True
    return any(r.get("error") for r in rows)


def measure(args, sections: list[str]) -> list[str]:
    """Run the sections; append every step to the results file; return the failed steps."""
    run_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    results_path = Path(args.results)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    sqlite_dir = Path(args.sqlite_dir).resolve()
    use_sqlite = args.only in (None, "sqlite")
    use_pg = bool(args.pg_url) and args.only in (None, "postgresql")
    errors: list[str] = []
    meta = {"run": run_id, "step": "machine", "result": machine(), "database": None, "size": None,
            "sections": sections, "started": datetime.now(UTC).isoformat(timespec="seconds"),
            "git": git_state(), "argv": _shown_argv(args),
            "server_versions": server_versions(args.pg_url if use_pg else None)}
    pg_holds: tuple[str, int] | None = None  # what the PostgreSQL database holds: (kind, size)
    sqlite_realistic: set[int] = set()  # realistic SQLite histories loaded in this run

    def record(section, kind, database, size, result, command, seconds, error):
        row = {"run": run_id, "section": section, "step": kind, "database": database, "size": size,
               "command": command, "wall_s": round(seconds, 1), "error": error, "loadavg": os.getloadavg(),
               "result": result}
        with results_path.open("a") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        if error:
            errors.append(f"{section}/{kind} {database} {size}: {error}")

    def step(section, kind, database, size, argv, timeout=None):
        res, cmd, secs, err = run_step(argv, timeout)
        record(section, kind, database, size, res, cmd, secs, err)
        return res, err

    def sqlite_url(size: int, open_history: bool = False) -> str:
        return f"sqlite:///{sqlite_dir}/bench-{'open-' if open_history else ''}{size}.db"

    def load(section, database, size, url, extra=()) -> bool:
        if database == "sqlite":
            for suffix in ("", "-wal", "-shm"):
                Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
        _res, err = step(section, "generate", database, size, [
            "bench.generate", "--database-url", url, "--tickets", str(size), "--seed", str(args.seed), "--reset",
            *extra], args.load_timeout)
        if err:
            log(f"{database} {size}: load failed ({err}); not measured")
        return not err

    def realistic(section, database, size) -> str | None:
        """A realistic history of ``size`` (loaded unless this run already loaded it and it is still there)."""
        nonlocal pg_holds
        if database == "sqlite":
            url = sqlite_url(size)
            if size in sqlite_realistic or load(section, database, size, url):
                sqlite_realistic.add(size)
                return url
            return None
        if pg_holds == ("realistic", size):
            return args.pg_url
        if args.assume_loaded and _holds_realistic(args.pg_url, size):
            log(f"postgresql already holds a realistic history of {size:,} tickets (--assume-loaded): not reloaded")
            pg_holds = ("realistic", size)
            return args.pg_url
        pg_holds = None
        if load(section, database, size, args.pg_url):
            pg_holds = ("realistic", size)
            return args.pg_url
        return None

    with results_path.open("a") as f:
        f.write(json.dumps(meta, ensure_ascii=False) + "\n")

    if "lookup" in sections:
        sizes = [int(s) for s in args.sizes.split(",")]
        sqlite_sizes = [int(s) for s in (args.sqlite_sizes or args.sizes).split(",")]
        for database, mine in (("sqlite", sqlite_sizes if use_sqlite else []), ("postgresql", sizes if use_pg else [])):
            loaded = []
            for size in mine:
                sqlite_realistic.discard(size)
                url = realistic("lookup", database, size)
                if url is None:
                    continue
                loaded.append((size, url))
                step("lookup", "repeat_lookup", database, size, [
                    "bench.repeat_lookup", "--database-url", url, "--queries", str(args.queries), "--seed",
                    str(args.seed), "--explain"])
            if loaded:
                size, url = loaded[-1]
                step("lookup", "intake_service", database, size, [
                    "bench.intake_service", "--database-url", url, "--tickets", str(args.intake_tickets), "--seed",
                    str(args.seed)])
                if database == "sqlite":
                    sqlite_realistic.discard(size)  # it now holds the intakes too
                else:
                    pg_holds = None

    if "sweep" in sections:
        for database, sizes in (("sqlite", args.sweep_sqlite_sizes if use_sqlite else ""),
                                ("postgresql", args.sweep_sizes if use_pg else "")):
            for size in (int(s) for s in sizes.split(",") if s):
                url = sqlite_url(size, True) if database == "sqlite" else args.pg_url
                if database == "postgresql":
                    pg_holds = None
                if not load("sweep", database, size, url, ("--open-share", "1.0", "--start", args.sweep_start)):
                    continue
                step("sweep", "sweep", database, size, [
                    "bench.sweep", "--database-url", url, "--take-all", "--explain", "--worker-batches",
                    str(args.sweep_worker_batches)])

    if "dashboard" in sections or "queue" in sections:
        database = "postgresql" if use_pg else "sqlite"
        if database == "sqlite" and not use_sqlite:
            database = None
        sizes = [int(s) for s in args.dashboard_sizes.split(",")] if "dashboard" in sections else []
        if "queue" in sections and args.queue_size not in sizes:
            sizes.append(args.queue_size)
        for size in sorted(sizes) if database else []:
            url = realistic("dashboard" if "dashboard" in sections else "queue", database, size)
            if url is None:
                continue
            if "dashboard" in sections and size in [int(s) for s in args.dashboard_sizes.split(",")]:
                step("dashboard", "dashboard", database, size, ["bench.dashboard", "--database-url", url, "--explain"])
            if "queue" in sections and size == args.queue_size:
                step("queue", "queue_page", database, size, [
                    "bench.queue_page", "--database-url", url, "--requests", str(args.queue_requests), "--explain"])

    if "intake_http" in sections:
        http_opts = ["--duration", str(args.http_duration), "--warmup", str(args.http_warmup), "--seed", str(args.seed)]
        if args.http_workers:
            http_opts += ["--workers", str(args.http_workers)]
        if args.http_operators:
            http_opts += ["--operators", str(args.http_operators)]
        if use_sqlite:
            url = realistic("intake_http", "sqlite", args.http_sqlite_size)
            if url:
                step("intake_http", "intake_http", "sqlite", args.http_sqlite_size,
                     ["bench.intake_http", "--database-url", url, *http_opts])
                step("intake_http", "intake_api", "sqlite", args.http_sqlite_size,
                     ["bench.intake_http", "--database-url", url, "--via", "api", *http_opts])
                sqlite_realistic.discard(args.http_sqlite_size)
        if use_pg:
            size = args.http_pg_size or (pg_holds[1] if pg_holds and pg_holds[0] == "realistic" else 100_000)
            url = realistic("intake_http", "postgresql", size)
            if url:
                step("intake_http", "intake_http", "postgresql", size,
                     ["bench.intake_http", "--database-url", url, *http_opts])
                step("intake_http", "intake_api", "postgresql", size,
                     ["bench.intake_http", "--database-url", url, "--via", "api", *http_opts])
                pg_holds = None

    if "peer" in sections and use_pg:
        peer_url = args.peer_pg_url or peer_database_url(args.pg_url)
        _res, err = step("peer", "peer_setup", "postgresql", args.peer_history, [
            "bench.peer.setup_peer", "--database-url", peer_url, "--tickets", str(args.peer_history), "--reset",
            "--seed", str(args.seed)], args.load_timeout)
        if err:
            log(f"peer: set-up failed ({err}); not measured")
        else:
            workers, clients = peer_concurrency(args)
            step("peer", "peer", "postgresql", args.peer_history, [
                "bench.peer.run_peer", "--database-url", peer_url, "--workers", str(workers), "--clients",
                str(clients), "--duration", str(args.peer_duration or args.http_duration), "--warmup",
                str(args.peer_warmup if args.peer_warmup is not None else args.http_warmup), "--escalate",
                str(args.peer_escalate), "--seed", str(args.seed)])

    meta["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    meta["step"] = "machine_end"
    with results_path.open("a") as f:
        f.write(json.dumps(meta, ensure_ascii=False) + "\n")
    return errors


def peer_database_url(pg_url: str) -> str:
    """The peer's database on the ``--pg-url`` server: its database name + ``_peer``."""
    from sqlalchemy.engine import make_url

    u = make_url(pg_url)
    return u.set(database=f"{u.database}_peer").render_as_string(hide_password=False)


def peer_concurrency(args) -> tuple[int, int]:
    """(gunicorn workers, clients) for the peer: those of intake_http unless ``--peer-workers/--peer-clients``."""
    http_workers = args.http_workers or os.cpu_count() or 2
    workers = args.peer_workers or http_workers
    clients = args.peer_clients or args.http_operators or 2 * http_workers
    return workers, clients


def _holds_realistic(url: str, size: int) -> bool:
    """Whether the database holds about ``size`` tickets and no held-open history (--assume-loaded)."""
    from sqlalchemy import create_engine, text

    from bench.common import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM tickets")).scalar_one()
            open_ = conn.execute(text("SELECT count(*) FROM assignments WHERE status IN "
                                      "('dispatched', 'signed', 'contacted')")).scalar_one()
    except Exception:  # no schema yet
        return False
    finally:
        engine.dispose()
    return size <= n <= size * 1.01 and open_ < n * 0.1


def load_results(path: Path) -> dict:
    """Every section's steps from the latest run that measured it, with that run's machine record."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []
    metas: dict[str, dict] = {}
    steps: dict[str, list[dict]] = {}
    for order, r in enumerate(rows):
        r["_order"] = order
        if r["step"] in ("machine", "machine_end"):
            m = metas.setdefault(r["run"], {})
            m.update({k: v for k, v in r.items() if v is not None or k not in m})
            m["step"] = "machine"
            continue
        r.setdefault("section", "lookup")  # runs before sections existed
        steps.setdefault(r["run"], []).append(r)
    latest: dict[str, str] = {}
    for run_id, rs in steps.items():  # file order: later runs win
        for section in {r["section"] for r in rs}:
            latest[section] = run_id
    return {"sections": {s: [r for r in steps[run_id] if r["section"] == s] for s, run_id in latest.items()},
            "runs": {run_id: metas.get(run_id, {"run": run_id}) for run_id in latest.values()},
            "section_run": latest}


def git_state() -> dict | None:
    """The commit measured, and how many files differed from it."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True,
                               timeout=10).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return None
    return {"head": head, "uncommitted_files": len(dirty)} if head else None


def server_versions(pg_url: str | None) -> dict:
    import sqlite3

    out = {"sqlite": sqlite3.sqlite_version}
    if pg_url:
        try:
            import psycopg
            from sqlalchemy.engine import make_url

            from bench.common import sqlalchemy_url

            u = make_url(sqlalchemy_url(pg_url))
            with psycopg.connect(host=u.host, port=u.port, user=u.username, password=u.password,
                                 dbname=u.database) as conn:
                out["postgresql"] = conn.execute("SELECT version()").fetchone()[0]
                settings = conn.execute(
                    "SELECT name, current_setting(name) FROM pg_settings WHERE name IN ('shared_buffers', "
                    "'work_mem', 'maintenance_work_mem', 'max_wal_size', 'effective_cache_size', "
                    "'random_page_cost', 'max_parallel_maintenance_workers', 'synchronous_commit') "
                    "ORDER BY name").fetchall()
                out["postgresql_settings"] = dict(settings)
        except Exception as exc:  # the report says so
            out["postgresql"] = f"unknown ({exc})"
    return out


# --------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------


def _fmt_int(n) -> str:
    return f"{n:,}" if isinstance(n, int) else str(n)


def _n(x, digits: int = 2) -> str:
    if x is None:
        return "—"
    if isinstance(x, float):
        return f"{x:,.{digits}f}"
    return _fmt_int(x)


def _yes(ok: bool | None) -> str:
    return "—" if ok is None else ("yes" if ok else "**no**")


def _run_line(data: dict, section: str) -> str:
    run_id = data["section_run"].get(section)
    meta = data["runs"].get(run_id, {})
    git = (meta.get("git") or {}).get("head", "?")
    return (f"_Measured in run `{run_id}` ({meta.get('started', '?')} – {meta.get('finished', '?')} UTC, "
            f"git `{git}`)._")


def write_report(data: dict, args) -> None:
    secs = data["sections"]
    report = Path(args.report)
    notes = f"{NOTES_BEGIN}\n_No notes yet._\n{NOTES_END}"
    if report.exists():
        old = report.read_text()
        if NOTES_BEGIN in old and NOTES_END in old:
            notes = old[old.index(NOTES_BEGIN): old.index(NOTES_END) + len(NOTES_END)]
    L: list[str] = []
    L.append("# Benchmarks")
    L.append("")
    L.append("Generated by `python -m bench.run_all` (see [How to run](#how-to-run)); the notes section is "
             "written by hand and kept when the report is regenerated. Raw JSON lines: "
             "`bench/out/results.jsonl` (not committed). Each section comes from the latest run that measured "
             "it; the runs used:")
    L.append("")
    for run_id, meta in sorted(data["runs"].items()):
        used = sorted(s for s, r in data["section_run"].items() if r == run_id)
        git = meta.get("git") or {}
        dirty = git.get("uncommitted_files")
        L.append(f"- `{run_id}`: {meta.get('started', '?')} – {meta.get('finished', '?')} (UTC), git "
                 f"`{git.get('head', '?')}`" + (f" ({dirty} uncommitted files in the working tree)" if dirty is not None
                                                else "") + f": {', '.join(used)}")
    L.append("")
    L.append("## Aims")
    L.append("")
    L.extend(aims_table(secs))
    L.append("")
    if "lookup" in secs:
        lookup_report(L, secs["lookup"], args, data)
    if "sweep" in secs:
        sweep_report(L, secs["sweep"], args, data)
    if "dashboard" in secs:
        dashboard_report(L, secs["dashboard"], args, data)
    if "queue" in secs:
        queue_report(L, secs["queue"], data)
    if "intake_http" in secs:
        http_report(L, secs["intake_http"], data)
    if "peer" in secs:
        peer_report(L, data)
    memory_report(L, secs)
    loading_report(L, secs)
    machine_report(L, data)
    howto_report(L, data)
    plans_report(L, secs)
    L.append("## Notes")
    L.append("")
    L.append(notes)
    L.append("")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(L))
    log(f"report written to {report}")


def _ok(rows, step: str | None = None):
    return [r for r in rows if r.get("result") and not r.get("error") and (step is None or r["step"] == step)]


def aims_table(secs: dict) -> list[str]:
    L = ["| aim | measured | met |", "|---|---|---|"]
    looks = [r for r in _ok(secs.get("lookup", [])) if r["step"] == "repeat_lookup"]
    big = [r for r in looks if r["result"]["history_tickets"] >= 1_000_000]
    if looks:
        worst = max(big or looks, key=lambda r: r["result"]["p95_ms"])
        res = worst["result"]
        L.append(f"| repeat lookup p95 ≤ {AIM_P95_MS:g} ms at 1M tickets | {res['p95_ms']} ms ({worst['database']}, "
                 f"{_fmt_int(res['history_tickets'])} tickets) | "
                 f"{_yes(res['p95_ms'] <= AIM_P95_MS) if big else '— (no 1M run)'} |")
    sweeps = [r for r in _ok(secs.get("sweep", [])) if r["step"] == "sweep" and r["database"] == "postgresql"]
    if sweeps:
        top = max(sweeps, key=lambda r: r["result"]["open_assignments"])["result"]
        worst = max(top["sweep_total_s"], top.get("taken", {}).get("warm_median_s", 0))
        at_scale = top["open_assignments"] >= 1_000_000
        L.append(f"| escalation sweep ≤ {AIM_SWEEP_S:g} s at 1M open assignments (PostgreSQL) | query + enqueue "
                 f"{top['sweep_total_s']} s with nothing taken, query "
                 f"{top.get('taken', {}).get('warm_median_s', '—')} s "
                 f"with every due step taken ({_fmt_int(top['open_assignments'])} open) | "
                 f"{_yes(worst <= AIM_SWEEP_S) if at_scale else '— (no 1M run)'} |")
    dashes = [r for r in _ok(secs.get("dashboard", [])) if r["step"] == "dashboard"]
    if dashes:
        top = max(dashes, key=lambda r: r["result"]["history_tickets"])
        res = top["result"]
        at10 = res["history_tickets"] >= 10_000_000
        rolled = res.get("page_rollup")
        if rolled:
            worst = max(rolled["warm_s"], rolled["cold_s"])
            L.append(f"| month dashboard ≤ {AIM_DASHBOARD_S:g} s at 10M tickets | closed month with its rollup: "
                     f"{rolled['warm_s']} s warm, {rolled['cold_s']} s cold; live (current month, or a closed month "
                     f"while a late event keeps it stale): {res['page']['warm_s']} s warm, {res['page']['cold_s']} s "
                     f"cold, at {_fmt_int(res['history_tickets'])} tickets ({top['database']}) | "
                     + (f"{_yes(worst <= AIM_DASHBOARD_S)} (rollup); "
                        f"{_yes(max(res['page']['warm_s'], res['page']['cold_s']) <= AIM_DASHBOARD_S)} (live)"
                        if at10 else "not run at 10M") + " |")
        else:
            L.append(f"| month dashboard ≤ {AIM_DASHBOARD_S:g} s at 10M tickets | page {res['page']['warm_s']} s warm, "
                     f"{res['page']['cold_s']} s cold at {_fmt_int(res['history_tickets'])} tickets "
                     f"({top['database']}) | "
                     + (_yes(max(res['page']['warm_s'], res['page']['cold_s']) <= AIM_DASHBOARD_S) if at10 else
                        ("not run at 10M; **no** already at this size" if res["page"]["warm_s"] > AIM_DASHBOARD_S
                         else "not run at 10M")) + " |")
    queues = [r for r in _ok(secs.get("queue", [])) if r["step"] == "queue_page"]
    if queues:
        top = max(queues, key=lambda r: r["result"]["history_tickets"])
        res = top["result"]
        worst = max(res["pages"], key=lambda p: p["p95_ms"])
        L.append(f"| queue page p95 ≤ {AIM_QUEUE_P95_MS:g} ms at 1M tickets (PostgreSQL) | "
                 f"worst p95 {worst['p95_ms']} ms "
                 f"({worst['queue']}, page {worst['page']}) at {_fmt_int(res['history_tickets'])} tickets "
                 f"({top['database']}) | {_yes(res['worst_p95_ms'] <= AIM_QUEUE_P95_MS)} |")
    https = [r for r in _ok(secs.get("intake_http", [])) if r["step"] in ("intake_http", "intake_api")]
    for r in https:
        res = r["result"]
        L.append(f"| intake over HTTP{' (API)' if r['step'] == 'intake_api' else ''} (no aim set) | "
                 f"{res['tickets_per_s']} tickets/s, POST p95 {res['post']['p95_ms']} ms "
                 f"({r['database']}, {res['workers']} workers, {res['operators']} operators) | — |")
    peers = [r for r in _ok(secs.get("peer", [])) if r["step"] == "peer" and r["result"].get("form")]
    for r in peers:
        form = r["result"]["form"]
        L.append(f"| {PEER}'s staff form over HTTP, for comparison (no aim set) | {form['tickets_per_s']} tickets/s, "
                 f"POST p95 {form['post']['p95_ms']} ms (postgresql, {r['result']['workers']} workers, "
                 f"{r['result']['clients']} clients) | — |")
    return L


def lookup_report(L: list[str], rows: list[dict], args, data: dict) -> None:
    gens = [r for r in rows if r["step"] == "generate"]
    looks = [r for r in rows if r["step"] == "repeat_lookup"]
    intakes = [r for r in rows if r["step"] == "intake_service"]
    plot_ok = plot(looks, Path(args.plot))
    L.append("## Repeat lookup")
    L.append("")
    L.append(_run_line(data, "lookup"))
    L.append("")
    L.append(f"Aim: repeat lookup (`lookup.repeat_candidates`) p95 ≤ {AIM_P95_MS:g} ms with 1,000,000 tickets "
             "of history.")
    L.append("")
    L.append("| database | history | p50 ms | p95 ms | p99 ms | max ms | SQL p95 ms | rank p95 ms | "
             "rows/query (mean, max) | aim met |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in looks:
        res = r["result"]
        if not res:
            L.append(f"| {r['database']} | {_fmt_int(r['size'])} | — | — | — | — | — | — | — | "
                     f"not measured: {r['error']} |")
            continue
        ok = "yes" if res["p95_ms"] <= AIM_P95_MS else "**no**"
        L.append(f"| {r['database']} | {_fmt_int(res['history_tickets'])} | {res['p50_ms']} | {res['p95_ms']} | "
                 f"{res['p99_ms']} | {res['max_ms']} | {res['sql']['p95_ms']} | {res['rank']['p95_ms']} | "
                 f"{res['rows_mean']}, {res['rows_max']} | {ok} |")
    L.append("")
    mix = {}
    for r in looks:
        for kind, count in ((r["result"] or {}).get("by_kind_queries") or {}).items():
            mix[kind] = mix.get(kind, 0) + count
    total = sum(mix.values()) or 1
    shares = ", ".join(f"{mix[k] / total:.0%} {label}" for k, label in (
        ("enterprise", "name an enterprise of the history"), ("phone", "come from a phone of the history"),
        ("unknown", "unknown callers")) if k in mix)
    queries = looks[0]["result"]["queries"] if looks and looks[0]["result"] else "?"
    L.append(f"Per call of `repeat_candidates` ({queries} calls after 20 warm-up calls; {shares}). "
             "*SQL* is the cursor's execute (on SQLite only "
             "up to the first row; the rest is fetched while the rows are read), *rank* is "
             "`repeats.rank_candidates`, *rows* what the query returned (at most `CANDIDATE_SCAN_LIMIT` = 200).")
    for r in gens:
        if r["error"]:
            L.append("")
            L.append(f"Not measured: {r['database']} with {_fmt_int(r['size'])} tickets — load {r['error']}.")
    L.append("")
    if plot_ok:
        L.append(f"![repeat lookup p95 against history size]({Path(args.plot).name})")
        L.append("")
    L.append("### Intake service (`services.create_ticket`, one process, one call per simulated request)")
    L.append("")
    L.append("| database | history | tickets | tickets/s | p50 ms | p95 ms | p99 ms | max ms | "
             "SQL statements/ticket (mean, max) | Redis | routing |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in intakes:
        res = r["result"]
        if not res:
            L.append(f"| {r['database']} | {_fmt_int(r['size'])} | — | — | — | — | — | — | — | — | "
                     f"failed: {r['error']} |")
            continue
        rules = ", ".join(f"{k} {v}" for k, v in res["rules"].items())
        sql = res.get("sql_statements_per_ticket", {})
        L.append(f"| {r['database']} | {_fmt_int(res['history_tickets'])} | {res['tickets']} | "
                 f"{res['tickets_per_s']} | {res['p50_ms']} | {res['p95_ms']} | {res['p99_ms']} | {res['max_ms']} | "
                 f"{sql.get('mean', '—')}, {sql.get('max', '—')} | {res.get('redis', '—')} | {rules} |")
    L.append("")


def sweep_report(L: list[str], rows: list[dict], args, data: dict) -> None:
    sweeps = [r for r in rows if r["step"] == "sweep"]
    L.append("## Escalation sweep (`bench.sweep`)")
    L.append("")
    L.append(_run_line(data, "sweep"))
    L.append("")
    L.append(f"Aim: the sweep (`engine.due_items` + enqueue of the batches) ≤ {AIM_SWEEP_S:g} s with 1,000,000 open "
             "assignments on PostgreSQL. Histories from `bench.generate --open-share 1.0`: every dispatched ticket "
             "held open at a random instant between its dispatch and its resolution; `now` = the end of the history, "
             "when most warning and breach instants have passed. *found* is what `due_items` returns (each step "
             "query is capped at 50,000 rows by the engine), *due* the uncapped count. *all taken*: `due_items` again "
             "after every due step was marked taken in `escalation_steps` (bulk insert, then analysed) — the steady "
             "state of a large overdue backlog, when each sweep finds nothing but must check every open assignment.")
    L.append("")
    L.append("| database | open assignments | due steps | found | due_items cold s | due_items warm s | "
             "enqueue s (batches) | sweep s (warm + enqueue) | jobs.sweep() s | "
             "all taken: due_items warm s (rows in escalation_steps) | aim met |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in sweeps:
        res = r["result"]
        if not res or r["error"]:
            L.append(f"| {r['database']} | {_fmt_int(r['size'])} tickets | — | — | — | — | — | — | — | — | "
                     f"failed: {r['error']} |")
            continue
        taken = res.get("taken") or {}
        worst = max(res["sweep_total_s"], taken.get("warm_median_s", 0))
        aim = (_yes(worst <= AIM_SWEEP_S) if r["database"] == "postgresql" and res["open_assignments"] >= 1_000_000
               else "—")
        L.append(f"| {r['database']} | {_fmt_int(res['open_assignments'])} | "
                 f"{_fmt_int(sum(res['due_uncapped'].values()))} | "
                 f"{_fmt_int(res['query']['items'])} | {res['query']['cold_s']} | {res['query']['warm_median_s']} | "
                 f"{res['enqueue']['s']} ({_fmt_int(res['enqueue']['batches'])}) | {res['sweep_total_s']} | "
                 f"{res['jobs_sweep']['s']} | {taken.get('warm_median_s', '—')} "
                 f"({_fmt_int(taken.get('escalation_steps_rows', '—'))}) | {aim} |")
    for r in rows:
        if r["step"] == "generate" and r["error"]:
            L.append("")
            L.append(f"Not measured: {r['database']} with {_fmt_int(r['size'])} tickets — load {r['error']}.")
    L.append("")
    ok = [r for r in _ok(sweeps)]
    if ok:
        top = max(ok, key=lambda r: (r["database"] == "postgresql", r["result"]["open_assignments"]))
        res = top["result"]
        L.append(f"Per step on {top['database']} with {_fmt_int(res['open_assignments'])} open assignments "
                 "(warm median seconds, from the statement's start to the next one's: the query, fetching the ids "
                 "and building the items):")
        L.append("")
        L.append("| step | due | found | nothing taken s | all taken s |")
        L.append("|---|---:|---:|---:|---:|")
        for step, secs_ in res["query"]["step_s_median"].items():
            L.append(f"| {step} | {_fmt_int(res['due_uncapped'][step])} | {_fmt_int(res['query']['found'][step])} | "
                     f"{secs_} | {(res.get('taken') or {}).get('step_s_median', {}).get(step, '—')} |")
        L.append("")
        by_status = ", ".join(f"{k} {_fmt_int(v)}" for k, v in res["assignments_by_status"].items())
        L.append(f"Assignments: {by_status}; open supervision cases {_fmt_int(res['open_cases'])}; `now` = "
                 f"{res['now']}; Redis memory for the enqueued batches {res['enqueue']['redis_used_mib']} MiB.")
        L.append("")
    if plot_sweep(ok, Path(args.sweep_plot)):
        L.append(f"![sweep time against open assignments]({Path(args.sweep_plot).name})")
        L.append("")
    workers = [r for r in ok if r["result"].get("worker")]
    if workers:
        L.append("### Worker (`rq worker --burst -w hotline.worker.HotlineWorker escalation`)")
        L.append("")
        L.append("The production worker runs the sweep job (at the wall clock, as `rq cron` enqueues it) and then "
                 "the first batches it enqueued; RSS sampled every 0.1 s over the worker and the work horse it forks "
                 "per job.")
        L.append("")
        L.append("| database | open assignments | sweep job s (items) | batch jobs s | steps taken | steps/s | "
                 "peak RSS worker MiB | peak RSS work horse MiB | exit |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|")
        for r in workers:
            w = r["result"]["worker"]
            L.append(f"| {r['database']} | {_fmt_int(r['result']['open_assignments'])} | {w.get('sweep_job_s')} "
                     f"({_fmt_int(w.get('sweep_job_items'))}) | "
                     f"{', '.join(str(x) for x in w.get('batch_job_s', []))} | "
                     f"{w['steps_taken']} | {w['steps_per_s']} | {w['memory']['peak_root_mib']} | "
                     f"{w['memory']['peak_child_mib']} | {w['exit']} |")
        L.append("")


def plot_sweep(rows: list[dict], path: Path) -> bool:
    plt = _pyplot()
    if plt is None or not rows:
        return False
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    for database, marker in (("sqlite", "o"), ("postgresql", "s")):
        mine = sorted((r["result"] for r in rows if r["database"] == database), key=lambda x: x["open_assignments"])
        if not mine:
            continue
        xs = [x["open_assignments"] for x in mine]
        for label, key, style, dy in (("query + enqueue", lambda x: x["sweep_total_s"], "-", 5),
                                      ("query, all taken", lambda x: (x.get("taken") or {}).get("warm_median_s"), "--",
                                       -11)):
            pts = [(a, key(x)) for a, x in zip(xs, mine) if key(x) is not None]
            if pts:
                ax.plot([p[0] for p in pts], [p[1] for p in pts], marker + style, label=f"{database}: {label}")
                if database == "postgresql":
                    for a, b in pts:
                        ax.annotate(f"{b:.2f} s", (a, b), textcoords="offset points", xytext=(5, dy), fontsize=7)
    ax.axhline(AIM_SWEEP_S, color="grey", linestyle=":", linewidth=1, label=f"aim ({AIM_SWEEP_S:g} s, PostgreSQL)")
    _log_axes(ax)
    ax.set_xlabel("open assignments")
    ax.set_ylabel("seconds (warm median)")
    ax.set_title("escalation sweep: due_items + enqueue")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return _save(fig, plt, path)


def dashboard_report(L: list[str], rows: list[dict], args, data: dict) -> None:
    dashes = [r for r in rows if r["step"] == "dashboard"]
    L.append("## Month dashboard (`bench.dashboard`)")
    L.append("")
    L.append(_run_line(data, "dashboard"))
    L.append("")
    L.append(f"Aim: the audit dashboard ≤ {AIM_DASHBOARD_S:g} s with 10,000,000 tickets of history. The latest full "
             "month of a realistic history (`bench.generate`); *components* are the view's calls one by one "
             "(`measures.compute_many` of the eleven measures — one statement per scope, each scope also timed alone "
             "as `scope:…` and not counted in the sum — `report.ranking` for this month and the last, "
             "`report.durations`, `report.volume_by_day`, the top categories and districts, the weights); *page* is "
             "`GET /audit/?month=…` through the Flask test client as the demo supervisor (no network). Cold = the "
             "first run, warm = median of the next two. *SQL s*: the page's statements re-executed alone on the "
             "driver. *Live*: no rollup of the month (what the current month always costs, and a closed month while a "
             "late event keeps its rollup stale); *rollup computed*: `rollups.compute` for the month, as the job does "
             "it; *with rollup*: the same page served from it (see docs/MEASURES.md, \"What is precomputed\"). The "
             "ranking report is `GET /audit/ranking/report?month=…`.")
    L.append("")
    L.append("| database | history | month (tickets, assignments) | components warm s | live page cold s | "
             "live page warm s | live page SQL s | statements | rollup computed s | page with rollup cold s | "
             "page with rollup warm s | ranking report live / rollup warm s | aim |")
    L.append("|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in dashes:
        res = r["result"]
        if not res or r["error"]:
            L.append(f"| {r['database']} | {_fmt_int(r['size'])} | — | — | — | — | — | — | — | — | — | — | "
                     f"failed: {r['error']} |")
            continue
        p, q = res["page"], res.get("page_rollup")
        roll = res.get("rollup") or {}
        rep, rep_r = res.get("report_page"), res.get("report_page_rollup")
        at10 = res["history_tickets"] >= 10_000_000
        verdict = ("— (10M not run)" if not at10 else
                   f"{_yes((q or p)['warm_s'] <= AIM_DASHBOARD_S)}" + (" (rollup)" if q else ""))
        L.append(f"| {r['database']} | {_fmt_int(res['history_tickets'])} | {res['month']} "
                 f"({_fmt_int(res['month_tickets'])}, {_fmt_int(res['month_assignments'])}) | "
                 f"{res['components_warm_sum_s']} | {p['cold_s']} | {p['warm_s']} | "
                 f"{p['sql_s']} | {p['statements']} | {roll.get('compute_s', '—')} | {q['cold_s'] if q else '—'} | "
                 f"{q['warm_s'] if q else '—'} | {rep['warm_s'] if rep else '—'} / "
                 f"{rep_r['warm_s'] if rep_r else '—'} | {verdict} |")
    L.append("")
    ok = _ok(dashes)
    if ok:
        names = list(ok[0]["result"]["components"])
        L.append("Components, warm seconds (SQL seconds alone in brackets):")
        L.append("")
        L.append("| component | "
                 + " | ".join(f"{r['database']} {_fmt_int(r['result']['history_tickets'])}" for r in ok) + " |")
        L.append("|---|" + "---:|" * len(ok))
        for name in names:
            cells = []
            for r in ok:
                c = r["result"]["components"].get(name)
                cells.append(f"{c['warm_s']} ({c['sql_s']})" if c else "—")
            L.append(f"| {name} | " + " | ".join(cells) + " |")
        L.append("")
        top = max(ok, key=lambda r: r["result"]["history_tickets"])["result"]["page"]
        shown = [f"{s['s']} s `{_short_sql(s['sql'])}`" for s in top.get("slowest_statements", [])
                 if "(SELECT … FROM …" not in _short_sql(s["sql"])]  # older runs kept only a truncated column list
        if shown:
            L.append("Slowest statements of the page at the largest history (execute time): " + "; ".join(shown) + ".")
            L.append("")
    if plot_dashboard(ok, Path(args.dashboard_plot)):
        L.append(f"![dashboard time against history size]({Path(args.dashboard_plot).name})")
        L.append("")


def _short_sql(sql: str, n: int = 110) -> str:
    import re

    sql = compact_sql(sql)
    sql = re.sub(r"\(SELECT (?:(?!\bFROM\b).)*$", "(SELECT … FROM …", sql)  # a truncated column list
    return sql if len(sql) <= n else sql[:n] + "…"


def plot_dashboard(rows: list[dict], path: Path) -> bool:
    plt = _pyplot()
    if plt is None or not rows:
        return False
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    for database, marker in (("sqlite", "o"), ("postgresql", "s")):
        mine = sorted((r["result"] for r in rows if r["database"] == database), key=lambda x: x["history_tickets"])
        if not mine:
            continue
        xs = [x["history_tickets"] for x in mine]
        series = [("live page, warm", lambda x: x["page"]["warm_s"], "-", -11),
                  ("live page, cold", lambda x: x["page"]["cold_s"], ":", 5),
                  ("durations, warm", lambda x: x["components"]["durations"]["warm_s"], "--", 5)]
        if all(x.get("page_rollup") for x in mine):
            series.append(("page with the month's rollup, warm", lambda x: x["page_rollup"]["warm_s"], "-.", -11))
        for label, key, style, dy in series:
            ys = [key(x) for x in mine]
            ax.plot(xs, ys, marker + style, label=f"{database}: {label}")
            for a, b in zip(xs, ys):
                ax.annotate(f"{b:.2f} s", (a, b), textcoords="offset points", xytext=(5, dy), fontsize=7)
        if len(xs) >= 2 and xs[-1] < 10_000_000:  # the aim's size was not measured: a power-law line, labelled so
            import math

            ys = [x["page"]["warm_s"] for x in mine]
            k = math.log(ys[-1] / ys[-2]) / math.log(xs[-1] / xs[-2])
            y10 = ys[-1] * (10_000_000 / xs[-1]) ** k
            ax.plot([xs[-1], 10_000_000], [ys[-1], y10], color="grey", linestyle="--", linewidth=1,
                    label=f"{database}: page warm, extrapolated (not measured)")
            ax.annotate(f"~{y10:.0f} s?", (10_000_000, y10), textcoords="offset points", xytext=(-40, 4), fontsize=7)
    ax.axhline(AIM_DASHBOARD_S, color="grey", linestyle=":", linewidth=1, label=f"aim ({AIM_DASHBOARD_S:g} s at 10M)")
    _log_axes(ax)
    ax.set_xlabel("tickets of history")
    ax.set_ylabel("seconds")
    ax.set_title("audit month dashboard (latest full month)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    return _save(fig, plt, path)


def queue_report(L: list[str], rows: list[dict], data: dict) -> None:
    pages = [r for r in rows if r["step"] == "queue_page"]
    L.append("## A handler's queue page (`bench.queue_page`)")
    L.append("")
    L.append(_run_line(data, "queue"))
    L.append("")
    L.append(f"Aim: p95 ≤ {AIM_QUEUE_P95_MS:g} ms with 1,000,000 tickets on PostgreSQL. `GET /work/?queue=…` through "
             "the Flask test client (no network) as a handler of the department with the most assignments; page 1, "
             "page 2 through the keyset cursor of the page's link, and page 20 following the cursors.")
    L.append("")
    for r in pages:
        res = r["result"]
        if not res or r["error"]:
            L.append(f"{r['database']} {_fmt_int(r['size'])}: failed: {r['error']}")
            L.append("")
            continue
        d = res["department"]
        L.append(f"{r['database']}, {_fmt_int(res['history_tickets'])} tickets; department `{d['code']}` "
                 f"({d['name']}, {_fmt_int(d['assignments'])} assignments; queues: "
                 + ", ".join(f"{k} {_fmt_int(v)}" for k, v in d["queues"].items()) + "):")
        L.append("")
        L.append("| queue | page | p50 ms | p95 ms | p99 ms | SQL p50 / p95 ms | statements | "
                 "slowest statement (median ms) | aim met |")
        L.append("|---|---:|---:|---:|---:|---|---:|---|---|")
        for p in res["pages"]:
            s = p["slowest_sql"][0] if p["slowest_sql"] else {"median_ms": "—", "sql": ""}
            what = compact_sql(s["sql"])
            what = what[what.find(" FROM ") + 6:] if " FROM " in what else what
            status = [kv for kv in s.get("params", "").split(", ") if kv.startswith("status")]
            L.append(f"| {p['queue']} | {p['page']} | {p['p50_ms']} | {p['p95_ms']} | {p['p99_ms']} | "
                     f"{p.get('sql_p50_ms', '—')} / {p.get('sql_p95_ms', '—')} | {p['statements']} | "
                     f"{s['median_ms']} `FROM {what[:48]}…` {' '.join(status)} | "
                     f"{_yes(p['p95_ms'] <= AIM_QUEUE_P95_MS)} |")
        L.append("")


def http_report(L: list[str], rows: list[dict], data: dict) -> None:
    runs = [r for r in rows if r["step"] in ("intake_http", "intake_api")]
    L.append("## Intake over HTTP (`bench.intake_http`)")
    L.append("")
    L.append(_run_line(data, "intake_http"))
    L.append("")
    L.append("gunicorn (sync workers, one per core) with simulated operators — threads, each logged in through the "
             "login form with its own cookie jar — repeating `GET /tickets/new` and `POST /tickets/new` with the real "
             "form (CSRF token and `intake_key` from the page); a ticket is a 302. The load generator runs on the same "
             "machine. Rows marked *API* are `--via api`: integrations each holding an API key repeat "
             "`POST /api/v1/tickets` with a JSON body (no GET); a ticket is a 201. "
             "*code*: the commit measured, and the application files that differed from it then.")
    L.append("")
    L.append("| database | history | code | workers | operators | s | tickets | tickets/s | "
             "POST p50 / p95 / p99 ms | GET p50 / p95 ms | errors | peak RSS per worker / all MiB | "
             "load generator CPU s |")
    L.append("|---|---:|---|---:|---:|---:|---:|---:|---|---|---|---|---:|")
    for r in runs:
        res = r["result"]
        if not res:
            L.append(f"| {r['database']} | {_fmt_int(r['size'])} | — | — | — | — | — | — | — | — | "
                     f"failed: {r['error']} | — | — |")
            continue
        code = res.get("code") or {}
        dirty = code.get("uncommitted_app_files") or []
        code_s = f"`{code.get('head')}`" + (f" + {len(dirty)} uncommitted ({', '.join(Path(f).name for f in dirty)})"
                                           if dirty else "")
        errs = ", ".join(f"{k} {v}" for k, v in res["errors"].items()) or "none"
        if r["error"]:
            errs += f"; {r['error']}"
        get = res.get("get") or {"p50_ms": "—", "p95_ms": "—"}
        db_s = r['database'] + (" (API)" if r["step"] == "intake_api" else "")
        L.append(f"| {db_s} | {_fmt_int(res['history_tickets'])} | {code_s} | {res['workers']} | "
                 f"{res['operators']} | {res['window_s']} | {res['tickets']} | {res['tickets_per_s']} | "
                 f"{res['post']['p50_ms']} / {res['post']['p95_ms']} / {res['post']['p99_ms']} | "
                 f"{get['p50_ms']} / {get['p95_ms']} | {errs} | {res['memory']['peak_child_mib']} / "
                 f"{res['memory']['peak_total_mib']} | {res['load_generator_cpu_s']} |")
    L.append("")


def _ms3(summary: dict) -> str:
    return f"{summary['p50_ms']} / {summary['p95_ms']} / {summary['p99_ms']}"


def _ratio(hotline, peer) -> str:
    return f"{hotline / peer:.2f}×" if hotline and peer else "—"


def peer_report(L: list[str], data: dict) -> None:
    """The peer's figures beside Hotline's of the same invocation (``--sections …,peer``)."""
    rows = data["sections"]["peer"]
    L.append(f"## Peer: {PEER}")
    L.append("")
    L.append(_run_line(data, "peer"))
    L.append("")
    L.append(f"The same write path on {PEER} (`bench/peer/`: Django 5.2 LTS, its REST framework API, gunicorn sync "
             "workers, PostgreSQL on the same server as Hotline's, in its own database; DEBUG off, persistent database "
             "connections, e-mail rendered but not delivered — `bench/peer/project/peerdesk/settings.py` says why). "
             "Its clients, like Hotline's operators, are threads on the same machine, each logged in with its own "
             "account; the form's tickets are the calls `bench.intake_http` enters (caller and enterprise in the "
             "description). *SQL statements*: a separate instrumented pass (`manage.py peer_sqlcount`, Django's test "
             "client), not the timed run. *Hotline ÷ peer*: tickets/s over tickets/s, both measured in this "
             "invocation; a Hotline cell stays empty when its section did not run in it.")
    L.append("")
    for r in rows:
        if r["error"]:
            L.append(f"Failed: `{r['step']}` — {r['error']}.")
            L.append("")
    setup = next((r["result"] for r in rows if r["step"] == "peer_setup" and r["result"]), None)
    for r in _ok(rows, "peer"):
        _peer_table(L, r["result"], data, setup)


def _hotline_same_run(data: dict, section: str, step: str) -> list[dict]:
    if data["section_run"].get(section) != data["section_run"].get("peer"):
        return []
    return [r for r in _ok(data["sections"].get(section, []), step) if r["database"] == "postgresql"]


def _peer_table(L: list[str], res: dict, data: dict, setup: dict | None) -> None:
    sql = res.get("sql_statements") or {}
    http = _hotline_same_run(data, "intake_http", "intake_http")
    sweeps = [r for r in _hotline_same_run(data, "sweep", "sweep") if r["result"].get("worker")]
    L.append("| write path | peer | peer tickets/s | peer POST p50 / p95 / p99 ms | peer SQL statements (mean, max) | "
             "Hotline, same invocation | Hotline tickets/s | Hotline POST p50 / p95 / p99 ms | Hotline ÷ peer |")
    L.append("|---|---|---:|---|---|---|---:|---|---:|")
    form = res.get("form")
    if form:
        s = sql.get("form_post")
        peer = (f"`POST /tickets/submit/` (staff form) after its `GET` (p50 {form['get']['p50_ms']} ms); "
                f"{form['tickets']} tickets in {form['window_s']} s")
        if http:
            h = http[-1]["result"]
            hot = (f"`bench.intake_http`: `POST /tickets/new` after its `GET`, "
                   f"{_fmt_int(h['history_tickets'])} tickets of history, {h['workers']} workers, "
                   f"{h['operators']} operators")
            L.append(f"| web form | {peer} | {form['tickets_per_s']} | {_ms3(form['post'])} | "
                     f"{s['mean'] if s else '—'}, {s['max'] if s else '—'} | {hot} | {h['tickets_per_s']} | "
                     f"{_ms3(h['post'])} | {_ratio(h['tickets_per_s'], form['tickets_per_s'])} |")
        else:
            L.append(f"| web form | {peer} | {form['tickets_per_s']} | {_ms3(form['post'])} | "
                     f"{s['mean'] if s else '—'}, {s['max'] if s else '—'} | "
                     "— (`intake_http` on PostgreSQL did not run in this invocation) | — | — | — |")
    api = res.get("api")
    if api:
        s = sql.get("api_post")
        peer = (f"`POST /api/tickets/` (REST framework, {res.get('api_auth', 'session')} authentication); "
                f"{api['tickets']} tickets in {api['window_s']} s | {api['tickets_per_s']} | {_ms3(api['post'])} | "
                f"{s['mean'] if s else '—'}, {s['max'] if s else '—'}")
        apis = _hotline_same_run(data, "intake_http", "intake_api")
        if apis:
            h = apis[-1]["result"]
            L.append(f"| API | {peer} | `bench.intake_http --via api`: `POST /api/v1/tickets` (API key), "
                     f"{_fmt_int(h['history_tickets'])} tickets of history, {h['workers']} workers, {h['operators']} "
                     f"integrations | {h['tickets_per_s']} | {_ms3(h['post'])} | "
                     f"{_ratio(h['tickets_per_s'], api['tickets_per_s'])} |")
        else:
            L.append(f"| API | {peer} | — (`intake_http --via api` on PostgreSQL did not run in this invocation) "
                     "| — | — | — |")
    esc = res.get("escalate")
    if esc:
        s = sql.get("escalate") or {}
        peer = (f"`manage.py escalate_tickets`, {_fmt_int(esc['escalated'])} of {_fmt_int(esc['due'])} due tickets "
                f"escalated in {esc['command_s']} s ({esc['tickets_per_s']}/s); nothing due: {esc['baseline_s']} s. "
                "Tickets/s net of that start-up")
        hot, rate = "— (`sweep` with its rq worker did not run on PostgreSQL in this invocation)", None
        if sweeps:
            top = max(sweeps, key=lambda r: r["result"]["open_assignments"])["result"]
            w = top["worker"]
            job_s = sum(w.get("batch_job_s") or [])
            if w.get("steps_taken") and job_s > 0:
                rate = round(w["steps_taken"] / job_s, 1)
                hot = (f"due steps applied by the rq worker's `escalate_batch` jobs (`bench.sweep`, "
                       f"{_fmt_int(top['open_assignments'])} open assignments): {w['steps_taken']} steps in "
                       f"{round(job_s, 2)} s of job run time (no process start-up)")
        L.append(f"| escalation | {peer} | {esc['tickets_per_s_net']} | — | {s.get('per_ticket', '—')} per ticket | "
                 f"{hot} | {rate if rate is not None else '—'} | — | {_ratio(rate, esc['tickets_per_s_net'])} |")
    L.append("")
    by_status = ", ".join(f"{k} {_fmt_int(v)}" for k, v in (res.get("history_by_status") or {}).items())
    versions = ", ".join(f"{k} {v}" for k, v in (res.get("versions") or {}).items())
    mem = res.get("memory") or {}
    cpu = [f"{p} {res[p]['load_generator_cpu_s']} s" for p in ("form", "api") if res.get(p)]
    L.append(f"Peer: {_fmt_int(res['history_tickets'])} tickets of history ({by_status}), {res['workers']} gunicorn "
             f"sync workers, {res['clients']} clients; {versions}. Peak RSS per worker / all "
             f"{mem.get('peak_child_mib', '—')} / {mem.get('peak_total_mib', '—')} MiB; load generator CPU "
             f"{', '.join(cpu) or '—'}.")
    errs = {p: res[p]["errors"] for p in ("form", "api") if res.get(p) and res[p]["errors"]}
    if errs:
        L.append(f"Errors: {errs}.")
    if setup:
        load = setup.get("load") or {}
        L.append(f"Set-up (`bench.peer.setup_peer`): migrate {setup['migrate_s']} s, history loaded in "
                 f"{load.get('elapsed_s', '—')} s.")
    if http:
        h = http[-1]["result"]
        if (h["workers"], h["operators"]) != (res["workers"], res["clients"]):
            L.append(f"**Unequal load**: Hotline ran {h['workers']} workers and {h['operators']} operators, the peer "
                     f"{res['workers']} workers and {res['clients']} clients.")
    L.append("")


def memory_report(L: list[str], secs: dict) -> None:
    https = _ok(secs.get("intake_http", []), "intake_http")
    workers = [r for r in _ok(secs.get("sweep", []), "sweep") if r["result"].get("worker")]
    if not https and not workers:
        return
    L.append("## Peak memory (RSS)")
    L.append("")
    L.append("| process | database | while | peak RSS MiB |")
    L.append("|---|---|---|---:|")
    for r in https:
        m, res = r["result"]["memory"], r["result"]
        L.append(f"| gunicorn worker (largest) | {r['database']} | intake over HTTP, {res['tickets']} tickets | "
                 f"{m['peak_child_mib']} |")
        L.append(f"| gunicorn master | {r['database']} | same | {m['peak_root_mib']} |")
        L.append(f"| gunicorn, all {m['max_processes']} processes (sum of RSS) | {r['database']} | same | "
                 f"{m['peak_total_mib']} |")
    for r in workers:
        w, res = r["result"]["worker"], r["result"]
        L.append(f"| rq worker (HotlineWorker) | {r['database']} | sweep of {_fmt_int(res['open_assignments'])} open "
                 f"assignments + {w['jobs'] - 1} batches | {w['memory']['peak_root_mib']} |")
        L.append(f"| rq work horse (forked per job) | {r['database']} | same | {w['memory']['peak_child_mib']} |")
    L.append("")
    L.append("RSS counts pages shared with the parent after `fork` in each process, so the sums overstate the "
             "memory used.")
    L.append("")


def loading_report(L: list[str], secs: dict) -> None:
    gens = [(s, r) for s in ALL_SECTIONS for r in secs.get(s, []) if r["step"] == "generate"]
    if not gens:
        return
    L.append("## Loading (`bench.generate`)")
    L.append("")
    L.append("| for | database | tickets | open share | open assignments | assignments | events | callbacks | "
             "chains | repeat rate | load s | index s | analyze s | total s | tickets/s |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for section, r in gens:
        res = r["result"]
        if not res:
            L.append(f"| {section} | {r['database']} | {_fmt_int(r['size'])} | — | — | — | — | — | — | — | — | — | — | "
                     f"{r['wall_s']} | {r['error']} |")
            continue
        p = res["phases_s"]
        L.append(f"| {section} | {r['database']} | {_fmt_int(res['tickets'])} | {res.get('open_share', 0)} | "
                 f"{_fmt_int(res.get('open_assignments', '—'))} | {_fmt_int(res['assignments'])} | "
                 f"{_fmt_int(res['events'])} | {_fmt_int(res['callbacks'])} | {_fmt_int(res['chains'])} | "
                 f"{res['repeat_rate']:.1%} | {p['load_s']} | {p['index_s']} | {p['analyze_s']} | {res['elapsed_s']} | "
                 f"{_fmt_int(int(res['tickets_per_s']))} |")
    lookup_gens = [r for s, r in gens if s == "lookup" and r["result"]]
    if lookup_gens:
        L.append("")
        L.append("Ticket states in the largest lookup history: " + ", ".join(
            f"{k} {_fmt_int(v)}" for k, v in lookup_gens[-1]["result"]["states"].items()) + ".")
    L.append("")


def machine_report(L: list[str], data: dict) -> None:
    L.append("## Machine")
    L.append("")
    metas = [m for _run, m in sorted(data["runs"].items())]
    if not metas:
        return
    latest = metas[-1]
    m = latest.get("result", {})
    versions = latest.get("server_versions", {})
    L.append(f"- CPU: {m.get('cpu')} × {m.get('nproc')} (nproc)")
    L.append(f"- Memory: {m.get('memory_gib')} GiB; kernel {m.get('kernel')}")
    L.append(f"- Python {m.get('python')}; SQLite {versions.get('sqlite', m.get('sqlite'))}")
    for meta in metas:
        git = meta.get("git") or {}
        dirty = git.get("uncommitted_files")
        L.append(f"- Run `{meta.get('run')}`: git `{git.get('head', '?')}` at its start"
                 + (f", {dirty} uncommitted files in the working tree" if dirty is not None else ""))
    pg = next((meta.get("server_versions", {}) for meta in reversed(metas)
               if meta.get("server_versions", {}).get("postgresql")), {})
    if pg.get("postgresql"):
        L.append(f"- {pg['postgresql']}")
        if pg.get("postgresql_settings"):
            L.append("- PostgreSQL settings (stock `initdb`, nothing tuned): " + ", ".join(
                f"`{k}={v}`" for k, v in pg["postgresql_settings"].items()))
    loads = [tuple(round(x, 2) for x in r["loadavg"]) for s in data["sections"].values() for r in s if r.get("loadavg")]
    if loads:
        L.append(f"- Load average (1, 5, 15 min) after each step ranged {min(x[0] for x in loads)}–"
                 f"{max(x[0] for x in loads)} (1 min): the machine was shared with other work during the runs, "
                 "so figures are noisy upper bounds.")
    L.append("")


def howto_report(L: list[str], data: dict) -> None:
    L.append("## How to run")
    L.append("")
    L.append("```sh")
    L.append("python -m pip install -e '.[bench]'   # matplotlib==3.11.2 (plots), pyinstrument==5.1.3 (--profile)")
    L.append("python -m bench.run_all --pg-url postgresql://USER@HOST:PORT/DB   # resets that database!")
    L.append("python -m bench.run_all --pg-url … --sections sweep,dashboard   # refresh some sections, keep the rest")
    L.append("bench/smoke.sh   # every benchmark at a tiny size on SQLite + embedded Redis (CI), < 1 min")
    L.append("```")
    L.append("")
    L.append(f"The peer comparison ({PEER}, `bench/peer/`) is optional and needs PostgreSQL; it installs the peer in a "
             "throwaway virtualenv (`bench/out/peer-venv`, pinned by `bench/peer/requirements.txt`) and uses its own "
             "database (default: the `--pg-url` server's `<name>_peer`, dropped and recreated). Run it in the same "
             "invocation as the sections it is compared with, so the ratios come from one run:")
    L.append("")
    L.append("```sh")
    L.append("python -m bench.run_all --pg-url postgresql://USER@HOST:PORT/DB --sections sweep,intake_http,peer")
    L.append("python -m bench.peer.setup_peer --database-url postgresql://USER@HOST:PORT/DB_peer "
             "--tickets 20000 --reset")
    L.append("python -m bench.peer.run_peer --database-url postgresql://USER@HOST:PORT/DB_peer "
             "  # 2 workers, 8 clients")
    L.append("```")
    L.append("")
    L.append("The commands this report was made with, per run, in order (the PostgreSQL URL as given to `run_all`):")
    L.append("")
    L.append("```sh")
    for run_id, meta in sorted(data["runs"].items()):
        used = [s for s, r in data["section_run"].items() if r == run_id]
        L.append(f"# run {run_id}: {', '.join(sorted(used))}")
        L.append(f"python -m bench.run_all {' '.join(shlex.quote(a) for a in meta.get('argv', []))}".rstrip())
        steps = [r for s in ALL_SECTIONS if s in used for r in data["sections"][s]]
        for r in sorted(steps, key=lambda r: r.get("_order", 0)):
            L.append(redact_cmd(r["command"]))
    L.append("```")
    L.append("")
    L.append("Each script prints one JSON line; `--help` lists the options. `bench.repeat_lookup --profile FILE` and "
             "`bench.dashboard --profile FILE` write pyinstrument profiles; `--explain` adds plans.")
    L.append("")


def plans_report(L: list[str], secs: dict) -> None:
    looks = [r for r in secs.get("lookup", []) if r["step"] == "repeat_lookup"]
    slow = [r for r in looks if r["result"] and r["result"].get("explain")]
    sweeps = [r for r in _ok(secs.get("sweep", []), "sweep") if r["result"]["query"].get("explain")]
    dashes = [r for r in _ok(secs.get("dashboard", []), "dashboard") if r["result"]["page"].get("explain")]
    queues = _ok(secs.get("queue", []), "queue_page")
    if not (slow or sweeps or dashes or queues):
        return
    L.append("## Plans")
    L.append("")
    for r in slow:
        res = r["result"]
        _details(L, f"repeat lookup, {r['database']}, {_fmt_int(res['history_tickets'])} tickets: slowest "
                    f"{res['slowest']['ms']} ms ({res['slowest']['kind']} query, {res['slowest']['rows']} rows)",
                 res["explain"])
    sweeps = _largest_per_database(sweeps, "open_assignments")
    dashes = _largest_per_database(dashes, "history_tickets")
    for r in sweeps:
        res = r["result"]
        for label, part in (("nothing taken", res["query"]), ("every due step taken", res.get("taken") or {})):
            ex = part.get("explain")
            if ex:
                _details(L, f"sweep, {r['database']}, {_fmt_int(res['open_assignments'])} open assignments, {label}: "
                            f"slowest step query `{ex['step']}` {ex['seconds']} s (key lines)", ex["key_lines"])
    for r in dashes:
        ex = r["result"]["page"]["explain"]
        _details(L, f"dashboard, {r['database']}, {_fmt_int(r['result']['history_tickets'])} tickets: the page's "
                    f"slowest statement (key lines)", [ex["sql"], ""] + ex["key_lines"])
    for r in queues:
        shown = set()
        for p in r["result"]["pages"]:
            top = p["slowest_sql"][0] if p["slowest_sql"] else None
            key = (top or {}).get("sql", "") + (top or {}).get("params", "")[:60]
            if p.get("explain") and p["p95_ms"] > AIM_QUEUE_P95_MS and key not in shown:
                shown.add(key)
                _details(L, f"queue page, {r['database']}, {_fmt_int(r['result']['history_tickets'])} tickets, "
                            f"{p['queue']} page {p['page']}: slowest statement ({top['median_ms']} ms)",
                         [compact_sql(top["sql"]), top.get("params", ""), ""] + p["explain"])


def _largest_per_database(rows: list[dict], size_key: str) -> list[dict]:
    best: dict[str, dict] = {}
    for r in rows:
        if r["database"] not in best or r["result"][size_key] > best[r["database"]]["result"][size_key]:
            best[r["database"]] = r
    return list(best.values())


def _details(L: list[str], summary: str, lines: list[str]) -> None:
    L.append(f"<details><summary>{summary}</summary>")
    L.append("")
    L.append("```")
    L.extend(lines)
    L.append("```")
    L.append("")
    L.append("</details>")
    L.append("")


def _shown_argv(args) -> list[str]:
    shown = []
    defaults = {"--pg-url": None, "--sections": ",".join(SECTIONS), "--sizes": "10000,100000,1000000",
                "--sqlite-sizes": None, "--queries": 500, "--intake-tickets": 2000,
                "--sweep-sizes": "10000,100000,1000000", "--sweep-sqlite-sizes": "10000,100000",
                "--sweep-start": "2026-10-01", "--sweep-worker-batches": 2, "--dashboard-sizes": "100000,1000000",
                "--queue-size": 1_000_000, "--queue-requests": 60, "--http-duration": 30.0, "--http-warmup": 3.0,
                "--http-workers": None, "--http-operators": None, "--http-sqlite-size": 100_000,
                "--http-pg-size": None, "--peer-pg-url": None, "--peer-history": 20_000, "--peer-workers": None,
                "--peer-clients": None, "--peer-duration": None, "--peer-warmup": None, "--peer-escalate": 2000,
                "--seed": 1, "--only": None, "--assume-loaded": False}
    for flag, default in defaults.items():
        value = getattr(args, flag[2:].replace("-", "_"))
        if value is True and default is False:
            shown.append(flag)
        elif value is not None and value != default:
            shown += [flag, redact(value) if flag in ("--pg-url", "--peer-pg-url") else str(value)]
    if args.smoke:
        shown = ["--smoke"]
    return shown


def redact_cmd(command: str) -> str:
    parts = shlex.split(command)
    return " ".join(shlex.quote(redact(p) if p.startswith("postgres") else p) for p in parts)


def _pyplot():
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no plot")
        return None
    return plt


def _count_label(v, _pos=None) -> str:
    for div, suffix in ((1_000_000, "M"), (1_000, "k")):
        if v >= div:
            return f"{v / div:g}{suffix}"
    return f"{v:g}"


def _log_axes(ax) -> None:
    from matplotlib.ticker import FuncFormatter

    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_formatter(FuncFormatter(_count_label))
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}"))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _p: ""))


def _save(fig, plt, path: Path) -> bool:
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return True


def plot(looks: list[dict], path: Path) -> bool:
    """p95 of the repeat lookup against history size, one line per database."""
    plt = _pyplot()
    if plt is None:
        return False
    fig, ax = plt.subplots(figsize=(6.4, 4.0), dpi=120)
    for database, style in (("sqlite", "o-"), ("postgresql", "s-")):
        points = sorted((r["result"]["history_tickets"], r["result"]["p95_ms"]) for r in looks
                        if r["database"] == database and r["result"])
        if points:
            ax.plot([p[0] for p in points], [p[1] for p in points], style, label=database)
            for x, y in points:
                ax.annotate(f"{y:g}", (x, y), textcoords="offset points", xytext=(4, 4), fontsize=8)
    ax.axhline(AIM_P95_MS, color="grey", linestyle="--", linewidth=1, label=f"aim ({AIM_P95_MS:g} ms)")
    ax.set_xscale("log")
    ax.set_xlabel("tickets of history")
    ax.set_ylabel("repeat lookup p95 (ms)")
    ax.set_title("lookup.repeat_candidates, p95 per call")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    return _save(fig, plt, path)


if __name__ == "__main__":
    main()
