"""Working time sits below every feature package: importing it loads none of them."""
from __future__ import annotations

import subprocess
import sys

from hotline import ROOT

ABOVE = ("hotline.tickets", "hotline.escalation", "hotline.directory", "hotline.audit", "hotline.admin")


def test_worktime_imports_no_package_above_it():
    code = ("import importlib, pkgutil, sys, hotline.worktime as w\n"
            "for m in pkgutil.iter_modules(w.__path__): importlib.import_module('hotline.worktime.' + m.name)\n"
            f"print(sorted({{n.rsplit('.', 1)[0] if n.count('.') > 1 else n "
            f"for n in sys.modules if n.startswith({ABOVE!r})}}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"hotline.worktime loads {out.stdout.strip()}"
