"""The one-way seam: tickets never import escalation; escalation reads what tickets commit."""
from __future__ import annotations

import subprocess
import sys

from hotline import ROOT

CODE = """
import importlib, pkgutil, sys
import hotline.tickets as pkg
for m in pkgutil.iter_modules(pkg.__path__):
    importlib.import_module('hotline.tickets.' + m.name)
print(sorted(n for n in sys.modules if n == 'hotline.escalation' or n.startswith('hotline.escalation.')))
"""


def test_importing_every_tickets_module_loads_no_escalation_module():
    out = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", f"hotline.tickets loads {out.stdout.strip()}"


def test_no_tickets_source_names_escalation_in_an_import():
    """Also the lazy imports inside functions, which the test above cannot see."""
    offenders = [f"{path.name}:{n}" for path in (ROOT / "hotline" / "tickets").glob("*.py")
                 for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if "import" in line and "hotline.escalation" in line]
    assert offenders == []


def test_no_two_packages_import_each_other():
    """Dependencies run one way between the packages of hotline/ (module-level and lazy imports)."""
    import ast
    from collections import defaultdict

    deps: dict[str, set[str]] = defaultdict(set)
    for path in (ROOT / "hotline").rglob("*.py"):
        parts = path.relative_to(ROOT).with_suffix("").parts
        me = parts[1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("hotline."):
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("hotline.")]
            deps[me].update(n.split(".")[1] for n in names if n.split(".")[1] != me)
    both_ways = sorted({tuple(sorted((a, b))) for a in deps for b in deps[a] if a in deps.get(b, ())})
    assert both_ways == []
