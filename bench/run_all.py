"""Run the benchmark suite and write ``docs/BENCHMARKS.md``: ``python -m bench.run_all --pg-url URL``.

For each database (SQLite file, and PostgreSQL when ``--pg-url`` is given) and each history
size, loads the history with ``bench.generate --reset`` and times ``bench.repeat_lookup``; on
the largest history of each database it runs ``bench.intake_service``. Every step runs as its
own process with the command shown in the report; the JSON lines are appended to
``bench/out/results.jsonl``. Then it writes the report (figures, machine, date, commands) and
the plot ``docs/bench_repeat_lookup.png`` (p95 against history size, one line per database).

The section of the report between ``<!-- BEGIN NOTES -->`` and ``<!-- END NOTES -->`` is
written by people and kept when the report is regenerated.

Small sizes run in seconds (``--sizes 1000 --queries 50 --intake-tickets 50``), for CI.
"""
from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

from bench.common import ROOT, log, machine, redact

NOTES_BEGIN = "<!-- BEGIN NOTES -->"
NOTES_END = "<!-- END NOTES -->"
AIM_P95_MS = 10.0


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
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        lines = [line for line in proc.stderr.strip().splitlines() if "Error" in line or "error" in line]
        return None, shown, elapsed, f"exit status {proc.returncode}: {(lines or ['?'])[-1].strip()[:300]}"
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    return json.loads(lines[-1]), shown, elapsed, None


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run_all", description=__doc__.split("\n\n")[0])
    parser.add_argument("--pg-url", help="PostgreSQL database to load and measure (it is reset!)")
    parser.add_argument("--sqlite-dir", default="/tmp", help="where the SQLite files go")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="history sizes, comma-separated")
    parser.add_argument("--sqlite-sizes", help="sizes for SQLite (default: --sizes)")
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--intake-tickets", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--load-timeout", type=float, default=1800, help="give up a load after this many seconds")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="measure one database only")
    parser.add_argument("--report", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    parser.add_argument("--plot", default=str(ROOT / "docs" / "bench_repeat_lookup.png"))
    parser.add_argument("--results", default=str(ROOT / "bench" / "out" / "results.jsonl"))
    parser.add_argument("--from-results", metavar="JSONL",
                        help="do not measure: rewrite the report from a results file of an earlier run")
    args = parser.parse_args(argv)

    if args.from_results:
        run = [json.loads(line) for line in Path(args.from_results).read_text().splitlines() if line.strip()]
        run = [r for r in run if r.get("run") == run[-1].get("run")]
        write_report(run, args)
        return

    sizes = [int(s) for s in args.sizes.split(",")]
    sqlite_sizes = [int(s) for s in (args.sqlite_sizes or args.sizes).split(",")]
    targets = []
    if args.only in (None, "sqlite"):
        targets += [("sqlite", size, f"sqlite:///{Path(args.sqlite_dir).resolve()}/bench-{size}.db")
                    for size in sqlite_sizes]
    if args.pg_url and args.only in (None, "postgresql"):
        targets += [("postgresql", size, args.pg_url) for size in sizes]
    run_id = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    results_path = Path(args.results)
    results_path.parent.mkdir(parents=True, exist_ok=True)
    run: list[dict] = []

    def record(kind: str, database: str, size: int, result, command, seconds, error):
        row = {"run": run_id, "step": kind, "database": database, "size": size, "command": command,
               "wall_s": round(seconds, 1), "error": error, "loadavg": os.getloadavg(), "result": result}
        run.append(row)
        with results_path.open("a") as f:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")

    run.append({"run": run_id, "step": "machine", "result": machine(), "database": None, "size": None,
                "started": datetime.now(timezone.utc).isoformat(timespec="seconds"), "git": git_state(),
                "argv": _shown_argv(args),
                "server_versions": server_versions(args.pg_url if args.only != "sqlite" else None)})
    for database in ("sqlite", "postgresql"):
        mine = [(size, url) for db, size, url in targets if db == database]
        loaded = []
        for size, url in mine:
            if database == "sqlite":
                for suffix in ("", "-wal", "-shm"):
                    Path(url[len("sqlite:///"):] + suffix).unlink(missing_ok=True)
            res, cmd, secs, err = run_step(["bench.generate", "--database-url", url, "--tickets", str(size),
                                            "--seed", str(args.seed), "--reset"], args.load_timeout)
            record("generate", database, size, res, cmd, secs, err)
            if err:
                log(f"{database} {size}: load failed ({err}); not measured")
                continue
            loaded.append((size, url))
            res, cmd, secs, err = run_step(["bench.repeat_lookup", "--database-url", url, "--queries",
                                            str(args.queries), "--seed", str(args.seed), "--explain"], None)
            record("repeat_lookup", database, size, res, cmd, secs, err)
        if loaded:
            size, url = loaded[-1]
            res, cmd, secs, err = run_step(["bench.intake_service", "--database-url", url, "--tickets",
                                            str(args.intake_tickets), "--seed", str(args.seed)], None)
            record("intake_service", database, size, res, cmd, secs, err)
    run[0]["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
    with results_path.open("a") as f:
        f.write(json.dumps(run[0], ensure_ascii=False) + "\n")
    write_report(run, args)


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


def write_report(run: list[dict], args) -> None:
    meta = next(r for r in run if r["step"] == "machine")
    m = meta["result"]
    versions = meta.get("server_versions", {})
    steps = [r for r in run if r["step"] != "machine"]
    gens = [r for r in steps if r["step"] == "generate"]
    looks = [r for r in steps if r["step"] == "repeat_lookup"]
    intakes = [r for r in steps if r["step"] == "intake_service"]
    plot_ok = plot(looks, Path(args.plot))
    report = Path(args.report)
    notes = f"{NOTES_BEGIN}\n_No notes yet._\n{NOTES_END}"
    if report.exists():
        old = report.read_text()
        if NOTES_BEGIN in old and NOTES_END in old:
            notes = old[old.index(NOTES_BEGIN): old.index(NOTES_END) + len(NOTES_END)]
    L = []
    L.append("# Benchmarks")
    L.append("")
    L.append("Generated by `python -m bench.run_all` (see [How to run](#how-to-run)); the notes section is "
             "written by hand and kept when the report is regenerated. Raw JSON lines: "
             "`bench/out/results.jsonl` (not committed).")
    L.append("")
    L.append(f"Measured {meta.get('started', '?')} – {meta.get('finished', '?')} (UTC), run `{run[0]['run']}`.")
    L.append("")
    L.append("## Summary")
    L.append("")
    L.append(f"Aim: repeat lookup (`lookup.repeat_candidates`) p95 ≤ {AIM_P95_MS:g} ms with 1,000,000 tickets "
             "of history.")
    L.append("")
    L.append("| database | history | p50 ms | p95 ms | p99 ms | max ms | SQL p95 ms | rank p95 ms | rows/query (mean, max) | aim met |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in looks:
        res = r["result"]
        if not res:
            L.append(f"| {r['database']} | {_fmt_int(r['size'])} | — | — | — | — | — | — | — | not measured: {r['error']} |")
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
    L.append("| database | history | tickets | tickets/s | p50 ms | p95 ms | p99 ms | max ms | SQL statements/ticket (mean, max) | Redis | routing |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for r in intakes:
        res = r["result"]
        if not res:
            L.append(f"| {r['database']} | {_fmt_int(r['size'])} | — | — | — | — | — | — | — | — | failed: {r['error']} |")
            continue
        rules = ", ".join(f"{k} {v}" for k, v in res["rules"].items())
        sql = res.get("sql_statements_per_ticket", {})
        L.append(f"| {r['database']} | {_fmt_int(res['history_tickets'])} | {res['tickets']} | "
                 f"{res['tickets_per_s']} | {res['p50_ms']} | {res['p95_ms']} | {res['p99_ms']} | {res['max_ms']} | "
                 f"{sql.get('mean', '—')}, {sql.get('max', '—')} | {res.get('redis', '—')} | {rules} |")
    L.append("")
    L.append("### Loading (`bench.generate`)")
    L.append("")
    L.append("| database | tickets | assignments | events | callbacks | chains | repeat rate | load s | index s | analyze s | total s | tickets/s |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in gens:
        res = r["result"]
        if not res:
            L.append(f"| {r['database']} | {_fmt_int(r['size'])} | — | — | — | — | — | — | — | — | "
                     f"{r['wall_s']} | {r['error']} |")
            continue
        p = res["phases_s"]
        L.append(f"| {r['database']} | {_fmt_int(res['tickets'])} | {_fmt_int(res['assignments'])} | "
                 f"{_fmt_int(res['events'])} | {_fmt_int(res['callbacks'])} | {_fmt_int(res['chains'])} | "
                 f"{res['repeat_rate']:.1%} | {p['load_s']} | {p['index_s']} | {p['analyze_s']} | {res['elapsed_s']} | "
                 f"{_fmt_int(int(res['tickets_per_s']))} |")
    states = next((r["result"]["states"] for r in reversed(gens) if r["result"]), None)
    if states:
        L.append("")
        L.append("Ticket states in the largest history: " + ", ".join(f"{k} {_fmt_int(v)}" for k, v in states.items())
                 + ".")
    L.append("")
    L.append("## Machine")
    L.append("")
    L.append(f"- CPU: {m.get('cpu')} × {m.get('nproc')} (nproc)")
    L.append(f"- Memory: {m.get('memory_gib')} GiB; kernel {m.get('kernel')}")
    L.append(f"- Python {m.get('python')}; SQLite {versions.get('sqlite', m.get('sqlite'))}")
    if meta.get("git"):
        dirty = meta["git"].get("uncommitted_files")
        L.append(f"- Code: git `{meta['git']['head']}` at the start of the run"
                 + (f", with {dirty} uncommitted files" if dirty is not None else ""))
    if versions.get("postgresql"):
        L.append(f"- {versions['postgresql']}")
        if versions.get("postgresql_settings"):
            L.append("- PostgreSQL settings (stock `initdb`, nothing tuned): " + ", ".join(
                f"`{k}={v}`" for k, v in versions["postgresql_settings"].items()))
    loads = [tuple(round(x, 2) for x in r["loadavg"]) for r in steps if r.get("loadavg")]
    if loads:
        L.append(f"- Load average (1, 5, 15 min) after each step ranged {min(x[0] for x in loads)}–"
                 f"{max(x[0] for x in loads)} (1 min): the machine was shared with other work during the run, "
                 "so figures are noisy upper bounds.")
    L.append("")
    L.append("## How to run")
    L.append("")
    L.append("```sh")
    L.append("python -m pip install -e '.[bench]'   # matplotlib==3.11.2 (plot), pyinstrument==5.1.3 (--profile)")
    L.append("python -m bench.run_all --pg-url postgresql://USER@HOST:PORT/DB   # resets that database!")
    L.append("python -m bench.run_all --sizes 1000 --queries 50 --intake-tickets 50   # a smoke run in seconds")
    L.append("```")
    L.append("")
    L.append("The commands this report was made with, in order (the PostgreSQL URL as given to `run_all`):")
    L.append("")
    L.append("```sh")
    L.append(f"python -m bench.run_all {' '.join(shlex.quote(a) for a in meta.get('argv', _shown_argv(args)))}")
    for r in steps:
        L.append(redact_cmd(r["command"]))
    L.append("```")
    L.append("")
    L.append("Each script prints one JSON line; `--help` lists the options. `bench.repeat_lookup --profile FILE` "
             "writes a pyinstrument profile; `--explain` adds the plan of the slowest query.")
    L.append("")
    slow = [r for r in looks if r["result"] and r["result"].get("explain")]
    if slow:
        L.append("## Plans of the slowest repeat lookup")
        L.append("")
        for r in slow:
            res = r["result"]
            L.append(f"<details><summary>{r['database']}, {_fmt_int(res['history_tickets'])} tickets: "
                     f"{res['slowest']['ms']} ms ({res['slowest']['kind']} query, {res['slowest']['rows']} rows)"
                     "</summary>")
            L.append("")
            L.append("```")
            L.extend(res["explain"])
            L.append("```")
            L.append("")
            L.append("</details>")
            L.append("")
    L.append("## Notes")
    L.append("")
    L.append(notes)
    L.append("")
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text("\n".join(L))
    log(f"report written to {report}")


def _shown_argv(args) -> list[str]:
    shown = []
    for flag, value, default in (("--pg-url", args.pg_url, None), ("--sizes", args.sizes, "10000,100000,1000000"),
                                 ("--sqlite-sizes", args.sqlite_sizes, None), ("--queries", args.queries, 500),
                                 ("--intake-tickets", args.intake_tickets, 2000), ("--seed", args.seed, 1),
                                 ("--only", args.only, None)):
        if value is not None and value != default:
            shown += [flag, redact(value) if flag == "--pg-url" else str(value)]
    return shown


def redact_cmd(command: str) -> str:
    parts = shlex.split(command)
    return " ".join(shlex.quote(redact(p) if p.startswith("postgres") else p) for p in parts)


def plot(looks: list[dict], path: Path) -> bool:
    """p95 of the repeat lookup against history size, one line per database."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("matplotlib is not installed: no plot")
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
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return True


if __name__ == "__main__":
    main()
