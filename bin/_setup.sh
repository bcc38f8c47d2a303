# Sourced by bin/run and bin/test: create .venv, install Hotline (re-installing only when
# pyproject.toml changes), and compile the translations. Needs Python 3.11+.
set -euo pipefail
extras="${1:-}"
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "hotline: creating .venv with $($PYTHON --version)"
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.hotline-installed$extras"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "hotline: installing dependencies (pinned in pyproject.toml)"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".$extras"
  echo "$want" > "$stamp"
fi
.venv/bin/pybabel compile --use-fuzzy -d hotline/translations -D messages >/dev/null
