#!/usr/bin/env bash
# CI smoke run of the benchmark suite: every benchmark (generate, repeat_lookup, intake_service,
# sweep with the rq worker, dashboard, queue_page, intake_http through gunicorn, by the form and the
# JSON API) at a tiny size on
# SQLite and an embedded Redis, in a temporary directory (docs/ is not touched). Exits non-zero if
# any benchmark fails. Takes well under a minute.
#
#   bench/smoke.sh                 # uses .venv/bin/python if present, else $PYTHON, else python3
#   PYTHON=/path/to/python bench/smoke.sh
#
# The interpreter needs the project installed (pip install -e .); psutil and matplotlib are optional.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${PYTHON:-}" ]; then
  py="$PYTHON"
elif [ -x .venv/bin/python ]; then
  py=.venv/bin/python
else
  py=python3
fi
exec "$py" -m bench.run_all --smoke "$@"
