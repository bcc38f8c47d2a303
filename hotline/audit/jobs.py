"""Background exports with progress."""
from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from rq import get_current_job

from hotline.audit import exports
from hotline.audit.measures import MEASURES, Slice
from hotline.audit.periods import Period
from hotline.job_runtime import job
from hotline.labels import measure_label


@job
def build_export(key: str, month: str, slice_args: dict, part: str, fmt: str, name: str,
                 locale: str = "zh_CN") -> str:
    """Write a large drill-down export to ``instance/exports/<name>`` in the requester's language (``locale``),
    reporting progress in the job's meta."""
    with force_locale(locale):
        return _write_export(key, month, slice_args, part, fmt, name)


def _write_export(key: str, month: str, slice_args: dict, part: str, fmt: str, name: str) -> str:
    period = Period.month(month, current_app.config["TIMEZONE"])
    s = Slice(**slice_args)
    total = exports.count(key, period, s, part)
    current = get_current_job()

    def progress(done: int) -> None:
        if current is not None:
            current.meta.update({"done": min(done, total), "total": total})
            current.save_meta()

    lines = exports.iter_lines(key, period, s, part, progress=progress)
    path = exports.export_dir() / name
    head = exports.headers(key)
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as f:
            for chunk in exports.csv_stream(head, lines):
                f.write(chunk)
    else:
        path.write_bytes(exports.xlsx_bytes(measure_label(MEASURES[key].key), head, lines))
    progress(total)
    return name


@job
def refresh_rollups() -> list[str]:
    """Roll up closed, settled months that have no rollup or a stale one (``rq cron``, every 15 minutes)."""
    from hotline.audit import rollups

    return rollups.refresh()
